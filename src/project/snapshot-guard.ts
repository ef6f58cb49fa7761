import { lstat, readdir } from 'node:fs/promises';
import path from 'node:path';
import { DbsyncError } from '../errors/dbsync-error.js';
import { ExitCode } from '../errors/exit-codes.js';
import type { Git, TreeEntry } from '../git/git.js';

/**
 * The one guard of the snapshot folder. git-dbsync writes and deletes files in it with plain file
 * system calls, which follow symbolic links: a symlink there (made locally, or checked out from a
 * pulled commit) would send those writes and deletes outside the repository. So every stage that
 * writes into the folder, and every commit whose files are read or checked out, passes through one
 * of the two checks below first; they refuse instead of following anything.
 *
 * Allowed are real folders and regular files, nothing else: no symlinks, no FIFOs, sockets or
 * devices (a FIFO would block a pass for ever), and in git trees no gitlinks (submodules).
 */

/** What the guard needs of a project (not the whole Project: openProject checks before it has one). */
export interface GuardedFolder {
  /** Top of the working tree, a real path (no symlink in it). */
  readonly top: string;
  /** Snapshot folder, absolute, inside `top`. */
  readonly snapshotAbs: string;
}

function refusal(where: string, what: string, fix: string): DbsyncError {
  return new DbsyncError({
    operation: 'check snapshot folder',
    message: `${where} is ${what}; git-dbsync never follows links or special files in the snapshot folder, nothing was written`,
    hint: fix,
    exitCode: ExitCode.Unsafe,
  });
}

const LOCAL_FIX = 'remove it (and `git rm --cached` it if it is committed), then run again: git-dbsync recreates the snapshot files';

function kindOf(st: { isSymbolicLink(): boolean; isFIFO(): boolean; isSocket(): boolean; isBlockDevice(): boolean; isCharacterDevice(): boolean }): string {
  if (st.isSymbolicLink()) return 'a symbolic link';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  if (st.isBlockDevice() || st.isCharacterDevice()) return 'a device file';
  return 'not a regular file';
}

/**
 * The working tree: each folder from the top of the repository down to the snapshot folder is a
 * real folder (not a symlink), and everything inside the snapshot folder is a real folder or a
 * regular file. A snapshot folder that does not exist yet passes (it is created as a real one).
 */
export async function guardWorkingSnapshot(folder: GuardedFolder): Promise<void> {
  const rel = path.relative(folder.top, folder.snapshotAbs);
  if (rel.startsWith('..') || path.isAbsolute(rel)) {
    throw refusal(folder.snapshotAbs, 'outside the repository', 'set DBSYNC_DIR to a folder inside PROJECT_DIR');
  }
  let cur = folder.top;
  for (const part of rel.split(path.sep).filter(Boolean)) {
    cur = path.join(cur, part);
    const st = await lstat(cur).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return null;
      throw err;
    });
    if (!st) return;
    if (!st.isDirectory()) throw refusal(path.relative(folder.top, cur), st.isFile() ? 'a file, not a folder' : kindOf(st), LOCAL_FIX);
  }
  await walk(folder.top, folder.snapshotAbs);
}

async function walk(top: string, dir: string): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [];
    throw err;
  });
  for (const e of entries) {
    const abs = path.join(dir, e.name);
    if (e.isDirectory()) await walk(top, abs);
    else if (!e.isFile()) throw refusal(path.relative(top, abs), kindOf(e), LOCAL_FIX);
  }
}

const FILE_MODES = new Set(['100644', '100755']);

/**
 * A commit's tree (git's own listing, so nothing is checked out to find out): every entry under
 * the snapshot folder is a folder or a regular file, and no folder on the way to it is anything
 * else. Returns the listing (blobs only) so that callers read the tree once.
 */
export async function guardCommittedSnapshot(git: Git, rev: string, snapshotPath: string): Promise<TreeEntry[]> {
  const entries = await git.treeEntries(rev, snapshotPath);
  const commitFix = `the commit ${rev.slice(0, 12)} was refused: remove the entry in a new commit on the remote (or restore an older commit), then run again`;
  for (const e of entries) {
    const what = e.mode === '120000' ? 'a symbolic link' : e.mode === '160000' ? 'a submodule (gitlink)' : null;
    if (what) throw refusal(`${e.path} in commit ${rev.slice(0, 12)}`, what, commitFix);
    if (e.type === 'blob' && !FILE_MODES.has(e.mode)) throw refusal(`${e.path} in commit ${rev.slice(0, 12)}`, `of unknown mode ${e.mode}`, commitFix);
  }
  if (snapshotPath && !entries.some((e) => e.path === snapshotPath)) {
    // The folder is absent at that commit: no folder on its way may be a link either (a pass would create it there).
    const parts = snapshotPath.split('/');
    for (let i = 1; i <= parts.length; i++) {
      const p = parts.slice(0, i).join('/');
      const [own] = await git.treeEntries(rev, p, { recursive: false });
      if (!own) break;
      if (own.type !== 'tree') throw refusal(`${p} in commit ${rev.slice(0, 12)}`, own.mode === '120000' ? 'a symbolic link' : 'not a folder', commitFix);
    }
  }
  return entries.filter((e) => e.type === 'blob');
}
