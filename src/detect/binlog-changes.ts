import type { BinlogEvent, EventVerdict } from '../db/binlog-stream.js';
import type { ChangedSince, TableKeys } from './change-source.js';
import { rowsEventKeys, tableMapColumns, type KeySpec, type TableMapColumns } from './binlog-rows.js';

/** A position in the binary log: positions are per file, so they are always compared as (file, position) pairs. */
export interface BinlogPosition {
  readonly file: string;
  readonly position: number;
}

/** Order of two positions: files by their numeric suffix (mysql-bin.000009 < mysql-bin.000010), then positions. */
export function comparePositions(a: BinlogPosition, b: BinlogPosition): number {
  if (a.file !== b.file) {
    const seq = (f: string) => Number(/\.(\d+)$/.exec(f)?.[1] ?? NaN);
    const sa = seq(a.file);
    const sb = seq(b.file);
    if (Number.isFinite(sa) && Number.isFinite(sb) && sa !== sb) return sa - sb;
    return a.file < b.file ? -1 : 1;
  }
  return a.position - b.position;
}

// Event types (MySQL's numbering, and MariaDB's own from 160 on).
const QUERY = 2;
const STOP = 3;
const ROTATE = 4;
const INTVAR = 5;
const RAND = 13;
const USER_VAR = 14;
const FORMAT_DESCRIPTION = 15;
const XID = 16;
const TABLE_MAP = 19;
const HEARTBEAT = 27;
const ROWS_QUERY = 29;
const MYSQL_GTID = [33, 34, 35];
const XA_PREPARE = 38;
const ROWS = new Set([23, 24, 25, 30, 31, 32, 39, 166, 167, 168, 169, 170, 171]);
const ANNOTATE_ROWS = 160;
const BINLOG_CHECKPOINT = 161;
const GTID = 162;
const GTID_LIST = 163;
/** Events that change nothing by themselves (INTVAR, RAND, USER_VAR only give context to the Query event that follows). */
const HARMLESS = new Set([
  STOP,
  INTVAR,
  RAND,
  USER_VAR,
  FORMAT_DESCRIPTION,
  XID,
  HEARTBEAT,
  ROWS_QUERY,
  ...MYSQL_GTID,
  XA_PREPARE,
  ANNOTATE_ROWS,
  BINLOG_CHECKPOINT,
  GTID,
  GTID_LIST,
]);
/** The server made the event up (the first Rotate of a dump): its position means nothing. */
const ARTIFICIAL_FLAG = 0x20;
/** The server marks events a reader may skip when it does not know them. */
const IGNORABLE_FLAG = 0x80;

/** First words of statements that change no table's rows when they run in another database and do not name ours. */
const DDL_WORDS = new Set(['CREATE', 'ALTER', 'DROP', 'RENAME', 'TRUNCATE', 'GRANT', 'REVOKE', 'ANALYZE', 'OPTIMIZE', 'FLUSH', 'SET']);

/** More changed keys than this in one table: the table is re-read whole (the keys would cost more memory than they save). */
export const MAX_KEYS_PER_TABLE = 100_000;

/**
 * Reads the events of a binlog dump from `from` to exactly `to` and tells which tables of `schema`
 * may have changed. Table granularity: a table is dirty when a Table_map or rows event names it.
 * Key granularity, for the tables given in `keyed` (integer-keyed tables split into chunks): the
 * keys of every row image of their rows events (binlog-rows.ts); a table whose events the lean
 * decoder cannot read, whose table map does not match the live schema, or that collects more than
 * MAX_KEYS_PER_TABLE keys falls back to table granularity (re-read whole), never to a guess.
 * Any statement event that may touch the database (DDL, statement-format DML, XA COMMIT of a
 * transaction prepared earlier), an event it cannot read, or a position it did not expect makes it
 * answer `everything` (with the reason). Pure: fed one event at a time, so tests need no server.
 */
export class BinlogChanges {
  private file: string;
  private position: number;
  private readonly tableIds = new Map<number, { db: string; table: string; columns: TableMapColumns | null }>();
  private readonly dirty = new Set<string>();
  /** Changed keys of keyed tables, by the tuple's text (no duplicates). */
  private readonly keys = new Map<string, Map<string, bigint[]>>();
  /** Keyed tables that fell back to table granularity, with the reason. */
  private readonly whole = new Map<string, string>();
  private doubt: string | null = null;
  private reached = false;

  constructor(
    private readonly schema: string,
    from: BinlogPosition,
    private readonly to: BinlogPosition,
    private readonly keyed: ReadonlyMap<string, KeySpec> = new Map(),
  ) {
    this.file = from.file;
    this.position = from.position;
  }

  /** Dirty tables (names as the binary log spells them), or the reason everything must be read. */
  result(): ChangedSince {
    if (this.doubt) return { kind: 'everything', reason: this.doubt };
    if (!this.reached) return { kind: 'everything', reason: `the binary log ended before ${this.to.file}:${this.to.position}` };
    if (this.keyed.size === 0) return { kind: 'tables', tables: this.dirty };
    const keys = new Map<string, TableKeys>();
    for (const t of this.dirty) {
      if (!this.keyed.has(t) || this.whole.has(t)) continue;
      keys.set(t, [...(this.keys.get(t)?.values() ?? [])]);
    }
    return { kind: 'tables', tables: this.dirty, keys, wholeBecause: this.whole };
  }

  /** Record the keys of a keyed table's rows event, or fall back to its table granularity. */
  private collect(table: string, columns: TableMapColumns | null, type: number, body: Buffer): void {
    const spec = this.keyed.get(table);
    if (!spec || this.whole.has(table)) return;
    if (!columns) {
      this.whole.set(table, 'its table map was not understood');
      return;
    }
    let rows: bigint[][];
    try {
      rows = rowsEventKeys(type, body, columns, spec);
    } catch (err) {
      this.whole.set(table, (err as Error).message);
      this.keys.delete(table);
      return;
    }
    let set = this.keys.get(table);
    if (!set) {
      set = new Map();
      this.keys.set(table, set);
    }
    for (const k of rows) set.set(k.join(','), k);
    if (set.size > MAX_KEYS_PER_TABLE) {
      this.whole.set(table, `more than ${MAX_KEYS_PER_TABLE} changed keys`);
      this.keys.delete(table);
    }
  }

  /** Take one event; `stop` when the target position is reached or a doubt makes reading further pointless. */
  feed(e: BinlogEvent): EventVerdict {
    try {
      this.classify(e);
    } catch (err) {
      this.doubt = `an event of type ${e.type} at ${this.file}:${this.position} could not be read (${(err as Error).message})`;
    }
    if (this.doubt) return 'stop';
    const artificial = (e.flags & ARTIFICIAL_FLAG) !== 0 || e.nextPosition === 0;
    // A Format_description the server re-sends when a dump starts inside a file is not at its position.
    if (!artificial && !(e.type === FORMAT_DESCRIPTION && e.nextPosition <= this.position)) this.position = e.nextPosition;
    const order = comparePositions({ file: this.file, position: this.position }, this.to);
    if (order === 0 && !artificial) {
      this.reached = true;
      return 'stop';
    }
    if (order > 0) {
      this.doubt = `the binary log went past ${this.to.file}:${this.to.position} (at ${this.file}:${this.position}) without stopping there`;
      return 'stop';
    }
    if (e.type === ROTATE) {
      // Rotate: the next events are in the named file, from the given position.
      this.file = e.body.toString('utf8', 8);
      this.position = Number(e.body.readBigUInt64LE(0));
      if (comparePositions({ file: this.file, position: this.position }, this.to) === 0) {
        this.reached = true;
        return 'stop';
      }
    }
    return 'continue';
  }

  private classify(e: BinlogEvent): void {
    if (e.type === ROTATE || HARMLESS.has(e.type)) return;
    if (e.type === TABLE_MAP) {
      const id = e.body.readUIntLE(0, 6);
      const dbLen = e.body.readUInt8(8);
      const db = e.body.toString('utf8', 9, 9 + dbLen);
      const tableLen = e.body.readUInt8(9 + dbLen + 1);
      const start = 9 + dbLen + 2;
      if (start + tableLen > e.body.length) throw new Error('table map shorter than its names');
      const table = e.body.toString('utf8', start, start + tableLen);
      let columns: TableMapColumns | null = null;
      if (db === this.schema && this.keyed.has(table) && !this.whole.has(table)) {
        try {
          columns = tableMapColumns(e.body, start + tableLen + 1);
        } catch (err) {
          this.whole.set(table, `table map: ${(err as Error).message}`);
        }
      }
      this.tableIds.set(id, { db, table, columns });
      if (db === this.schema) this.dirty.add(table);
      return;
    }
    if (ROWS.has(e.type)) {
      const id = e.body.readUIntLE(0, 6);
      const t = this.tableIds.get(id);
      if (!t) this.doubt = `a rows event at ${this.file}:${this.position} names table id ${id}, which no table map before it declared`;
      else if (t.db === this.schema) {
        this.dirty.add(t.table);
        this.collect(t.table, t.columns, e.type, e.body);
      }
      return;
    }
    if (e.type === QUERY) {
      const dbLen = e.body.readUInt8(8);
      const varsLen = e.body.readUInt16LE(11);
      const dbStart = 13 + varsLen;
      const db = e.body.toString('utf8', dbStart, dbStart + dbLen);
      const query = e.body.toString('utf8', dbStart + dbLen + 1);
      const why = this.queryTouches(db, query);
      if (why) this.doubt = why;
      return;
    }
    if ((e.flags & IGNORABLE_FLAG) !== 0) return;
    this.doubt = `event type ${e.type} at ${this.file}:${this.position} is not understood`;
  }

  /** Why a statement event may have changed our database's rows, or null when it cannot have. */
  private queryTouches(db: string, query: string): string | null {
    const q = query.trim().replace(/^\/\*.*?\*\/\s*/s, '');
    const upper = q.slice(0, 40).toUpperCase();
    if (/^(BEGIN|COMMIT|ROLLBACK)\s*$/.test(upper) || /^(SAVEPOINT|ROLLBACK TO|RELEASE SAVEPOINT)\b/.test(upper)) return null;
    // The rows of an XA transaction are logged at XA PREPARE (possibly before our last snapshot); its COMMIT is all that comes later.
    if (upper.startsWith('XA ')) return upper.startsWith('XA COMMIT') ? `XA COMMIT of a prepared transaction (${q.slice(0, 60)})` : null;
    const firstWord = upper.split(/[\s(]/, 1)[0] ?? '';
    // DDL in another database that does not name ours changes none of our rows (DDL fires no triggers).
    if (db !== this.schema && DDL_WORDS.has(firstWord) && !q.toLowerCase().includes(this.schema.toLowerCase())) return null;
    return `a statement in the binary log may have changed ${this.schema} (${q.slice(0, 60).replace(/\s+/g, ' ')})`;
  }
}
