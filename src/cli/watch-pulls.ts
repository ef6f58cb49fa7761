import type { LoopPassResult } from '../daemon/watch-loop.js';
import { type PullOptions, runPull } from '../pull/pull-pass.js';
import type { CommandContext } from './context.js';
import { renderPull } from './render-pull.js';

/**
 * `watch` in two-way mode, one pull: a pass, then fetch, merge, apply, push, all under the same run
 * lock. When it runs is the loop's decision (src/daemon/pull-schedule.ts); what came in is logged
 * here, the local commit and the push by the loop like any pass's. A failed fetch goes back to the
 * loop as `fetchError` (the line to log), which reports it as a failed fetch.
 */
export async function watchPull(ctx: CommandContext, push: boolean, read: PullOptions['read'] = {}): Promise<LoopPassResult> {
  const { project, log } = ctx;
  const r = await runPull(project, { push, read });
  const { lines, warnings } = renderPull(r);
  for (const w of warnings) log.warn(w);
  const news = r.outcome === 'fast-forward' || r.outcome === 'merged' || r.outcome === 'adopted-remote';
  for (const l of news ? lines.filter((l) => !l.startsWith('committed ')) : []) log.info(l);
  const last = r.after ?? r.pass;
  const fetchError = r.outcome === 'fetch-failed' ? (lines.find((l) => l.startsWith('NOT PULLED')) ?? `fetch failed: ${r.fetchError}`) : null;
  return { ...last, commit: r.pass.commit.commit ? r.pass.commit : last.commit, push: r.push, fetchError };
}
