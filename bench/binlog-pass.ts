/**
 * The binlog change source, measured (issue 10, item 2): a database with the InvoicePlane tables
 * plus one 1,000,000-row table, on a server with a row-format binary log. For a one-row change in
 * a small table (ip_products) and in the big table: the pass inside a running process (what
 * `watch` does per change) with the binlog source and with full reads, against the naive
 * `mariadb-dump + git add + git commit` measured in the same run; medians of --samples (3).
 * Stage breakdown of the binlog passes: prepare (state and `git status` check), snapshot (lock,
 * position, binary log read, rows read: for the big table only the chunks holding the changed key),
 * write + commit, record; with the rows and chunks the pass read.
 *
 * With --source checksum the server runs without a binary log and the passes use the chunk
 * checksum source instead (its `position` stage is the server's checksum scan of every table).
 *
 * usage: node --import tsx bench/binlog-pass.ts [--rows N] [--samples N] [--source binlog|checksum]
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MariaDbServer } from '../test/support/mariadb-server.js';
import { createBigTable, changeOneRow } from './big-table.js';
import { createInvoicePlane } from './invoiceplane-data.js';
import { loadConfig } from '../src/config/config.js';
import { openProject, type Project } from '../src/project/project.js';
import { commitStaged, runPass, stageSnapshot } from '../src/sync/sync-pass.js';
import { BinlogSource } from '../src/detect/binlog-source.js';
import { ChecksumSource } from '../src/detect/checksum-source.js';
import type { ChangeSource } from '../src/detect/change-source.js';
import { ReadPlan, settingsDigest } from '../src/sync/read-plan.js';
import { toolVersion } from '../src/sync/select-source.js';
import { withRunLock } from '../src/lock/run-lock.js';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const ROWS = arg('--rows', 1_000_000);
const SAMPLES = arg('--samples', 3);
const SOURCE = process.argv.includes('--source') ? process.argv[process.argv.indexOf('--source') + 1]! : 'binlog';
if (SOURCE !== 'binlog' && SOURCE !== 'checksum') throw new Error('--source binlog|checksum');
const DB = 'ipbig';
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const say = (s: string) => process.stderr.write(`[binlog bench] ${s}\n`);

/** A change source that times its calls (the binary log read is part of the snapshot stage). */
class TimedSource implements ChangeSource {
  readonly name: string;
  readonly verifies: boolean;
  positionMs = 0;
  eventsMs = 0;
  /** The inner source's, when it has one (the checksum source: a snapshot's two parts give one position; without it none is recorded). */
  readonly combine?: (parts: readonly string[]) => string | null;
  constructor(private readonly inner: ChangeSource) {
    this.name = inner.name;
    this.verifies = inner.verifies;
    if (inner.combine) this.combine = (parts) => inner.combine!(parts);
  }
  availability() {
    return this.inner.availability();
  }
  async positionOf(...a: Parameters<ChangeSource['positionOf']>) {
    const t = performance.now();
    try {
      return await this.inner.positionOf(...a);
    } finally {
      // A snapshot asks in two parts (non-MVCC tables, then MVCC ones): the stage is their sum; reset per pass (resetTimes).
      this.positionMs += performance.now() - t;
    }
  }

  resetTimes(): void {
    this.positionMs = 0;
    this.eventsMs = 0;
  }
  async changedBetween(...a: Parameters<ChangeSource['changedBetween']>) {
    const t = performance.now();
    try {
      return await this.inner.changedBetween(...a);
    } finally {
      this.eventsMs = performance.now() - t;
    }
  }
}

/** Milliseconds spent in git commands, by subcommand, since the last reset (every git command of a pass goes through Git.run, except the cat-file batch). */
const gitMs = new Map<string, number>();
function timeGit(project: Project): void {
  const git = project.git as unknown as { run: (...a: unknown[]) => Promise<unknown> };
  const run = git.run.bind(git);
  git.run = async (...a: unknown[]) => {
    const t = performance.now();
    try {
      return await run(...a);
    } finally {
      const args = (a[0] as string[]).filter((x) => !x.startsWith('-'));
      const name = `git ${args[0] ?? '?'}`;
      gitMs.set(name, (gitMs.get(name) ?? 0) + performance.now() - t);
    }
  };
}

/** One pass as passLocked runs it, with each stage timed. */
async function timedPass(project: Project, source: TimedSource): Promise<Record<string, number>> {
  return withRunLock(project, async () => {
    gitMs.clear();
    source.resetTimes();
    const t0 = performance.now();
    const plan = await ReadPlan.prepare(project, source, settingsDigest(project, toolVersion()), null);
    const t1 = performance.now();
    let keepMs = 0;
    const keepRows: typeof plan.keepRows = async (reader, tables, sessionFor, all) => {
      const t = performance.now();
      try {
        return await plan.keepRows(reader, tables, sessionFor, all);
      } finally {
        keepMs += performance.now() - t;
      }
    };
    const staged = await stageSnapshot(project, undefined, { keepRows });
    const t2 = performance.now();
    const result = await commitStaged(project, staged, { push: false });
    const t3 = performance.now();
    await plan.record(staged, result.commit.commit ?? (await project.git.head()));
    const t4 = performance.now();
    if (!result.commit.commit) throw new Error('nothing committed');
    const read = plan.result(staged);
    return {
      total: t4 - t0,
      prepare: t1 - t0,
      snapshot: t2 - t1,
      position: source.positionMs,
      binlogEvents: source.eventsMs,
      lock: staged.lockMs,
      writeCommit: t3 - t2,
      record: t4 - t3,
      tablesRead: read.tablesRead,
      tablesKept: read.tablesKept,
      tablesByChunk: read.tablesByChunk ?? 0,
      chunksRead: read.chunksRead ?? 0,
      rowsRead: staged.rowsRead ?? -1,
      keepRows: keepMs,
      ...Object.fromEntries(gitMs),
    };
  });
}

async function main(): Promise<void> {
  const work = path.join(os.tmpdir(), `dbsync-binlog-bench-${process.pid}`);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const server = await MariaDbServer.start([
    ...(SOURCE === 'binlog' ? ['--log-bin=mysql-bin', '--binlog-format=ROW', '--server-id=1'] : ['--skip-log-bin']),
    '--innodb-buffer-pool-size=512M',
    '--innodb-log-file-size=128M',
  ]);
  try {
    const conn = await server.connect(DB);
    say(`building the InvoicePlane tables and a ${ROWS}-row table`);
    await createInvoicePlane(conn, 2000, 300);
    await createBigTable(conn, ROWS);
    await conn.query("INSERT INTO ip_products (product_id, product_name, product_price) VALUES (1, 'Consulting hour', 90.00)");
    const env = {
      ...process.env,
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_AUTHOR_NAME: 'b',
      GIT_AUTHOR_EMAIL: 'b@b',
      GIT_COMMITTER_NAME: 'b',
      GIT_COMMITTER_EMAIL: 'b@b',
    };
    const open = async (name: string) => {
      const dir = path.join(work, name);
      mkdirSync(dir);
      const e = { ...env, DB_SOCKET: server.socket, DB_USER: 'root', DB_NAME: DB, PROJECT_DIR: dir, DBSYNC_PROFILE: 'none' };
      return openProject(loadConfig({ env: e, flags: {}, cwd: dir }), e);
    };
    const binlogProject = await open('binlog');
    timeGit(binlogProject);
    const fullProject = await open('full');
    const source = new TimedSource(
      SOURCE === 'binlog' ? new BinlogSource(binlogProject.connect, binlogProject.config.db) : new ChecksumSource(binlogProject.connect),
    );
    say('first snapshots (full reads)');
    await runPass(binlogProject, { push: false, changeSource: source });
    await runPass(fullProject, { push: false });

    // The naive approach: one dump file, git add, git commit.
    const naiveDir = path.join(work, 'naive');
    mkdirSync(naiveDir);
    execFileSync('git', ['init', '-q'], { cwd: naiveDir, env });
    const naive = () => {
      const t = performance.now();
      const dump = server.client('mariadb-dump', ['--single-transaction', DB]);
      writeFileSync(path.join(naiveDir, 'dump.sql'), dump);
      execFileSync('git', ['add', 'dump.sql'], { cwd: naiveDir, env });
      execFileSync('git', ['commit', '-q', '-m', 'dump'], { cwd: naiveDir, env });
      return performance.now() - t;
    };
    naive();

    const results: Record<string, unknown> = { source: SOURCE, rows: ROWS, samples: SAMPLES, loadBefore: os.loadavg()[0]!.toFixed(1) };
    let n = 0;
    for (const [label, change] of [
      ['small table (ip_products)', () => conn.query('UPDATE ip_products SET product_price = product_price + 1 WHERE product_id = 1')],
      ['big table', () => changeOneRow(conn, DB, ROWS, `b${n++}`)],
    ] as const) {
      const binlog: Array<Record<string, number>> = [];
      const full: number[] = [];
      const naiveMs: number[] = [];
      for (let i = 0; i < SAMPLES; i++) {
        await change();
        binlog.push(await timedPass(binlogProject, source));
        const t = performance.now();
        const f = await runPass(fullProject, { push: false });
        full.push(performance.now() - t);
        if (!f.commit.commit) throw new Error('full pass committed nothing');
        naiveMs.push(naive());
      }
      const stages = Object.fromEntries(Object.keys(binlog[0]!).map((k) => [k, Math.round(median(binlog.map((b) => b[k] ?? 0)) * 10) / 10]));
      const m = { sourcePassMs: stages.total!, fullPassMs: Math.round(median(full)), naiveMs: Math.round(median(naiveMs)) };
      results[label] = {
        ...m,
        ratioSource: +(m.sourcePassMs / m.naiveMs).toFixed(3),
        ratioFull: +(m.fullPassMs / m.naiveMs).toFixed(3),
        sourceStagesMedian: stages,
        sourceSamples: binlog.map((b) => Math.round(b.total!)),
        fullSamples: full.map(Math.round),
        naiveSamples: naiveMs.map(Math.round),
      };
      say(`${label}: ${JSON.stringify(results[label])}`);
    }
    results.loadAfter = os.loadavg()[0]!.toFixed(1);
    results.date = new Date().toISOString();
    console.log(JSON.stringify(results, null, 2));
    await conn.end();
  } finally {
    await server.destroy();
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
