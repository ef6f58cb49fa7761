import { mergeTable } from './merge-table.js';
import type { RowChange } from './row-change.js';

export interface DiffTableInput {
  readonly table: string;
  readonly columns: readonly string[];
  /** Empty: rows are matched as whole lines (one change per copy of a line). */
  readonly keyColumns: readonly string[];
  /** Lines of the table now (with or without newlines). */
  readonly from: Iterable<string>;
  /** Lines wanted. */
  readonly to: Iterable<string>;
}

/**
 * The row changes that turn `from` into `to` (a fast-forward: before = the `from` line), in key
 * order. A merge whose base is `from` and whose ours side never moved, so it has no conflicts.
 */
export function diffTable(input: DiffTableInput): RowChange[] {
  const from = [...input.from];
  return mergeTable({ table: input.table, columns: input.columns, keyColumns: input.keyColumns, base: from, ours: from, theirs: input.to, keep: 'theirs' })
    .changes;
}
