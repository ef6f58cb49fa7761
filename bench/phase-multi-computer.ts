/**
 * Two-way sync between two computers (issue 6): two MariaDB servers (A: the benchmark's own, with its
 * InvoicePlane-shaped database; B: a new throwaway one that joins), each with its own project
 * folder and `git-dbsync watch` in two-way mode (POLL_INTERVAL=1, DBSYNC_PULL_INTERVAL=1), sharing
 * one bare remote. Computer A writes marked
 * invoices one at a time; for each, the time from the committed write on A to the row being
 * visible in B's database (B polled every 50 ms). Also counts B's echo commits: B writes nothing,
 * so every commit B makes is one without a change of its own.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Connection } from 'mysql2/promise';
import { MariaDbServer } from '../test/support/mariadb-server.js';
import { attempt, IP_DB, sleep, type BenchContext } from './bench-context.js';
import { insertMarkedInvoice } from './invoiceplane-data.js';
import { Daemon, runOk } from './processes.js';
import { dbsyncEnv } from './product.js';
import { fmt, percentile } from './results-table.js';

/** The goal of issue 6: POLL_INTERVAL + DBSYNC_PULL_INTERVAL + 2 s, with both at 1 s. */
export const MULTI_GOAL_MS = 1000 + 1000 + 2000;
const TIMEOUT_MS = 30_000;
const ECHO_WAIT_MS = 2000;

const gitOut = (repo: string, args: string[]) =>
  execFileSync('git', args, { cwd: repo, encoding: 'utf8', env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' } }).trim();

interface Arrivals {
  /** Milliseconds from each write on A to its row in B's database, for the writes that arrived. */
  readonly samples: number[];
  /** Writes not in B's database within TIMEOUT_MS. */
  readonly timeouts: number;
}

/** Wait until `marker` is an invoice number in B's database; when it was seen, or null after the timeout. */
async function waitForRow(connB: Connection, marker: string, alive: () => void): Promise<number | null> {
  const deadline = performance.now() + TIMEOUT_MS;
  while (performance.now() < deadline) {
    const [rows] = await connB.query('SELECT 1 AS x FROM ip_invoices WHERE invoice_number = ?', [marker]);
    if ((rows as unknown[]).length > 0) return performance.now();
    alive();
    await sleep(50);
  }
  return null;
}

/**
 * `n` marked invoices written on A one at a time, each waited for in B's database, with a random
 * pause of 0-0.5 s after each arrival (the arrival times themselves vary by seconds, so the writes
 * land at every phase of both poll cycles).
 */
async function measureArrivals(connA: Connection, connB: Connection, n: number, onSample: (ms: number | null) => void, alive: () => void): Promise<Arrivals> {
  const samples: number[] = [];
  let timeouts = 0;
  for (let i = 0; i < n; i++) {
    const marker = `bench-multi-${i}-${Math.random().toString(36).slice(2, 10)}`;
    await insertMarkedInvoice(connA, marker);
    const written = performance.now();
    const seen = await waitForRow(connB, marker, alive);
    onSample(seen === null ? null : seen - written);
    if (seen !== null) samples.push(seen - written);
    else if (++timeouts >= 3) break;
    await sleep(Math.random() * 500);
  }
  return { samples, timeouts };
}

export async function multiComputerPhase(ctx: BenchContext): Promise<void> {
  const n = ctx.sizes.multiSamples;
  const cells: Array<[string, 'dbsync']> = [
    ['multi-p50', 'dbsync'],
    ['multi-p95', 'dbsync'],
    ['multi-echo', 'dbsync'],
  ];
  const serverA = ctx.server;
  const remote = path.join(ctx.work, 'multi-remote.git');
  execFileSync('git', ['init', '-q', '--bare', '--initial-branch=main', remote]);
  const repoA = path.join(ctx.work, 'multi-a');
  const repoB = path.join(ctx.work, 'multi-b');
  const settings = (name: string) => ({
    GIT_REMOTE_URL: remote,
    DBSYNC_MODE: 'two-way',
    POLL_INTERVAL: '1',
    DBSYNC_PULL_INTERVAL: '1',
    DBSYNC_AUTHOR_NAME: name,
    // Every pass and pull with its timings, kept as multi-a.log / multi-b.log in the work folder (see --keep).
    DBSYNC_LOG_LEVEL: 'debug',
  });
  const envA = dbsyncEnv(serverA, IP_DB, repoA, settings('computer A'));
  const cli = [ctx.product.cli];
  ctx.say("two computers: A is the benchmark's server with its InvoicePlane-shaped database (A starts the history); B a new throwaway server, joining");
  // B's server starts while A takes its first snapshot; it is stopped at the end even if that fails.
  const startingB = MariaDbServer.start().then((s) => {
    ctx.cleanup.add("stop computer B's MariaDB server", () => s.destroy());
    return s;
  });
  const [b, a] = await Promise.allSettled([
    startingB,
    runOk('git-dbsync sync on computer A', ctx.product.node, [...cli, 'sync'], { env: envA, timeoutMs: 600_000 }),
  ]);
  if (a.status === 'rejected') throw a.reason;
  if (b.status === 'rejected') throw b.reason;
  const serverB = b.value;
  const envB = dbsyncEnv(serverB, IP_DB, repoB, settings('computer B'));
  const connA = await serverA.connect(IP_DB);
  const connB = await serverB.connect(IP_DB);
  const daemons: Daemon[] = [];
  try {
    const joined = await runOk('git-dbsync sync on computer B (join)', ctx.product.node, [...cli, 'sync'], { env: envB, timeoutMs: 600_000 });
    if (!/^joined: /m.test(joined.stdout)) throw new Error(`computer B did not join: ${joined.stdout.trim().split('\n')[0] ?? '(no output)'}`);

    const started = /two-way mode: pulling from \S+ every 1 s/;
    for (const [name, env] of [
      ['A', envA],
      ['B', envB],
    ] as const) {
      const d = Daemon.start(ctx.product.node, [...cli, 'watch'], env);
      daemons.push(d);
      await d.waitFor(`watch on computer ${name} to start`, () => started.test(d.stderr()), 60_000);
    }
    // Both watchers make their first pass (nothing to commit) before the first write.
    await sleep(1500);
    const joinHead = gitOut(repoB, ['rev-parse', 'HEAD']);

    ctx.say(`two computers: ${n} writes on A, each waited for in B's database`);
    const alive = () => {
      for (const d of daemons) if (!d.running()) throw new Error(`a watch stopped: ${d.tail()}`);
    };
    const { samples, timeouts } = await measureArrivals(
      connA,
      connB,
      n,
      (ms) => ctx.say(`  A → B: ${ms === null ? `not in B within ${TIMEOUT_MS / 1000} s` : fmt.seconds(ms)}`),
      alive,
    );
    // Give B's watcher a few more polls (and pulls) to make an echo commit, if it were to make one.
    await sleep(ECHO_WAIT_MS);
    for (const d of daemons) await d.stop();
    for (const [i, d] of daemons.entries()) writeFileSync(path.join(ctx.work, `multi-${'ab'[i]}.log`), d.stderr());

    await attempt(ctx, cells.slice(0, 2), 'two computers latency', async () => {
      if (samples.length === 0) throw new Error(`no write reached B within ${TIMEOUT_MS / 1000} s (${timeouts} tries)`);
      const note = timeouts ? ` (${timeouts} of ${n} not in B within ${TIMEOUT_MS / 1000} s)` : '';
      const p50 = percentile(samples, 50);
      const p95 = timeouts ? Infinity : percentile(samples, 95);
      const max = timeouts ? Infinity : Math.max(...samples);
      ctx.table.set('multi-p50', 'dbsync', { text: `${fmt.seconds(p50)}${note}`, value: p50 });
      ctx.table.set('multi-p95', 'dbsync', {
        text: `p95 ${timeouts ? `> ${TIMEOUT_MS / 1000} s` : fmt.seconds(p95)}, max ${timeouts ? `> ${TIMEOUT_MS / 1000} s` : fmt.seconds(max)}${note}`,
        value: max,
      });
      ctx.notes.set(
        'two computers, write on A → row in B',
        `min ${fmt.seconds(Math.min(...samples))}, max ${fmt.seconds(Math.max(...samples))}; all samples: ${samples.map((x) => (x / 1000).toFixed(2)).join(', ')} s`,
      );
    });
    await attempt(ctx, cells.slice(2), 'two computers echo commits', async () => {
      const byB = Number(gitOut(repoB, ['rev-list', '--count', '--author=computer B', `${joinHead}..HEAD`]));
      const byA = Number(gitOut(repoA, ['rev-list', '--count', '--author=computer A', `${joinHead}..HEAD`]));
      const bHead = gitOut(repoB, ['rev-parse', 'HEAD']);
      const aHead = gitOut(repoA, ['rev-parse', 'HEAD']);
      ctx.table.set('multi-echo', 'dbsync', {
        text: `${byB} (A made ${byA} commits for ${n} writes; B ${bHead === aHead ? 'on the same commit as A' : 'NOT on the same commit as A'})`,
        value: byB,
      });
      ctx.notes.set(
        'two computers, set-up',
        `A: the benchmark's server and InvoicePlane-shaped database (as the commit-latency rows left it), B: a throwaway server (test/support/mariadb-server.ts defaults); profile auto (InvoicePlane); A: \`sync\` (first snapshot, push), B: \`sync\` into an empty database (clone + restore), then \`watch\` on both; latency = from the return of A's INSERT (autocommit) to the first SELECT on B that finds the row, B polled every 50 ms, one write at a time, the next 0-0.5 s (random) after the previous one arrived; B's commits counted from the join to ${ECHO_WAIT_MS / 1000} s after the last write (watch stopped then)`,
      );
    });
  } finally {
    for (const d of daemons) await d.stop();
    await connA.end().catch(() => undefined);
    await connB.end().catch(() => undefined);
    await serverB.destroy();
  }
}
