import { durationText } from '../status/duration-text.js';
import type { SnapshotProgress } from '../snapshot/snapshot-progress.js';

/** A pass that read more rows than this, or took longer than SUMMARY_MIN_MS, gets a summary line in the log (not on a terminal). */
export const SUMMARY_MIN_ROWS = 100_000;
export const SUMMARY_MIN_MS = 5_000;
/** The terminal line appears only for a snapshot still running after this long (small passes never flash it). */
const SHOW_AFTER_MS = 1_000;
/** At most this often (ms) is the terminal line redrawn. */
const REDRAW_MS = 250;

const count = (n: number) => Math.round(n).toLocaleString('en-US');

const duration = durationText;

/** Rows per second so far, or null while too little time has passed to tell. */
function rateOf(p: SnapshotProgress): number | null {
  return p.elapsedMs >= 500 && p.rowsDone > 0 ? (p.rowsDone * 1000) / p.elapsedMs : null;
}

/** The terminal line, e.g. `reading the database: 412,345 of about 1,000,000 rows (41%), 3 of 12 tables done, 122,000 rows/s, about 5 s left`. */
export function formatProgress(p: SnapshotProgress): string {
  const total = Math.max(p.rowsEstimate, p.rowsDone);
  const pct = total > 0 ? ` (${Math.min(99, Math.floor((p.rowsDone * 100) / total))}%)` : '';
  const parts = [
    `reading the database: ${count(p.rowsDone)} of about ${count(total)} rows${pct}`,
    `${p.tablesDone} of ${p.tablesTotal} tables done${p.table ? ` (reading ${p.table})` : ''}`,
  ];
  const rate = rateOf(p);
  if (rate !== null) {
    parts.push(`${count(rate)} rows/s`);
    parts.push(`about ${duration(((total - p.rowsDone) * 1000) / rate)} left`);
  }
  return parts.join(', ');
}

/** The log line for a finished snapshot, e.g. `read 1,000,000 rows of 12 tables in 8.2 s (122,000 rows/s)`. */
export function formatSummary(p: SnapshotProgress): string {
  const rate = p.elapsedMs > 0 ? ` (${count((p.rowsDone * 1000) / p.elapsedMs)} rows/s)` : '';
  return `read ${count(p.rowsDone)} rows of ${p.tablesTotal} table${p.tablesTotal === 1 ? '' : 's'} in ${(p.elapsedMs / 1000).toFixed(1)} s${rate}`;
}

export interface ProgressDisplayOptions {
  /** Where the terminal line goes (stderr). */
  readonly stream: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  /** The summary line of large passes when `stream` is no terminal. */
  readonly log: { info(line: string): void };
  readonly now?: () => number;
}

/**
 * Renders a snapshot's progress: on a terminal, one line redrawn at most every REDRAW_MS and
 * removed when the snapshot is done; elsewhere (a log file, a container's log) nothing while it
 * runs and one summary line for a pass that read many rows or took a while.
 */
export class ProgressDisplay {
  private shown = false;
  private drawnAt = -Infinity;
  private readonly now: () => number;

  constructor(private readonly opts: ProgressDisplayOptions) {
    this.now = opts.now ?? Date.now;
  }

  /** The callback for takeSnapshot's onProgress (PassOptions.progress). */
  readonly update = (p: SnapshotProgress): void => {
    if (p.phase === 'start') this.clear();
    if (!this.opts.stream.isTTY) {
      if (p.phase === 'done' && (p.rowsDone > SUMMARY_MIN_ROWS || p.elapsedMs > SUMMARY_MIN_MS)) this.opts.log.info(formatSummary(p));
      return;
    }
    if (p.phase === 'done') {
      this.clear();
      return;
    }
    if (p.elapsedMs < SHOW_AFTER_MS || this.now() - this.drawnAt < REDRAW_MS) return;
    const width = this.opts.stream.columns ? this.opts.stream.columns - 1 : Infinity;
    this.opts.stream.write(`\r${formatProgress(p).slice(0, width)}\x1b[K`);
    this.shown = true;
    this.drawnAt = this.now();
  };

  /** Remove the terminal line (end of a snapshot, or a failed pass) so that the next output starts on a clean line. */
  clear(): void {
    if (this.shown) this.opts.stream.write('\r\x1b[K');
    this.shown = false;
    this.drawnAt = -Infinity;
  }
}
