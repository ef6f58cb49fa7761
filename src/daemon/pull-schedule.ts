/**
 * Two-way mode's timing: the loop's next pass is a pull once every `intervalMs` (DBSYNC_PULL_INTERVAL),
 * whether or not the database changed, so pulls happen at most once per poll. A failed fetch is
 * counted as such (not as a failed push: nothing was pushed) and retried by the next pull.
 * Pure: the time comes in from the loop's clock.
 */
export class PullSchedule {
  private nextAt = 0;
  private fetchFailures = 0;

  constructor(private readonly intervalMs: number) {}

  /** Whether the next pass should be a pull. */
  due(now: number): boolean {
    return now >= this.nextAt;
  }

  /** A pull starts now: the next one is an interval away. */
  started(now: number): void {
    this.nextAt = now + this.intervalMs;
  }

  /** The pull's fetch failed: returns how many fetches in a row failed and when the next pull tries again (ms from now). */
  fetchFailed(now: number): { failures: number; retryInMs: number } {
    this.fetchFailures++;
    return { failures: this.fetchFailures, retryInMs: Math.max(0, this.nextAt - now) };
  }

  /** The pull's fetch worked: returns how many had failed before (0: none). */
  fetchSucceeded(): number {
    const before = this.fetchFailures;
    this.fetchFailures = 0;
    return before;
  }
}
