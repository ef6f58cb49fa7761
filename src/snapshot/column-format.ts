import { isUtf8 } from 'node:buffer';
import type { RawCell } from '../db/database.js';
import { hexLiteral, quoteId, quoteString } from './sql-text.js';
import type { ColumnInfo } from './table-info.js';

/**
 * How one column is read and written. Values are read as the server's raw bytes (no driver
 * conversion), so numbers, dates and zero dates stay exactly as the server prints them.
 */
export interface ColumnFormat {
  /** Expression in the SELECT list, or null when the column is not read (generated columns). */
  readonly select: string | null;
  /** SQL literal for a cell. */
  readonly literal: (cell: RawCell) => string;
}

const NUMERIC = new Set(['tinyint', 'smallint', 'mediumint', 'int', 'integer', 'bigint', 'decimal', 'numeric', 'double', 'real', 'year']);
const TEMPORAL = new Set(['date', 'datetime', 'timestamp', 'time']);
const BINARY = new Set([
  'binary', 'varbinary', 'tinyblob', 'blob', 'mediumblob', 'longblob',
  'geometry', 'point', 'linestring', 'polygon', 'multipoint', 'multilinestring', 'multipolygon', 'geometrycollection',
]);
/** Character sets whose conversion to the connection's utf8mb4 and back is lossless. */
const UNICODE_CHARSETS = new Set(['utf8mb4', 'utf8mb3', 'utf8', 'ascii', 'ucs2', 'utf16', 'utf16le', 'utf32']);

const nullOr = (f: (b: Buffer) => string) => (cell: RawCell) => (cell === null ? 'NULL' : f(cell));

function text(b: Buffer): string {
  // Valid UTF-8 is written readably; anything else (possible in old non-strict data) as exact bytes.
  return isUtf8(b) ? quoteString(b.toString('utf8')) : hexLiteral(b);
}

export function columnFormat(col: ColumnInfo): ColumnFormat {
  const id = quoteId(col.name);
  const t = col.dataType.toLowerCase();
  if (col.generated) return { select: null, literal: () => 'DEFAULT' };
  if (NUMERIC.has(t)) return { select: id, literal: nullOr((b) => b.toString('latin1')) };
  // FLOAT is printed by the server with 6 significant digits, which loses precision; as DOUBLE it
  // prints the exact stored value, which converts back to the same FLOAT.
  if (t === 'float') return { select: `CAST(${id} AS DOUBLE)`, literal: nullOr((b) => b.toString('latin1')) };
  if (TEMPORAL.has(t)) return { select: id, literal: nullOr((b) => `'${b.toString('latin1')}'`) };
  if (BINARY.has(t) || t === 'bit') return { select: id, literal: nullOr(hexLiteral) };
  if (col.charset && !UNICODE_CHARSETS.has(col.charset.toLowerCase())) {
    // Non-Unicode text (latin1, cp1251, sjis, ...): the exact bytes with their character set.
    const cs = col.charset.toLowerCase();
    return { select: `CAST(${id} AS BINARY)`, literal: nullOr((b) => (b.length === 0 ? "''" : `_${cs} ${hexLiteral(b)}`)) };
  }
  // char, varchar, text, enum, set, json, uuid, inet4/6 and anything else: a quoted string.
  return { select: id, literal: nullOr(text) };
}
