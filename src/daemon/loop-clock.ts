/**
 * The daemon's time: what time it is and a timer. Real by default; tests give a fake one that
 * jumps ahead instead of sleeping, so backoffs of seconds take no time.
 */
export interface LoopClock {
  now(): number;
  /** Calls `fn` once after `ms`; the returned function cancels it. */
  after(ms: number, fn: () => void): () => void;
}

/** Wall-clock time and setTimeout (clamped: Node fires a timer beyond 2^31-1 ms after 1 ms, which would make a busy loop). */
export const REAL_CLOCK: LoopClock = {
  now: () => Date.now(),
  after: (ms, fn) => {
    const t = setTimeout(fn, Math.min(ms, 2 ** 31 - 1));
    return () => clearTimeout(t);
  },
};
