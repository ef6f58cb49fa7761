/**
 * The large table: the first full snapshot (mariadb-dump vs the old approach's first pass vs
 * `git-dbsync sync` into a new repository), a one-row change (pass time and .git growth), and
 * restores into empty databases (`mariadb < dump.sql` vs `git-dbsync restore`), each checked
 * with CHECKSUM TABLE against the original.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { attempt, BIG_DB, dirBytes, type BenchContext } from './bench-context.js';
import { BIG_TABLE, changeOneRow } from './big-table.js';
import { run, runOk } from './processes.js';
import { cleanEnv, dbsyncEnv, OLD_APPROACH, oldEnv } from './product.js';
import { fmt } from './results-table.js';

const HOUR = 3_600_000;

function clientArgs(ctx: BenchContext): string[] {
  return ['--no-defaults', `--socket=${ctx.server.socket}`, '-uroot'];
}

async function checksum(ctx: BenchContext, db: string): Promise<string> {
  const [r] = await ctx.admin.query(`CHECKSUM TABLE \`${db}\`.${BIG_TABLE}`);
  return String((r as Array<{ Checksum: string | number | null }>)[0]?.Checksum);
}

/** The restored table equals the original (now, or as it was when `expected` was taken); the error names the restore's time. */
async function sameAsOriginal(ctx: BenchContext, db: string, tookMs: number, expected?: string): Promise<void> {
  const [a, b] = [expected ?? (await checksum(ctx, BIG_DB)), await checksum(ctx, db)];
  if (a !== b) {
    const [r] = await ctx.admin.query(`SELECT COUNT(*) AS n FROM \`${db}\`.${BIG_TABLE}`);
    const n = Number((r as Array<{ n: number | string }>)[0]?.n);
    throw new Error(
      `restored table differs from the original: ${fmt.count(n)} rows, CHECKSUM TABLE ${b} vs ${a} (the restore took ${fmt.seconds(tookMs)} and exited 0)`,
    );
  }
}

async function freshDatabase(ctx: BenchContext, db: string): Promise<void> {
  await ctx.admin.query(`DROP DATABASE IF EXISTS \`${db}\``);
  await ctx.admin.query(`CREATE DATABASE \`${db}\` CHARACTER SET utf8mb4`);
}

const mb = (kb: number) => kb * 1024;

export async function largeTablePhase(ctx: BenchContext): Promise<void> {
  const { table, work } = ctx;
  const rowwiseDump = path.join(work, 'dump-rowwise.sql');
  const oldRepo = path.join(work, 'big-old');
  const repo = path.join(work, 'big-dbsync');
  const dumpArgs = [...clientArgs(ctx), '--single-transaction', '--skip-extended-insert', '--order-by-primary', BIG_DB];
  const rows = ctx.sizes.bigRows;

  ctx.say(`large table (${fmt.count(rows)} rows): warming the buffer pool with one untimed mariadb-dump`);
  await run('mariadb-dump', dumpArgs, { env: cleanEnv(), stdoutFile: '/dev/null', timeoutMs: HOUR });

  ctx.say('large table: mariadb-dump --single-transaction --skip-extended-insert --order-by-primary');
  const dumped = await attempt(
    ctx,
    [
      ['first-snapshot', 'dump'],
      ['restore-rowwise', 'dump'],
    ],
    'mariadb-dump',
    async () => {
      const r = await runOk('mariadb-dump', 'mariadb-dump', dumpArgs, { env: cleanEnv(), stdoutFile: rowwiseDump, timeoutMs: HOUR });
      table.set('first-snapshot', 'dump', { text: fmt.seconds(r.ms), value: r.ms });
      ctx.facts.set('dump-bytes', fmt.bytes(statSync(rowwiseDump).size));
      // The one-row change comes later: a load of this dump must equal the table as it is now.
      return { checksum: await checksum(ctx, BIG_DB) };
    },
  );

  ctx.say('large table: old approach, first pass (dump + add + commit)');
  const oldFirst = await attempt(
    ctx,
    [
      ['first-snapshot', 'old'],
      ['onerow-time', 'old'],
      ['onerow-git', 'old'],
      ['restore-extended', 'old'],
    ],
    'old approach first pass',
    async () => {
      const r = await runOk('old-approach.sh snapshot', 'bash', [OLD_APPROACH, 'snapshot'], { env: oldEnv(ctx.server, BIG_DB, oldRepo), timeoutMs: HOUR });
      table.set('first-snapshot', 'old', { text: `${fmt.seconds(r.ms)} (dump + add + commit)`, value: r.ms });
      return true;
    },
  );

  ctx.say('large table: git-dbsync sync into a new repository (first snapshot)');
  const first = await attempt(
    ctx,
    [
      ['first-snapshot', 'dbsync'],
      ['rss-snapshot', 'dbsync'],
      ['onerow-time', 'dbsync'],
      ['onerow-git', 'dbsync'],
      ['restore-rowwise', 'dbsync'],
      ['restore-extended', 'dbsync'],
      ['rss-restore', 'dbsync'],
    ],
    'git-dbsync first sync',
    async () => {
      const r = await runOk('git-dbsync sync', ctx.product.node, [ctx.product.cli, 'sync'], {
        env: dbsyncEnv(ctx.server, BIG_DB, repo),
        sampleMemory: true,
        timeoutMs: HOUR,
      });
      table.set('first-snapshot', 'dbsync', { text: fmt.seconds(r.ms), value: r.ms });
      table.set('rss-snapshot', 'dbsync', { text: fmt.bytes(mb(r.peakRssKb ?? NaN)), value: mb(r.peakRssKb ?? NaN) });
      ctx.facts.set('first-sync-stdout', r.stdout.trim());
      return true;
    },
  );

  ctx.say('large table: one-row change, old approach pass');
  await changeOneRow(ctx.admin, BIG_DB, rows, new Date().toISOString());
  if (oldFirst) {
    await attempt(
      ctx,
      [
        ['onerow-time', 'old'],
        ['onerow-git', 'old'],
      ],
      'old approach one-row pass',
      async () => {
        const before = dirBytes(path.join(oldRepo, '.git'));
        const r = await runOk('old-approach.sh snapshot', 'bash', [OLD_APPROACH, 'snapshot'], { env: oldEnv(ctx.server, BIG_DB, oldRepo), timeoutMs: HOUR });
        const growth = dirBytes(path.join(oldRepo, '.git')) - before;
        table.set('onerow-time', 'old', { text: fmt.seconds(r.ms), value: r.ms });
        table.set('onerow-git', 'old', { text: fmt.bytes(growth), value: growth });
      },
    );
  }
  if (first) {
    ctx.say('large table: one-row change, git-dbsync sync');
    await attempt(
      ctx,
      [
        ['onerow-time', 'dbsync'],
        ['onerow-git', 'dbsync'],
      ],
      'git-dbsync one-row pass',
      async () => {
        const before = dirBytes(path.join(repo, '.git'));
        const r = await runOk('git-dbsync sync', ctx.product.node, [ctx.product.cli, 'sync'], { env: dbsyncEnv(ctx.server, BIG_DB, repo), timeoutMs: HOUR });
        if (!/committed/.test(r.stdout)) throw new Error(`the change was not committed: ${r.stdout.trim()}`);
        const growth = dirBytes(path.join(repo, '.git')) - before;
        table.set('onerow-time', 'dbsync', { text: fmt.seconds(r.ms), value: r.ms });
        table.set('onerow-git', 'dbsync', { text: fmt.bytes(growth), value: growth });
        ctx.notes.set('git-dbsync sync after the one-row change printed', r.stdout.trim());
      },
    );
  }

  if (dumped) {
    ctx.say('restore: mariadb < dump.sql (mariadb-dump --skip-extended-insert: one INSERT per row)');
    await attempt(ctx, [['restore-rowwise', 'dump']], 'load of the row-wise dump', async () => {
      await freshDatabase(ctx, 'restored_rowwise');
      const r = await runOk('mariadb < dump.sql', 'mariadb', [...clientArgs(ctx), 'restored_rowwise'], {
        env: cleanEnv(),
        stdinFile: rowwiseDump,
        timeoutMs: HOUR,
      });
      await sameAsOriginal(ctx, 'restored_rowwise', r.ms, dumped.checksum);
      table.set('restore-rowwise', 'dump', { text: fmt.seconds(r.ms), value: r.ms });
    });
    await ctx.admin.query('DROP DATABASE IF EXISTS restored_rowwise');
  }
  const oldDump = path.join(oldRepo, 'database', 'dump.sql');
  if (oldFirst && existsSync(oldDump)) {
    ctx.say("restore: mariadb < dump.sql (the old approach's dump: extended INSERTs)");
    await attempt(ctx, [['restore-extended', 'old']], "load of the old approach's dump", async () => {
      await freshDatabase(ctx, 'restored_old');
      const r = await runOk('mariadb < dump.sql', 'mariadb', [...clientArgs(ctx), 'restored_old'], { env: cleanEnv(), stdinFile: oldDump, timeoutMs: HOUR });
      await sameAsOriginal(ctx, 'restored_old', r.ms);
      table.set('restore-extended', 'old', { text: fmt.seconds(r.ms), value: r.ms });
    });
    await ctx.admin.query('DROP DATABASE IF EXISTS restored_old');
  }
  if (first) {
    ctx.say('restore: git-dbsync restore --yes into an empty database');
    await attempt(
      ctx,
      [
        ['restore-rowwise', 'dbsync'],
        ['restore-extended', 'dbsync'],
        ['rss-restore', 'dbsync'],
      ],
      'git-dbsync restore',
      async () => {
        await freshDatabase(ctx, 'restored_dbsync');
        const r = await runOk('git-dbsync restore', ctx.product.node, [ctx.product.cli, 'restore', '--yes'], {
          env: dbsyncEnv(ctx.server, 'restored_dbsync', repo),
          sampleMemory: true,
          timeoutMs: HOUR,
        });
        await sameAsOriginal(ctx, 'restored_dbsync', r.ms);
        const cell = { text: fmt.seconds(r.ms), value: r.ms };
        table.set('restore-rowwise', 'dbsync', cell);
        table.set('restore-extended', 'dbsync', cell);
        table.set('rss-restore', 'dbsync', { text: fmt.bytes(mb(r.peakRssKb ?? NaN)), value: mb(r.peakRssKb ?? NaN) });
      },
    );
    await ctx.admin.query('DROP DATABASE IF EXISTS restored_dbsync');
  }
}
