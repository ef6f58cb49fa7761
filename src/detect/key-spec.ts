import type { TableInfo } from '../snapshot/table-info.js';
import { INTEGER_TYPE_CODES, type KeySpec } from './binlog-rows.js';

/**
 * The key spec the binlog decoder reads a table's changed keys with, or null when the table keeps
 * table granularity. Only tables whose ordering key (the primary key, or the unique NOT NULL key
 * the snapshot orders by) is made of integer columns (TINYINT..BIGINT, signed or unsigned as the
 * live schema says, not generated) get chunk granularity: their keys compare as numbers, exactly
 * as the server orders them, and read from the binary log without any collation or charset rule.
 * String, date and decimal keys, keyless tables and generated key columns return null.
 */
export function keySpecOf(table: TableInfo): KeySpec | null {
  if (table.orderKey.length === 0) return null;
  const key: Array<KeySpec['key'][number]> = [];
  for (const name of table.orderKey) {
    const index = table.columns.findIndex((c) => c.name === name);
    const col = table.columns[index];
    if (!col || col.generated || col.unsigned === undefined) return null;
    const type = INTEGER_TYPE_CODES[col.dataType];
    if (type === undefined) return null;
    key.push({ index, type, unsigned: col.unsigned });
  }
  return { columns: table.columns.length, key };
}
