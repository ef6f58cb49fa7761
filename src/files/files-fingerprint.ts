import { createHash } from 'node:crypto';
import type { FilesConfig } from '../config/config.js';
import { scanFiles } from './scan-files.js';

/**
 * One string that changes when a file DBSYNC_FILES names is added, removed, replaced or written
 * (path, size, modification time, inode), or when what is left out changes. `watch` adds it to
 * the change probe's reading, so a change of files alone starts a pass like a change of rows (with
 * the same quiet period). It is the scan of scanFiles: lstat of every file, nothing read; the cost
 * for 1,000 files is in docs/reference/snapshot-format.md.
 */
export async function filesFingerprint(cfg: FilesConfig): Promise<string> {
  const scan = await scanFiles(cfg);
  const h = createHash('sha256');
  for (const f of scan.files) h.update(`${f.rel}\0${f.size}\0${f.mtimeMs}\0${f.ino}\n`);
  for (const s of scan.skipped) h.update(`skipped\0${s.reason}\n`);
  return `${scan.files.length}:${h.digest('hex').slice(0, 32)}`;
}
