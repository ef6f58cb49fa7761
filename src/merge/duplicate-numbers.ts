import { cellsOf } from '../snapshot/row-line.js';
import type { Conflict } from './conflict.js';
import { keyText } from './row-key.js';

export interface DuplicateNumbersInput {
  readonly table: string;
  readonly columns: readonly string[];
  readonly keyColumns: readonly string[];
  /** The business-number column (e.g. invoice_number). */
  readonly column: string;
  /** The table's rows after the merge. */
  readonly merged: Iterable<string>;
  /** Our rows before the merge. */
  readonly ours: Iterable<string>;
  /** Recorded as the conflicts' `kept` (both rows stay; this is only the merge's rule). */
  readonly keep: 'ours' | 'theirs';
}

/**
 * Rows of the merged table whose business number another row (another key) carries too, where at
 * least one of the two came from the other side in this merge (its key is new here, or its number
 * changed): two computers apart handed out the same number. One 'duplicate-number' conflict per row
 * that came in, keyed by it, naming the row it collides with (preferably one this computer had).
 * NULL and empty numbers are not numbers. Keyless tables have no rows to name: none.
 */
export function findDuplicateNumbers(input: DuplicateNumbersInput): Conflict[] {
  const at = input.columns.indexOf(input.column);
  const keyAt = input.keyColumns.map((k) => input.columns.indexOf(k));
  if (at < 0 || keyAt.length === 0 || keyAt.some((i) => i < 0)) return [];
  const ourNumber = new Map<string, string>();
  for (const line of input.ours) {
    const cells = cellsOf(line);
    ourNumber.set(keyText(keyAt.map((i) => cells[i]!)), cells[at]!);
  }
  // number literal -> rows carrying it, in key order
  const byNumber = new Map<string, Array<{ key: string[]; cameIn: boolean }>>();
  for (const line of input.merged) {
    const cells = cellsOf(line);
    const n = cells[at]!;
    if (n === 'NULL' || n === "''") continue;
    const key = keyAt.map((i) => cells[i]!);
    const cameIn = ourNumber.get(keyText(key)) !== n;
    byNumber.set(n, [...(byNumber.get(n) ?? []), { key, cameIn }]);
  }
  const out: Conflict[] = [];
  for (const [n, rows] of byNumber) {
    if (rows.length < 2) continue;
    for (const r of rows.filter((x) => x.cameIn)) {
      const other = rows.find((x) => x !== r && !x.cameIn) ?? rows.find((x) => x !== r)!;
      out.push({
        table: input.table,
        keyCells: r.key,
        kind: 'duplicate-number',
        column: input.column,
        base: n,
        ours: other.key.join(','),
        theirs: r.key.join(','),
        kept: input.keep,
      });
    }
  }
  return out;
}
