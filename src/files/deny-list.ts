import picomatch from 'picomatch';

/**
 * File names that are never committed, whatever DBSYNC_FILES matches: they hold the application's
 * own secrets (InvoicePlane's `ipconfig.php` has the database password and ENCRYPTION_KEY) or keys.
 * Matched on the base name, case-insensitively. Fixed on purpose (no setting widens or narrows it):
 * such a file is not state of the database, and restoring an old copy over a live one would break
 * the application's log-in to its database; narrow DBSYNC_FILES to leave out more.
 */
export const DENIED_NAMES = ['ipconfig.php', '.env', '.env.*', '.htpasswd', '*.pem', '*.key', 'id_rsa*', 'id_ecdsa*', 'id_ed25519*'] as const;

const denied = picomatch([...DENIED_NAMES], { dot: true, nocase: true });

/** True for a path (relative, POSIX separators) whose base name is on the deny list. */
export function deniedFile(rel: string): boolean {
  return denied(rel.slice(rel.lastIndexOf('/') + 1));
}
