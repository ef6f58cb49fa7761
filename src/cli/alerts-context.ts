import { hostname } from 'node:os';
import type { Logger } from '../log/logger.js';
import { Alerts, type SentReport } from '../notify/alerts.js';
import type { CommandContext } from './context.js';

/** The alerts of this command's configuration, or null when neither DBSYNC_NOTIFY_URL nor DBSYNC_HEARTBEAT_URL is set. */
export function newAlerts(ctx: CommandContext): Alerts | null {
  const { config, project } = ctx;
  const alerts = new Alerts({
    stateDir: project.stateDir,
    notify: config.notify,
    maxUnpushedMs: config.maxUnpushedMs,
    remoteConfigured: project.remote !== null,
    database: config.db.database,
    host: hostname(),
  });
  return alerts.enabled ? alerts : null;
}

/** One log line per message sent: a failed alert is a warning (the pass itself is fine), a heartbeat a debug line. */
function logSent(log: Logger, r: SentReport): void {
  if (!r.outcome.ok) log.warn(`${r.what} to ${r.target} failed: ${r.outcome.reason}`);
  else if (r.what.startsWith('heartbeat')) log.debug(`${r.what} sent to ${r.target}`);
  else log.info(`${r.what} sent to ${r.target}`);
}

/** Judge the backup and send what is due; never throws (alerts must not fail a pass). */
export async function checkAndLog(alerts: Alerts, log: Logger): Promise<void> {
  try {
    const { sent } = await alerts.check();
    for (const r of sent) logSent(log, r);
  } catch (err) {
    log.warn(`alerts: ${(err as Error).message}`);
  }
}

/** `sync` (cron): one check after the pass. */
export async function checkAlertsOnce(ctx: CommandContext): Promise<void> {
  const alerts = newAlerts(ctx);
  if (alerts) await checkAndLog(alerts, ctx.log);
}
