import { ExitCode } from '../errors/exit-codes.js';
import { isAlarming, type Verdict, type VerdictLevel } from '../status/verdict.js';

/** The last alert sent (kept in the state file so that a restart does not repeat it). */
export interface SentAlert {
  readonly level: VerdictLevel | string;
  readonly at: string;
}

/** At most one alert per this gap: a flapping remote or database does not flood anyone. */
export const ALERT_MIN_GAP_MS = 5 * 60_000;
/**
 * A failing pass must last this long before it is alerted: a database restart or a network blip
 * that the next retry survives pages nobody. (A push backlog has its own grace: DBSYNC_MAX_UNPUSHED.)
 */
export const ALERT_GRACE_MS = 60_000;
/** A failure that lasts is reported again once a day. */
export const ALERT_REMINDER_MS = 24 * 3600_000;

/**
 * Whether to send a message for this verdict: `alert` when it turns alarming (failing,
 * unreachable) or changes from one alarming kind to another, `reminder` once a day while it stays
 * alarming, `recovery` as soon as it stops being alarming after an alert, else null. A failing
 * pass younger than ALERT_GRACE_MS is not alerted yet, and no alert follows the last message
 * within ALERT_MIN_GAP_MS; a held alert goes out at a later check if the verdict still calls for it.
 */
export function decideAlert(last: SentAlert | null, verdict: Verdict, now: number): 'alert' | 'recovery' | 'reminder' | null {
  const lastAlarming = last !== null && isAlarming(last.level as VerdictLevel);
  const alarming = isAlarming(verdict.level);
  if (!alarming) return lastAlarming ? 'recovery' : null;
  // Too young to tell a blip from a failure: decide at a later check.
  if (verdict.exitCode === ExitCode.Failure && verdict.since !== null && now - Date.parse(verdict.since) < ALERT_GRACE_MS) return null;
  const elapsed = last ? now - Date.parse(last.at) : Infinity;
  if (last !== null && !(elapsed >= ALERT_MIN_GAP_MS)) return null;
  if (!lastAlarming || last?.level !== verdict.level) return 'alert';
  return elapsed >= ALERT_REMINDER_MS ? 'reminder' : null;
}
