/**
 * sysbench oltp_read_write on the same server without and with `git-dbsync watch` at
 * POLL_INTERVAL=1 watching the loaded database itself, in alternating pairs (without, with) to
 * spread out drift and noise: the ratio is the median of the pairs' ratios (issue 10: at least 4
 * pairs), and beside it the watcher's CPU share (its process and the git processes it ran, from
 * /proc) during the loaded runs.
 */
import path from 'node:path';
import { attempt, SYSBENCH_DB, sleep, type BenchContext } from './bench-context.js';
import { headOf } from './commit-latency.js';
import { startWatcher } from './phase-invoiceplane.js';
import { cpuSecondsOf } from './processes.js';
import { fmt } from './results-table.js';
import { sysbenchPrepare, sysbenchRun, type SysbenchShape } from './sysbench-load.js';

export async function sysbenchPhase(ctx: BenchContext): Promise<void> {
  const { sizes } = ctx;
  const shape: SysbenchShape = { db: SYSBENCH_DB, tables: sizes.sysbenchTables, rows: sizes.sysbenchRows, threads: 2 };
  const repo = path.join(ctx.work, 'sysbench-dbsync');
  await attempt(ctx, [['sysbench', 'dbsync']], 'sysbench', async () => {
    ctx.say(`sysbench: preparing ${shape.tables} tables x ${fmt.count(shape.rows)} rows`);
    await ctx.admin.query(`CREATE DATABASE IF NOT EXISTS ${SYSBENCH_DB}`);
    await sysbenchPrepare(ctx.server, shape);
    // An untimed warm-up run, so the first measured run does not start colder than the others.
    await sysbenchRun(ctx.server, shape, ctx.mode === 'quick' ? 1 : 5);
    const without: number[] = [];
    const withWatch: number[] = [];
    let passes = 0;
    let commitsSeen = 0;
    let cpuSeconds = 0;
    for (const watching of Array.from({ length: sizes.sysbenchPairs }, () => [false, true]).flat()) {
      if (!watching) {
        ctx.say(`sysbench: ${sizes.sysbenchS} s without watch`);
        without.push(await sysbenchRun(ctx.server, shape, sizes.sysbenchS));
        ctx.say(`  ${without.at(-1)!.toFixed(1)} tps`);
        continue;
      }
      const before = headOf(repo);
      const w = startWatcher(ctx, 'dbsync', SYSBENCH_DB, repo);
      try {
        // Its first pass records what the previous run changed; the measured run starts after it.
        await w.daemon.waitFor('first pass', () => /pass done/.test(w.daemon.stderr()) || headOf(repo) !== before, 300_000);
        await sleep(1000);
        ctx.say(`sysbench: ${sizes.sysbenchS} s with watch`);
        const passes0 = (w.daemon.stderr().match(/pass done/g) ?? []).length;
        const head0 = headOf(repo);
        const cpu0 = cpuSecondsOf(w.daemon.pid);
        withWatch.push(await sysbenchRun(ctx.server, shape, sizes.sysbenchS));
        const cpu1 = cpuSecondsOf(w.daemon.pid);
        if (cpu0 === null || cpu1 === null) throw new Error('cannot read the CPU time of watch from /proc');
        cpuSeconds += cpu1 - cpu0;
        ctx.say(`  ${withWatch.at(-1)!.toFixed(1)} tps`);
        if (!w.daemon.running()) throw new Error(`watch stopped during the run: ${w.daemon.tail()}`);
        passes += (w.daemon.stderr().match(/pass done/g) ?? []).length - passes0;
        if (headOf(repo) !== head0) commitsSeen++;
      } finally {
        await w.daemon.stop();
      }
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const median = (xs: number[]) => {
      const s = [...xs].sort((x, y) => x - y);
      return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
    };
    const [a, b] = [mean(without), mean(withWatch)];
    const share = cpuSeconds / (withWatch.length * sizes.sysbenchS);
    ctx.table.set('sysbench', 'dbsync', {
      text: `with ${b.toFixed(1)} tps (${withWatch.map((x) => x.toFixed(0)).join(', ')}) / without ${a.toFixed(1)} tps (${without.map((x) => x.toFixed(0)).join(', ')}); watch used ${(share * 100).toFixed(0)} % of one core while loaded`,
      value: b,
    });
    ctx.table.setRatio('sysbench', median(withWatch.map((x, i) => x / without[i]!)));
    ctx.notes.set(
      'git-dbsync watch under sysbench',
      `${passes} passes logged during the ${withWatch.length} loaded runs; HEAD moved during ${commitsSeen} of them`,
    );
  });
}
