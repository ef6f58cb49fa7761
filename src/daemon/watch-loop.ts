import { EventEmitter } from 'node:events';
import { DbsyncError, describeFsError, messageOf } from '../errors/dbsync-error.js';
import type { PassResult } from '../sync/sync-pass.js';

export type LoopState = 'idle' | 'running' | 'backoff' | 'stopping' | 'stopped';

/** Every event the loop emits, in one typed map; logging and the state file subscribe to it. */
export interface LoopEvents {
  state: [state: LoopState];
  'pass:success': [result: PassResult];
  'pass:failure': [error: DbsyncError, failures: number, retryInMs: number];
  'pass:recovered': [failures: number];
  'push:failure': [message: string, failures: number, retryInMs: number];
}

export interface WatchLoopOptions {
  /** One pass; `push` is false while pushes are backing off. */
  readonly runPass: (opts: { push: boolean }) => Promise<PassResult>;
  readonly intervalMs: number;
  readonly maxBackoffMs: number;
}

/** Exponential backoff from one interval, capped. */
export function backoffMs(intervalMs: number, failures: number, maxMs: number): number {
  return Math.min(maxMs, Math.max(intervalMs, 1000) * 2 ** Math.max(0, failures - 1));
}

function asDbsyncError(err: unknown): DbsyncError {
  if (err instanceof DbsyncError) return err;
  const code = (err as NodeJS.ErrnoException).code ?? '';
  // A file-system failure outside the stages' own handling still says what to fix.
  const hint =
    code === 'ENOSPC' || code === 'EDQUOT'
      ? 'free disk space; the last commit is intact; retrying'
      : code === 'EROFS' || code === 'EACCES' || code === 'EPERM'
        ? 'make the repository writable; the last commit is intact; retrying'
        : 'retrying; see the log';
  return new DbsyncError({ operation: 'pass', message: code ? `${describeFsError(err)}: ${messageOf(err)}` : messageOf(err), hint, cause: err });
}

/**
 * The daemon: a pass every interval; after a failure, waits longer each time (capped) and says
 * when it recovers; pushes back off separately so snapshots go on while the remote is away.
 * `stop()` lets a running pass finish, then resolves `run()`. Kept apart from the stages: tests
 * call a pass directly.
 */
export class WatchLoop extends EventEmitter<LoopEvents> {
  private state: LoopState = 'idle';
  private failures = 0;
  private pushFailures = 0;
  private nextPushAt = 0;
  private wake: (() => void) | null = null;
  private stopRequested = false;

  constructor(private readonly opts: WatchLoopOptions) {
    super();
  }

  get currentState(): LoopState {
    return this.state;
  }

  private setState(s: LoopState): void {
    this.state = s;
    this.emit('state', s);
  }

  stop(): void {
    this.stopRequested = true;
    if (this.state !== 'running') this.setState('stopping');
    this.wake?.();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        resolve();
      }
      this.wake = done;
    }).then(() => {
      this.wake = null;
    });
  }

  async run(): Promise<void> {
    while (!this.stopRequested) {
      this.setState('running');
      let delay = this.opts.intervalMs;
      try {
        const result = await this.opts.runPass({ push: Date.now() >= this.nextPushAt });
        if (this.failures > 0) this.emit('pass:recovered', this.failures);
        this.failures = 0;
        this.emit('pass:success', result);
        if (result.push && (result.push.status === 'failed' || result.push.status === 'diverged')) {
          this.pushFailures++;
          const wait = backoffMs(this.opts.intervalMs, this.pushFailures, this.opts.maxBackoffMs);
          this.nextPushAt = Date.now() + wait;
          this.emit('push:failure', result.push.message, this.pushFailures, wait);
        } else if (result.push) {
          this.pushFailures = 0;
          this.nextPushAt = 0;
        }
      } catch (err) {
        this.failures++;
        delay = backoffMs(this.opts.intervalMs, this.failures, this.opts.maxBackoffMs);
        this.emit('pass:failure', asDbsyncError(err), this.failures, delay);
      }
      if (this.stopRequested) break;
      this.setState(this.failures > 0 ? 'backoff' : 'idle');
      await this.sleep(delay);
    }
    this.setState('stopped');
  }
}
