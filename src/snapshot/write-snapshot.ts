import { rm, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { ChangeSet } from '../detect/detect-changes.js';
import { fsyncDir, moveIntoPlace } from '../fs/atomic-file.js';
import { DbsyncError } from '../errors/dbsync-error.js';
import { describeFsError, writeFailureHint } from '../errors/fs-error.js';
import type { StagedSnapshot } from './take-snapshot.js';

/**
 * Put a staged snapshot into the working tree: each changed file is renamed into place (atomic
 * per file), gone files are removed. Only called once the whole snapshot was read successfully,
 * so a failed read never touches the working tree, and the commit only ever sees complete passes.
 */
export async function writeSnapshot(staged: StagedSnapshot, changes: ChangeSet, snapshotAbs: string): Promise<void> {
  try {
    const dirs = new Set<string>();
    for (const rel of changes.write) {
      const to = path.join(snapshotAbs, rel);
      await moveIntoPlace(path.join(staged.dir, rel), to);
      dirs.add(path.dirname(to));
    }
    for (const rel of changes.remove) {
      await unlink(path.join(snapshotAbs, rel)).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err;
      });
      dirs.add(path.dirname(path.join(snapshotAbs, rel)));
    }
    for (const d of dirs) await fsyncDir(d);
  } catch (err) {
    throw new DbsyncError({
      operation: 'write snapshot',
      message: `cannot write to ${snapshotAbs} (${describeFsError(err)})`,
      hint: writeFailureHint(err, 'the snapshot folder', 'the last commit is intact', 'the last commit is intact and the next pass completes the snapshot'),
      cause: err,
    });
  }
}

/** Best effort: a staging folder that cannot be removed (read-only file system) must not hide the pass's real error; the next pass replaces it. */
export async function discardStaging(staged: { dir: string }): Promise<void> {
  await rm(staged.dir, { recursive: true, force: true }).catch(() => undefined);
}
