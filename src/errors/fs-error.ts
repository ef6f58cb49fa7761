import { messageOf } from './dbsync-error.js';

/** The file-system failures a write can meet, in words. */
const FS_ERRORS: Readonly<Record<string, string>> = {
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EIO: 'input/output error',
};

/**
 * The `code` of a Node system error (ENOENT, EEXIST, ...), read without a type cast: anything can be
 * thrown, so a value that is not an object with a string code gives undefined.
 */
export function errnoCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null || !('code' in err)) return undefined;
  return typeof err.code === 'string' ? err.code : undefined;
}

const codeOf = (err: unknown): string => errnoCode(err) ?? '';

/** A file-system error in words plus its code, e.g. "no space left on device (ENOSPC)"; the message otherwise. */
export function describeFsError(err: unknown): string {
  const code = codeOf(err);
  const words = FS_ERRORS[code];
  if (words) return `${words} (${code})`;
  return code || messageOf(err);
}

/** A failure of the file system itself (full, read-only, no permission, I/O), not of the program. */
export function isFileSystemError(err: unknown): boolean {
  return codeOf(err) in FS_ERRORS;
}

/** The disk or the user's quota is full. */
export function isDiskFull(err: unknown): boolean {
  const code = codeOf(err);
  return code === 'ENOSPC' || code === 'EDQUOT';
}

/** The file system or the folder may not be written (read-only, permissions). */
export function isNotWritable(err: unknown): boolean {
  const code = codeOf(err);
  return code === 'EROFS' || code === 'EACCES' || code === 'EPERM';
}

/**
 * What to do about a write that failed: free disk space when the disk (or quota) is full, else make
 * `place` writable. `state` says what the failure left behind (e.g. "the last commit is intact");
 * `fullState` replaces it after a full disk, where more can be said (what the next pass does).
 */
export function writeFailureHint(err: unknown, place: string, state: string, fullState = state): string {
  return isDiskFull(err) ? `free disk space; ${fullState}` : `make ${place} writable; ${state}`;
}
