/**
 * Why a relative path (POSIX separators) is not one git-dbsync writes, or null when it is safe:
 * the check of every path read from a repository's files/ folder (untrusted input) before it
 * becomes a path on disk, and of every name the scan finds. No absolute path, no `.`/`..`/empty
 * part, no `.git`, no backslash (a separator elsewhere), no control character (git's --stdin-paths
 * and the commit message are line-based).
 */
export function unsafeNameReason(rel: string): string | null {
  if (rel === '') return 'an empty path';
  if (rel.startsWith('/')) return 'an absolute path';
  if (/[\u0000-\u001f\u007f]/.test(rel)) return 'a name with a control character';
  if (rel.includes('\\')) return 'a name with a backslash';
  for (const part of rel.split('/')) {
    if (part === '' || part === '.' || part === '..') return `a path with a "${part}" part`;
    if (part.toLowerCase() === '.git') return 'a path through .git';
  }
  return null;
}
