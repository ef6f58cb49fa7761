import type { Database } from '../db/database.js';
import { DbsyncError } from '../errors/dbsync-error.js';
import { cellsOf, tupleOf } from '../snapshot/row-line.js';
import { quoteId } from '../snapshot/sql-text.js';
import { describeKey, type ApplyPlan, type PlannedChange } from './apply-plan.js';
import { KEYS_PER_READ, readAllRows, readRowsByKey } from './live-rows.js';
import { keyCondition, oneKeyCondition, rawRowCondition } from './row-match.js';
import type { LiveRow, TableShape } from './table-shape.js';

/** The live rows the changes were checked against (read under the lock, so still current). */
export type LiveState = { readonly keyed: true; readonly rows: ReadonlyMap<string, LiveRow> } | { readonly keyed: false; readonly rows: readonly LiveRow[] };

/**
 * Writing one table's checked changes, reading them back, and (where the engine cannot roll back)
 * putting the rows back as they were. Runs between START TRANSACTION and COMMIT, or between LOCK
 * TABLES and UNLOCK TABLES: everything here is database work, no waiting on anything else.
 */
export class RowWrites {
  /** Rows deleted without key, each once (two identical lines are two rows). */
  private readonly removedRows: LiveRow[] = [];

  constructor(
    private readonly db: Database,
    private readonly shape: TableShape,
    private readonly plan: ApplyPlan,
    private readonly live: LiveState,
    /** Largest statement to send (below max_allowed_packet). */
    private readonly maxBytes: number,
  ) {}

  private get name(): string {
    return this.shape.table.name;
  }

  private get op(): string {
    return `apply changes to table ${this.name}`;
  }

  /** Deletes first (a key or unique value they free may be taken again), then updates, then inserts. */
  async write(): Promise<void> {
    const t = quoteId(this.name);
    const removes = this.plan.changes.filter((c) => c.remove);
    if (this.live.keyed) {
      const keyIndex = this.shape.keyIndex!;
      for (let i = 0; i < removes.length; i += KEYS_PER_READ) {
        const batch = removes.slice(i, i + KEYS_PER_READ);
        const r = await this.db.execute(
          `DELETE FROM ${t} WHERE ${keyCondition(
            this.shape.table,
            keyIndex,
            batch.map((c) => c.keyCells),
          )}`,
          this.op,
        );
        if (r.affectedRows !== batch.length) throw this.failure(`${batch.length} rows were to be deleted, ${r.affectedRows} were`);
      }
      for (const c of this.plan.changes) {
        if (!c.set || c.set.length === 0) continue;
        const assignments = c.set.map(([i, lit]) => `${quoteId(this.shape.table.columns[i]!.name)} = ${lit}`).join(', ');
        await this.db.execute(`UPDATE ${t} SET ${assignments} WHERE ${oneKeyCondition(this.shape.table, keyIndex, c.keyCells)}`, this.op);
      }
    } else {
      const pool = byLine(this.live.rows);
      for (const c of removes) {
        const row = pool.get(c.before!)!.pop()!;
        const r = await this.db.execute(`DELETE FROM ${t} WHERE ${rawRowCondition(this.shape.table, row.raw)} LIMIT 1`, this.op);
        if (r.affectedRows !== 1)
          throw this.failure(
            `the row ${describeKey(c.keyCells)} could not be found by its values (a column type this tool cannot match exactly in a table without key)`,
          );
        this.removedRows.push(row);
      }
    }
    await this.insertLines(this.plan.changes.filter((c) => c.insert).map((c) => this.shape.insertLine(c.insert!)));
  }

  /**
   * Read the changed rows back and compare them with what the snapshot must write for them now:
   * a value the server changed on the way in (a trigger, a shorter column, another character set)
   * would otherwise reach the next snapshot, and from there every other computer.
   */
  async verify(): Promise<void> {
    if (this.live.keyed) {
      const { rows } = await readRowsByKey(
        this.db,
        this.shape,
        this.plan.changes.map((c) => c.keyCells),
        true,
      );
      for (const c of this.plan.changes) {
        const expected = this.expectedLine(c, this.live.rows.get(c.key));
        const got = rows.get(c.key)?.line ?? null;
        if (got !== expected) throw this.mismatch(c.keyCells, got, expected);
      }
      return;
    }
    const removed = new Set(this.removedRows);
    const expected = [
      ...this.live.rows.filter((r) => !removed.has(r)).map((r) => r.line),
      ...this.plan.changes.filter((c) => c.insert).map((c) => this.shape.snapshotLine(c.insert!)),
    ].sort();
    const got = (await readAllRows(this.db, this.shape, true)).map((r) => r.line).sort();
    const i = firstDifference(got, expected);
    if (i >= 0) throw this.mismatch(cellsOf(expected[i] ?? got[i]!), got[i] ?? null, expected[i] ?? null);
  }

  /**
   * For engines without transactions, after a failure: the changed rows as they were (still under
   * the table lock, so nobody else saw or changed them). Returns whether the table reads back as
   * before.
   */
  async undo(): Promise<boolean> {
    const t = quoteId(this.name);
    if (this.live.keyed) {
      const keyIndex = this.shape.keyIndex!;
      const keys = this.plan.changes.map((c) => c.keyCells);
      for (let i = 0; i < keys.length; i += KEYS_PER_READ) {
        await this.db.execute(
          `DELETE FROM ${t} WHERE ${keyCondition(this.shape.table, keyIndex, keys.slice(i, i + KEYS_PER_READ))}`,
          `undo changes to table ${this.name}`,
        );
      }
      await this.insertLines([...this.live.rows.values()].map((r) => this.shape.insertLine(r.exactCells)));
      const { rows } = await readRowsByKey(this.db, this.shape, keys, false);
      return [...this.live.rows].every(([k, r]) => rows.get(k)?.line === r.line) && rows.size === this.live.rows.size;
    }
    await this.db.execute(`DELETE FROM ${t}`, `undo changes to table ${this.name}`);
    await this.insertLines(this.live.rows.map((r) => this.shape.insertLine(r.exactCells)));
    const got = (await readAllRows(this.db, this.shape, false)).map((r) => r.line).sort();
    return firstDifference(got, this.live.rows.map((r) => r.line).sort()) < 0;
  }

  /** What the snapshot must write for the row of change `c` once it is applied (null: absent). */
  private expectedLine(c: PlannedChange, live: LiveRow | undefined): string | null {
    if (c.after === null) return null;
    if (c.insert) return this.shape.snapshotLine(c.insert);
    // An update: the live row with the columns set. Columns not set equal `after` already, or are
    // secrets kept as they are here.
    const cells = [...live!.exactCells];
    for (const [i, lit] of c.set ?? []) cells[i] = lit;
    return this.shape.snapshotLine(cells);
  }

  /** Multi-row INSERTs of at most maxBytes (a larger row goes alone). */
  private async insertLines(lines: readonly string[]): Promise<void> {
    const prefix = this.shape.prefix;
    let batch: string[] = [];
    let size = 0;
    const flush = async () => {
      if (batch.length === 0) return;
      await this.db.execute(prefix + batch.join(','), this.op);
      batch = [];
      size = 0;
    };
    for (const line of lines) {
      const tuple = tupleOf(line, prefix);
      const bytes = Buffer.byteLength(tuple) + 1;
      if (size + bytes > this.maxBytes - prefix.length) await flush();
      batch.push(tuple);
      size += bytes;
    }
    await flush();
  }

  private failure(message: string): DbsyncError {
    return new DbsyncError({ operation: this.op, message, hint: 'report this with the table definition' });
  }

  private mismatch(key: readonly string[], got: string | null, expected: string | null): DbsyncError {
    const keyText = describeKey(this.shape.keyIndex ? this.shape.keyIndex.map((i) => key[i] ?? '?') : key);
    let what: string;
    if (got === null) what = 'is missing';
    else if (expected === null) what = 'is still there';
    else {
      const a = cellsOf(got);
      const b = cellsOf(expected);
      const cols = this.shape.table.columns.filter((_, i) => a[i] !== b[i]).map((c) => c.name);
      what = `reads back different from the incoming snapshot in column(s) ${cols.join(', ')}`;
    }
    return new DbsyncError({
      operation: this.op,
      message: `after writing, the row ${keyText} ${what}`,
      hint: "a trigger on the table, or a column definition or server setting that differs between computers, changed the value; a trigger can skip git-dbsync's writes with IF @dbsync_apply IS NULL THEN ... END IF",
    });
  }
}

function byLine(rows: readonly LiveRow[]): Map<string, LiveRow[]> {
  const out = new Map<string, LiveRow[]>();
  for (const r of rows) {
    const list = out.get(r.line);
    if (list) list.push(r);
    else out.set(r.line, [r]);
  }
  return out;
}

/** Index of the first difference of two sorted line lists, or -1 when equal. */
function firstDifference(a: readonly string[], b: readonly string[]): number {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return -1;
}
