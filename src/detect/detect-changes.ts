import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { filesEqual } from '../fs/files-equal.js';
import { TEMP_SUFFIX } from '../fs/atomic-file.js';
import { DATA_DIR, dataFileTable, encodeTableFileName, HISTORY_DIR, historyFileTable, isSnapshotPath, TABLES_DIR } from '../snapshot/layout.js';
import type { StagedSnapshot } from '../snapshot/take-snapshot.js';

/** Which files of the working tree's snapshot folder must change to equal a staged snapshot. */
export interface ChangeSet {
  /** Relative paths whose staged version differs from (or is missing in) the working tree. */
  readonly write: readonly string[];
  /** Relative paths of snapshot files (and leftover temporary files) that the new snapshot no longer has. */
  readonly remove: readonly string[];
}

/** The snapshot files now in the working tree folder (relative paths), plus stray temporary files. */
export async function listWorkingSnapshot(snapshotAbs: string): Promise<{ files: string[]; temps: string[] }> {
  const files: string[] = [];
  const temps: string[] = [];
  for (const sub of ['', TABLES_DIR, DATA_DIR, HISTORY_DIR]) {
    const entries = await readdir(path.join(snapshotAbs, sub), { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      if (!e.isFile()) continue;
      const rel = sub ? `${sub}/${e.name}` : e.name;
      if (e.name.endsWith(TEMP_SUFFIX)) temps.push(rel);
      else if (isSnapshotPath(rel)) files.push(rel);
    }
  }
  return { files, temps };
}

/** Compare byte for byte: a snapshot is deterministic, so equal bytes mean no change. */
export async function detectChanges(staged: StagedSnapshot, snapshotAbs: string): Promise<ChangeSet> {
  const { files, temps } = await listWorkingSnapshot(snapshotAbs);
  const stagedSet = new Set(staged.files);
  // The data files of tables whose rows were kept (not read) stay exactly as they are.
  const keptStems = new Set((staged.keptRows ?? []).map((t) => encodeTableFileName(t)));
  // So do the chunks of tables read only in part that were not read again.
  const keptFiles = new Set(staged.keptFiles ?? []);
  const kept = (rel: string) => {
    if (keptFiles.has(rel)) return true;
    // A kept table's history file (system-versioning.ts) too: it was not read either.
    const stem = dataFileTable(rel) ?? historyFileTable(rel);
    return stem !== null && keptStems.has(stem);
  };
  const write: string[] = [];
  for (const rel of staged.files) {
    if (!(await filesEqual(path.join(staged.dir, rel), path.join(snapshotAbs, rel)))) write.push(rel);
  }
  const remove = [...files.filter((f) => !stagedSet.has(f) && !kept(f)), ...temps];
  return { write, remove };
}
