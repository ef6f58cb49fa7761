import type { RestoreResult } from '../restore/restore-snapshot.js';

/**
 * Restore from the page (`ui --allow-restore`): one table brought back to a commit, through the
 * same table restore as `git-dbsync restore REV --tables T` (plan first; unsaved changes committed
 * before anything is replaced; the result committed after). Absent: the page only reads.
 */
export interface UiRestore {
  /** The plan only (the CLI without --yes). */
  plan(commit: string, table: string): Promise<RestoreResult>;
  /** Do it (the CLI with --yes). */
  apply(commit: string, table: string): Promise<RestoreResult>;
}
