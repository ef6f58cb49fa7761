import { createWriteStream } from 'node:fs';
import { access, constants, lstat, mkdir, open, realpath, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { FilesConfig } from '../config/config.js';
import { DbsyncError } from '../errors/dbsync-error.js';
import { ExitCode } from '../errors/exit-codes.js';
import { describeFsError } from '../errors/fs-error.js';
import { TEMP_SUFFIX } from '../fs/atomic-file.js';
import type { Git } from '../git/git.js';
import { guardCommittedSnapshot } from '../project/snapshot-guard.js';
import { FILES_DIR } from '../snapshot/layout.js';
import { deniedFile } from './deny-list.js';
import { compileGlobs } from './file-globs.js';
import { unsafeNameReason } from './file-path.js';
import { scanFiles } from './scan-files.js';

/** What a restore does with the files of DBSYNC_FILES (paths relative to the root, in path order). */
export interface FilesRestorePlan {
  readonly commit: string;
  /** Where the files are written: DBSYNC_FILES_ROOT, or the folder of `--files-to`. */
  readonly to: string;
  /** false: `--files-to`: the snapshot's files are written there and nothing is removed anywhere. */
  readonly intoRoot: boolean;
  readonly add: readonly string[];
  readonly change: readonly string[];
  /** Files in the root that DBSYNC_FILES names and the snapshot lacks. */
  readonly remove: readonly string[];
  /** Files of the snapshot that DBSYNC_FILES no longer names: not written. */
  readonly outside: readonly string[];
  /** Path in the repository of each file to write. */
  readonly sources: ReadonlyMap<string, string>;
}

function unsafe(message: string, hint: string): DbsyncError {
  return new DbsyncError({ operation: 'restore files', message, hint, exitCode: ExitCode.Unsafe });
}

/**
 * Plan the files part of a restore, before anything is touched. A path read from the repository is
 * untrusted: an absolute or climbing path, `.git`, a control character, or a name of the deny list
 * (a repository must not be able to write `ipconfig.php`) refuses the whole restore (exit 5);
 * symlinks and gitlinks are refused by the snapshot guard. Files are removed only where DBSYNC_FILES
 * names them (inside the root; never what the scan leaves out: links, oversize files, the deny list).
 * A root that cannot be written (a read-only mount) refuses the restore when files must change.
 */
export async function planFilesRestore(git: Git, commit: string, snapshotPath: string, cfg: FilesConfig, filesTo: string | null): Promise<FilesRestorePlan> {
  const under = `${snapshotPath ? `${snapshotPath}/` : ''}${FILES_DIR}/`;
  const globs = compileGlobs(cfg.patterns);
  const sources = new Map<string, string>();
  const outside: string[] = [];
  for (const e of await guardCommittedSnapshot(git, commit, snapshotPath)) {
    if (!e.path.startsWith(under)) continue;
    const rel = e.path.slice(under.length);
    const why = unsafeNameReason(rel);
    const fix = `the commit ${commit.slice(0, 12)} was refused: remove the file in a new commit (or restore an older commit); nothing was changed`;
    if (why) throw unsafe(`${JSON.stringify(e.path)} in commit ${commit.slice(0, 12)} is ${why}: git-dbsync never writes it`, fix);
    if (deniedFile(rel))
      throw unsafe(`${e.path} in commit ${commit.slice(0, 12)} is on the deny list (secrets of the application): git-dbsync never writes it`, fix);
    if (globs.matches(rel)) sources.set(rel, e.path);
    else outside.push(rel);
  }
  const byPath = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  if (filesTo !== null) {
    const to = path.resolve(filesTo);
    return { commit, to, intoRoot: false, add: [...sources.keys()].sort(byPath), change: [], remove: [], outside: outside.sort(byPath), sources };
  }
  const live = (await scanFiles(cfg)).files.map((f) => f.rel);
  const liveSet = new Set(live);
  const shas = await git.hashFiles(live.filter((r) => sources.has(r)).map((r) => path.join(cfg.root, r)));
  const liveSha = new Map(live.filter((r) => sources.has(r)).map((r, i) => [r, shas[i]!]));
  const blobs = new Map((await guardCommittedSnapshot(git, commit, snapshotPath)).map((e) => [e.path, e.sha]));
  const add: string[] = [];
  const change: string[] = [];
  for (const [rel, repoPath] of sources) {
    if (!liveSet.has(rel)) add.push(rel);
    else if (liveSha.get(rel) !== blobs.get(repoPath)) change.push(rel);
  }
  const remove = live.filter((r) => !sources.has(r));
  const plan = { commit, to: cfg.root, intoRoot: true, add: add.sort(byPath), change: change.sort(byPath), remove, outside: outside.sort(byPath), sources };
  if (add.length + change.length + remove.length > 0) await refuseReadOnly(cfg.root, add.length + change.length + remove.length);
  return plan;
}

async function refuseReadOnly(root: string, n: number): Promise<void> {
  try {
    await access(root, constants.W_OK);
  } catch (err) {
    throw new DbsyncError({
      operation: 'restore files',
      message: `DBSYNC_FILES_ROOT ${root} cannot be written (${describeFsError(err)}), and ${n} file(s) would change there; nothing was changed`,
      hint: 'write the files of the snapshot elsewhere with `--files-to DIR` (then copy them into the application), or mount the folder read-write for the restore',
      exitCode: ExitCode.Config,
    });
  }
}

/** The plan in lines for `restore` (null when it changes nothing and leaves nothing out). */
export function describeFilesPlan(p: FilesRestorePlan, dryRun: boolean): string[] {
  const would = dryRun ? 'would ' : '';
  const list = (xs: readonly string[]) => (xs.length > 5 ? `${xs.slice(0, 5).join(', ')} and ${xs.length - 5} more` : xs.join(', '));
  const lines: string[] = [];
  if (!p.intoRoot) lines.push(`- ${would}write the snapshot's ${p.add.length} file(s) into ${p.to} (--files-to; DBSYNC_FILES_ROOT is left alone)`);
  else {
    if (p.add.length) lines.push(`- ${would}add ${p.add.length} file(s): ${list(p.add)}`);
    if (p.change.length) lines.push(`- ${would}replace ${p.change.length} file(s): ${list(p.change)}`);
    if (p.remove.length) lines.push(`- ${would}remove ${p.remove.length} file(s) the snapshot lacks: ${list(p.remove)}`);
  }
  if (p.outside.length) lines.push(`- leave alone file(s) of the snapshot that DBSYNC_FILES no longer names: ${list(p.outside)}`);
  return lines;
}

/**
 * Write the plan: each file through a temporary file in its own folder, fsync, rename (atomic per
 * file); then the removals. Every folder on the way below the destination is checked to be a real
 * folder (lstat, never a symlink) before anything is written in it.
 */
export async function applyFilesRestore(git: Git, plan: FilesRestorePlan): Promise<void> {
  await mkdir(plan.to, { recursive: true });
  const top = await realpath(plan.to);
  for (const rel of [...plan.add, ...plan.change]) {
    const file = await safePath(top, rel, true);
    const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}${TEMP_SUFFIX}`);
    try {
      await pipeline(git.streamBlob(plan.commit, plan.sources.get(rel)!), createWriteStream(tmp, { flags: 'wx', mode: 0o644 }));
      const fh = await open(tmp, 'r');
      await fh.sync().finally(() => fh.close());
      await rename(tmp, file);
    } catch (err) {
      await unlink(tmp).catch(() => undefined);
      throw writeError(plan.to, err);
    }
  }
  for (const rel of plan.remove) {
    const file = await safePath(top, rel, false);
    await unlink(file).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw writeError(plan.to, err);
    });
  }
}

function writeError(to: string, err: unknown): DbsyncError {
  if (err instanceof DbsyncError) return err;
  return new DbsyncError({
    operation: 'restore files',
    message: `cannot write the files into ${to} (${describeFsError(err)}); the database is restored, the files in part`,
    hint: 'fix the folder (space, permissions) and run the same restore again: it writes what still differs',
    cause: err,
  });
}

/** `top/rel` with every folder on the way a real folder (created when `create`), never a link. */
async function safePath(top: string, rel: string, create: boolean): Promise<string> {
  const parts = rel.split('/');
  let cur = top;
  for (const part of parts.slice(0, -1)) {
    cur = path.join(cur, part);
    const st = await lstat(cur).catch(() => null);
    if (!st && create) await mkdir(cur);
    else if (st && !st.isDirectory()) {
      throw unsafe(`${cur} is not a real folder (a symbolic link or a file): git-dbsync never writes through it`, 'remove it and run the restore again');
    }
  }
  const file = path.join(cur, parts.at(-1)!);
  const st = await lstat(file).catch(() => null);
  if (st && !st.isFile())
    throw unsafe(
      `${file} is not a regular file (a symbolic link, folder or special file): git-dbsync never writes over it`,
      'remove it and run the restore again',
    );
  return file;
}
