import type { Database } from '../db/database.js';
import { quoteId } from '../snapshot/sql-text.js';
import { keyCondition } from './row-match.js';
import type { LiveRow, TableShape } from './table-shape.js';

/** Keys per SELECT: short statements, few round trips. */
export const KEYS_PER_READ = 500;

/**
 * The live rows of the given keys (key text -> row), formatted like the snapshot. `lock`: read
 * with FOR UPDATE (inside a transaction: the rows, and the gaps where absent keys would go, stay
 * locked until COMMIT). A live row whose key is not one of the keys asked for equals one of them
 * under the column's collation (e.g. 'A' for 'a'): it is returned under `twins`.
 */
export async function readRowsByKey(
  db: Database,
  shape: TableShape,
  keys: ReadonlyArray<readonly string[]>,
  lock: boolean,
): Promise<{ rows: Map<string, LiveRow>; twins: LiveRow[] }> {
  const keyIndex = shape.keyIndex!;
  const rows = new Map<string, LiveRow>();
  const twins: LiveRow[] = [];
  const wanted = new Set(keys.map((k) => JSON.stringify(k)));
  for (let i = 0; i < keys.length; i += KEYS_PER_READ) {
    const batch = keys.slice(i, i + KEYS_PER_READ);
    const sql = `SELECT ${shape.writer.selectList} FROM ${quoteId(shape.table.name)} WHERE ${keyCondition(shape.table, keyIndex, batch)}${lock ? ' FOR UPDATE' : ''}`;
    for (const raw of await db.queryRaw(sql, [], `read rows of table ${shape.table.name}`)) {
      const row = shape.liveRow(raw);
      const key = shape.keyText(row.exactCells);
      if (wanted.has(key)) rows.set(key, row);
      else twins.push(row);
    }
  }
  return { rows, twins };
}

/** Every live row of a table without key (its rows have no other identity). */
export async function readAllRows(db: Database, shape: TableShape, lock: boolean): Promise<LiveRow[]> {
  const sql = `SELECT ${shape.writer.selectList} FROM ${quoteId(shape.table.name)}${lock ? ' FOR UPDATE' : ''}`;
  return (await db.queryRaw(sql, [], `read rows of table ${shape.table.name}`)).map((raw) => shape.liveRow(raw));
}
