/**
 * The only module that talks to the MySQL driver (mysql2). Everything else sees this small
 * interface, so upgrading or swapping the driver touches one file.
 */
import mysql from 'mysql2';
import type { Connection, ConnectionOptions, QueryError } from 'mysql2';
import { DbsyncError, messageOf } from '../errors/dbsync-error.js';
import { RowTooLargeError } from '../errors/row-too-large.js';

export interface DatabaseOptions {
  readonly host: string;
  readonly port: number;
  readonly socket: string | undefined;
  readonly user: string;
  readonly password: string | undefined;
  /** Database to use; undefined connects without one (to create one, in tests and restore). */
  readonly database: string | undefined;
  readonly connectTimeoutMs: number;
}

/** A raw cell: the server's bytes in the connection character set (utf8mb4), or null for SQL NULL. */
export type RawCell = Buffer | null;

/**
 * One row of a result set as the server sent it, without a copy: cell i is the bytes
 * `buf[start[i], end[i])` (as a RawCell would hold them), or SQL NULL when `start[i]` is -1.
 * Valid only during the `onRow` call that receives it: the buffer and the arrays are reused.
 */
export interface RawRow {
  readonly buf: Buffer;
  readonly start: Int32Array;
  readonly end: Int32Array;
  /** The row's size as sent (cells and their length prefixes): at least the sum of the cells' lengths. */
  readonly bytes: number;
}

/** The slice of mysql2's packet object the row hook reads (lib/packets/packet.js). */
interface DriverPacket {
  readonly buffer: Buffer;
  readonly offset: number;
  readonly end: number;
  isEOF(): boolean;
}
/** The slice of mysql2's Query command the row hook replaces (lib/commands/query.js): `row` is the state that parses each row packet. */
interface DriverQuery {
  row: (packet: DriverPacket, connection: unknown) => unknown;
  on(event: string, listener: (...args: never[]) => void): unknown;
}

/** The privileges the tool needs, named in messages when the server refuses one. */
export const REQUIRED_GRANT = 'GRANT SELECT, LOCK TABLES, SHOW VIEW, TRIGGER, EVENT, EXECUTE ON `<db>`.* TO <user>';
const RESTORE_GRANT = 'GRANT ALL ON `<db>`.* TO <user> (restore creates, drops and fills tables)';

function describe(opts: DatabaseOptions): string {
  return opts.socket ? `socket ${opts.socket}` : `${opts.host}:${opts.port}`;
}

/** Turn a driver error into a one-line DbsyncError with a hint. The password is never part of it. */
export function databaseError(operation: string, err: unknown, opts?: DatabaseOptions): DbsyncError {
  const e = err as Partial<QueryError> & { code?: string; errno?: number };
  const where = opts ? ` at ${describe(opts)}` : '';
  const db = opts?.database ?? '';
  let hint = 'check the database server and the DB_* settings, then retry';
  let message = messageOf(err);
  switch (e.code) {
    case 'ECONNREFUSED':
      message = `connection refused${where}`;
      hint = 'is the server running and is DB_HOST/DB_PORT (or DB_SOCKET) right?';
      break;
    case 'ENOENT':
      message = `no socket${where}`;
      hint = 'check DB_SOCKET (is the server running?)';
      break;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      message = `unknown host ${opts?.host ?? ''}`;
      hint = 'check DB_HOST';
      break;
    case 'ETIMEDOUT':
      message = `connection timed out${where}`;
      hint = 'check DB_HOST/DB_PORT and firewalls, or raise DBSYNC_CONNECT_TIMEOUT';
      break;
    case 'EACCES':
      message = `permission denied on${where}`;
      hint = 'check DB_SOCKET and its permissions';
      break;
    case 'ER_ACCESS_DENIED_ERROR':
      message = `access denied for user ${JSON.stringify(opts?.user ?? '')}${where}`;
      hint = 'check DB_USER and DB_PASSWORD (or DB_PASSWORD_FILE)';
      break;
    case 'ER_BAD_DB_ERROR':
      message = `database ${JSON.stringify(db)} does not exist${where}`;
      hint = 'check DB_NAME, or create the database first';
      break;
    case 'ER_DBACCESS_DENIED_ERROR':
      message =
        operation === 'connect to database'
          ? `user ${JSON.stringify(opts?.user ?? '')} may not use database ${JSON.stringify(db)}`
          : `user ${JSON.stringify(opts?.user ?? '')} lacks a privilege on database ${JSON.stringify(db)} needed to ${operation}`;
      hint = `grant access: ${REQUIRED_GRANT.replace('<db>', db).replace('<user>', opts?.user ?? '<user>')}`;
      break;
    case 'ER_TABLEACCESS_DENIED_ERROR':
    case 'ER_SPECIFIC_ACCESS_DENIED_ERROR':
    case 'ER_COLUMNACCESS_DENIED_ERROR':
    case 'ER_PROCACCESS_DENIED_ERROR':
      hint = `the tool needs: ${REQUIRED_GRANT.replace('<db>', db).replace('<user>', opts?.user ?? '<user>')}; restore needs ${RESTORE_GRANT.replace('<db>', db).replace('<user>', opts?.user ?? '<user>')}`;
      break;
    case 'PROTOCOL_CONNECTION_LOST':
    case 'ECONNRESET':
    case 'EPIPE':
      message = `connection to the database was lost${where}`;
      hint = 'the server restarted or the network dropped; the pass will be retried';
      break;
    case 'ER_LOCK_WAIT_TIMEOUT':
    case 'ER_LOCK_DEADLOCK':
      hint = 'the tables were busy (long transaction or lock); the pass will be retried';
      break;
    case 'ER_NO_SUCH_TABLE':
    case 'ER_TABLE_DEF_CHANGED':
      hint = 'another session dropped, renamed or altered a table meanwhile; retry (watch retries by itself)';
      break;
    default:
      // The driver refuses new commands on a connection the server already closed.
      if (/closed state/i.test(message)) {
        message = `connection to the database was lost${where}`;
        hint = 'the server restarted or the network dropped; the pass will be retried';
      }
      break;
  }
  return new DbsyncError({ operation, message, hint, cause: err });
}

/** The driver's connection options (also used by binlog-stream.ts, the one other file that talks to mysql2). */
export function driverOptions(opts: DatabaseOptions): ConnectionOptions {
  return {
    ...(opts.socket ? { socketPath: opts.socket } : { host: opts.host, port: opts.port }),
    user: opts.user,
    password: opts.password ?? '',
    database: opts.database,
    connectTimeout: opts.connectTimeoutMs,
    charset: 'UTF8MB4_BIN',
    // Exactness: never let the driver interpret dates, big numbers or decimals.
    dateStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
    decimalNumbers: false,
    multipleStatements: false,
    // Zero dates and every other value come back as the server's own text.
    timezone: 'Z',
  };
}

/**
 * The server answers "access denied" for a database the user has no privilege on whether it exists
 * or not (so as to reveal nothing): a mistyped DB_NAME got only a GRANT hint. Ask which databases
 * the user can see; when the name is not among them, say that it may simply not exist, and name
 * the ones it can use (so the typo shows).
 */
async function deniedOrMissing(error: DbsyncError, options: DatabaseOptions): Promise<DbsyncError> {
  let visible: string[];
  try {
    const db = await Database.connect({ ...options, database: undefined });
    try {
      visible = (await db.query<{ Database: string }>('SHOW DATABASES', [], 'list databases'))
        .map((r) => r.Database)
        .filter((d) => !/^(information_schema|performance_schema|mysql|sys)$/i.test(d));
    } finally {
      await db.close();
    }
  } catch {
    return error;
  }
  const name = options.database!;
  if (visible.includes(name)) return error;
  const seen =
    visible.length === 0 ? 'it can see no database' : `databases it can see: ${visible.slice(0, 10).join(', ')}${visible.length > 10 ? ', ...' : ''}`;
  return new DbsyncError({
    operation: 'connect to database',
    message: `database ${JSON.stringify(name)} does not exist, or user ${JSON.stringify(options.user)} has no privilege on it (${seen})${' at ' + describe(options)}`,
    hint: `check DB_NAME; if it is right, create the database, or grant access: ${REQUIRED_GRANT.replace('<db>', name).replace('<user>', options.user)}`,
    cause: error,
  });
}

/** Read raw bytes for every column; formatting is the snapshot module's job. */
const rawTypeCast = (field: { buffer(): Buffer | null }): RawCell => field.buffer();

/** One connection to the server. Not shared between concurrent operations. */
export class Database {
  private closed = false;

  private constructor(
    private readonly conn: Connection,
    readonly options: DatabaseOptions,
  ) {
    // A dropped connection emits 'error' on the connection object; without a listener Node would crash.
    conn.on('error', () => {
      this.closed = true;
    });
  }

  static async connect(options: DatabaseOptions): Promise<Database> {
    const conn = mysql.createConnection(driverOptions(options));
    try {
      await new Promise<void>((resolve, reject) => conn.connect((err) => (err ? reject(err) : resolve())));
    } catch (err) {
      conn.destroy();
      const error = databaseError('connect to database', err, options);
      if ((err as { code?: string }).code === 'ER_DBACCESS_DENIED_ERROR' && options.database !== undefined) throw await deniedOrMissing(error, options);
      throw error;
    }
    return new Database(conn, options);
  }

  /** Rows as objects, for metadata queries (small results). */
  async query<T = Record<string, unknown>>(sql: string, params: readonly unknown[] = [], operation = 'query database'): Promise<T[]> {
    try {
      return await new Promise<T[]>((resolve, reject) =>
        this.conn.query({ sql, values: params as unknown[] }, (err, rows) => (err ? reject(err) : resolve(rows as T[]))),
      );
    } catch (err) {
      throw databaseError(operation, err, this.options);
    }
  }

  /** Rows as arrays of strings (for SHOW statements whose column names vary). */
  async queryArrays(sql: string, params: readonly unknown[] = [], operation = 'query database'): Promise<Array<Array<string | null>>> {
    try {
      return await new Promise((resolve, reject) =>
        this.conn.query({ sql, values: params as unknown[], rowsAsArray: true }, (err, rows) =>
          err ? reject(err) : resolve(rows as Array<Array<string | null>>),
        ),
      );
    } catch (err) {
      throw databaseError(operation, err, this.options);
    }
  }

  /** A statement without a result set. */
  async execute(sql: string, operation = 'run statement', params: readonly unknown[] = []): Promise<{ affectedRows: number }> {
    try {
      return await new Promise((resolve, reject) =>
        this.conn.query({ sql, values: params as unknown[] }, (err, res) =>
          err ? reject(err) : resolve({ affectedRows: (res as { affectedRows?: number }).affectedRows ?? 0 }),
        ),
      );
    } catch (err) {
      throw databaseError(operation, err, this.options);
    }
  }

  /** A small result set as raw cells (as streamRaw gives them), with `?` parameters: the rows of a few keys. */
  async queryRaw(sql: string, params: readonly unknown[] = [], operation = 'read rows'): Promise<RawCell[][]> {
    try {
      return await new Promise((resolve, reject) =>
        this.conn.query({ sql, values: params as unknown[], rowsAsArray: true, typeCast: rawTypeCast as never }, (err, rows) =>
          err ? reject(err) : resolve(rows as RawCell[][]),
        ),
      );
    } catch (err) {
      throw databaseError(operation, err, this.options);
    }
  }

  /**
   * Stream a result set as raw cells, with backpressure (the driver pauses the socket while the
   * consumer is busy), so memory stays bounded whatever the table size.
   */
  async *streamRaw(sql: string, operation = 'read rows'): AsyncGenerator<RawCell[]> {
    const stream = this.conn.query({ sql, rowsAsArray: true, typeCast: rawTypeCast as never }).stream({ highWaterMark: 256 });
    // mysql2 tells a streaming query nothing when the connection drops mid-result (KILL, server
    // shutdown or crash, network cut): only the connection emits 'error'. Without this the read
    // would wait forever (and `sync` would exit 0 with nothing printed once no handle is left).
    const lost = (err?: Error) =>
      stream.destroy(err ?? Object.assign(new Error('Connection lost: the server closed the connection'), { code: 'PROTOCOL_CONNECTION_LOST' }));
    const ended = () => lost();
    this.conn.on('error', lost);
    this.conn.on('end', ended);
    try {
      for await (const row of stream) yield row as RawCell[];
    } catch (err) {
      throw databaseError(operation, err, this.options);
    } finally {
      this.conn.off('error', lost);
      this.conn.off('end', ended);
    }
  }

  /**
   * Stream a result set of `columns` columns row by row, straight from the driver's packet
   * buffers: no object per row or cell and no async iterator (together about a third of the time
   * of reading a large table through streamRaw). When `onRow` returns a promise, reading pauses
   * until it settles (the socket stops being read, so memory stays bounded). Resolves with the
   * number of rows once the result has ended.
   *
   * mysql2 has no public API for raw rows, so this replaces the Query command's `row` state on
   * this one query (the text protocol: each cell a length-encoded string, 0xFB for NULL). It is
   * checked, not trusted: a row the hook did not see (a 'result' event), a field count that is not
   * `columns` or a row that does not end where its packet ends fail the read rather than let it
   * lose or misread a row; the differential test (test/integration/fast-reader.test.ts) compares
   * its output with streamRaw's on every column type, so a driver upgrade that changes these
   * internals fails there first.
   */
  streamRows(
    sql: string,
    columns: number,
    onRow: (row: RawRow) => Promise<void> | void,
    operation = 'read rows',
    maxRowBytes = Number.POSITIVE_INFINITY,
  ): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      const query = this.conn.query({ sql, rowsAsArray: true, typeCast: false }) as unknown as DriverQuery;
      const conn = this.conn;
      const row: RawRow = { buf: Buffer.alloc(0), start: new Int32Array(columns), end: new Int32Array(columns), bytes: 0 };
      const cells = { start: row.start, end: row.end };
      const mutable = row as { buf: Buffer; bytes: number };
      let rows = 0;
      let settled = false;
      let waiting = 0;
      // `ours`: the consumer's own failure (a full disk while writing the chunk files), passed on as
      // it is; anything else came from the server or the driver and gets the database's message and hint.
      const finish = (err: unknown, ours = false) => {
        if (settled) return;
        settled = true;
        conn.off('error', lost);
        conn.off('end', ended);
        // After a failure the rest of the result is read and dropped; the connection stays usable.
        if (waiting > 0) conn.resume();
        waiting = 0;
        if (err === null) resolve(rows);
        else reject(ours ? err : databaseError(operation, err, this.options));
      };
      // mysql2 tells a streaming query nothing when the connection drops mid-result (see streamRaw).
      const lost = (err?: Error) =>
        finish(err ?? Object.assign(new Error('Connection lost: the server closed the connection'), { code: 'PROTOCOL_CONNECTION_LOST' }));
      const ended = () => lost();
      conn.on('error', lost);
      conn.on('end', ended);
      const parent = query.row;
      if (typeof parent !== 'function') {
        finish(new Error('the installed mysql2 has no row parser to hook into (driver upgraded?)'));
        return;
      }
      // The result can end while the last rows' promises are still pending: resolve after them.
      let resultEnded = false;
      const afterRow = () => {
        if (--waiting > 0 || settled) return;
        if (resultEnded) finish(null);
        else conn.resume();
      };
      const failed = (err: unknown) => {
        finish(err);
      };
      const consumerFailed = (err: unknown) => {
        finish(err, true);
      };
      query.row = function hookedRow(this: DriverQuery, packet: DriverPacket, connection: unknown): unknown {
        if (packet.isEOF()) return parent.call(this, packet, connection);
        if (settled) return hookedRow;
        const buf = packet.buffer;
        // Larger than the caller can take (the driver has gathered it already; what it becomes would cost twice as much again).
        if (packet.end - packet.offset > maxRowBytes) {
          consumerFailed(new RowTooLargeError(packet.end - packet.offset, maxRowBytes));
          return hookedRow;
        }
        let o = packet.offset;
        for (let i = 0; i < columns; i++) {
          let len = buf[o++]!;
          if (len === 0xfb) {
            cells.start[i] = -1;
            cells.end[i] = -1;
            continue;
          }
          if (len === 0xfc) {
            len = buf[o]! | (buf[o + 1]! << 8);
            o += 2;
          } else if (len === 0xfd) {
            len = buf[o]! | (buf[o + 1]! << 8) | (buf[o + 2]! << 16);
            o += 3;
          } else if (len === 0xfe) {
            // An 8-byte length; a packet holds at most 1 GiB (max_allowed_packet), so the high word is 0.
            len = buf.readUInt32LE(o) + buf.readUInt32LE(o + 4) * 0x100000000;
            o += 8;
          }
          cells.start[i] = o;
          o += len;
          cells.end[i] = o;
        }
        if (o !== packet.end) {
          failed(new Error(`a row of ${packet.end - packet.offset} bytes did not hold exactly ${columns} cells (driver or protocol mismatch)`));
          return hookedRow;
        }
        mutable.buf = buf;
        mutable.bytes = packet.end - packet.offset;
        rows++;
        try {
          const wait = onRow(row);
          if (wait) {
            if (waiting++ === 0) conn.pause();
            wait.then(afterRow, consumerFailed);
          }
        } catch (err) {
          consumerFailed(err);
        }
        return hookedRow;
      };
      query.on('fields', (fields: unknown[]) => {
        if (fields.length !== columns) failed(new Error(`expected ${columns} columns, the server sent ${fields.length}`));
      });
      query.on('result', () => failed(new Error('a row reached the driver parser instead of the row hook (driver upgraded?)')));
      query.on('error', failed);
      query.on('end', () => {
        resultEnded = true;
        if (waiting === 0) finish(null);
      });
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await new Promise<void>((resolve) => {
      this.conn.end(() => resolve());
      setTimeout(() => {
        this.conn.destroy();
        resolve();
      }, 2000).unref();
    });
  }

  /** Abort at once (used when a pass is cancelled). */
  destroy(): void {
    this.closed = true;
    this.conn.destroy();
  }
}
