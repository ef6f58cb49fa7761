/**
 * Commit latency: the time from a committed write (an INSERT that has returned) to the moment
 * the git commit containing it appears. The branch ref is polled every 20 ms (a file read, no
 * process), and each new commit is searched for the write's unique marker with `git grep`.
 * Also: how many commits a burst of several statements is spread over.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Connection } from 'mysql2/promise';
import { insertMarkedInvoice } from './invoiceplane-data.js';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The commit HEAD points at, read from the ref file (git rev-parse when the ref is packed); null before the first commit. */
export function headOf(repo: string): string | null {
  const gitDir = path.join(repo, '.git');
  try {
    const head = readFileSync(path.join(gitDir, 'HEAD'), 'utf8').trim();
    if (!head.startsWith('ref: ')) return head;
    const ref = path.join(gitDir, head.slice(5));
    if (existsSync(ref)) return readFileSync(ref, 'utf8').trim();
  } catch {
    return null;
  }
  const r = spawnSync('git', ['rev-parse', '-q', '--verify', 'HEAD'], { cwd: repo, encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

function commitContains(repo: string, commit: string, marker: string): boolean {
  return spawnSync('git', ['grep', '-q', '-F', '-e', marker, commit], { cwd: repo }).status === 0;
}

/** Wait for the first commit after `since` that contains `marker`; resolves with when it was seen and which commit. */
async function waitForCommitWith(repo: string, since: string | null, marker: string, timeoutMs: number): Promise<{ at: number; commit: string } | null> {
  const deadline = performance.now() + timeoutMs;
  let last = since;
  while (performance.now() < deadline) {
    const h = headOf(repo);
    if (h && h !== last) {
      const at = performance.now();
      last = h;
      if (commitContains(repo, h, marker)) return { at, commit: h };
    }
    await sleep(20);
  }
  return null;
}

export interface LatencyResult {
  /** Milliseconds, one per sample that was committed in time. */
  readonly samples: number[];
  readonly timeouts: number;
}

/**
 * `count` writes, each waited for; between them a random pause of 0.3-1.3 s so the writes land at
 * every phase of the watcher's poll cycle.
 */
export async function commitLatency(opts: {
  conn: Connection;
  repo: string;
  count: number;
  label: string;
  timeoutMs: number;
  onSample?: (ms: number | null) => void;
}): Promise<LatencyResult> {
  const samples: number[] = [];
  let timeouts = 0;
  for (let i = 0; i < opts.count; i++) {
    const marker = `bench-latency-${opts.label}-${i}-${Math.random().toString(36).slice(2, 10)}`;
    const before = headOf(opts.repo);
    await insertMarkedInvoice(opts.conn, marker);
    const written = performance.now();
    const seen = await waitForCommitWith(opts.repo, before, marker, opts.timeoutMs);
    if (seen) samples.push(seen.at - written);
    else timeouts++;
    opts.onSample?.(seen ? seen.at - written : null);
    await sleep(300 + Math.random() * 1000);
  }
  return { samples, timeouts };
}

export interface BurstResult {
  /** Commits each burst was spread over (null: not committed in time). */
  readonly commitsPerBurst: Array<number | null>;
}

/**
 * Bursts like the application's own: an invoice, its amounts row and three items, written by five
 * statements `gapMs` apart. Counts the commits from the burst's start up to the first commit
 * holding all of it (nothing else writes meanwhile, so each of them holds part of the burst).
 */
export async function writeBursts(opts: { conn: Connection; repo: string; count: number; gapMs: number; timeoutMs: number }): Promise<BurstResult> {
  const commitsPerBurst: Array<number | null> = [];
  for (let b = 0; b < opts.count; b++) {
    const marker = `bench-burst-${b}-${Math.random().toString(36).slice(2, 10)}`;
    const before = headOf(opts.repo);
    const id = await insertMarkedInvoice(opts.conn, marker);
    await sleep(opts.gapMs);
    await opts.conn.query(
      "INSERT INTO ip_invoice_amounts (invoice_id, invoice_sign, invoice_item_subtotal, invoice_total, invoice_paid, invoice_balance) VALUES (?, '1', 100, 119, 0, 119)",
      [id],
    );
    for (let k = 1; k <= 3; k++) {
      await sleep(opts.gapMs);
      await opts.conn.query(
        'INSERT INTO ip_invoice_items (invoice_id, item_date_added, item_name, item_quantity, item_price, item_order) VALUES (?, CURDATE(), ?, 1, 100, ?)',
        [id, `${marker}-item-${k}`, k],
      );
    }
    const seen = await waitForCommitWith(opts.repo, before, `${marker}-item-3`, opts.timeoutMs);
    if (!seen) {
      commitsPerBurst.push(null);
      continue;
    }
    const range = before ? `${before}..${seen.commit}` : seen.commit;
    const r = spawnSync('git', ['rev-list', '--count', range], { cwd: opts.repo, encoding: 'utf8' });
    commitsPerBurst.push(r.status === 0 ? Number(r.stdout.trim()) : null);
    await sleep(1000);
  }
  return { commitsPerBurst };
}
