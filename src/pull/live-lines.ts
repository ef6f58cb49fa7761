import { readAllRows, readRowsByKey } from '../apply/live-rows.js';
import { TableShape } from '../apply/table-shape.js';
import type { Database } from '../db/database.js';
import type { RowChange } from '../merge/row-change.js';
import type { TableSecrets } from '../secrets/table-secrets.js';
import { cellsOf } from '../snapshot/row-line.js';
import type { TableInfo } from '../snapshot/table-info.js';

/**
 * Our side of a table brought up to date where the application wrote since our snapshot: the
 * lines of the keys `changes` touch are replaced by the live rows, formatted as the snapshot
 * formats them (the apply engine's reader). Used when the apply engine refused a table: merging
 * again against these lines takes a few milliseconds, where a whole new pass would leave the
 * application time for more writes.
 */
export async function refreshOurs(
  db: Database,
  table: TableInfo,
  secrets: TableSecrets | null,
  ours: readonly string[],
  changes: readonly RowChange[],
): Promise<string[]> {
  const shape = new TableShape(table, secrets);
  if (shape.keyIndex === null) return (await readAllRows(db, shape, false)).map((r) => r.line);
  const keys = changes.map((c) => c.keyCells);
  const { rows } = await readRowsByKey(db, shape, keys, false);
  // keyText of a whole row is the JSON of its key cells, as the reader's keys are.
  const touched = new Set(keys.map((k) => JSON.stringify(k)));
  const out: string[] = [];
  for (const line of ours) {
    const cells = cellsOf(line);
    if (!touched.has(shape.keyText(cells))) out.push(line);
  }
  for (const r of rows.values()) out.push(r.line);
  return out;
}
