/**
 * DBSYNC_MAX_CPU: the watcher's CPU use, capped on average, so that under constant writes the
 * application does not feel it (issue 10). A token bucket of CPU time: it fills at `fraction` of
 * one core per second of wall time, up to `burstMs`; after every pass, the CPU used since the last
 * pass is spent (this process, polls included, and the git processes it ran). While the bucket is below zero the next pass waits until
 * it is back at zero. So a change after a quiet spell is committed at once, and under constant
 * writes passes space out until the average use is `fraction`. The first pass (the start, which
 * may be a full first snapshot) is not charged: it is a one-time cost, and charging it would hold
 * every change of the next minutes back.
 */
export class CpuBudget {
  private tokens: number;
  private last: number;

  constructor(
    /** Share of one core, 0 < fraction <= 1. */
    private readonly fraction: number,
    private readonly burstMs: number,
    now: number,
  ) {
    this.tokens = burstMs;
    this.last = now;
  }

  private refill(now: number): void {
    this.tokens = Math.min(this.burstMs, this.tokens + Math.max(0, now - this.last) * this.fraction);
    this.last = now;
  }

  /** How long the next pass must wait (0: it may run now). */
  holdMs(now: number): number {
    this.refill(now);
    return this.tokens >= 0 ? 0 : Math.ceil(-this.tokens / this.fraction);
  }

  /** A pass used `cpuMs` of CPU time. */
  spend(cpuMs: number, now: number): void {
    this.refill(now);
    this.tokens -= Math.max(0, cpuMs);
  }
}

/** The default bucket: 2 s of CPU time, so a few passes in a row (a burst of edits) run at once. */
export const CPU_BURST_MS = 2000;
