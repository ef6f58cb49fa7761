/**
 * On the InvoicePlane-shaped database, for the old approach's loop and for `git-dbsync watch`
 * (one after the other, both at POLL_INTERVAL=1): what an idle poll costs the server, the
 * latency from a committed write to its commit, and how many commits a burst of writes makes.
 */
import path from 'node:path';
import { attempt, IP_DB, occurrences, sleep, type BenchContext } from './bench-context.js';
import { commitLatency, headOf, writeBursts } from './commit-latency.js';
import { Daemon } from './processes.js';
import { dbsyncEnv, OLD_APPROACH, oldEnv } from './product.js';
import { fmt, percentile, type System } from './results-table.js';
import { idleCost, measurementOverhead } from './server-counters.js';

/**
 * git-dbsync's debug log has one line per poll: a pass ("pass done"), or with the change probe
 * "poll skipped: no change" / "change seen: waiting for quiet".
 */
const DBSYNC_POLL_LINE = /pass done|poll skipped|change seen/;

/** A watcher of either system, with how to tell it is ready and how to count its polls. */
interface Watcher {
  readonly daemon: Daemon;
  readonly repo: string;
  readonly ready: () => boolean;
  readonly polls: () => number;
}

function startWatcher(ctx: BenchContext, system: 'old' | 'dbsync', db: string, repo: string): Watcher {
  if (system === 'old') {
    const daemon = Daemon.start('bash', [OLD_APPROACH, 'watch'], oldEnv(ctx.server, db, repo, { POLL_INTERVAL: '1' }));
    return { daemon, repo, ready: () => /^committed /m.test(daemon.stdout()), polls: () => occurrences(daemon.stdout(), /^poll /m) };
  }
  const daemon = Daemon.start(ctx.product.node, [ctx.product.cli, 'watch'], dbsyncEnv(ctx.server, db, repo, { POLL_INTERVAL: '1', DBSYNC_LOG_LEVEL: 'debug' }));
  return { daemon, repo, ready: () => /pass done/.test(daemon.stderr()) || headOf(repo) !== null, polls: () => occurrences(daemon.stderr(), DBSYNC_POLL_LINE) };
}

export { startWatcher, type Watcher };

export async function invoicePlanePhase(ctx: BenchContext, system: 'old' | 'dbsync'): Promise<void> {
  const { table, sizes } = ctx;
  const name = system === 'old' ? 'old approach' : 'git-dbsync watch';
  const s: System = system;
  const repo = path.join(ctx.work, `invoiceplane-${system}`);
  const allCells: Array<[string, System]> = [
    ['idle-rows-ip', s],
    ['idle-handler', s],
    ['idle-queries', s],
    ['latency-p50', s],
    ['latency-p95', s],
    ['bursts', s],
  ];
  const conn = await ctx.server.connect(IP_DB);
  let w: Watcher | undefined;
  try {
    ctx.say(`${name}: starting on the InvoicePlane database (POLL_INTERVAL=1), waiting for its first commit`);
    const started = await attempt(ctx, allCells, `${name} start`, async () => {
      w = startWatcher(ctx, system, IP_DB, repo);
      await w.daemon.waitFor('first commit', w.ready, ctx.mode === 'quick' ? 60_000 : 300_000);
      await sleep(1000);
      return true;
    });
    if (!started || !w) return;
    const watcher = w;

    ctx.say(`${name}: counting idle polls for ${sizes.idleWindowS} s`);
    await attempt(ctx, allCells.slice(0, 3), `${name} idle poll`, async () => {
      const overhead = await measurementOverhead(conn, IP_DB);
      const c = await idleCost({
        conn,
        db: IP_DB,
        windowMs: sizes.idleWindowS * 1000,
        intervalMs: 1000,
        maxPollWaitMs: ctx.mode === 'quick' ? 10_000 : 60_000,
        overhead,
        countPolls: watcher.polls,
      });
      const est = c.pollsEstimated ? ' (polls est.)' : '';
      table.set('idle-rows-ip', s, { text: `${fmt.count(c.perPoll.rowsRead)}${est}`, value: c.perPoll.rowsRead });
      table.set('idle-handler', s, { text: `${fmt.count(c.perPoll.handlerReads)}${est}`, value: c.perPoll.handlerReads });
      ctx.figures.set(`queries-ip-${system}`, c.perPoll.questions);
      table.set('idle-queries', s, { text: `${fmt.count(c.perPoll.questions)}${est}`, value: c.perPoll.questions });
      ctx.notes.set(
        `${name}, idle polls on the InvoicePlane DB`,
        `${fmt.count(c.polls)} in ${fmt.seconds(c.windowMs)}${c.pollsEstimated ? ' (estimated from the interval: none logged)' : ''}`,
      );
      if (!watcher.daemon.running()) throw new Error(`stopped: ${watcher.daemon.tail()}`);
    });

    ctx.say(`${name}: ${sizes.latencySamples} commit-latency samples`);
    await attempt(
      ctx,
      [
        ['latency-p50', s],
        ['latency-p95', s],
      ],
      `${name} latency`,
      async () => {
        const r = await commitLatency({
          conn,
          repo,
          count: sizes.latencySamples,
          label: system,
          timeoutMs: 60_000,
          onSample: (ms) => ctx.say(`  ${name}: ${ms === null ? 'no commit within 60 s' : fmt.seconds(ms)}`),
        });
        if (r.samples.length === 0) throw new Error(`no write was committed within 60 s (${r.timeouts} tries)`);
        const note = r.timeouts ? ` (${r.timeouts} of ${sizes.latencySamples} not committed within 60 s)` : '';
        const p50 = percentile(r.samples, 50);
        const p95 = r.timeouts ? 60_000 : percentile(r.samples, 95);
        table.set('latency-p50', s, { text: `${fmt.seconds(p50)}${note}`, value: p50 });
        table.set('latency-p95', s, { text: `${r.timeouts ? '> 60 s' : fmt.seconds(p95)}${note}`, value: p95 });
        ctx.notes.set(
          `${name}, commit latency`,
          `min ${fmt.seconds(Math.min(...r.samples))}, max ${fmt.seconds(Math.max(...r.samples))}; all samples: ${r.samples.map((x) => (x / 1000).toFixed(2)).join(', ')} s`,
        );
      },
    );

    ctx.say(`${name}: ${sizes.bursts} write bursts`);
    await attempt(ctx, [['bursts', s]], `${name} bursts`, async () => {
      const r = await writeBursts({ conn, repo, count: sizes.bursts, gapMs: 100, timeoutMs: 60_000 });
      const done = r.commitsPerBurst.filter((n): n is number => n !== null);
      if (done.length === 0) throw new Error('no burst was committed within 60 s');
      const mean = done.reduce((a, b) => a + b, 0) / done.length;
      const lost = r.commitsPerBurst.length - done.length;
      table.set('bursts', s, {
        text: `${mean.toFixed(1)} (max ${Math.max(...done)}; ${done.length} bursts)${lost ? `, ${lost} not committed in time` : ''}`,
        value: lost ? Infinity : mean,
      });
    });
  } finally {
    if (w) {
      ctx.say(`${name}: stopping`);
      await w.daemon.stop();
    }
    await conn.end();
  }
}
