import { isUtf8 } from 'node:buffer';
import type { RawCell } from '../db/database.js';
import { isAsciiSingleByteCharset, isUnicodeCharset } from '../db/mariadb/charsets.js';
import { BINARY_TYPES, NUMERIC_TYPES, TEMPORAL_TYPES } from '../db/mariadb/column-types.js';
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
  /**
   * Which of the rules below `literal` applies, for the byte-level writer (row-encoder.ts), which
   * must write exactly what `literal` returns; `literal` stays the reference.
   */
  readonly rule: LiteralRule;
}

/**
 * The literal rules, by name: `default` (generated column), `verbatim` (the bytes, e.g. numbers),
 * `quoted` (the bytes in quotes, e.g. dates), `hex` (0x..., '' when empty), `text` (a quoted
 * string when valid UTF-8, else hex), `ascii` (a quoted string when every byte is below 0x80, else
 * `_<charset> 0x...`; for the single-byte character sets whose lower half is ASCII),
 * `charset` (`_<charset> 0x...`, '' when empty), `enum` (a number when read as "<digits> ", else
 * the inner rule).
 */
export type LiteralRule =
  | { readonly kind: 'default' | 'verbatim' | 'quoted' | 'hex' | 'text' }
  | { readonly kind: 'ascii' | 'charset'; readonly charset: string }
  | { readonly kind: 'enum'; readonly inner: LiteralRule };

const nullOr = (f: (b: Buffer) => string) => (cell: RawCell) => (cell === null ? 'NULL' : f(cell));

function text(b: Buffer): string {
  // Valid UTF-8 is written readably; anything else (possible in old non-strict data) as exact bytes.
  return isUtf8(b) ? quoteString(b.toString('utf8')) : hexLiteral(b);
}

export function columnFormat(col: ColumnInfo): ColumnFormat {
  const id = quoteId(col.name);
  const t = col.dataType.toLowerCase();
  if (col.generated) return { select: null, literal: () => 'DEFAULT', rule: { kind: 'default' } };
  // A history file's row end (system-versioning.ts): NULL (it is NOT NULL) marks a current row, written DEFAULT.
  // Read by the reference writer only: the byte-level one writes NULL for a NULL cell.
  if (col.currentRowEnd !== undefined)
    return {
      select: `IF(${id} = ${col.currentRowEnd}, NULL, ${id})`,
      literal: (cell) => (cell === null ? 'DEFAULT' : `'${cell.toString('latin1')}'`),
      rule: { kind: 'quoted' },
    };
  if (NUMERIC_TYPES.has(t)) return { select: id, literal: nullOr((b) => b.toString('latin1')), rule: { kind: 'verbatim' } };
  // FLOAT is printed by the server with 6 significant digits, which loses precision; as DOUBLE it
  // prints the exact stored value, which converts back to the same FLOAT. A FLOAT can hold -0 (a
  // tiny negative value rounded), which prints as 0 and is stored as +0 when written so: it is
  // read as -1e-50, which rounds to the FLOAT -0 again.
  if (t === 'float')
    return {
      select: `IF(${id} = 0 AND ATAN2(${id}, -1) < 0, -1e-50, CAST(${id} AS DOUBLE))`,
      literal: nullOr((b) => b.toString('latin1')),
      rule: { kind: 'verbatim' },
    };
  if (TEMPORAL_TYPES.has(t)) return { select: id, literal: nullOr((b) => `'${b.toString('latin1')}'`), rule: { kind: 'quoted' } };
  if (BINARY_TYPES.has(t) || t === 'bit') return { select: id, literal: nullOr(hexLiteral), rule: { kind: 'hex' } };
  const plain = textFormat(id, col.charset?.toLowerCase() ?? null);
  if (t === 'enum' || t === 'set') return enumOrSetFormat(id, t, plain);
  return plain;
}

/** char, varchar, text, enum, set, json, uuid, inet4/6 and anything else: a quoted string. */
function textFormat(id: string, cs: string | null): ColumnFormat {
  if (cs && isAsciiSingleByteCharset(cs)) {
    // latin1, cp1251, ascii, ...: a value made of bytes below 0x80 is the same ASCII text in the
    // connection's utf8mb4, so it is written readably ('Marketing', control characters and the
    // escapes exactly as in UTF-8 text) and loads back as the same bytes. A value holding any byte
    // of 0x80 or above keeps the exact bytes in hex with the character set (`_latin1 0xE9`): what
    // such a byte means depends on the character set, and hex loads back exactly whatever it is.
    return {
      select: `CAST(${id} AS BINARY)`,
      literal: nullOr((b) => (b.every((x) => x < 0x80) ? quoteString(b.toString('latin1')) : `_${cs} ${hexLiteral(b)}`)),
      rule: { kind: 'ascii', charset: cs },
    };
  }
  if (cs && !isUnicodeCharset(cs)) {
    // Other non-Unicode text (sjis, big5, swe7, ...): the exact bytes with their character set.
    return {
      select: `CAST(${id} AS BINARY)`,
      literal: nullOr((b) => (b.length === 0 ? "''" : `_${cs} ${hexLiteral(b)}`)),
      rule: { kind: 'charset', charset: cs },
    };
  }
  return { select: id, literal: nullOr(text), rule: { kind: 'text' } };
}

/**
 * ENUM's error value (index 0, what an invalid value inserted in non-strict mode becomes) and a SET
 * holding only a '' member read as '', like an empty label or set, yet '' loads back as something
 * else. Those values are read as their number plus a space (no label ends with a space: the server
 * strips it) and written as the number, which loads back exactly.
 */
function enumOrSetFormat(id: string, type: 'enum' | 'set', plain: ColumnFormat): ColumnFormat {
  const asNumber = type === 'enum' ? `${id} + 0 = 0` : `${id} = '' AND ${id} + 0 <> 0`;
  return {
    select: `IF(${asNumber}, CONCAT(${id} + 0, ' '), ${plain.select})`,
    literal: (cell) => (cell !== null && /^[0-9]+ $/.test(cell.toString('latin1')) ? cell.toString('latin1').trimEnd() : plain.literal(cell)),
    rule: { kind: 'enum', inner: plain.rule },
  };
}
