import { ExitCode } from '../errors/exit-codes.js';
import type { RunState } from '../state/state-store.js';
import { durationText } from './duration-text.js';
import { verdictOf } from './verdict.js';

/** The shortest limit `health` allows between successful checks: slow passes and short hiccups stay healthy. */
export const MIN_HEALTH_AGE_MS = 60_000;
/** How many poll intervals may pass without a successful check (pass or change poll) before `health` fails. */
export const HEALTH_INTERVALS = 3;

export interface HealthInput {
  readonly state: RunState;
  readonly now: number;
  /** POLL_INTERVAL of this process's configuration; the daemon's own recorded interval wins. */
  readonly pollIntervalMs: number;
  /** Explicit limit (`--max-age`); default max(3 x interval, 60 s). */
  readonly maxAgeMs?: number;
  /** This machine's (container's) host name: a pid recorded elsewhere says nothing here. */
  readonly hostname: string;
  readonly alive: (pid: number) => boolean;
  /** DBSYNC_MAX_UNPUSHED: a push backlog older than this is unhealthy too (0: never). */
  readonly maxUnpushedMs: number;
}

export type HealthReport =
  | { readonly healthy: true; readonly pid: number; readonly ageMs: number; readonly limitMs: number }
  | { readonly healthy: false; readonly reason: string; readonly hint: string };

/** The limit: an explicit one, else max(3 x the daemon's interval, 60 s). */
export function healthLimitMs(pollIntervalMs: number, maxAgeMs?: number): number {
  return maxAgeMs ?? Math.max(HEALTH_INTERVALS * pollIntervalMs, MIN_HEALTH_AGE_MS);
}

function seconds(ms: number): string {
  return `${Math.round(ms / 1000)} s`;
}

/**
 * Is `watch` doing its job? Healthy when the daemon recorded in the state file is alive (on this
 * host) and its last successful check -- a pass, or a poll whose change probe saw nothing, which
 * `watch` records at most every 10 s -- is within the limit. Reads only the state file: no
 * database, no password, no lock.
 */
export function evaluateHealth(input: HealthInput): HealthReport {
  const { state, now } = input;
  const d = state.daemon;
  const start = 'start `git-dbsync watch` (in Docker: `docker compose up -d`)';
  if (!d) return { healthy: false, reason: 'no watch process is recorded (watch never ran here, or it stopped)', hint: start };
  if (d.host !== undefined && d.host !== input.hostname) {
    return {
      healthy: false,
      reason: `watch (pid ${d.pid}) runs on host ${d.host}, not on this one (${input.hostname})`,
      hint: 'run `git-dbsync health` where watch runs (in Docker: `docker compose exec git-dbsync git-dbsync health`)',
    };
  }
  if (!input.alive(d.pid))
    return { healthy: false, reason: `the watch process recorded (pid ${d.pid}) is not running`, hint: `${start}; its log says why it stopped` };
  if (d.state === 'stopping' || d.state === 'stopped') return { healthy: false, reason: `watch (pid ${d.pid}) is stopping`, hint: start };

  const limitMs = healthLimitMs(d.pollIntervalMs ?? input.pollIntervalMs, input.maxAgeMs);
  const failures = state.consecutiveFailures ?? 0;
  const why = failures > 0 && state.lastError ? `; ${failures} failed pass(es) in a row, last: ${state.lastError.operation}: ${state.lastError.message}` : '';
  const hint = failures > 0 && state.lastError?.hint ? state.lastError.hint : 'see `git-dbsync status` and the watch log';
  // An idle `watch` passes only every verification interval; a poll that found nothing changed counts too.
  const last = state.lastPassAt ? Math.max(Date.parse(state.lastPassAt), state.lastCheckAt ? Date.parse(state.lastCheckAt) || 0 : 0) : NaN;
  if (Number.isNaN(last)) return { healthy: false, reason: `watch (pid ${d.pid}) has not completed a pass yet${why}`, hint };
  const ageMs = Math.max(0, now - last);
  if (ageMs > limitMs)
    return { healthy: false, reason: `the last successful check was ${seconds(ageMs)} ago, more than the limit of ${seconds(limitMs)}${why}`, hint };
  // Snapshots are taken but never reach the off-site copy: as bad as no snapshots for a backup.
  const verdict = verdictOf({ now, state, maxUnpushedMs: input.maxUnpushedMs, remoteConfigured: state.push?.status !== 'no-remote' });
  if (verdict.level === 'failing' && verdict.exitCode === ExitCode.NotPushed) {
    return {
      healthy: false,
      reason: `${verdict.line.replace(/^FAILING: /, '')} (DBSYNC_MAX_UNPUSHED is ${durationText(input.maxUnpushedMs)})`,
      hint: 'make the remote reachable (network, credentials, disk of the remote); commits are kept and pushed once it is',
    };
  }
  return { healthy: true, pid: d.pid, ageMs, limitMs };
}

/** The line `health` prints when healthy. */
export function formatHealthy(r: Extract<HealthReport, { healthy: true }>): string {
  return `healthy: watch pid ${r.pid}, last successful check ${seconds(r.ageMs)} ago (limit ${seconds(r.limitMs)})`;
}
