import type { PassResult } from '../sync/sync-pass.js';

/** The one line `sync` prints (and `watch` logs) for a pass. */
export function renderPass(r: PassResult): string {
  const skipped = r.files?.skipped.length ?? 0;
  // DBSYNC_FILES: files left out (too large, secrets, links) are said in the line `status` shows too; the log names each.
  const notVersioned = skipped > 0 ? `; ${skipped} file(s) not versioned: ${r.files!.skipped[0]!.rel}${skipped > 1 ? ', ...' : ''} (see the log)` : '';
  const what = (r.commit.commit ? `committed ${r.commit.commit.slice(0, 12)}: ${r.commit.subject}` : 'no changes') + notVersioned;
  if (!r.push || r.push.status === 'no-remote') return what;
  if (r.push.status === 'up-to-date') return r.commit.commit ? `${what}; ${r.push.message}` : what;
  if (r.push.status === 'pushed') return `${what}; ${r.push.message}`;
  return `${what}; NOT PUSHED: ${r.push.message}`;
}

/** The line saying a killed process's run lock was taken over (null when none was). */
export function renderTakeover(r: PassResult): string | null {
  const t = r.takenOver;
  if (!t) return null;
  const who = t.owner ? `pid ${t.owner.pid} on ${t.owner.host}` : 'an earlier version';
  return t.reason === 'stale'
    ? `took over the run lock of ${who}: not refreshed for 10 s (its process stopped)`
    : `took over the run lock of ${who}: that process is gone (killed), so its lock was abandoned`;
}
