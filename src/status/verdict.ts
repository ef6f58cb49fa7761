import { ExitCode } from '../errors/exit-codes.js';
import type { RunState } from '../state/state-store.js';
import { durationText } from './duration-text.js';

/**
 * Is the backup working? One verdict, worst first:
 * - `unreachable`: the database cannot be reached (exit 1);
 * - `failing`: a restore was interrupted (exit 6: sync and watch refuse to commit until it is
 *   resumed or aborted); passes fail (exit 1), or a table cannot be backed up (a row too large, exit 1), or commits have waited longer than DBSYNC_MAX_UNPUSHED to
 *   reach the remote (exit 4: the snapshots are safe here, the off-site copy is not);
 * - `not-pushed`: commits wait to be pushed, or the remote cannot be reached, for less than that
 *   limit (exit 4: a monitoring check sees it, an alert does not fire yet);
 * - `ok` (exit 0).
 * Alerts (src/notify) fire on `unreachable` and `failing` only, so a remote that is away for a few
 * minutes does not page anyone.
 */
export type VerdictLevel = 'ok' | 'not-pushed' | 'failing' | 'unreachable';

export interface Verdict {
  readonly level: VerdictLevel;
  /** The line `status` leads with, e.g. `OK: last snapshot 40 s ago, pushed`. */
  readonly line: string;
  /** When the trouble began (ISO time), or null. */
  readonly since: string | null;
  readonly exitCode: ExitCode;
}

/** Whether a verdict is one an alert is sent for. */
export function isAlarming(level: VerdictLevel): boolean {
  return level === 'failing' || level === 'unreachable';
}

export interface VerdictInput {
  readonly now: number;
  readonly state: RunState;
  /** DBSYNC_MAX_UNPUSHED in ms; 0: a push backlog never counts as failing. */
  readonly maxUnpushedMs: number;
  /** Whether a remote is configured (false: nothing is pushed, and that is fine). */
  readonly remoteConfigured: boolean;
  /**
   * What `status` read itself just now. Without it (the daemon, `health`) the verdict is judged
   * from the state file alone.
   */
  readonly live?: {
    readonly database: { readonly reachable: boolean; readonly error: string | null };
    /** null when no remote is configured. `oldestUnpushedAt`: commit time (ms) of the oldest commit the remote lacks. */
    readonly remote: {
      readonly ahead: number | null;
      readonly error: string | null;
      readonly blockedBehind: boolean;
      readonly oldestUnpushedAt: number | null;
    } | null;
    /** Time (ms) of the last snapshot commit. */
    readonly lastSnapshotAt: number | null;
    /** Tables the snapshot cannot back up (a row too large): one line each; absent or empty: none. */
    readonly skipped?: readonly string[];
    /** An interrupted restore, in words (its marker exists), or null. */
    readonly restoreInterrupted?: string | null;
  };
}

const CONNECT_OPERATION = 'connect to database';

function time(ms: number): string | null {
  return Number.isFinite(ms) ? new Date(ms).toISOString() : null;
}

function parse(iso: string | null | undefined): number {
  return iso ? Date.parse(iso) : NaN;
}

function sinceText(now: number, sinceMs: number): string {
  return Number.isFinite(sinceMs) ? ` since ${new Date(sinceMs).toISOString().slice(0, 16).replace('T', ' ')} UTC (${durationText(now - sinceMs)})` : '';
}

/** Judge the backup from the state file and, for `status`, what it read itself. */
export function verdictOf(input: VerdictInput): Verdict {
  const { now, state, live } = input;
  const failures = state.consecutiveFailures ?? 0;
  const failingSince = parse(state.failingSince ?? state.lastError?.at);
  const err = state.lastError;

  const unreachable = live ? !live.database.reachable : failures > 0 && err?.operation === CONNECT_OPERATION;
  if (unreachable) {
    const why = live && !live.database.reachable ? live.database.error : err ? `${err.message}${err.hint ? ` -- ${err.hint}` : ''}` : null;
    const since = failures > 0 && err?.operation === CONNECT_OPERATION ? failingSince : NaN;
    return {
      level: 'unreachable',
      line: `DATABASE UNREACHABLE${sinceText(now, since)}: ${why ?? 'unknown error'}`,
      since: time(since),
      exitCode: ExitCode.Failure,
    };
  }
  // Worse than a failing pass: the database may be half restored, and every pass refuses to commit.
  if (live?.restoreInterrupted) {
    return {
      level: 'failing',
      line: `RESTORE INTERRUPTED: ${live.restoreInterrupted}; nothing is committed until \`git-dbsync restore --resume\` or \`git-dbsync restore --abort\``,
      since: null,
      exitCode: ExitCode.RestoreInterrupted,
    };
  }
  if (failures > 0 && err) {
    return {
      level: 'failing',
      line: `FAILING${sinceText(now, failingSince)}, ${failures} failed pass(es) in a row: ${err.operation}: ${err.message}${err.hint ? ` -- ${err.hint}` : ''}`,
      since: time(failingSince),
      exitCode: ExitCode.Failure,
    };
  }

  // A table left out is a backup that no longer covers the database, though every pass succeeds.
  const skipped = live?.skipped ?? [];
  if (skipped.length > 0) {
    return {
      level: 'failing',
      line: `FAILING: ${skipped.length} table(s) not backed up: ${skipped[0]}${skipped.length > 1 ? ` (and ${skipped.length - 1} more)` : ''} -- shrink the row or raise DBSYNC_MAX_ROW_SIZE and max_allowed_packet`,
      since: null,
      exitCode: ExitCode.Failure,
    };
  }

  const push = pushTrouble(input);
  if (push) {
    const since = push.sinceMs;
    const age = Number.isFinite(since) ? now - since : 0;
    if (input.maxUnpushedMs > 0 && age > input.maxUnpushedMs) {
      return { level: 'failing', line: `FAILING: nothing pushed for ${durationText(age)}: ${push.why}`, since: time(since), exitCode: ExitCode.NotPushed };
    }
    return { level: 'not-pushed', line: `NOT PUSHED${sinceText(now, since)}: ${push.why}`, since: time(since), exitCode: ExitCode.NotPushed };
  }

  const lastCheck = Math.max(parse(state.lastPassAt) || 0, parse(state.lastCheckAt) || 0, live?.lastSnapshotAt ?? 0);
  if (lastCheck === 0) return { level: 'ok', line: 'NO SNAPSHOT YET: start `git-dbsync watch` (or run `git-dbsync sync`)', since: null, exitCode: ExitCode.Ok };
  const pushed = !input.remoteConfigured
    ? 'no remote configured'
    : state.push?.status === 'pushed' || state.push?.status === 'up-to-date' || live?.remote
      ? 'pushed'
      : 'not pushed yet';
  return { level: 'ok', line: `OK: last snapshot ${durationText(now - lastCheck)} ago, ${pushed}`, since: null, exitCode: ExitCode.Ok };
}

/** What keeps commits from the remote, and since when (NaN: unknown), or null when nothing does. */
function pushTrouble(input: VerdictInput): { why: string; sinceMs: number } | null {
  const { state, live } = input;
  const recordedSince = parse(state.push?.failingSince);
  const failedPush = state.push && (state.push.status === 'failed' || state.push.status === 'diverged') ? state.push.message : null;
  if (live) {
    const r = live.remote;
    if (!r) return null;
    const ahead = r.ahead ?? 0;
    if (ahead === 0 && r.error === null && !r.blockedBehind) return null;
    const why = [
      ahead > 0 ? `${ahead} commit(s) wait to be pushed` : null,
      r.blockedBehind ? 'the remote has commits this computer lacks (merge them: git pull)' : null,
      r.error ?? (ahead > 0 ? failedPush : null),
    ]
      .filter((x) => x)
      .join('; ');
    return { why, sinceMs: r.oldestUnpushedAt ?? recordedSince };
  }
  if (!input.remoteConfigured || !failedPush) return null;
  return { why: failedPush, sinceMs: recordedSince };
}
