import { hostname } from 'node:os';
import type { Logger } from '../log/logger.js';
import type { DbsyncMetrics } from '../metrics/dbsync-metrics.js';
import { serveMetrics } from '../metrics/metrics-server.js';
import { Alerts, type SentReport } from '../notify/alerts.js';
import { readState } from '../state/state-store.js';
import { verdictOf } from '../status/verdict.js';
import type { CommandContext } from './context.js';

/** One log line per message sent: a failed alert is a warning (the pass itself is fine), a heartbeat a debug line. */
function logSent(log: Logger, r: SentReport): void {
  if (!r.outcome.ok) log.warn(`${r.what} to ${r.target} failed: ${r.outcome.reason}`);
  else if (r.what.startsWith('heartbeat')) log.debug(`${r.what} sent to ${r.target}`);
  else log.info(`${r.what} sent to ${r.target}`);
}

/**
 * After each pass (and every few idle polls): the verdict of the state file (verdict.ts), handed to
 * the alerts (DBSYNC_NOTIFY_URL, DBSYNC_HEARTBEAT_URL) and the metrics (DBSYNC_METRICS_ADDR). Both
 * optional; judging never throws (a failed alert must not fail a pass).
 */
export class BackupJudge {
  private queue: Promise<void> = Promise.resolve();

  private constructor(
    private readonly ctx: CommandContext,
    private readonly alerts: Alerts | null,
    readonly metrics: DbsyncMetrics | null,
  ) {}

  static async create(ctx: CommandContext, opts: { metrics: boolean }): Promise<BackupJudge> {
    const alerts = new Alerts({ stateDir: ctx.project.stateDir, notify: ctx.config.notify, database: ctx.config.db.database, host: hostname() });
    // prom-client (about 80 modules with its dependencies) is loaded only when metrics are served:
    // loading it took about 0.2 s of every `sync` process, which never serves them.
    const metrics = opts.metrics && ctx.config.metricsAddr ? new (await import('../metrics/dbsync-metrics.js')).DbsyncMetrics() : null;
    return new BackupJudge(ctx, alerts.enabled ? alerts : null, metrics);
  }

  get active(): boolean {
    return this.alerts !== null || this.metrics !== null;
  }

  /** Start serving the metrics (watch); returns a function that stops it. */
  async serve(): Promise<() => Promise<void>> {
    const addr = this.ctx.config.metricsAddr;
    if (!this.metrics || !addr) return async () => undefined;
    const server = await serveMetrics(this.metrics.registry, addr);
    this.ctx.log.info(`metrics at http://${addr.host.includes(':') ? `[${addr.host}]` : addr.host}:${server.port}/metrics`);
    return () => server.close();
  }

  /** Judge now (serialised: two judgements never interleave their sends). */
  judge(): Promise<void> {
    if (!this.active) return Promise.resolve();
    const run = this.queue.then(() => this.judgeNow());
    this.queue = run;
    return run;
  }

  private async judgeNow(): Promise<void> {
    const { ctx } = this;
    try {
      const state = await readState(ctx.project.stateDir);
      const verdict = verdictOf({ now: Date.now(), state, maxUnpushedMs: ctx.config.maxUnpushedMs, remoteConfigured: ctx.project.remote !== null });
      this.metrics?.judged(state, verdict);
      for (const r of (await this.alerts?.observe(state, verdict)) ?? []) logSent(ctx.log, r);
    } catch (err) {
      ctx.log.warn(`alerts: ${(err as Error).message}`);
    }
  }
}
