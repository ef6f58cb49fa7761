/**
 * `git-dbsync watch` idling on the database holding the large table (its repository is already
 * at the database's state): rows read and statements per idle poll, and the peak memory over the
 * whole idle period (its first pass included).
 */
import path from 'node:path';
import { attempt, BIG_DB, sleep, type BenchContext } from './bench-context.js';
import { startWatcher, type Watcher } from './phase-invoiceplane.js';
import { changeOneRow } from './big-table.js';
import { headOf } from './commit-latency.js';
import { fmt } from './results-table.js';
import { idleCost, measurementOverhead } from './server-counters.js';

export async function idleMemoryPhase(ctx: BenchContext): Promise<void> {
  const { sizes, table } = ctx;
  const repo = path.join(ctx.work, 'big-dbsync');
  let w: Watcher | undefined;
  const t0 = Date.now();
  try {
    ctx.say(`idle: git-dbsync watch on the large-table database for ${sizes.idleMemoryS} s (POLL_INTERVAL=1)`);
    const ready = await attempt(
      ctx,
      [
        ['idle-rows-big', 'dbsync'],
        ['rss-idle', 'dbsync'],
      ],
      'idle watch start',
      async () => {
        w = startWatcher(ctx, 'dbsync', BIG_DB, repo);
        // The repository has commits already: wait for the first pass's log line (or give up waiting and measure anyway).
        await w.daemon
          .waitFor('first pass', () => /pass done/.test(w!.daemon.stderr()), Math.min(300_000, sizes.idleMemoryS * 1000))
          .catch((err: Error) => {
            if (!w!.daemon.running()) throw err;
            ctx.notes.set('git-dbsync watch on the large-table DB', 'no "pass done" line was logged before the idle window began');
          });
        await sleep(1000);
        return true;
      },
    );
    if (!ready || !w) return;
    const watcher = w;
    await attempt(ctx, [['idle-rows-big', 'dbsync']], 'idle poll on the large-table database', async () => {
      const overhead = await measurementOverhead(ctx.admin, BIG_DB);
      // The whole idle period: with --idle-seconds 1800 it holds the verification passes DBSYNC_VERIFY_INTERVAL
      // (600 s) runs, which read every table, so the figure is the average an idle hour really costs.
      const windowMs = Math.max(2000, sizes.idleMemoryS * 1000 - (Date.now() - t0));
      const c = await idleCost({
        conn: ctx.admin,
        db: BIG_DB,
        windowMs,
        intervalMs: 1000,
        maxPollWaitMs: ctx.mode === 'quick' ? 30_000 : 300_000,
        overhead,
        countPolls: watcher.polls,
      });
      const est = c.pollsEstimated ? ' (polls est.)' : '';
      table.set('idle-rows-big', 'dbsync', { text: `${fmt.count(c.perPoll.rowsRead)}${est}`, value: c.perPoll.rowsRead });
      ctx.figures.set('queries-big-dbsync', c.perPoll.questions);
      ctx.notes.set(
        'git-dbsync watch, idle polls on the large-table DB',
        `${fmt.count(c.polls)} in ${fmt.seconds(c.windowMs)}${c.pollsEstimated ? ' (estimated from the interval: none logged)' : ''}`,
      );
    });
    const left = sizes.idleMemoryS * 1000 - (Date.now() - t0);
    if (left > 0) await sleep(left);
    await attempt(ctx, [['rss-idle', 'dbsync']], 'idle memory', async () => {
      watcher.daemon.memory.sample();
      if (!watcher.daemon.running()) throw new Error(`watch stopped: ${watcher.daemon.tail()}`);
      const peak = watcher.daemon.memory.peakKb * 1024;
      const last = watcher.daemon.memory.lastRssKb * 1024;
      table.set('rss-idle', 'dbsync', { text: `${fmt.bytes(peak)} (RSS after ${fmt.seconds(Date.now() - t0)} idle: ${fmt.bytes(last)})`, value: peak });
    });

    // Then one row changes: the pass `watch` runs for it, by its own measure ("pass done ms=").
    await attempt(ctx, [['onerow-watch', 'dbsync']], 'one-row change under watch', async () => {
      const logFrom = watcher.daemon.stderr().length;
      const before = headOf(repo);
      await changeOneRow(ctx.admin, BIG_DB, sizes.bigRows, `watch ${new Date().toISOString()}`);
      const written = Date.now();
      await watcher.daemon.waitFor('commit of the one-row change', () => headOf(repo) !== before, 600_000);
      const committedAfter = Date.now() - written;
      const passLine = () => /pass done.*\bms=(\d+)/.exec(watcher.daemon.stderr().slice(logFrom));
      await watcher.daemon.waitFor('"pass done" log line', () => passLine() !== null, 60_000);
      const ms = Number(passLine()![1]);
      table.set('onerow-watch', 'dbsync', { text: `${fmt.seconds(ms)} (committed ${fmt.seconds(committedAfter)} after the write)`, value: ms });
    });
  } finally {
    if (w) await w.daemon.stop();
  }
}
