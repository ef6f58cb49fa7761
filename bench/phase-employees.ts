/**
 * The employees-sized database (bench/employees-data.ts, about 3.9M rows in 6 tables with
 * composite keys): the first snapshot (mariadb-dump vs the old approach's first pass, a dump +
 * add + commit, vs `git-dbsync sync` into a new repository) and a one-row change (one salary)
 * as `watch` passes it, by its own "pass done" figure, against the old approach's pass.
 */
import path from 'node:path';
import { attempt, type BenchContext } from './bench-context.js';
import { headOf } from './commit-latency.js';
import { changeOneSalary, createEmployees, EMP_DB } from './employees-data.js';
import { startWatcher, type Watcher } from './phase-invoiceplane.js';
import { progressPhase } from './phase-progress.js';
import { run, runOk } from './processes.js';
import { cleanEnv, dbsyncEnv, OLD_APPROACH, oldEnv } from './product.js';
import { failedCell, fmt } from './results-table.js';

const HOUR = 3_600_000;

export async function employeesPhase(ctx: BenchContext): Promise<void> {
  const { table, work, sizes } = ctx;
  const oldRepo = path.join(work, 'employees-old');
  const repo = path.join(work, 'employees-dbsync');
  ctx.say(`employees-sized DB (scale ${sizes.employeesScale}): generating`);
  const conn = await ctx.server.connect(EMP_DB);
  try {
    const info = await createEmployees(conn, sizes.employeesScale);
    ctx.facts.set('employees', `${fmt.count(info.rows)} rows in ${info.tables} tables`);
  } finally {
    await conn.end();
  }
  const dumpArgs = ['--no-defaults', `--socket=${ctx.server.socket}`, '-uroot', '--single-transaction', '--skip-extended-insert', '--order-by-primary', EMP_DB];
  await run('mariadb-dump', dumpArgs, { env: cleanEnv(), stdoutFile: '/dev/null', timeoutMs: HOUR });

  ctx.say('employees-sized DB: mariadb-dump, then the old approach first pass, then git-dbsync sync');
  await attempt(ctx, [['emp-first', 'dump']], 'employees mariadb-dump', async () => {
    const r = await runOk('mariadb-dump', 'mariadb-dump', dumpArgs, { env: cleanEnv(), stdoutFile: '/dev/null', timeoutMs: HOUR });
    table.set('emp-first', 'dump', { text: fmt.seconds(r.ms), value: r.ms });
  });
  const oldFirst = await attempt(
    ctx,
    [
      ['emp-first', 'old'],
      ['emp-onerow', 'old'],
    ],
    'employees old approach first pass',
    async () => {
      const r = await runOk('old-approach.sh snapshot', 'bash', [OLD_APPROACH, 'snapshot'], { env: oldEnv(ctx.server, EMP_DB, oldRepo), timeoutMs: HOUR });
      table.set('emp-first', 'old', { text: `${fmt.seconds(r.ms)} (dump + add + commit)`, value: r.ms });
      return true;
    },
  );
  const first = await attempt(
    ctx,
    [
      ['emp-first', 'dbsync'],
      ['emp-rss', 'dbsync'],
      ['emp-onerow', 'dbsync'],
    ],
    'employees git-dbsync first sync',
    async () => {
      const r = await runOk('git-dbsync sync', ctx.product.node, [ctx.product.cli, 'sync'], {
        env: dbsyncEnv(ctx.server, EMP_DB, repo),
        sampleMemory: true,
        timeoutMs: HOUR,
      });
      table.set('emp-first', 'dbsync', { text: fmt.seconds(r.ms), value: r.ms });
      table.set('emp-rss', 'dbsync', { text: fmt.bytes((r.peakRssKb ?? NaN) * 1024), value: (r.peakRssKb ?? NaN) * 1024 });
      ctx.facts.set('progress-log', r.stderr);
      ctx.facts.set('first-sync-stdout', r.stdout.trim());
      return true;
    },
  );

  if (first) {
    ctx.say('employees-sized DB: git-dbsync watch, one salary changed');
    let w: Watcher | undefined;
    try {
      await attempt(ctx, [['emp-onerow', 'dbsync']], 'employees one-row change under watch', async () => {
        w = startWatcher(ctx, 'dbsync', EMP_DB, repo);
        const watcher = w;
        // The start pass (a verification: it reads every table) must be over before the change.
        await watcher.daemon.waitFor('first pass', () => /pass done/.test(watcher.daemon.stderr()), HOUR);
        const logFrom = watcher.daemon.stderr().length;
        const before = headOf(repo);
        await changeOneSalary(ctx.admin, sizes.employeesScale);
        await watcher.daemon.waitFor('commit of the one-row change', () => headOf(repo) !== before, 600_000);
        const passLine = () => /pass done.*\bms=(\d+)/.exec(watcher.daemon.stderr().slice(logFrom));
        await watcher.daemon.waitFor('"pass done" log line', () => passLine() !== null, 60_000);
        const ms = Number(passLine()![1]);
        const rowsRead = /pass done.*\browsRead=(\d+)/.exec(watcher.daemon.stderr().slice(logFrom))?.[1];
        table.set('emp-onerow', 'dbsync', { text: `${fmt.seconds(ms)}${rowsRead ? ` (${fmt.count(Number(rowsRead))} rows read)` : ''}`, value: ms });
      });
    } finally {
      if (w) await w.daemon.stop();
    }
  }
  if (first) await progressPhase(ctx, EMP_DB);
  else table.set('progress', 'dbsync', failedCell(new Error('the first sync of the employees-sized DB failed')));
  if (oldFirst) {
    await attempt(ctx, [['emp-onerow', 'old']], 'employees old approach one-row pass', async () => {
      const r = await runOk('old-approach.sh snapshot', 'bash', [OLD_APPROACH, 'snapshot'], { env: oldEnv(ctx.server, EMP_DB, oldRepo), timeoutMs: HOUR });
      table.set('emp-onerow', 'old', { text: fmt.seconds(r.ms), value: r.ms });
    });
  }
  await ctx.admin.query(`DROP DATABASE IF EXISTS ${EMP_DB}`);
}
