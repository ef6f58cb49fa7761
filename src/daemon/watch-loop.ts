import { EventEmitter } from 'node:events';
import { DbsyncError, messageOf } from '../errors/dbsync-error.js';
import { describeFsError, isDiskFull, isNotWritable, writeFailureHint, errnoCode } from '../errors/fs-error.js';
import type { ProbeReading } from '../detect/change-probe.js';
import type { PassResult } from '../sync/sync-pass.js';
import { type LoopClock, REAL_CLOCK } from './loop-clock.js';
import { isVerification, PassScheduler, type PassTrigger, type ScheduleOptions } from './pass-scheduler.js';
import { PullSchedule } from './pull-schedule.js';
import type { CpuBudget } from './cpu-budget.js';

/** What a pass tells the loop: a pass's result; for a pull whose fetch failed, why. */
export type LoopPassResult = PassResult & { readonly fetchError?: string | null };

/** What the daemon is doing, as `status` shows it. */
export type LoopState = 'idle' | 'waiting for quiet' | 'throttled' | 'running' | 'verifying' | 'backoff' | 'stopping' | 'stopped';

/** Every event the loop emits, in one typed map; logging and the state file subscribe to it. */
export interface LoopEvents {
  state: [state: LoopState];
  'pass:success': [result: PassResult, trigger: PassTrigger];
  'pass:failure': [error: DbsyncError, failures: number, retryInMs: number];
  'pass:recovered': [failures: number];
  'push:failure': [message: string, failures: number, retryInMs: number];
  /** Two-way mode: a pull's fetch failed (the remote was not reached; nothing was merged). */
  'fetch:failure': [message: string, failures: number, retryInMs: number];
  /** Two-way mode: a fetch worked again after failures. */
  'fetch:recovered': [failures: number];
  /** A poll whose probe saw no change: no pass ran. */
  'poll:skipped': [];
  /** The probe moved: a pass follows once it stays still for the quiet period. */
  'poll:changed': [];
  /** The probe could not be read (a full pass runs instead). */
  'probe:failure': [error: unknown];
  /** DBSYNC_MAX_CPU: the pass that is due waits this long, to keep the average CPU use under the cap. */
  'cpu:throttled': [holdMs: number];
}

export interface WatchLoopOptions {
  /** One pass; `push` is false while pushes are backing off; `pull`: two-way mode's pull is due (fetch, merge, apply after the pass). */
  readonly runPass: (opts: { push: boolean; trigger: PassTrigger; pull: boolean }) => Promise<LoopPassResult>;
  readonly intervalMs: number;
  readonly maxBackoffMs: number;
  /** The change probe. Without one, every poll is a full pass. */
  readonly probe?: () => Promise<ProbeReading>;
  /** Verification interval, quiet period and maximum delay (used with a probe). */
  readonly schedule?: Omit<ScheduleOptions, 'pollMs'>;
  /** Two-way mode: a pass is a pull every this many ms, wanted even when the probe sees no change. Absent: no pulls. */
  readonly pullIntervalMs?: number;
  /** Time and timers (tests give a fake clock). Default: the real one. */
  readonly clock?: LoopClock;
  /** DBSYNC_MAX_CPU: the budget passes spend their CPU time from, and the meter (cpu-budget.ts, process-cpu.ts). Absent: no cap. */
  readonly cpu?: { readonly budget: CpuBudget; readonly usedMs: () => number };
}

/** Exponential backoff from one interval, capped. */
export function backoffMs(intervalMs: number, failures: number, maxMs: number): number {
  return Math.min(maxMs, Math.max(intervalMs, 1000) * 2 ** Math.max(0, failures - 1));
}

function asDbsyncError(err: unknown): DbsyncError {
  if (err instanceof DbsyncError) return err;
  const code = errnoCode(err) ?? '';
  // A file-system failure outside the stages' own handling still says what to fix.
  const hint = isDiskFull(err) || isNotWritable(err) ? writeFailureHint(err, 'the repository', 'the last commit is intact; retrying') : 'retrying; see the log';
  return new DbsyncError({ operation: 'pass', message: code ? `${describeFsError(err)}: ${messageOf(err)}` : messageOf(err), hint, cause: err });
}

/**
 * The daemon: every interval a poll. With a change probe, a poll is one cheap query and a pass
 * runs only when it saw a change (after a quiet period, capped by a maximum delay), at the start,
 * after a server restart or a failure, and every verification interval; without one, every poll
 * is a pass. After a failure it waits longer each time (capped) and says when it recovers; pushes
 * back off separately so snapshots go on while the remote is away. `stop()` lets a running pass
 * finish, then resolves `run()`. Kept apart from the stages: tests call a pass directly.
 */
export class WatchLoop extends EventEmitter<LoopEvents> {
  private state: LoopState = 'idle';
  private failures = 0;
  private pushFailures = 0;
  private nextPushAt = 0;
  private wake: (() => void) | null = null;
  /** A nudge came while not idle: the next idle wait is skipped. */
  private nudged = false;
  private stopRequested = false;
  private readonly scheduler: PassScheduler;
  private readonly pulls: PullSchedule | null;
  private readonly clock: LoopClock;
  private passesRun = 0;
  /** The CPU meter's reading when the budget was last charged: everything since (polls included) is charged at the next pass. */
  private cpuCharged = 0;

  constructor(private readonly opts: WatchLoopOptions) {
    super();
    this.clock = opts.clock ?? REAL_CLOCK;
    this.pulls = opts.pullIntervalMs === undefined ? null : new PullSchedule(opts.pullIntervalMs);
    const s = opts.schedule ?? { verifyMs: 0, quietMs: 0, maxDelayMs: 0 };
    this.scheduler = new PassScheduler({ pollMs: opts.intervalMs, ...s });
  }

  get currentState(): LoopState {
    return this.state;
  }

  /** Emitted on changes only: an idle daemon does not rewrite its state every poll. */
  private setState(s: LoopState): void {
    if (s === this.state) return;
    this.state = s;
    this.emit('state', s);
  }

  stop(): void {
    this.stopRequested = true;
    if (this.state !== 'running' && this.state !== 'verifying') this.setState('stopping');
    this.wake?.();
  }

  /**
   * Something outside says the database may have changed (the binary log waker): an idle wait ends
   * now, so the probe is read at once instead of at the next poll; a nudge during a pass ends the
   * idle wait after it. The schedule still decides (a quiet period, the probe's own reading); the
   * probe's quicker reads while waiting for quiet, a backoff after failures and a CPU hold are not cut short.
   */
  nudge(): void {
    if (this.state === 'idle' && this.wake) this.wake();
    else this.nudged = true;
  }

  private now(): number {
    return this.clock.now();
  }

  private sleep(ms: number): Promise<void> {
    if (this.state === 'idle' && this.nudged) {
      this.nudged = false;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      const cancel = this.clock.after(ms, done);
      function done() {
        cancel();
        resolve();
      }
      this.wake = done;
    }).then(() => {
      this.wake = null;
    });
  }

  /** The probe's reading, or null (no probe, or it failed: a full pass decides). */
  private async readProbe(): Promise<ProbeReading | null> {
    if (!this.opts.probe || (this.opts.schedule?.verifyMs ?? 0) <= 0) return null;
    try {
      return await this.opts.probe();
    } catch (err) {
      this.emit('probe:failure', err);
      return null;
    }
  }

  async run(): Promise<void> {
    let waiting = false;
    while (!this.stopRequested) {
      // Pushes are retried by passes: an idle database would otherwise leave commits unpushed until the next change.
      const pushDue = this.pushFailures > 0 && this.now() >= this.nextPushAt;
      const pullDue = this.pulls?.due(this.now()) ?? false;
      const decision = this.scheduler.decide(await this.readProbe(), this.now(), pushDue ? 'push' : pullDue ? 'pull' : undefined);
      if (this.stopRequested) break;
      if (decision.kind === 'wait') {
        if (decision.skipped) this.emit('poll:skipped');
        else if (!waiting && decision.due === 'change') this.emit('poll:changed');
        waiting = !decision.skipped;
        this.setState(decision.state);
        await this.sleep(decision.ms);
        continue;
      }
      waiting = false;
      const trigger = decision.trigger;
      // Over the CPU budget: the pass still runs (the change is not lost), only later.
      const cpu = this.opts.cpu;
      const hold = cpu && this.passesRun > 0 ? cpu.budget.holdMs(this.now()) : 0;
      if (hold > 0) {
        this.setState('throttled');
        this.emit('cpu:throttled', hold);
        await this.sleep(hold);
        if (this.stopRequested) break;
      }

      this.setState(isVerification(trigger) ? 'verifying' : 'running');
      this.scheduler.passStarted(this.now());
      let delay = this.opts.intervalMs;
      // Decided when the pass starts (the probe wait may have crossed the pull's time).
      const pull = this.pulls?.due(this.now()) ?? false;
      if (pull) this.pulls?.started(this.now());
      try {
        const result = await this.opts.runPass({ push: this.now() >= this.nextPushAt, trigger, pull });
        this.scheduler.passSucceeded();
        if (this.failures > 0) this.emit('pass:recovered', this.failures);
        this.failures = 0;
        this.emit('pass:success', result, trigger);
        if (result.push && (result.push.status === 'failed' || result.push.status === 'diverged')) {
          this.pushFailures++;
          const wait = backoffMs(this.opts.intervalMs, this.pushFailures, this.opts.maxBackoffMs);
          this.nextPushAt = this.now() + wait;
          this.emit('push:failure', result.push.message, this.pushFailures, wait);
        } else if (result.push) {
          this.pushFailures = 0;
          this.nextPushAt = 0;
        }
        if (pull && this.pulls) this.afterPull(this.pulls, result);
      } catch (err) {
        this.scheduler.passFailed();
        this.failures++;
        delay = backoffMs(this.opts.intervalMs, this.failures, this.opts.maxBackoffMs);
        this.emit('pass:failure', asDbsyncError(err), this.failures, delay);
      }
      if (cpu) {
        // Everything since the last charge, polls and logging included; the first pass (the start) is free: see cpu-budget.ts.
        const used = cpu.usedMs();
        if (this.passesRun > 0) cpu.budget.spend(used - this.cpuCharged, this.now());
        this.cpuCharged = used;
      }
      this.passesRun++;
      if (this.stopRequested) break;
      this.setState(this.failures > 0 ? 'backoff' : 'idle');
      await this.sleep(delay);
    }
    this.setState('stopped');
  }

  private afterPull(pulls: PullSchedule, result: LoopPassResult): void {
    if (result.fetchError) {
      const { failures, retryInMs } = pulls.fetchFailed(this.now());
      this.emit('fetch:failure', result.fetchError, failures, retryInMs);
      return;
    }
    const failed = pulls.fetchSucceeded();
    if (failed > 0) this.emit('fetch:recovered', failed);
  }
}
