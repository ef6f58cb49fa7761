import { constants, createWriteStream } from 'node:fs';
import { chmod, lstat, mkdir, open, readdir, rm, rmdir, unlink, utimes } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { FilesConfig } from '../config/config.js';
import { moveIntoPlace } from '../fs/atomic-file.js';
import { scanFiles, type SkippedFile, type SourceFile } from './scan-files.js';

/** What mirroring the files into the snapshot folder did. */
export interface FilesMirror {
  /** Files copied (new or changed) and removed in the snapshot's files/ folder. */
  readonly written: number;
  readonly removed: number;
  /** Files DBSYNC_FILES names that are not versioned, each with its one-line reason. */
  readonly skipped: readonly SkippedFile[];
  /** Files versioned, and their total size. */
  readonly files: number;
  readonly totalBytes: number;
}

/** How often a file that changes while it is copied is tried again in one pass before it waits for the next. */
const COPY_TRIES = 3;

/**
 * Make `filesAbs` (the snapshot's files/ folder) a copy of the files DBSYNC_FILES names: copy what
 * is new or changed, remove what is gone. Each file is copied to `tempDir` (on the repository's
 * file system), checked to be the file the scan saw and unchanged while it was read, then renamed
 * into place: a commit never holds half a file. A file is unchanged (not read again) when its copy
 * has its size and modification time (the copy is given the source's; git ignores it), as rsync
 * decides. The source is opened with O_NOFOLLOW and compared with the scan's device and inode, so
 * a symlink put in its place after the scan is not followed either.
 */
export async function mirrorFiles(cfg: FilesConfig, filesAbs: string, tempDir: string): Promise<FilesMirror> {
  const scan = await scanFiles(cfg);
  const skipped: SkippedFile[] = [...scan.skipped];
  await rm(tempDir, { recursive: true, force: true });
  await mkdir(tempDir, { recursive: true });
  let written = 0;
  let n = 0;
  const keep = new Set<string>();
  try {
    for (const f of scan.files) {
      const dest = path.join(filesAbs, f.rel);
      if (await sameCopy(dest, f)) {
        keep.add(f.rel);
        continue;
      }
      const tmp = path.join(tempDir, String(n++));
      const why = await copyStable(path.join(cfg.root, f.rel), f, tmp, cfg.maxFileBytes);
      if (why) {
        skipped.push({ rel: f.rel, reason: `${f.rel} ${why}` });
        // The last complete copy stays (the next pass tries again): never a half-written one.
        if ((await lstat(dest).catch(() => null))?.isFile()) keep.add(f.rel);
        continue;
      }
      await moveIntoPlace(tmp, dest);
      keep.add(f.rel);
      written++;
    }
  } finally {
    await rm(tempDir, { recursive: true, force: true });
  }
  const removed = await removeOthers(filesAbs, '', keep);
  skipped.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
  return { written, removed, skipped, files: keep.size, totalBytes: scan.totalBytes };
}

async function sameCopy(dest: string, f: SourceFile): Promise<boolean> {
  const st = await lstat(dest).catch(() => null);
  return st?.isFile() === true && st.size === f.size && Math.round(st.mtimeMs) === Math.round(f.mtimeMs);
}

/** Copy `src` to `tmp` if it is still the file the scan saw and did not change while read; else why not. */
async function copyStable(src: string, seen: SourceFile, tmp: string, maxBytes: number): Promise<string | null> {
  for (let attempt = 0; attempt < COPY_TRIES; attempt++) {
    // O_NONBLOCK: a FIFO put in its place since the scan does not block the pass.
    const fh = await open(src, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK).catch((err: NodeJS.ErrnoException) => err);
    if (!('fd' in fh))
      return fh.code === 'ELOOP' ? 'became a symbolic link: not followed' : `cannot be read (${fh.code ?? fh.message}): the next pass tries again`;
    try {
      const before = await fh.stat();
      if (!before.isFile() || before.dev !== seen.dev || before.ino !== seen.ino) return 'was replaced while read: the next pass tries again';
      if (before.size > maxBytes) return `grew over DBSYNC_FILES_MAX_SIZE while read: not versioned`;
      await pipeline(fh.createReadStream({ start: 0, autoClose: false }), createWriteStream(tmp, { mode: 0o644 }));
      const after = await fh.stat();
      const copied = (await lstat(tmp)).size;
      if (after.size === before.size && after.mtimeMs === before.mtimeMs && copied === before.size) {
        // Deterministic mode in git (100644) and the source's time (whole ms: Node rounds a stat Date), for the quick check above.
        await chmod(tmp, 0o644);
        await utimes(tmp, after.atime, after.mtime);
        return null;
      }
    } finally {
      await fh.close();
    }
    await new Promise((r) => setTimeout(r, 50 * (attempt + 1)));
  }
  return 'kept changing while it was read (being written?): the last complete copy stays, the next pass tries again';
}

/** Remove files of the mirror that are not in `keep`, and folders left empty. Returns how many files. */
async function removeOthers(dir: string, rel: string, keep: ReadonlySet<string>): Promise<number> {
  const abs = rel ? path.join(dir, rel) : dir;
  const entries = await readdir(abs, { withFileTypes: true }).catch(() => []);
  let removed = 0;
  for (const e of entries) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) {
      removed += await removeOthers(dir, r, keep);
      await rmdir(path.join(dir, r)).catch(() => undefined);
    } else if (!keep.has(r)) {
      await unlink(path.join(dir, r));
      removed++;
    }
  }
  return removed;
}
