import { DbsyncError } from '../errors/dbsync-error.js';
import type { RowChange } from '../merge/row-change.js';
import { isRedactedLiteral, tokenOf } from '../secrets/secret-literal.js';
import { cellsOf, prefixOf } from '../snapshot/row-line.js';
import type { SecretCells } from './secret-cells.js';
import { stripBreak, type TableShape } from './table-shape.js';

/** One change, checked and turned into what to write. */
export interface PlannedChange {
  readonly change: RowChange;
  /** Identity of the row (see TableShape.keyText). */
  readonly key: string;
  readonly keyCells: readonly string[];
  readonly before: string | null;
  readonly after: string | null;
  /** Delete the row that equals `before` (keyed: by key; without key: one copy of the line). */
  readonly remove: boolean;
  /** Literals of a row to insert (secrets decrypted, or the placeholder), or null. */
  readonly insert: readonly string[] | null;
  /** Update: [column position, literal] to set, or null when this is no update. */
  readonly set: ReadonlyArray<readonly [number, string]> | null;
}

/** The changes of one table, ready to check and write. */
export interface ApplyPlan {
  readonly changes: readonly PlannedChange[];
  readonly deletes: number;
  readonly updates: number;
  readonly inserts: number;
}

/**
 * Check the changes against the table (lines of this table, keys that match their lines, at most
 * one change per key) and decide what each writes. Pure: no database.
 *
 * An update sets only the columns whose literal differs between `before` and `after` (so a value
 * the same on both sides, such as a redacted secret, is never written), plus the columns the
 * server would otherwise set to the current time (`ON UPDATE CURRENT_TIMESTAMP`, named in
 * `autoUpdate`): they get their `after` value explicitly. Generated columns are never written. A
 * secret that cannot be written (placeholder, no key, other key) keeps the live value on update and
 * becomes the placeholder in an inserted row; both are reported.
 */
export function planChanges(shape: TableShape, changes: readonly RowChange[], secrets: SecretCells, autoUpdate: ReadonlySet<string>): ApplyPlan {
  const { table } = shape;
  const keyed = shape.keyIndex !== null;
  const seen = new Set<string>();
  const out: PlannedChange[] = [];
  let deletes = 0;
  let updates = 0;
  let inserts = 0;
  for (const change of changes) {
    const before = change.before === null ? null : stripBreak(change.before);
    const after = change.after === null ? null : stripBreak(change.after);
    const beforeCells = before === null ? null : cellsOfTable(shape, before);
    const afterCells = after === null ? null : cellsOfTable(shape, after);
    if (!beforeCells && !afterCells) continue;
    const key = shape.keyText(change.keyCells);
    // Without a key a row is its whole line: keyCells are the cells of `before` (or of `after` for an insert).
    for (const cells of keyed ? [beforeCells, afterCells] : [beforeCells ?? afterCells]) {
      if (cells && shape.keyText(cells) !== key) throw planError(table.name, `the key ${describeKey(change.keyCells)} does not match its row line`);
    }
    if (keyed) {
      if (change.keyCells.some((k) => tokenOf(k) !== null || isRedactedLiteral(k))) {
        throw new DbsyncError({
          operation: `apply changes to table ${table.name}`,
          message: 'a key column holds an encrypted or redacted secret, so its rows cannot be found by key; nothing was changed',
          hint: `keep that column in clear (DBSYNC_SECRET_POLICY=${table.name}.<column>=keep) or leave the table out of two-way sync`,
        });
      }
      if (seen.has(key)) throw planError(table.name, `two changes for the key ${describeKey(change.keyCells)}`);
      seen.add(key);
    }
    const remove = beforeCells !== null && (afterCells === null || !keyed);
    let insert: string[] | null = null;
    if (afterCells && (beforeCells === null || !keyed)) {
      insert = afterCells.map((_, i) => {
        const c = secrets.resolve(afterCells, i);
        if (c.gap) secrets.note(afterCells, i, c.gap, false);
        return c.literal;
      });
    }
    let set: Array<[number, string]> | null = null;
    if (keyed && beforeCells && afterCells) {
      set = [];
      for (let i = 0; i < afterCells.length; i++) {
        if (table.columns[i]!.generated || afterCells[i] === beforeCells[i]) continue;
        const c = secrets.resolve(afterCells, i);
        if (c.gap) secrets.note(afterCells, i, c.gap, true);
        else set.push([i, c.literal]);
      }
      if (set.length > 0) {
        for (let i = 0; i < afterCells.length; i++) {
          const col = table.columns[i]!;
          if (autoUpdate.has(col.name) && !col.generated && !set.some(([j]) => j === i)) set.push([i, afterCells[i]!]);
        }
        updates++;
      }
    }
    if (remove) deletes++;
    if (insert) inserts++;
    out.push({ change, key, keyCells: change.keyCells, before, after, remove, insert, set });
  }
  return { changes: out, deletes, updates, inserts };
}

function cellsOfTable(shape: TableShape, line: string): string[] {
  let cells: string[];
  try {
    if (prefixOf(line) !== shape.prefix) throw new Error('another table or column list');
    cells = cellsOf(line);
  } catch (err) {
    throw planError(shape.table.name, `a change holds a line that is not a row of this table (${(err as Error).message})`);
  }
  if (cells.length !== shape.table.columns.length)
    throw planError(shape.table.name, `a change holds a row of ${cells.length} values for ${shape.table.columns.length} columns`);
  return cells;
}

/** A key for messages: its literals, shortened. */
export function describeKey(keyCells: readonly string[]): string {
  const text = keyCells.join(', ');
  return `(${text.length > 80 ? text.slice(0, 77) + '...' : text})`;
}

function planError(table: string, message: string): DbsyncError {
  return new DbsyncError({
    operation: `apply changes to table ${table}`,
    message: `${message}; nothing was changed`,
    hint: 'the table definition differs from the one the changes were made for, or this is a bug: report it with the table definition',
  });
}
