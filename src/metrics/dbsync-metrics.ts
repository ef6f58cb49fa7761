import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { RunState } from '../state/state-store.js';
import type { Verdict, VerdictLevel } from '../status/verdict.js';

const LEVELS: readonly VerdictLevel[] = ['ok', 'not-pushed', 'failing', 'unreachable'];

/** What one pass did, as the metrics need it (a PassResult or a failure). */
export interface PassFacts {
  readonly ok: boolean;
  readonly durationMs?: number;
  readonly rowsRead?: number;
  readonly lockMs?: number;
  readonly committed?: boolean;
  readonly trigger?: string;
  /** Commits the remote still lacks after the pass's push (from the push result), when known. */
  readonly pending?: number;
}

/**
 * The daemon's Prometheus metrics (DBSYNC_METRICS_ADDR), on their own registry (prom-client, the
 * well-kept Node client). Updated from the watch loop's events and the state file; served by
 * metrics-server.ts. Names follow Prometheus' conventions (`_total` counters, `_seconds` units).
 */
export class DbsyncMetrics {
  readonly registry = new Registry();
  private readonly passes = new Counter({
    name: 'dbsync_passes_total',
    help: 'Passes run, by result (success, failure).',
    labelNames: ['result'],
    registers: [this.registry],
  });
  private readonly passDuration = new Histogram({
    name: 'dbsync_pass_duration_seconds',
    help: 'Duration of successful passes.',
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers: [this.registry],
  });
  private readonly rowsRead = new Counter({ name: 'dbsync_rows_read_total', help: 'Rows read from the database by passes.', registers: [this.registry] });
  private readonly lockTime = new Histogram({
    name: 'dbsync_table_lock_seconds',
    help: 'How long each pass held the table locks (what the application can feel).',
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
    registers: [this.registry],
  });
  private readonly commits = new Counter({ name: 'dbsync_commits_total', help: 'Snapshot commits made.', registers: [this.registry] });
  private readonly polls = new Counter({
    name: 'dbsync_polls_total',
    help: 'Polls of the change probe that found nothing changed (no pass ran).',
    registers: [this.registry],
  });
  private readonly backlog = new Gauge({
    name: 'dbsync_push_backlog_commits',
    help: 'Commits waiting to be pushed, as of the last push attempt (-1: unknown).',
    registers: [this.registry],
  });
  private readonly backlogAge = new Gauge({
    name: 'dbsync_push_backlog_age_seconds',
    help: 'How long pushes have been failing (0 when the remote holds every commit).',
    registers: [this.registry],
  });
  private readonly lastSuccess = new Gauge({
    name: 'dbsync_last_success_timestamp_seconds',
    help: 'Unix time of the last successful pass, and push (0: never).',
    labelNames: ['what'],
    registers: [this.registry],
  });
  private readonly source = new Gauge({
    name: 'dbsync_change_source_info',
    help: 'The change source passes use (1 for the one in use).',
    labelNames: ['source'],
    registers: [this.registry],
  });
  private readonly conflicts = new Gauge({
    name: 'dbsync_conflicts_open',
    help: 'Open conflicts of two-way sync in the last commit (-1: unknown).',
    registers: [this.registry],
  });
  private readonly verdict = new Gauge({
    name: 'dbsync_verdict',
    help: 'The verdict of `status` (1 for the current level).',
    labelNames: ['level'],
    registers: [this.registry],
  });

  constructor(opts: { processMetrics?: boolean } = {}) {
    if (opts.processMetrics !== false) collectDefaultMetrics({ register: this.registry, prefix: 'dbsync_' });
    this.backlog.set(-1);
    this.conflicts.set(-1);
    for (const what of ['pass', 'push']) this.lastSuccess.set({ what }, 0);
    for (const result of ['success', 'failure']) this.passes.inc({ result }, 0);
  }

  pass(f: PassFacts, now = Date.now()): void {
    this.passes.inc({ result: f.ok ? 'success' : 'failure' });
    if (!f.ok) return;
    if (f.durationMs !== undefined) this.passDuration.observe(f.durationMs / 1000);
    if (f.rowsRead !== undefined) this.rowsRead.inc(f.rowsRead);
    if (f.lockMs !== undefined) this.lockTime.observe(f.lockMs / 1000);
    if (f.committed) this.commits.inc();
    if (f.pending !== undefined) this.backlog.set(f.pending);
    this.lastSuccess.set({ what: 'pass' }, Math.floor(now / 1000));
  }

  pollSkipped(): void {
    this.polls.inc();
  }

  changeSource(name: string): void {
    this.source.reset();
    this.source.set({ source: name }, 1);
  }

  openConflicts(n: number | null): void {
    this.conflicts.set(n ?? -1);
  }

  /** The push backlog's age and the last good push, from the state file; the verdict. */
  judged(state: RunState, v: Verdict, now = Date.now()): void {
    const ok = state.push?.lastOkAt ? Date.parse(state.push.lastOkAt) : NaN;
    if (Number.isFinite(ok)) this.lastSuccess.set({ what: 'push' }, Math.floor(ok / 1000));
    const since = state.push?.failingSince ? Date.parse(state.push.failingSince) : NaN;
    this.backlogAge.set(Number.isFinite(since) ? Math.max(0, (now - since) / 1000) : 0);
    if (state.push && ['pushed', 'up-to-date', 'no-remote'].includes(state.push.status)) this.backlog.set(0);
    for (const level of LEVELS) this.verdict.set({ level }, level === v.level ? 1 : 0);
  }
}
