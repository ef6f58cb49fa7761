import { lstat, readdir } from 'node:fs/promises';
import path from 'node:path';
import type { FilesConfig } from '../config/config.js';
import { deniedFile } from './deny-list.js';
import { compileGlobs } from './file-globs.js';
import { unsafeNameReason } from './file-path.js';

/** A regular file DBSYNC_FILES names, as lstat saw it. */
export interface SourceFile {
  /** Relative to DBSYNC_FILES_ROOT, POSIX separators. */
  readonly rel: string;
  readonly size: number;
  readonly mtimeMs: number;
  readonly dev: number;
  readonly ino: number;
}

/** A file DBSYNC_FILES names that is not versioned, and why (one line naming the setting to change, if any). */
export interface SkippedFile {
  readonly rel: string;
  readonly reason: string;
}

/** What a scan found: the files to version (in path order) and those left out. */
export interface FileScan {
  readonly files: readonly SourceFile[];
  readonly skipped: readonly SkippedFile[];
  readonly totalBytes: number;
}

/** Bytes as people read them: `12.3 MiB`. */
export function sizeText(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

function kindOf(st: { isSymbolicLink(): boolean; isFIFO(): boolean; isSocket(): boolean }): string {
  return st.isSymbolicLink() ? 'a symbolic link' : st.isFIFO() ? 'a FIFO' : st.isSocket() ? 'a socket' : 'a special file';
}

/**
 * The files DBSYNC_FILES names under the root, by lstat only (nothing is opened, no link is ever
 * followed): symlinks and special files are left out with a line; so are the deny list's names,
 * a file over DBSYNC_FILES_MAX_SIZE, and, in path order, the files past DBSYNC_FILES_MAX_TOTAL.
 * The order is the paths' byte order, so the same folder always gives the same result. Only the
 * folders a glob can match below are walked. Also the cheap scan `watch` runs each poll.
 */
export async function scanFiles(cfg: FilesConfig): Promise<FileScan> {
  const globs = compileGlobs(cfg.patterns);
  const found: SourceFile[] = [];
  const skipped: SkippedFile[] = [];
  const visit = async (rel: string): Promise<void> => {
    const abs = rel ? path.join(cfg.root, rel) : cfg.root;
    const st = await lstat(abs).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return null;
      throw err;
    });
    if (!st) return;
    if (st.isDirectory()) {
      const names = (await readdir(abs).catch(() => [] as string[])).sort();
      for (const name of names) await visit(rel ? `${rel}/${name}` : name);
      return;
    }
    if (!globs.matches(rel)) return;
    if (!st.isFile()) skipped.push({ rel, reason: `${rel} is ${kindOf(st)}: not followed, not versioned` });
    else if (unsafeNameReason(rel)) skipped.push({ rel, reason: `${rel}: ${unsafeNameReason(rel)}, not versioned` });
    else if (deniedFile(rel)) skipped.push({ rel, reason: `${rel} holds secrets (the deny list of docs/reference/security.md): never committed` });
    else if (st.size > cfg.maxFileBytes)
      skipped.push({
        rel,
        reason: `${rel} is ${sizeText(st.size)}, over DBSYNC_FILES_MAX_SIZE (${sizeText(cfg.maxFileBytes)}): not versioned; raise the setting to version it`,
      });
    else found.push({ rel, size: st.size, mtimeMs: st.mtimeMs, dev: st.dev, ino: st.ino });
  };
  for (const base of globs.bases) {
    const st = base ? await lstat(path.join(cfg.root, base)).catch(() => null) : null;
    if (st?.isSymbolicLink()) skipped.push({ rel: base, reason: `${base} is a symbolic link: not followed, not versioned` });
    else await visit(base);
  }
  found.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
  const files: SourceFile[] = [];
  let totalBytes = 0;
  for (const f of found) {
    if (totalBytes + f.size > cfg.maxTotalBytes) {
      skipped.push({
        rel: f.rel,
        reason: `${f.rel} (${sizeText(f.size)}) would bring the files over DBSYNC_FILES_MAX_TOTAL (${sizeText(cfg.maxTotalBytes)}): not versioned; raise the setting to version it`,
      });
      continue;
    }
    totalBytes += f.size;
    files.push(f);
  }
  skipped.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
  return { files, skipped, totalBytes };
}
