import { DbsyncError, messageOf } from '../errors/dbsync-error.js';
import { nextPushRecord, updateState, type RunState } from '../state/state-store.js';

/** Remember a failure for `status` (best effort: a full disk must not hide the original error). */
export async function recordFailure(stateDir: string, err: unknown): Promise<RunState | undefined> {
  const e = err instanceof DbsyncError ? err : null;
  const at = new Date().toISOString();
  return updateState(stateDir, (prev) => ({
    lastError: { at, operation: e?.operation ?? 'pass', message: messageOf(err), hint: e?.hint ?? '' },
    consecutiveFailures: (prev.consecutiveFailures ?? 0) + 1,
    failingSince: (prev.consecutiveFailures ?? 0) > 0 ? (prev.failingSince ?? at) : at,
  })).catch(() => undefined);
}

/**
 * Remember a successful pass (sync, watch, pull): its commit, its one-line result and its push
 * (none while pushes back off). `checked`: the daemon also records the check for `health`.
 */
export async function recordSuccess(
  stateDir: string,
  pass: {
    readonly commit: string | null;
    readonly result: string;
    readonly push: { readonly status: string; readonly message: string } | null;
    readonly checked?: boolean;
  },
): Promise<RunState | undefined> {
  const at = new Date().toISOString();
  return updateState(stateDir, (prev) => ({
    lastPassAt: at,
    ...(pass.checked ? { lastCheckAt: at } : {}),
    lastCommit: pass.commit,
    lastResult: pass.result,
    lastError: null,
    consecutiveFailures: 0,
    failingSince: null,
    ...(pass.push ? { push: nextPushRecord(prev, pass.push, at) } : {}),
  })).catch(() => undefined);
}
