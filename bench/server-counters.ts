/**
 * What a poll costs the server, from its own counters: rows read from a database's tables
 * (userstat's information_schema.TABLE_STATISTICS, needs --userstat=1), all handler reads
 * (Handler_read_*, which also count scans of information_schema's temporary tables) and
 * statements received (Questions). Deltas over a window; the cost of reading the counters
 * themselves is measured once and subtracted.
 */
import type { Connection } from 'mysql2/promise';

export interface Counters {
  readonly rowsRead: number;
  readonly handlerReads: number;
  readonly questions: number;
}

export async function readCounters(conn: Connection, db: string): Promise<Counters> {
  const [status] = await conn.query("SHOW GLOBAL STATUS WHERE Variable_name = 'Questions' OR Variable_name LIKE 'Handler\\_read\\_%'");
  let handlerReads = 0;
  let questions = 0;
  for (const r of status as Array<{ Variable_name: string; Value: string }>) {
    if (r.Variable_name === 'Questions') questions = Number(r.Value);
    else handlerReads += Number(r.Value);
  }
  const [rows] = await conn.query('SELECT COALESCE(SUM(ROWS_READ), 0) AS n FROM information_schema.TABLE_STATISTICS WHERE TABLE_SCHEMA = ?', [db]);
  return { rowsRead: Number((rows as Array<{ n: string | number }>)[0]?.n ?? 0), handlerReads, questions };
}

export function minus(a: Counters, b: Counters): Counters {
  return { rowsRead: a.rowsRead - b.rowsRead, handlerReads: a.handlerReads - b.handlerReads, questions: a.questions - b.questions };
}

/** The counters' own cost: two readings with nothing else running in between. */
export async function measurementOverhead(conn: Connection, db: string): Promise<Counters> {
  const a = await readCounters(conn, db);
  const b = await readCounters(conn, db);
  return minus(b, a);
}

export interface IdleCost {
  readonly polls: number;
  /** true when the number of polls could not be counted from the output and was estimated from the interval. */
  readonly pollsEstimated: boolean;
  readonly perPoll: Counters;
  readonly windowMs: number;
}

/** Wait until the poll count moves; false after `maxWaitMs` without a poll. */
async function nextPoll(countPolls: () => number, maxWaitMs: number): Promise<boolean> {
  const start = countPolls();
  const deadline = Date.now() + maxWaitMs;
  while (Date.now() < deadline) {
    if (countPolls() !== start) return true;
    await new Promise((r) => setTimeout(r, 10));
  }
  return false;
}

/**
 * Counter deltas while a watcher idles, divided by the polls it made meanwhile. When the
 * watcher's output shows its polls (`countPolls`), the window starts and ends right after a poll
 * (so it holds whole polls only, however long one takes) and lasts at least `windowMs`;
 * otherwise it lasts `windowMs` and the polls are estimated as windowMs / intervalMs.
 */
export async function idleCost(opts: {
  conn: Connection;
  db: string;
  windowMs: number;
  intervalMs: number;
  /** Longest wait for one poll before falling back to the estimate. */
  maxPollWaitMs: number;
  overhead: Counters;
  countPolls: () => number;
}): Promise<IdleCost> {
  const aligned = await nextPoll(opts.countPolls, opts.maxPollWaitMs);
  const polls0 = opts.countPolls();
  const a = await readCounters(opts.conn, opts.db);
  const t0 = Date.now();
  await new Promise((r) => setTimeout(r, opts.windowMs));
  if (aligned) await nextPoll(opts.countPolls, opts.maxPollWaitMs);
  const counted = opts.countPolls() - polls0;
  const b = await readCounters(opts.conn, opts.db);
  const windowMs = Date.now() - t0;
  const polls = counted > 0 ? counted : windowMs / opts.intervalMs;
  const d = minus(minus(b, a), opts.overhead);
  const per = (n: number) => Math.max(0, n) / polls;
  return {
    polls,
    pollsEstimated: counted <= 0,
    perPoll: { rowsRead: per(d.rowsRead), handlerReads: per(d.handlerReads), questions: per(d.questions) },
    windowMs,
  };
}
