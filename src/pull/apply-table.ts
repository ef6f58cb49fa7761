import { applyRowChanges, type ApplyOptions } from '../apply/apply-row-changes.js';
import type { Database } from '../db/database.js';
import type { RowChange } from '../merge/row-change.js';
import type { TableInfo } from '../snapshot/table-info.js';

export interface TableApplyResult {
  readonly inserted: number;
  readonly updated: number;
  readonly deleted: number;
  /** The table was left as it was: a row changed here since our snapshot (or the table was busy). */
  readonly refused: boolean;
  readonly refusedBecause: string | null;
  readonly secretsNotApplied: readonly string[];
}

/** One table's row changes through the apply engine (all or nothing per table). */
export async function applyTable(db: Database, table: TableInfo, opts: ApplyOptions, changes: readonly RowChange[]): Promise<TableApplyResult> {
  const r = await applyRowChanges(db, table, changes, opts);
  return {
    inserted: r.inserted,
    updated: r.updated,
    deleted: r.deleted,
    refused: r.refused.length > 0,
    refusedBecause: r.refusedBecause,
    secretsNotApplied: r.secretsNotApplied,
  };
}
