import type { Database } from '../db/database.js';
import { quoteId } from './sql-text.js';
import type { TableInfo } from './table-info.js';

/**
 * Rows too large to read. The driver (mysql2) gathers a whole row in memory before anyone sees it
 * (the server sends result rows of any size, whatever its max_allowed_packet), so a 300 MB row
 * would cost the process over a gigabyte and, failing, stop the whole backup. Such a row is found
 * before the table is read: by the server, which adds up the values' lengths, and only in tables
 * whose columns can hold that much (a LONGBLOB, LONGTEXT or JSON column, or enough MEDIUM ones).
 *
 * The limit is the smaller of DBSYNC_MAX_ROW_SIZE and the server's max_allowed_packet: a row
 * larger than the packet could be read but not restored into this server.
 */
export interface OversizedRow {
  readonly table: string;
  /** The row's key as `col=value, ...`, or a note when the table has no key. */
  readonly key: string;
  /** The values' bytes as the server counts them (LENGTH). */
  readonly bytes: number;
  readonly limit: number;
}

/** The largest value a column of this type can hold, in bytes (long types: 4 GiB; anything else at most 64 KiB). */
function maxColumnBytes(dataType: string): number {
  if (/^long(blob|text)$|^json$/.test(dataType)) return 2 ** 32;
  if (/^medium(blob|text)$/.test(dataType)) return 2 ** 24;
  return 2 ** 16;
}

/** Whether any row of the table could be larger than `limit` (false: no need to ask the server). */
export function mayHoldRowsOver(table: TableInfo, limit: number): boolean {
  return table.columns.reduce((n, c) => n + maxColumnBytes(c.dataType), 0) > limit;
}

/** The one line that names a skipped table, its row and why (commit message, `status`, logs). */
export function describeOversized(r: OversizedRow): string {
  return `table ${r.table} not backed up: its row ${r.key} holds ${r.bytes} bytes, more than the ${r.limit} a row may have (DBSYNC_MAX_ROW_SIZE, max_allowed_packet); its last committed files are kept`;
}

/**
 * The largest row of `table` over `limit` bytes, or null. One scan by the server, in the caller's
 * transaction (the same rows the read would see), for tables mayHoldRowsOver says could hold one.
 */
export async function findOversizedRow(db: Database, table: TableInfo, limit: number): Promise<OversizedRow | null> {
  if (!mayHoldRowsOver(table, limit)) return null;
  const size = table.columns.map((c) => `COALESCE(LENGTH(${quoteId(c.name)}), 0)`).join(' + ');
  const key = table.orderKey;
  const select = key.length > 0 ? key.map((k) => `CAST(${quoteId(k)} AS CHAR)`).join(', ') + ', ' : '';
  const rows = await db.queryArrays(
    `SELECT ${select}(${size}) AS dbsync_row_bytes FROM ${quoteId(table.name)} HAVING dbsync_row_bytes > ? ORDER BY dbsync_row_bytes DESC LIMIT 1`,
    [limit],
    `measure the rows of table ${table.name}`,
  );
  const row = rows[0];
  if (!row) return null;
  const bytes = Number(row[row.length - 1]);
  const keyText = key.length > 0 ? key.map((k, i) => `${k}=${cut(row[i] ?? 'NULL')}`).join(', ') : '(the table has no key)';
  return { table: table.name, key: keyText, bytes, limit };
}

/** A key value as shown in a message: at most 60 characters. */
function cut(v: string): string {
  return v.length > 60 ? `${v.slice(0, 57)}...` : v;
}
