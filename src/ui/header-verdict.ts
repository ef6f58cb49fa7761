import { readState } from '../state/state-store.js';
import { verdictOf, type Verdict } from '../status/verdict.js';
import type { PageContext } from './page-context.js';

export interface HeaderVerdict {
  readonly verdict: Verdict;
  readonly lastSnapshot: { readonly commit: string; readonly time: string; readonly subject: string } | null;
}

/**
 * The verdict at the top of every page: the same judgement as `status` (verdict.ts), made the way
 * `watch` and `health` make it, from the state file the passes keep and the last commit. The page
 * does not connect to the database or fetch from the remote on every view (it only reads: see
 * docs/guides/history-page.md); `git-dbsync status` checks both live.
 */
export async function headerVerdict(ctx: PageContext): Promise<HeaderVerdict> {
  const [state, lastSnapshot] = await Promise.all([readState(ctx.stateDir), ctx.git.lastCommitTouching(ctx.snapshotPath || '.')]);
  const verdict = verdictOf({
    now: Date.now(),
    // As `status` counts the last snapshot commit as a check (its live.lastSnapshotAt): a clone, or a repository written by the hook, has no passes of its own.
    state: { ...state, lastCheckAt: latest(state.lastCheckAt, lastSnapshot?.time) },
    maxUnpushedMs: ctx.maxUnpushedMs,
    remoteConfigured: !!state.push && state.push.status !== 'no-remote',
  });
  return { verdict, lastSnapshot };
}

function latest(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined || b === undefined) return a ?? b;
  return Date.parse(a) >= Date.parse(b) ? a : b;
}
