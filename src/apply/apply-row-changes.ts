import type { Database } from '../db/database.js';
import { isLockBusy } from '../db/mariadb/server-errors.js';
import { DbsyncError, messageOf } from '../errors/dbsync-error.js';
import type { RowChange } from '../merge/row-change.js';
import { NO_POLICY, PassPolicy } from '../policy/pass-policy.js';
import { applySession } from '../db/mariadb/write-session.js';
import { quoteId } from '../snapshot/sql-text.js';
import { isMvccEngine, type TableInfo } from '../snapshot/table-info.js';
import { describeKey, planChanges, type ApplyPlan } from './apply-plan.js';
import { readAllRows, readRowsByKey } from './live-rows.js';
import { RowWrites, type LiveState } from './row-writes.js';
import { SecretCells } from './secret-cells.js';
import { TableShape } from './table-shape.js';

export interface ApplyResult {
  readonly table: string;
  readonly inserted: number;
  readonly updated: number;
  readonly deleted: number;
  /** Changes not applied because the live row no longer equals `before` (a local write since the last snapshot), or the table was busy: all of the table's changes. */
  readonly refused: readonly RowChange[];
  /** Why `refused` is not empty, in one line for the log (null when everything was applied). */
  readonly refusedBecause: string | null;
  /** Secret cells that could not be written (redacted placeholder, or encrypted without key): labels for the user. */
  readonly secretsNotApplied: readonly string[];
}

export interface ApplyOptions {
  /**
   * The policy the snapshot uses (its secret rules and settings: live rows are formatted with it, to
   * compare with `before`); absent: no profile, auto without a key.
   */
  readonly policy?: PassPolicy;
  /** Seconds to wait for a row or table lock the application holds before giving up (the table is refused; retry later). Default 3. */
  readonly lockWaitSeconds?: number;
}

/** Largest statement sent (also capped below the server's max_allowed_packet). */
const STATEMENT_BYTES = 1024 * 1024;

/**
 * Write row-level changes (from a fast-forward or a merge) into one live table while the
 * application keeps writing, all or nothing per table:
 *
 *  1. transactional engines (InnoDB): START TRANSACTION, read the changed keys' rows FOR UPDATE
 *     (locks them, and the gaps where absent keys would go); non-transactional ones (MyISAM,
 *     Aria): LOCK TABLES t WRITE, held only for steps 2-4;
 *  2. every change's `before` must equal the live row as the snapshot formats it now (same
 *     RowWriter, same secrets transform), or the key must be absent when `before` is null; if one
 *     differs, the application wrote since the last snapshot: nothing is written and all the
 *     table's changes come back as `refused` (take a fresh snapshot, merge again);
 *  3. deletes, then updates (only the columns that differ), then inserts;
 *  4. the changed rows are read back: they must format as the snapshot will (else a trigger or a
 *     definition that differs changed them: roll back, fail);
 *  5. COMMIT, or UNLOCK TABLES.
 * A failure in 3-4 rolls back; without transactions the rows are put back as they were from
 * what step 1 read (under the lock nobody else saw them), and the message says whether that worked.
 * A lock the application holds longer than `lockWaitSeconds` refuses the table (retry later).
 *
 * The application's triggers fire on these writes (an audit trigger would log them again, on
 * every computer); they can test `@dbsync_apply` to skip them. The session settings are left on
 * `db`: give it a connection of its own.
 */
export async function applyRowChanges(db: Database, table: TableInfo, changes: readonly RowChange[], opts: ApplyOptions = {}): Promise<ApplyResult> {
  const policy = opts.policy ?? PassPolicy.decide(NO_POLICY, []);
  const settings = policy.secrets;
  const tableSecrets = policy.planSecrets([table]).tables.get(table.name) ?? null;
  const shape = new TableShape(table, tableSecrets);
  const secretCells = new SecretCells(table, tableSecrets, settings.cipher);
  const done = (plan: ApplyPlan | null, refused: readonly RowChange[], because: string | null): ApplyResult => ({
    table: table.name,
    inserted: plan?.inserts ?? 0,
    updated: plan?.updates ?? 0,
    deleted: plan?.deletes ?? 0,
    refused,
    refusedBecause: because,
    secretsNotApplied: refused.length > 0 ? [] : secretCells.report(),
  });
  if (changes.length === 0) return done(null, [], null);

  const op = `apply changes to table ${table.name}`;
  for (const sql of applySession(opts.lockWaitSeconds ?? 3)) await db.execute(sql, 'prepare the session for applying changes');
  try {
    // Everything that needs no lock is done before taking it.
    const plan = planChanges(shape, changes, secretCells, await autoUpdateColumns(db, table.name));
    const maxBytes = await statementLimit(db);
    const mvcc = isMvccEngine(table.engine);
    const refuse = (because: string) => done(null, changes, because);
    try {
      await db.execute(mvcc ? 'START TRANSACTION' : `LOCK TABLES ${quoteId(table.name)} WRITE`, op);
    } catch (err) {
      if (isLockBusy(err)) return refuse(busyText(err));
      throw err;
    }
    let writes: RowWrites | null = null;
    try {
      const live = await readLive(db, shape, plan, mvcc);
      const differs = changedSinceSnapshot(plan, live);
      if (differs.length > 0) {
        await db.execute(mvcc ? 'ROLLBACK' : 'UNLOCK TABLES', op);
        const keys = differs.slice(0, 5).map(describeKey).join(', ');
        return refuse(`${differs.length} row(s) of ${table.name} changed here since the last snapshot (key ${keys}${differs.length > 5 ? ', ...' : ''})`);
      }
      writes = new RowWrites(db, shape, plan, live, maxBytes);
      await writes.write();
      await writes.verify();
      await db.execute(mvcc ? 'COMMIT' : 'UNLOCK TABLES', op);
      return done(plan, [], null);
    } catch (err) {
      const undone = await endAfterFailure(db, mvcc, writes);
      if (isLockBusy(err) && undone) return refuse(busyText(err));
      throw failed(table.name, err, undone, mvcc, secretCells.decrypted);
    }
  } finally {
    await db.execute('SET @dbsync_apply = NULL', 'reset the session').catch(() => undefined);
  }
}

/** Read the live rows the changes need: by key, or the whole table when rows have no key. */
async function readLive(db: Database, shape: TableShape, plan: ApplyPlan, lock: boolean): Promise<LiveState> {
  if (shape.keyIndex === null) return { keyed: false, rows: await readAllRows(db, shape, lock) };
  const { rows, twins } = await readRowsByKey(
    db,
    shape,
    plan.changes.map((c) => c.keyCells),
    lock,
  );
  if (twins.length > 0) {
    const twin = shape.keyIndex.map((i) => twins[0]!.exactCells[i]!);
    throw new DbsyncError({
      operation: `apply changes to table ${shape.table.name}`,
      message: `the existing row ${describeKey(twin)} has a key equal to a changed key under the column's collation (e.g. 'a' and 'A')`,
      hint: 'change one of the two keys in the application, so that they differ under the collation too',
    });
  }
  return { keyed: true, rows };
}

/** The keys of the changes whose `before` is not what the table holds now. */
function changedSinceSnapshot(plan: ApplyPlan, live: LiveState): Array<readonly string[]> {
  const out: Array<readonly string[]> = [];
  if (live.keyed) {
    for (const c of plan.changes) if ((live.rows.get(c.key)?.line ?? null) !== c.before) out.push(c.keyCells);
    return out;
  }
  // Without a key: each `before` needs a copy of its line of its own (two deletes of one line need two rows).
  const count = new Map<string, number>();
  for (const r of live.rows) count.set(r.line, (count.get(r.line) ?? 0) + 1);
  for (const c of plan.changes) {
    if (c.before === null) continue;
    const n = count.get(c.before) ?? 0;
    if (n === 0) out.push(c.keyCells);
    else count.set(c.before, n - 1);
  }
  return out;
}

/** End the transaction or the table lock after a failure; true when nothing of the changes stays. */
async function endAfterFailure(db: Database, mvcc: boolean, writes: RowWrites | null): Promise<boolean> {
  if (mvcc) {
    // A lost connection rolls back by itself.
    await db.execute('ROLLBACK', 'roll back').catch(() => undefined);
    return true;
  }
  let undone = writes === null;
  if (writes) undone = await writes.undo().catch(() => false);
  await db.execute('UNLOCK TABLES', 'unlock tables').catch(() => undefined);
  return undone;
}

/** Columns the server sets to the current time on any update (ON UPDATE CURRENT_TIMESTAMP). */
async function autoUpdateColumns(db: Database, table: string): Promise<Set<string>> {
  const rows = await db.query<{ c: string }>(
    `SELECT COLUMN_NAME AS c FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND EXTRA LIKE '%on update%'`,
    [table],
    `read column definitions of table ${table}`,
  );
  return new Set(rows.map((r) => r.c));
}

async function statementLimit(db: Database): Promise<number> {
  const rows = await db.queryArrays('SELECT @@max_allowed_packet', [], 'read max_allowed_packet');
  const packet = Number(rows[0]?.[0] ?? 0) || STATEMENT_BYTES;
  return Math.max(64 * 1024, Math.min(STATEMENT_BYTES, packet - 4096));
}

function busyText(err: unknown): string {
  return `the table was busy (${messageOf(err)}); nothing was written, retry later`;
}

/**
 * The error after a failed write: what happened, and whether the table is as it was. Server
 * messages quote values (`Duplicate entry '...'`); when decrypted secrets were written, the
 * quotation is cut.
 */
function failed(table: string, err: unknown, undone: boolean, mvcc: boolean, hideValues: boolean): DbsyncError {
  let message = messageOf(err);
  if (hideValues && message.includes("'"))
    message = `${message.slice(0, message.indexOf("'")).trimEnd()} (the rest is not shown: the statements held decrypted secrets)`;
  const outcome = undone
    ? mvcc
      ? 'nothing was changed (rolled back)'
      : 'nothing was changed (the rows were put back)'
    : `TABLE ${table} MAY BE PARTLY CHANGED: the rows could not be put back`;
  const duplicate = /duplicate entry/i.test(messageOf(err));
  return new DbsyncError({
    operation: `apply changes to table ${table}`,
    message: `${message}; ${outcome}`,
    hint: duplicate
      ? 'the changes collide with a unique key here (two rows swapping a unique value, or the same value used on two computers): change one of the values in the application, then pull again'
      : err instanceof DbsyncError
        ? err.hint
        : 'report this with the table definition',
    cause: err,
  });
}
