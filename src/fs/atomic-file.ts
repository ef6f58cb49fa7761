import { copyFile, mkdir, open, rename, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';

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
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
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
