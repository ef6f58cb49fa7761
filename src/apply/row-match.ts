import type { RawCell } from '../db/database.js';
import { isUnicodeCharset } from '../db/mariadb/charsets.js';
import { isTextType } from '../db/mariadb/column-types.js';
import { columnFormat } from '../snapshot/column-format.js';
import { quoteId } from '../snapshot/sql-text.js';
import type { ColumnInfo, TableInfo } from '../snapshot/table-info.js';

/**
 * WHERE conditions that find rows: by key literals (tables with a key), or by the exact bytes of
 * a row read before (tables without one).
 */

/**
 * Rows whose key equals one of `keys` (each the key columns' literals, as written in the
 * snapshot; every literal is a valid SQL expression). Plain `column = literal` comparisons, so the
 * key's index is used.
 */
export function keyCondition(table: TableInfo, keyIndex: readonly number[], keys: ReadonlyArray<readonly string[]>): string {
  const cols = keyIndex.map((i) => table.columns[i]!);
  const lit = (col: ColumnInfo, literal: string) => keyLiteral(col, literal);
  if (cols.length === 1) return `${quoteId(cols[0]!.name)} IN (${keys.map((k) => lit(cols[0]!, k[0]!)).join(',')})`;
  return keys.map((k) => `(${cols.map((c, j) => `${quoteId(c.name)} = ${lit(c, k[j]!)}`).join(' AND ')})`).join(' OR ');
}

/** One row's key as a condition (for UPDATE). */
export function oneKeyCondition(table: TableInfo, keyIndex: readonly number[], key: readonly string[]): string {
  return keyIndex.map((i, j) => `${quoteId(table.columns[i]!.name)} = ${keyLiteral(table.columns[i]!, key[j]!)}`).join(' AND ');
}

/** A FLOAT -0 is written as -1e-50 (see column-format.ts), which compares unequal to the stored -0; a key cannot hold both -0 and 0, so 0 finds it. */
function keyLiteral(col: ColumnInfo, literal: string): string {
  return col.dataType === 'float' && literal === '-1e-50' ? '0' : literal;
}

/**
 * The row whose selected values (the snapshot's SELECT list) have exactly these bytes: for a table
 * without a key, where a row has no other identity. Each selected expression is compared as bytes
 * in the form it was sent: text the snapshot selects as such (Unicode character sets, JSON, UUID,
 * INET) arrives converted to utf8mb4, so it is converted the same way; everything else (numbers,
 * dates, binary, text selected as its bytes) is compared as the bytes of its value. The caller
 * deletes with LIMIT 1 and checks that one row went: a row this misses is an error, never a wrong
 * row (identical bytes are identical rows).
 */
export function rawRowCondition(table: TableInfo, raw: readonly RawCell[]): string {
  const parts: string[] = [];
  let n = 0;
  for (const col of table.columns) {
    const select = columnFormat(col).select;
    if (select === null) continue;
    const cell = raw[n++] ?? null;
    if (cell === null) {
      parts.push(`${select} IS NULL`);
      continue;
    }
    const asText = isTextType(col.dataType) && (col.charset === null || isUnicodeCharset(col.charset));
    const expr = asText ? `CONVERT(${select} USING utf8mb4)` : select;
    parts.push(`CAST(${expr} AS BINARY) = ${cell.length === 0 ? "_binary''" : `X'${cell.toString('hex')}'`}`);
  }
  return parts.length > 0 ? parts.join(' AND ') : '1';
}
