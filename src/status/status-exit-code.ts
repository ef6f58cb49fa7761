import type { ExitCode } from '../errors/exit-codes.js';
import type { StatusReport } from './status.js';

/**
 * What `status` exits with, so that a monitoring check can run it: the verdict's code (verdict.ts):
 * 0 when the backup is healthy; 1 (an operation fails) when the database cannot be read, the
 * last pass failed or a table cannot be backed up (a row too large); 6 when a restore was interrupted; 4 (not pushed) when commits wait to be pushed or the remote cannot be reached
 * or has moved on in backup mode. The worst wins: a failing database or pass hides a push backlog.
 * Changes not committed yet and open conflicts are normal states, not failures.
 */
export function statusExitCode(s: StatusReport): ExitCode {
  return s.verdict.exitCode;
}
