import type { Config } from '../config/config.js';
import { updateState, type RunState } from '../state/state-store.js';
import { isAlarming, type Verdict } from '../status/verdict.js';
import { decideAlert, type SentAlert } from './alert-decision.js';
import { alertRequest, heartbeatRequest, urlForLog, type OutgoingRequest } from './alert-request.js';
import { sendRequest, type SendOutcome } from './send-request.js';

/** A good heartbeat at most this often: services expect minutes, and a poll every second must not ping every second. */
export const HEARTBEAT_MIN_GAP_MS = 60_000;

/** What happened to one message, for the log. */
export interface SentReport {
  readonly what: string;
  readonly target: string;
  readonly outcome: SendOutcome;
}

export interface AlertsOptions {
  readonly stateDir: string;
  readonly notify: Config['notify'];
  readonly database: string;
  readonly host: string;
  readonly now?: () => number;
  /** Tests and the benchmark replace the network. */
  readonly send?: (req: OutgoingRequest) => Promise<SendOutcome>;
}

/**
 * Alerts and heartbeats (DBSYNC_NOTIFY_URL, DBSYNC_HEARTBEAT_URL). `observe()` takes the verdict
 * and sends an alert when it turns bad or recovers (alert-decision.ts), and pings the dead-man
 * switch. The last alert is kept in the state file, so a restarted daemon, or `sync` run
 * by cron, neither repeats nor forgets it. Sending never throws: a failed alert is reported to the
 * caller to log and does not fail the pass.
 */
export class Alerts {
  private lastGoodBeat = 0;
  private lastBeatOk: boolean | null = null;
  private readonly now: () => number;
  private readonly send: (req: OutgoingRequest) => Promise<SendOutcome>;

  constructor(private readonly opts: AlertsOptions) {
    this.now = opts.now ?? Date.now;
    this.send = opts.send ?? ((req) => sendRequest(req));
  }

  get enabled(): boolean {
    return this.opts.notify.urls.length > 0 || this.opts.notify.heartbeatUrl !== undefined;
  }

  /**
   * Given the state file and its verdict (verdict.ts, judged without reading the database or the
   * remote): send an alert or a recovery when due, and ping the heartbeat (good unless the verdict
   * is alarming). Returns what was sent.
   */
  async observe(state: RunState, verdict: Verdict): Promise<SentReport[]> {
    const beat = await this.heartbeat(!isAlarming(verdict.level));
    return [...(beat ? [beat] : []), ...(await this.alert(state.alert ?? null, verdict, this.now()))];
  }

  private async alert(last: SentAlert | null, verdict: Verdict, now: number): Promise<SentReport[]> {
    if (this.opts.notify.urls.length === 0) return [];
    const kind = decideAlert(last, verdict, now);
    if (!kind) return [];
    const at = new Date(now).toISOString();
    const content = { kind, verdict, database: this.opts.database, host: this.opts.host, at };
    const sent = await Promise.all(
      this.opts.notify.urls.map(
        async (t): Promise<SentReport> => ({ what: kind, target: urlForLog(t.url), outcome: await this.send(alertRequest(t, content)) }),
      ),
    );
    // Recorded even when every target failed: retrying at every poll would hammer a broken endpoint; the reminder repeats it.
    await updateState(this.opts.stateDir, { alert: { level: verdict.level, line: verdict.line, at } }).catch(() => undefined);
    return sent;
  }

  /** Ping the heartbeat URL: when all is well (at most once a minute), or `/fail` once when it turns bad. */
  private async heartbeat(ok: boolean): Promise<SentReport | null> {
    const url = this.opts.notify.heartbeatUrl;
    if (!url) return null;
    const now = this.now();
    if (ok && this.lastBeatOk === true && now - this.lastGoodBeat < HEARTBEAT_MIN_GAP_MS) return null;
    // A run of failures pings `/fail` once; the next good pass pings at once.
    if (!ok && this.lastBeatOk === false) return null;
    this.lastBeatOk = ok;
    if (ok) this.lastGoodBeat = now;
    return { what: ok ? 'heartbeat' : 'heartbeat /fail', target: urlForLog(url), outcome: await this.send(heartbeatRequest(url, ok)) };
  }
}
