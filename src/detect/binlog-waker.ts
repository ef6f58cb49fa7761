import { type BinlogEvent, readBinlog } from '../db/binlog-stream.js';
import type { Database, DatabaseOptions } from '../db/database.js';
import { messageOf } from '../errors/dbsync-error.js';

const QUERY = 2;
const TABLE_MAP = 19;
/** Query events that only frame a transaction: the rows events inside it (their table maps) say where it wrote. */
const FRAMING = /^\s*(BEGIN|COMMIT|XA\s)/i;

/** The database an event writes to, when the event says so: a table map's database, a statement's default database. */
export function eventDatabase(e: BinlogEvent): string | null {
  if (e.type === TABLE_MAP) {
    if (e.body.length < 9) return null;
    const len = e.body.readUInt8(8);
    return e.body.length >= 9 + len ? e.body.toString('utf8', 9, 9 + len) : null;
  }
  if (e.type === QUERY) {
    // Post-header: thread id (4), exec time (4), database length (1), error code (2), status length (2); then status, database, 0, statement.
    if (e.body.length < 13) return null;
    const dbLen = e.body.readUInt8(8);
    const start = 13 + e.body.readUInt16LE(11);
    if (e.body.length < start + dbLen + 1) return null;
    if (FRAMING.test(e.body.toString('utf8', start + dbLen + 1, Math.min(e.body.length, start + dbLen + 8)))) return null;
    return e.body.toString('utf8', start, start + dbLen);
  }
  return null;
}

export interface BinlogWakerOptions {
  readonly connect: () => Promise<Database>;
  readonly db: DatabaseOptions;
  readonly schema: string;
  /** Called when the binary log shows a write to the schema; at most once per `minGapMs` (a trailing call follows a burst). */
  readonly onChange: () => void;
  /** The waker gave up (no privilege, no binary log): the loop polls as before. Called once. */
  readonly onUnavailable: (reason: string) => void;
  readonly minGapMs?: number;
  /** Longest wait before a reconnect after a dropped connection. */
  readonly maxRetryMs?: number;
}

/**
 * Change-driven waking (the binlog source): one replication connection that waits at the end of
 * the binary log and wakes the daemon when an event writes to the watched database, so a change is
 * snapshotted at once instead of at the next poll. It only shortens the wait: the probe's polls
 * stay what decides and guarantees a pass (a write the waker missed while reconnecting, or DDL
 * issued from another default database, is seen at the next poll as before). A dropped connection
 * is reopened at the log's end then, with a growing wait; a refused one stops the waker.
 */
export class BinlogWaker {
  private readonly abort = new AbortController();
  private lastWake = 0;
  private trailing: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;

  constructor(private readonly opts: BinlogWakerOptions) {}

  start(): void {
    this.running ??= this.loop();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    if (this.trailing) clearTimeout(this.trailing);
    await this.running;
  }

  private wake(): void {
    const gap = this.opts.minGapMs ?? 200;
    const now = Date.now();
    if (now - this.lastWake >= gap) {
      this.lastWake = now;
      this.opts.onChange();
      return;
    }
    this.trailing ??= setTimeout(
      () => {
        this.trailing = null;
        this.lastWake = Date.now();
        if (!this.abort.signal.aborted) this.opts.onChange();
      },
      gap - (now - this.lastWake),
    );
  }

  private async endOfLog(): Promise<{ file: string; position: number }> {
    const db = await this.opts.connect();
    try {
      // Outside a transaction the snapshot position is the log's end; unlike SHOW MASTER STATUS it needs no privilege.
      const rows = await db.queryArrays("SHOW STATUS LIKE 'Binlog_snapshot_%'", [], 'find the end of the binary log');
      const file = rows.find(([n]) => n?.toLowerCase() === 'binlog_snapshot_file')?.[1] ?? '';
      const position = Number(rows.find(([n]) => n?.toLowerCase() === 'binlog_snapshot_position')?.[1] ?? Number.NaN);
      if (!file || !Number.isFinite(position)) throw new Error('the server reports no binary log position');
      return { file, position };
    } finally {
      await db.close();
    }
  }

  private async loop(): Promise<void> {
    const signal = this.abort.signal;
    const schema = this.opts.schema.toLowerCase();
    let failures = 0;
    while (!signal.aborted) {
      try {
        const from = await this.endOfLog();
        await readBinlog(this.opts.db, { ...from, blocking: true, signal }, (e) => {
          failures = 0;
          if (eventDatabase(e)?.toLowerCase() === schema) this.wake();
          return signal.aborted ? 'stop' : 'continue';
        });
      } catch (err) {
        if (signal.aborted) return;
        const message = messageOf(err);
        if (/denied|privilege/i.test(message)) {
          this.opts.onUnavailable(`the binary log cannot be read (${message})`);
          return;
        }
      }
      if (signal.aborted) return;
      // The connection ended (server restart, network): reopen at the log's end after a wait that grows.
      failures++;
      const wait = Math.min(this.opts.maxRetryMs ?? 60_000, 1000 * 2 ** Math.min(failures - 1, 10));
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, wait);
        signal.addEventListener(
          'abort',
          () => {
            clearTimeout(t);
            resolve();
          },
          { once: true },
        );
      });
    }
  }
}
