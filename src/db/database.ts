/**
 * The only module that talks to the MySQL driver (mysql2). Everything else sees this small
 * interface, so upgrading or swapping the driver touches one file.
 */
import mysql from 'mysql2';
import type { Connection, ConnectionOptions, QueryError } from 'mysql2';
import { DbsyncError, messageOf } from '../errors/dbsync-error.js';

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

function driverOptions(opts: DatabaseOptions): ConnectionOptions {
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
      visible = (await db.query<{ Database: string }>('SHOW DATABASES', [], 'list databases')).map((r) => r.Database).filter((d) => !/^(information_schema|performance_schema|mysql|sys)$/i.test(d));
    } finally {
      await db.close();
    }
  } catch {
    return error;
  }
  const name = options.database!;
  if (visible.includes(name)) return error;
  const seen = visible.length === 0 ? 'it can see no database' : `databases it can see: ${visible.slice(0, 10).join(', ')}${visible.length > 10 ? ', ...' : ''}`;
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
