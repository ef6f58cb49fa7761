/**
 * sysbench oltp_read_write on the same server without and with `git-dbsync watch` at
 * POLL_INTERVAL=1 watching the loaded database itself, alternating (without, with, without,
 * with) to spread out drift and noise.
 */
import path from 'node:path';
import { attempt, SYSBENCH_DB, sleep, type BenchContext } from './bench-context.js';
import { headOf } from './commit-latency.js';
import { startWatcher } from './phase-invoiceplane.js';
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
    for (const watching of [false, true, false, true]) {
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
        withWatch.push(await sysbenchRun(ctx.server, shape, sizes.sysbenchS));
        ctx.say(`  ${withWatch.at(-1)!.toFixed(1)} tps`);
        if (!w.daemon.running()) throw new Error(`watch stopped during the run: ${w.daemon.tail()}`);
        passes += (w.daemon.stderr().match(/pass done/g) ?? []).length - passes0;
        if (headOf(repo) !== head0) commitsSeen++;
      } finally {
        await w.daemon.stop();
      }
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const [a, b] = [mean(without), mean(withWatch)];
    ctx.table.set('sysbench', 'dbsync', {
      text: `with ${b.toFixed(1)} tps (${withWatch.map((x) => x.toFixed(0)).join(', ')}) / without ${a.toFixed(1)} tps (${without.map((x) => x.toFixed(0)).join(', ')})`,
      value: b,
    });
    ctx.table.setRatio('sysbench', b / a);
    ctx.notes.set(
      'git-dbsync watch under sysbench',
      `${passes} passes logged during the ${withWatch.length} loaded runs; HEAD moved during ${commitsSeen} of them`,
    );
  });
}
