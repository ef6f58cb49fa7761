/**
 * What a failed statement means, from the driver's error code. Database wraps every driver error in
 * a DbsyncError whose `cause` is the driver's error; callers ask these questions instead of reading
 * driver codes themselves.
 */

/** The driver's code (e.g. ER_LOCK_WAIT_TIMEOUT) behind an error Database threw, or ''. */
function driverCode(err: unknown): string {
  return (err as { cause?: { code?: unknown } } | null)?.cause?.code?.toString() ?? '';
}

/** A lock the server gave up waiting for, or a deadlock: nothing was written, the same statement may succeed later. */
export function isLockBusy(err: unknown): boolean {
  const code = driverCode(err);
  return code === 'ER_LOCK_WAIT_TIMEOUT' || code === 'ER_LOCK_DEADLOCK';
}

/** The server (or a proxy) refuses the statement itself (denied, not understood, not supported): it will not serve it later either. */
export function isStatementRefused(err: unknown): boolean {
  return /ACCESS_DENIED|PARSE_ERROR|NOT_SUPPORTED/.test(driverCode(err));
}

/** The server refused access to the database itself for this statement (ER_DBACCESS_DENIED_ERROR, e.g. SHOW EVENTS without EVENT). */
export function isDatabaseAccessDenied(err: unknown): boolean {
  return driverCode(err) === 'ER_DBACCESS_DENIED_ERROR';
}
