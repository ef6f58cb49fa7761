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
  /**
   * Refused: the repository holds something git-dbsync will not follow or run: a symlink or a
   * special file in the snapshot folder (working tree or a pulled commit), or a snapshot file that
   * is not what git-dbsync writes (tampered or hand-edited). Nothing was written or changed.
   */
  Unsafe: 5,
  /** A restore was interrupted: sync/watch refuse to commit until `restore --resume` or `restore --abort`. */
  RestoreInterrupted: 6,
  /** Stopped by SIGINT/SIGTERM before finishing (a second signal forced the exit). */
  Interrupted: 130,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
