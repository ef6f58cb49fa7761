import { sameReading, sameServerRun, type ProbeReading } from '../detect/change-probe.js';

/**
 * Why a pass runs: `start` (first pass of the process), `retry` (after a failed pass), `restart`
 * (the server restarted, or the probe had to reconnect), `verify` (the verification interval is
 * over), `change` (the probe moved), `every-poll` (no probe: disabled, unavailable or failing),
 * `push` (nothing changed, but commits wait to be pushed and the push backoff is over), `pull`
 * (two-way mode: nothing changed here, but DBSYNC_PULL_INTERVAL is over).
 */
export type PassTrigger = 'start' | 'retry' | 'restart' | 'verify' | 'change' | 'every-poll' | 'push' | 'pull';

/** Full passes that are not caused by a seen change or a push waiting (the daemon shows them as "verifying"). */
export function isVerification(trigger: PassTrigger): boolean {
  return trigger !== 'change' && trigger !== 'push' && trigger !== 'pull';
}

export interface ScheduleOptions {
  /** Time between probes while nothing happens (POLL_INTERVAL). */
  readonly pollMs: number;
  /** A full pass at least this often whatever the probe says. */
  readonly verifyMs: number;
  /** A reading must stay unchanged this long before a pass uses it (DBSYNC_QUIET_PERIOD). */
  readonly quietMs: number;
  /** ... unless a pass has been due this long (DBSYNC_MAX_DELAY). */
  readonly maxDelayMs: number;
}

export type Decision =
  | { readonly kind: 'pass'; readonly trigger: PassTrigger }
  /** `skipped`: the probe saw no change (an idle poll); `due`: the pass that waits for quiet. */
  | { readonly kind: 'wait'; readonly ms: number; readonly state: 'idle' | 'waiting for quiet'; readonly skipped: boolean; readonly due?: PassTrigger };

/** Probe more often than POLL_INTERVAL while waiting for quiet: a few times per quiet period. */
export function quietStepMs(o: ScheduleOptions): number {
  return Math.max(10, Math.min(o.pollMs, Math.max(20, o.quietMs / 6)));
}

/**
 * When to pass, from probe readings (pure: tests drive it with made-up readings and times).
 *
 * The baseline is the reading taken before the last successful pass began: everything it counts
 * was committed before that pass's snapshot, so an equal reading later means the snapshot is
 * still current. A pass uses a reading as its baseline only after the reading stayed unchanged
 * for the quiet period: bursts of statements land in one commit, and a commit that InnoDB has
 * counted but not yet made visible has had that long to become visible before the snapshot.
 * A pass forced by the maximum delay records no baseline, so one more pass follows once quiet.
 */
export class PassScheduler {
  private baseline: ProbeReading | null = null;
  /** Why a pass is due while there is no baseline. */
  private noBaseline: PassTrigger = 'start';
  /** The latest distinct reading and when it was first seen. */
  private current: { reading: ProbeReading; since: number } | null = null;
  /** Since when a pass has been due (for the maximum delay). */
  private dueSince: number | null = null;
  private lastPassAt = -Infinity;
  /** What the running pass records if it succeeds: its baseline, or why the next pass is due without one. */
  private candidate: ProbeReading | PassTrigger = 'start';

  constructor(private readonly o: ScheduleOptions) {}

  /**
   * `reading` is null when there is no probe or it failed: then every poll is a pass. `wanted`:
   * the caller wants a pass anyway when none is due (commits wait to be pushed).
   */
  decide(reading: ProbeReading | null, now: number, wanted?: PassTrigger): Decision {
    if (reading === null) {
      this.current = null;
      this.dueSince = null;
      // When the probe works again, its first reading has nothing to compare with.
      this.candidate = 'restart';
      return { kind: 'pass', trigger: 'every-poll' };
    }
    if (!this.current || !sameReading(this.current.reading, reading)) this.current = { reading, since: now };
    const trigger = this.due(reading, now);
    if (trigger === null) {
      this.dueSince = null;
      // The reading equals the baseline: the extra pass keeps it.
      if (wanted) {
        this.candidate = reading;
        return { kind: 'pass', trigger: wanted };
      }
      return { kind: 'wait', ms: this.o.pollMs, state: 'idle', skipped: true };
    }
    this.dueSince ??= now;
    const quietFor = now - this.current.since;
    const dueFor = now - this.dueSince;
    if (quietFor >= this.o.quietMs || dueFor >= this.o.maxDelayMs) {
      this.candidate = quietFor >= this.o.quietMs ? reading : 'change';
      return { kind: 'pass', trigger };
    }
    const ms = Math.min(quietStepMs(this.o), this.o.quietMs - quietFor, this.o.maxDelayMs - dueFor);
    return { kind: 'wait', ms: Math.max(1, ms), state: 'waiting for quiet', skipped: false, due: trigger };
  }

  private due(reading: ProbeReading, now: number): PassTrigger | null {
    if (!this.baseline) return this.noBaseline;
    if (!sameServerRun(this.baseline, reading)) return 'restart';
    if (now - this.lastPassAt >= this.o.verifyMs) return 'verify';
    return sameReading(this.baseline, reading) ? null : 'change';
  }

  /** The pass decided on has started (its snapshot comes after the reading it was decided on). */
  passStarted(now: number): void {
    this.lastPassAt = now;
  }

  /** Every pass reads the whole database, so each one also restarts the verification interval. */
  passSucceeded(): void {
    if (typeof this.candidate === 'string') {
      this.baseline = null;
      this.noBaseline = this.candidate;
    } else this.baseline = this.candidate;
    this.dueSince = null;
  }

  passFailed(): void {
    this.baseline = null;
    this.noBaseline = 'retry';
    this.dueSince = null;
  }
}
