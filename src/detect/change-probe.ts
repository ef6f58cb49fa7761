import type { Database } from '../db/database.js';
import { isStatementRefused } from '../db/mariadb/server-errors.js';
import { DbsyncError, messageOf } from '../errors/dbsync-error.js';

/**
 * The change probe: one cheap query that tells "nothing can have been committed since the last
 * reading" (equal readings) from "maybe something was" (different readings), without reading a
 * row of any table. `watch` runs a pass only when the reading moved since the one taken before
 * its last successful pass (see pass-scheduler.ts).
 *
 * What moves, measured on MariaDB 10.11 (test/integration/change-probe.test.ts pins each case):
 *  - Handler_write/update/delete count every row written, by any engine, at the moment it is
 *    written. For MyISAM, Aria, MEMORY (no transactions) that is also the moment other sessions
 *    see it: write = commit. Triggers, events, LOAD DATA, replication appliers all count.
 *  - THE TRAP: for InnoDB the write counters move at WRITE time. A transaction that writes, then
 *    a pass runs (it cannot see the uncommitted row), then the transaction commits without
 *    writing again: no write counter moves at the COMMIT. Innodb_max_trx_id closes it: InnoDB
 *    takes a read-write transaction's id from that counter at its first write AND its commit
 *    number (trx_no) from the same counter at COMMIT, so it moves when the commit happens (also
 *    for `XA COMMIT` of a prepared transaction, from any session). Read-only transactions (our
 *    own consistent-snapshot reads) take no number: our passes do not move it. Handler_commit
 *    and Com_commit cannot be used: every read statement and our own COMMIT move them. (Today an
 *    ordinary open transaction holds a metadata lock that makes the pass's LOCK TABLES wait and
 *    fail; a transaction that is XA PREPAREd and detached from its session holds none, so the pass
 *    succeeds without its rows: the test uses that.)
 *  - Syncs (calls of my_sync): DDL syncs the .frm files and the DDL log at its end, while it holds
 *    the exclusive metadata lock. That is the completion signal for a long ALTER of a MyISAM/Aria
 *    table: its rows are copied (Handler_write moves) and its indexes built while our
 *    `LOCK TABLES ... READ` is still compatible, so a pass may read the old table; the rename to
 *    the new one comes later and moves nothing but Syncs (InnoDB DDL also commits a dictionary
 *    transaction: Innodb_max_trx_id). Measured: nothing else of the list moved after our unlock.
 *  - Com_<ddl> counters, for DDL that moves neither rows nor Syncs (TRUNCATE of a MyISAM table,
 *    CREATE DATABASE, REPAIR) and as a second signal for views, triggers and routines. They move
 *    when the statement starts; such a statement either finishes within milliseconds or waits
 *    for a lock, and then our pass's `LOCK TABLES` queues behind it (or times out and retries).
 *  - Binlog_snapshot_file/position (the binary log end, readable without privileges): moves on
 *    every binlogged commit, whatever the engine, when binary logging is on ('' otherwise).
 *  - Uptime, to tell a restarted server (counters start again from 0; MEMORY tables are empty).
 *
 * What does NOT move anything here (none of it is done by our passes, which only read):
 * SELECT, SHOW, SET, LOCK/UNLOCK TABLES, START TRANSACTION ... COMMIT without writes, GET_LOCK;
 * internal temporary tables count as Handler_tmp_write, not Handler_write. Writes in other
 * databases of the same server do move the counters: they only cause extra passes, never misses.
 *
 * Not seen (the periodic full verification, DBSYNC_VERIFY_INTERVAL, catches them): data that
 * lives outside the server (FEDERATED, CONNECT, CSV files edited by hand, table files replaced
 * on disk without FLUSH TABLES), commits of transactional engines other than InnoDB when binary
 * logging is off, and a committing thread that stalls for longer than the quiet period between
 * InnoDB counting its commit and making it visible (microseconds normally).
 *
 * Cost: one `SHOW GLOBAL STATUS WHERE Variable_name IN (...)` per poll on a connection kept
 * open; the server materialises only the named rows (an ORDER BY would make it build all ~560,
 * so there is none). It reads no table rows and needs no privilege.
 */
export const PROBE_COUNTERS = [
  'Handler_write',
  'Handler_update',
  'Handler_delete',
  'Innodb_max_trx_id',
  'Syncs',
  'Binlog_snapshot_file',
  'Binlog_snapshot_position',
  'Com_alter_db',
  'Com_alter_event',
  'Com_alter_function',
  'Com_alter_procedure',
  'Com_alter_sequence',
  'Com_alter_table',
  'Com_create_db',
  'Com_create_event',
  'Com_create_function',
  'Com_create_index',
  'Com_create_package',
  'Com_create_package_body',
  'Com_create_procedure',
  'Com_create_sequence',
  'Com_create_table',
  'Com_create_trigger',
  'Com_create_view',
  'Com_drop_db',
  'Com_drop_event',
  'Com_drop_function',
  'Com_drop_index',
  'Com_drop_package',
  'Com_drop_package_body',
  'Com_drop_procedure',
  'Com_drop_sequence',
  'Com_drop_table',
  'Com_drop_trigger',
  'Com_drop_view',
  'Com_rename_table',
  'Com_truncate',
  'Com_repair',
  'Com_flush',
  'Com_xa_commit',
] as const;

/** Without these the probe cannot see commits (not MariaDB, or a very different version): every poll is a full pass. */
const REQUIRED = ['Handler_write', 'Handler_update', 'Handler_delete', 'Innodb_max_trx_id', 'Syncs'];

/** How far two computations of the server's start time may differ and still be the same run (Uptime has whole seconds). */
const START_TOLERANCE_S = 2;

/** One reading of the probe. */
export interface ProbeReading {
  /** Which connection of the probe took it; a reconnect may hide a server restart or a failover. */
  readonly session: number;
  /** Server id, version and host name, read once per connection. */
  readonly server: string;
  /** When the server started (seconds since the epoch, from Uptime and this computer's clock). */
  readonly startedAt: number;
  /** Every counter of PROBE_COUNTERS that the server has, as the server printed it. */
  readonly counters: Readonly<Record<string, string>>;
}

/** The same server run (no restart, no other server behind the address, no reconnect). */
export function sameServerRun(a: ProbeReading, b: ProbeReading): boolean {
  return a.session === b.session && a.server === b.server && Math.abs(a.startedAt - b.startedAt) <= START_TOLERANCE_S;
}

/** Nothing can have been committed between two readings when they are of one server run and every counter is equal. */
export function sameReading(a: ProbeReading, b: ProbeReading): boolean {
  if (!sameServerRun(a, b)) return false;
  const keys = new Set([...Object.keys(a.counters), ...Object.keys(b.counters)]);
  for (const k of keys) if (a.counters[k] !== b.counters[k]) return false;
  return true;
}

/** The probe cannot work on this server (counters missing or refused); `watch` falls back to a full pass every poll. */
export class ProbeUnavailable extends Error {}

/** The probe's own connection, kept open between polls (a poll is then one round trip). */
export class ChangeProbe {
  private db: Database | null = null;
  /** Once the server has shown it cannot serve the probe, it is not asked again. */
  private unavailable: ProbeUnavailable | null = null;
  private session = 0;
  private server = '';
  private readonly sql = `SHOW GLOBAL STATUS WHERE Variable_name IN (${[...PROBE_COUNTERS, 'Uptime'].map((n) => `'${n}'`).join(', ')})`;

  constructor(private readonly connect: () => Promise<Database>) {}

  /**
   * Read the counters. Throws ProbeUnavailable when the server lacks them, a DbsyncError when
   * the database cannot be reached (the connection is dropped and opened again next time).
   */
  async read(): Promise<ProbeReading> {
    if (this.unavailable) throw this.unavailable;
    try {
      if (!this.db) await this.open();
      const rows = await this.db!.queryArrays(this.sql, [], 'read the change probe').catch((err: unknown) => {
        // A server (or proxy) that refuses the statement itself will not serve it later either.
        if (isStatementRefused(err)) throw new ProbeUnavailable(`the server refused SHOW GLOBAL STATUS (${messageOf(err)})`);
        throw err;
      });
      return this.toReading(rows);
    } catch (err) {
      this.db?.destroy();
      this.db = null;
      if (err instanceof ProbeUnavailable) {
        this.unavailable = err;
        throw err;
      }
      throw err instanceof DbsyncError
        ? err
        : new DbsyncError({ operation: 'read the change probe', message: messageOf(err), hint: 'a full pass runs instead', cause: err });
    }
  }

  private async open(): Promise<void> {
    this.db = await this.connect();
    this.session++;
    const [row] = await this.db.queryArrays('SELECT @@server_id, @@version, @@hostname, @@port', [], 'read the change probe');
    this.server = JSON.stringify(row ?? []);
  }

  private toReading(rows: Array<Array<string | null>>): ProbeReading {
    const counters: Record<string, string> = {};
    let uptime = NaN;
    for (const [name, value] of rows) {
      if (!name) continue;
      if (name.toLowerCase() === 'uptime') uptime = Number(value);
      else counters[name.toLowerCase()] = value ?? '';
    }
    const missing = REQUIRED.filter((n) => counters[n.toLowerCase()] === undefined);
    if (missing.length > 0 || !Number.isFinite(uptime)) {
      throw new ProbeUnavailable(
        `the server has no status counter ${[...missing, ...(Number.isFinite(uptime) ? [] : ['Uptime'])].join(', ')} (MariaDB 10.3 or later has them)`,
      );
    }
    return { session: this.session, server: this.server, startedAt: Math.round(Date.now() / 1000 - uptime), counters };
  }

  async close(): Promise<void> {
    await this.db?.close();
    this.db = null;
  }
}
