import type { PassTrigger } from '../daemon/pass-scheduler.js';
import { runPull } from '../pull/pull-pass.js';
import type { PassResult } from '../sync/sync-pass.js';
import type { CommandContext } from './context.js';
import { renderPull } from './render-pull.js';

/**
 * `watch` in two-way mode: every DBSYNC_PULL_INTERVAL, the loop's next pass is a pull (a pass, then
 * fetch, merge, apply, push, all under the same run lock); other passes are ordinary ones. A pull
 * is wanted even when the database did not change (the loop asks `wanted` every poll), so pulls
 * happen at most once per POLL_INTERVAL. In backup mode this does nothing.
 */
export function watchPulls(ctx: CommandContext): { wanted: () => PassTrigger | undefined; pass: (push: boolean, plain: () => Promise<PassResult>) => Promise<PassResult> } {
  const { config, project, log } = ctx;
  const twoWay = config.sync.mode === 'two-way';
  let nextPullAt = 0;
  if (twoWay) log.info(`two-way mode: pulling from ${config.git.remoteName} every ${config.sync.pullIntervalMs / 1000} s (conflict rule: ${config.sync.conflictRule})`);
  const due = () => twoWay && Date.now() >= nextPullAt;
  return {
    wanted: () => (due() ? 'pull' : undefined),
    pass: async (push, plain) => {
      if (!due()) return plain();
      nextPullAt = Date.now() + config.sync.pullIntervalMs;
      const r = await runPull(project, { push });
      const { lines, warnings } = renderPull(r);
      for (const w of warnings) log.warn(w);
      const news = r.outcome === 'fast-forward' || r.outcome === 'merged' || r.outcome === 'adopted-remote' || r.outcome === 'fetch-failed';
      // The local commit and the push are logged by the loop like any pass's; what came in is logged here.
      for (const l of news ? lines.filter((l) => !l.startsWith('committed ')) : []) (r.outcome === 'fetch-failed' ? log.warn : log.info).call(log, l);
      const last = r.after ?? r.pass;
      // A failed fetch backs off like a failed push (the loop retries both later).
      const pushed = r.outcome === 'fetch-failed' ? { status: 'failed' as const, message: `fetch failed: ${r.fetchError}` } : r.push;
      return { ...last, commit: r.pass.commit.commit ? r.pass.commit : last.commit, push: pushed };
    },
  };
}
