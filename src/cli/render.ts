import type { PassResult } from '../sync/sync-pass.js';

/** The one line `sync` prints (and `watch` logs) for a pass. */
export function renderPass(r: PassResult): string {
  const what = r.commit.commit ? `committed ${r.commit.commit.slice(0, 12)}: ${r.commit.subject}` : 'no changes';
  if (!r.push || r.push.status === 'no-remote') return what;
  if (r.push.status === 'up-to-date') return r.commit.commit ? `${what}; ${r.push.message}` : what;
  if (r.push.status === 'pushed') return `${what}; ${r.push.message}`;
  return `${what}; NOT PUSHED: ${r.push.message}`;
}
