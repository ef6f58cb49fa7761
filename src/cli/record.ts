import { DbsyncError, messageOf } from '../errors/dbsync-error.js';
import { updateState } from '../state/state-store.js';

/** Remember a failure for `status` (best effort: a full disk must not hide the original error). */
export async function recordFailure(stateDir: string, err: unknown): Promise<void> {
  const e = err instanceof DbsyncError ? err : null;
  await updateState(stateDir, (prev) => ({
    lastError: { at: new Date().toISOString(), operation: e?.operation ?? 'pass', message: messageOf(err), hint: e?.hint ?? '' },
    consecutiveFailures: (prev.consecutiveFailures ?? 0) + 1,
  })).catch(() => undefined);
}
