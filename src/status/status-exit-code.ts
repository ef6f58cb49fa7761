import { ExitCode } from '../errors/exit-codes.js';
import type { StatusReport } from './status.js';

/**
 * What `status` exits with, so that a monitoring check can run it: 0 when the backup is healthy;
 * 1 (an operation fails) when the database cannot be read or the last pass failed; 4 (not pushed)
 * when commits wait to be pushed or the remote cannot be reached or has moved on in backup mode.
 * The worst wins: a failing database or pass hides a push backlog. Changes not committed yet and
 * open conflicts are normal states, not failures.
 */
export function statusExitCode(s: StatusReport): ExitCode {
  if (!s.database.reachable || s.consecutiveFailures > 0) return ExitCode.Failure;
  const r = s.remote;
  if (r && ((r.ahead ?? 0) > 0 || r.error !== null || (s.mode === 'backup' && (r.behind ?? 0) > 0))) return ExitCode.NotPushed;
  return ExitCode.Ok;
}
