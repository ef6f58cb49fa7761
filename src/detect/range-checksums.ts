import { createHash } from 'node:crypto';
import type { Database } from '../db/database.js';
import { columnFormat } from '../snapshot/column-format.js';
import { quoteId } from '../snapshot/sql-text.js';
import type { TableInfo } from '../snapshot/table-info.js';
import { historyTable } from '../snapshot/system-versioning.js';

/** The checksum of a set of rows: how many, and the sum of a 64-bit hash of each (exact, as a decimal string's value). */
export interface RangeSum {
  readonly rows: bigint;
  readonly sum: bigint;
}

/** One table's checksums over consecutive key ranges: range i is `bounds[i-1] <= key < bounds[i]` (unbounded at both ends). */
export interface TableSums {
  /** What the row hash covers: another value means the sums cannot be compared. */
  readonly def: string;
  readonly bounds: readonly bigint[];
  readonly sums: readonly RangeSum[];
  /** Per range, its smallest key (null: no row); only for tables with bounds. */
  readonly mins?: ReadonlyArray<bigint | null>;
}

/**
 * The expression hashed for each row: every column the snapshot writes, as the exact text the
 * snapshot reads it with (column-format.ts: FLOAT as DOUBLE, ENUM's error value as a number, ...),
 * as bytes (CAST AS BINARY: no character set conversion, so ucs2/utf16/latin1 bytes count as
 * stored), separated by 0x00 and followed by every value's length in bytes or `N` for NULL, so
 * that no two rows give the same text (NULL vs '', 'a\0' + 'b' vs 'a' + '\0b'). Generated columns
 * are written as DEFAULT, so they are not hashed; a change of their definition is DDL (`def`).
 */
function rowText(table: TableInfo): string {
  const selected = table.columns.map((c) => columnFormat(c).select).filter((s): s is string => s !== null);
  if (selected.length === 0) return "''";
  const lengths = selected.map((e) => `IFNULL(LENGTH(${e}), 'N')`).join(',');
  return `CONCAT_WS(0x00, ${selected.map((e) => `CAST(${e} AS BINARY)`).join(', ')}, CONCAT_WS(',', ${lengths}))`;
}

/**
 * A row's 64-bit hash: CRC-32 (ISO) in the high half, CRC-32C (Castagnoli) in the low half, both
 * computed by the server (MariaDB 10.8 or later has CRC32C). The ranges are compared by COUNT and
 * the exact SUM of these hashes (a DECIMAL, no overflow): a multiset checksum, so duplicate rows of
 * a keyless table do not cancel out as they would under BIT_XOR, and two rows swapping values of
 * equal length (which XOR-combined CRCs cannot see, CRC being linear) change the sum unless every
 * flipped hash bit happens to differ between the two rows (odds about 2^-32). MD5 would remove
 * that linearity too, but cost 1.8x as much per row on this project's machine (measured), and the
 * point of the source is to be cheap. The odds of any other change going unseen are about 2^-64.
 */
export function rowHash(table: TableInfo): string {
  const text = rowText(table);
  return `(CRC32(${text}) << 32 | CRC32C(${text}))`;
}

/** A digest of what the hash covers and how ranges are cut: the columns as read, the key. */
export function tableDef(table: TableInfo): string {
  const cols = table.columns.map((c) => [c.name, columnFormat(c).select, c.dataType, c.charset, c.unsigned ?? null]);
  return createHash('sha256')
    .update(JSON.stringify([cols, table.orderKey]))
    .digest('hex')
    .slice(0, 32);
}

/**
 * Checksums of a table's rows over the ranges cut at `bounds` (ascending keys of its one integer
 * key column; none: one range), computed by the server on `db`, inside the caller's consistent
 * snapshot. One scan: `INTERVAL(key, b1, ..., bn)` numbers each row's range (a binary search; with
 * an integer first argument MariaDB compares as DECIMAL, so BIGINT UNSIGNED keys are exact).
 */
export async function tableSums(db: Database, table: TableInfo, bounds: readonly bigint[]): Promise<TableSums> {
  const def = tableDef(table);
  const from = quoteId(table.name);
  const agg = `CAST(COUNT(*) AS CHAR), CAST(IFNULL(SUM(${rowHash(table)}), 0) AS CHAR)`;
  const operation = `checksum table ${table.name}`;
  if (bounds.length === 0) {
    const [[rows, sum] = []] = await db.queryArrays(`SELECT ${agg} FROM ${from}`, [], operation);
    return { def, bounds, sums: [{ rows: BigInt(rows ?? 0), sum: BigInt(sum ?? 0) }] };
  }
  const key = quoteId(table.orderKey[0]!);
  const list = bounds.map((b) => b.toString()).join(',');
  const result = await db.queryArrays(
    // CHAR(20), not CHAR: MariaDB sizes the grouping column after INTERVAL's declared width (2
    // characters), so range 123 would be grouped as "12" (seen on 10.11 with 500 ranges).
    `SELECT CAST(INTERVAL(${key}, ${list}) AS CHAR(20)) AS g, ${agg}, CAST(MIN(${key}) AS CHAR) FROM ${from} GROUP BY g`,
    [],
    operation,
  );
  const sums: RangeSum[] = Array.from({ length: bounds.length + 1 }, () => ({ rows: 0n, sum: 0n }));
  const mins: Array<bigint | null> = Array.from({ length: bounds.length + 1 }, () => null);
  for (const [g, rows, sum, min] of result) {
    const i = Number(g);
    if (!Number.isInteger(i) || i < 0 || i > bounds.length) throw new Error(`checksum of ${table.name}: unexpected range number ${g}`);
    sums[i] = { rows: BigInt(rows ?? 0), sum: BigInt(sum ?? 0) };
    mins[i] = min === null || min === undefined ? null : BigInt(min);
    // Each range's smallest key must lie in it: a check that the server numbered the ranges as meant.
    const m = mins[i];
    if (m !== null && ((i > 0 && m < bounds[i - 1]!) || (i < bounds.length && m >= bounds[i]!)))
      throw new Error(`checksum of ${table.name}: the server put key ${m} in range ${i} (${bounds[i - 1] ?? '-'}..${bounds[i] ?? '-'})`);
  }
  return { def, bounds, sums, mins };
}

/** Checksums over coarser ranges: `bounds` must be a subset of `fine.bounds` (sums add up). */
export function coarsen(fine: TableSums, bounds: readonly bigint[]): RangeSum[] {
  const out: RangeSum[] = Array.from({ length: bounds.length + 1 }, () => ({ rows: 0n, sum: 0n }));
  let j = 0;
  for (let i = 0; i < fine.sums.length; i++) {
    // Fine range i starts at fine.bounds[i-1]; it belongs to the coarse range that starts at or before it.
    if (i > 0) while (j < bounds.length && bounds[j]! <= fine.bounds[i - 1]!) j++;
    const s = fine.sums[i]!;
    out[j] = { rows: out[j]!.rows + s.rows, sum: out[j]!.sum + s.sum };
  }
  return out;
}

/**
 * A system-versioned table's checksum over every version of its rows (`FOR SYSTEM_TIME ALL`), the
 * row start and end included, as `rows:sum` (the same row hash as tableSums). Only for a table
 * whose history is kept (TableInfo.history).
 */
export async function historySum(db: Database, table: TableInfo): Promise<string> {
  if (!table.history) throw new Error(`table ${table.name} keeps no history`);
  const h = historyTable(table, table.history, false);
  const [[rows, sum] = []] = await db.queryArrays(
    `SELECT CAST(COUNT(*) AS CHAR), CAST(IFNULL(SUM(${rowHash(h)}), 0) AS CHAR) FROM ${quoteId(table.name)} FOR SYSTEM_TIME ALL`,
    [],
    `checksum the history of table ${table.name}`,
  );
  return `${rows ?? 0}:${sum ?? 0}`;
}
