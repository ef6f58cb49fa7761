import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { KeySpec } from '../detect/binlog-rows.js';
import { keySpecOf } from '../detect/key-spec.js';
import { DATA_DIR, dataFilesByTable, encodeTableFileName } from '../snapshot/layout.js';
import type { TableInfo } from '../snapshot/table-info.js';

/**
 * The tables a change source is asked for changed keys (chunk granularity): integer-keyed tables
 * (key-spec.ts) that were in the last snapshot with their rows (`rowCounts`) and whose data is split
 * into more than one file in the working tree. A table with a single data file is small: re-reading
 * it whole costs about what re-reading one chunk would.
 */
export async function keyedTables(
  snapshotAbs: string,
  tables: readonly TableInfo[],
  rowCounts: Readonly<Record<string, number>>,
): Promise<Map<string, KeySpec>> {
  const names = await readdir(path.join(snapshotAbs, DATA_DIR)).catch(() => [] as string[]);
  const files = dataFilesByTable(names.map((n) => `${DATA_DIR}/${n}`));
  const out = new Map<string, KeySpec>();
  for (const t of tables) {
    if (rowCounts[t.name] === undefined || (files.get(encodeTableFileName(t.name))?.length ?? 0) < 2) continue;
    const spec = keySpecOf(t);
    if (spec) out.set(t.name, spec);
  }
  return out;
}
