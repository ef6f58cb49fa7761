import { copyFile, mkdir, open, readdir, rename, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { errnoCode } from '../errors/fs-error.js';

/** Suffix of temporary files; a crash may leave one, the next pass removes it. */
export const TEMP_SUFFIX = '.dbsync-tmp';

async function fsyncPath(p: string, flags = 'r'): Promise<void> {
  const fh = await open(p, flags);
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** fsync a directory so a rename in it survives a power cut (best effort where unsupported). */
export async function fsyncDir(dir: string): Promise<void> {
  try {
    await fsyncPath(dir);
  } catch {
    // Some file systems refuse fsync on directories; the rename itself is still atomic.
  }
}

/**
 * Move a finished file into place atomically: readers see the old file or the new one, never part.
 * Across file systems (EXDEV) the file is first copied next to the target, then renamed.
 */
export async function moveIntoPlace(from: string, to: string): Promise<void> {
  await mkdir(path.dirname(to), { recursive: true });
  await fsyncPath(from);
  try {
    await rename(from, to);
  } catch (err) {
    if (errnoCode(err) !== 'EXDEV') throw err;
    const tmp = to + TEMP_SUFFIX;
    await copyFile(from, tmp);
    await fsyncPath(tmp);
    await rename(tmp, to);
    await unlink(from);
  }
}

/** Write a small file atomically (temp name in the same folder, fsync, rename). */
export async function writeFileAtomic(file: string, data: string | Buffer): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}${TEMP_SUFFIX}`;
  try {
    await writeFile(tmp, data);
    await fsyncPath(tmp);
    await rename(tmp, file);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
}

/** Age after which a temporary file of a process that seems alive is taken for abandoned anyway (its pid may be reused). */
const ABANDONED_TEMP_MS = 60_000;

/** True while a process with this id exists (EPERM: it exists but belongs to another user). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return errnoCode(err) === 'EPERM';
  }
}

/**
 * Remove the temporary files that writeFileAtomic calls of killed processes left in `dir`
 * (`<file>.<pid>.dbsync-tmp`): those of a process that no longer runs, and any older than a minute
 * (after a container restart the pid may belong to someone else, even to this process).
 * Returns the names removed.
 */
export async function removeAbandonedTemps(dir: string): Promise<string[]> {
  const removed: string[] = [];
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names) {
    const m = /\.(\d+)\.dbsync-tmp$/.exec(name);
    if (!m) continue;
    const file = path.join(dir, name);
    const pid = Number(m[1]);
    // A live process (this one included) may be writing it right now: only a minute-old one is left over.
    if (pid === process.pid || processAlive(pid)) {
      const st = await stat(file).catch(() => null);
      if (!st || Date.now() - st.mtimeMs < ABANDONED_TEMP_MS) continue;
    }
    await unlink(file).then(
      () => removed.push(name),
      (err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err;
      },
    );
  }
  return removed;
}
