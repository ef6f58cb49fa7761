/**
 * Exit codes with fixed meanings. They are part of the public interface (documented in the README);
 * never renumber them.
 */
export const ExitCode = {
  /** Success, including "no changes". */
  Ok: 0,
  /** An operation failed (database unreachable, git failure, disk full, ...). Safe to retry. */
  Failure: 1,
  /** Bad configuration or command-line usage; nothing was touched. */
  Config: 2,
  /** Another git-dbsync process holds the lock on this repository or database. */
  Busy: 3,
  /** The snapshot was committed locally but could not be pushed (kept and retried later). */
  NotPushed: 4,
  /** A snapshot file in the repository is not what git-dbsync writes (tampered or hand-edited): refused before the database was changed. */
  RefusedSnapshot: 5,
  /** A restore was interrupted: sync/watch refuse to commit until `restore --resume` or `restore --abort`. */
  RestoreInterrupted: 6,
  /** Stopped by SIGINT/SIGTERM before finishing (a second signal forced the exit). */
  Interrupted: 130,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
