/**
 * A lean, keys-only decoder of row-format binary log events: from a Table_map event it learns each
 * column's binary length, and from a rows event (WRITE/UPDATE/DELETE, v1 and v2) it reads only the
 * ordering key's integer columns of every row image, skipping the other columns by their length.
 * Both images of an update are read: an update that changes the key dirties two places.
 *
 * Hand-written because no well-kept npm decoder fits the mysql2-based stream of binlog-stream.ts
 * (`@vlasky/zongji` and its forks open their own connection and decode every value into JS
 * objects, which costs far more than the keys and lags behind MariaDB's types); the keys are all
 * that is needed here. Layouts, as MariaDB documents them (replication protocol: TABLE_MAP_EVENT,
 * ROWS_EVENT_V1/V2) and as sql/log_event.cc reads them (calc_field_size):
 *
 *  Table_map body: table id (6) | flags (2) | db length (1) | db | 0 | table length (1) | table | 0 |
 *    column count (packed) | one type byte per column | metadata length (packed) | metadata |
 *    null bitmap | optional metadata (ignored).
 *  Rows body: table id (6) | flags (2) | [v2: extra length (2, counting itself) | extra data] |
 *    column count (packed) | present bitmap | [update: present bitmap of the after image] |
 *    rows: per image a null bitmap over the PRESENT columns, then the values of the present,
 *    non-NULL columns.
 *
 * Anything this decoder does not know (a type whose length it cannot tell, compressed events,
 * MySQL's partial JSON updates, an image without every key column, bytes left over or missing)
 * throws: the caller then re-reads the whole table, never guesses.
 */

/** The ordering key of a table as the decoder needs it: where its columns are and how to read them. */
export interface KeySpec {
  /** How many columns the live table has (the table map must say the same). */
  readonly columns: number;
  /** The key's columns in key order: position in the table, binlog type code, and signedness (as the live schema says). */
  readonly key: ReadonlyArray<{ readonly index: number; readonly type: number; readonly unsigned: boolean }>;
}

/** Binlog type codes of the integer types, by information_schema DATA_TYPE. */
export const INTEGER_TYPE_CODES: Readonly<Record<string, number>> = { tinyint: 1, smallint: 2, mediumint: 9, int: 3, bigint: 8 };
const INTEGER_BYTES = new Map([
  [1, 1],
  [2, 2],
  [9, 3],
  [3, 4],
  [8, 8],
]);

/** What a Table_map says about a table's columns: per column a fixed length (>= 0) or the bytes of its length prefix (as -1..-4). */
export interface TableMapColumns {
  readonly types: Uint8Array;
  readonly lengths: Int32Array;
}

/** A packed (length-encoded) integer at `pos`. */
function packed(b: Buffer, pos: number): { value: number; end: number } {
  const first = b.readUInt8(pos);
  if (first < 0xfb) return { value: first, end: pos + 1 };
  if (first === 0xfc) return { value: b.readUInt16LE(pos + 1), end: pos + 3 };
  if (first === 0xfd) return { value: b.readUIntLE(pos + 1, 3), end: pos + 4 };
  if (first === 0xfe) {
    const v = b.readBigUInt64LE(pos + 1);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error('packed integer too large');
    return { value: Number(v), end: pos + 9 };
  }
  throw new Error(`invalid packed integer 0x${first.toString(16)}`);
}

/** Bytes of a NEWDECIMAL(precision, scale) value (decimal_bin_size). */
function decimalBytes(precision: number, scale: number): number {
  const dig2bytes = [0, 1, 1, 2, 2, 3, 3, 4, 4, 4];
  const intg = precision - scale;
  return Math.floor(intg / 9) * 4 + dig2bytes[intg % 9]! + Math.floor(scale / 9) * 4 + dig2bytes[scale % 9]!;
}

/**
 * The column part of a Table_map body that starts at `pos` (the column count): each column's
 * binary length. Throws for a type whose length this decoder does not know.
 */
export function tableMapColumns(body: Buffer, pos: number): TableMapColumns {
  const count = packed(body, pos);
  const n = count.value;
  let p = count.end;
  if (p + n > body.length) throw new Error('table map shorter than its column types');
  const types = Uint8Array.from(body.subarray(p, p + n));
  p += n;
  const metaLength = packed(body, p);
  p = metaLength.end;
  const metaEnd = p + metaLength.value;
  if (metaEnd > body.length) throw new Error('table map shorter than its metadata');
  const lengths = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const t = types[i]!;
    switch (t) {
      case 1: // TINY
      case 13: // YEAR
        lengths[i] = 1;
        break;
      case 2: // SHORT
        lengths[i] = 2;
        break;
      case 9: // INT24
      case 10: // DATE
      case 14: // NEWDATE
        lengths[i] = 3;
        break;
      case 3: // LONG
        lengths[i] = 4;
        break;
      case 8: // LONGLONG
        lengths[i] = 8;
        break;
      case 6: // NULL
        lengths[i] = 0;
        break;
      case 4: // FLOAT
      case 5: // DOUBLE
        lengths[i] = body.readUInt8(p++);
        break;
      case 17: // TIMESTAMP2
      case 18: // DATETIME2
      case 19: {
        // TIME2: a fixed part, then (decimals + 1) / 2 bytes of fraction.
        const decimals = body.readUInt8(p++);
        if (decimals > 6) throw new Error(`temporal column with ${decimals} decimals`);
        lengths[i] = (t === 17 ? 4 : t === 18 ? 5 : 3) + ((decimals + 1) >> 1);
        break;
      }
      case 252: // BLOB (and TEXT)
      case 255: {
        // GEOMETRY: the metadata is the size of the length prefix.
        const prefix = body.readUInt8(p++);
        if (prefix < 1 || prefix > 4) throw new Error(`blob length prefix of ${prefix} bytes`);
        lengths[i] = -prefix;
        break;
      }
      case 15: // VARCHAR
      case 253: {
        // VAR_STRING: the metadata is the maximum length in bytes; a 1-byte prefix up to 255.
        const max = body.readUInt16LE(p);
        p += 2;
        lengths[i] = max > 255 ? -2 : -1;
        break;
      }
      case 254: {
        // STRING: byte 0 holds the real type (STRING, ENUM or SET), with bits 0x30 borrowed for
        // the high bits of a long CHAR's length (MySQL bug #37426); byte 1 the length's low byte.
        const b0 = body.readUInt8(p);
        const b1 = body.readUInt8(p + 1);
        p += 2;
        let real = b0;
        let length = b1;
        if ((b0 & 0x30) !== 0x30) {
          real = b0 | 0x30;
          length = b1 | (((b0 & 0x30) ^ 0x30) << 4);
        }
        if (real === 247 || real === 248)
          lengths[i] = length; // ENUM, SET: their pack length
        else if (real === 254) lengths[i] = length > 255 ? -2 : -1;
        else throw new Error(`CHAR column of real type ${real}`);
        break;
      }
      case 16: {
        // BIT: byte 0 the bits beyond whole bytes, byte 1 the whole bytes.
        const bits = body.readUInt8(p);
        const bytes = body.readUInt8(p + 1);
        p += 2;
        lengths[i] = bytes + (bits > 0 ? 1 : 0);
        break;
      }
      case 246: {
        // NEWDECIMAL: precision, scale.
        const precision = body.readUInt8(p);
        const scale = body.readUInt8(p + 1);
        p += 2;
        if (precision > 65 || scale > 38 || scale > precision) throw new Error(`DECIMAL(${precision},${scale})`);
        lengths[i] = decimalBytes(precision, scale);
        break;
      }
      default:
        // Old DECIMAL, the pre-5.6 TIMESTAMP/DATETIME/TIME (whose length MariaDB's hires variants
        // change without metadata), JSON (MySQL), direct ENUM/SET, MariaDB's compressed columns, ...
        throw new Error(`column ${i + 1} has binlog type ${t}, whose length this decoder does not read`);
    }
  }
  if (p !== metaEnd) throw new Error(`table map metadata of ${metaLength.value} bytes, ${p - (metaEnd - metaLength.value)} understood`);
  return { types, lengths };
}

const V1 = new Set([23, 24, 25]);
const V2 = new Set([30, 31, 32]);
const UPDATES = new Set([24, 31]);

function bitSet(b: Buffer, start: number, bit: number): boolean {
  return (b[start + (bit >> 3)]! & (1 << (bit & 7))) !== 0;
}

/**
 * The key of every row image in a rows event (`type`, `body`), for a table whose Table_map gave
 * `columns` and whose live key is `spec`. Throws when anything is not as expected (see the top).
 */
export function rowsEventKeys(type: number, body: Buffer, columns: TableMapColumns, spec: KeySpec): bigint[][] {
  if (!V1.has(type) && !V2.has(type)) throw new Error(`rows event type ${type} (compressed or partial) is not decoded`);
  let p = 8;
  if (V2.has(type)) {
    const extra = body.readUInt16LE(8);
    if (extra < 2) throw new Error('rows event extra data length below 2');
    p = 8 + extra;
  }
  const width = packed(body, p);
  p = width.end;
  const n = width.value;
  if (n !== columns.types.length) throw new Error(`rows event of ${n} columns for a table map of ${columns.types.length}`);
  if (n !== spec.columns) throw new Error(`the binary log has ${n} columns, the live table ${spec.columns}`);
  for (const k of spec.key) {
    if (columns.types[k.index] !== k.type)
      throw new Error(`key column ${k.index + 1} has binlog type ${columns.types[k.index]}, the live schema says ${k.type}`);
  }
  const bitmapBytes = (n + 7) >> 3;
  const images: number[] = [p];
  p += bitmapBytes;
  if (UPDATES.has(type)) {
    images.push(p);
    p += bitmapBytes;
  }
  if (p > body.length) throw new Error('rows event shorter than its bitmaps');
  // Per image: which columns are present, in order, and where each key column sits among them.
  const layouts = images.map((at) => {
    const present: number[] = [];
    for (let i = 0; i < n; i++) if (bitSet(body, at, i)) present.push(i);
    for (const k of spec.key) if (!present.includes(k.index)) throw new Error(`a row image without key column ${k.index + 1} (binlog_row_image=MINIMAL?)`);
    return present;
  });
  const keyAt = new Map(spec.key.map((k, j) => [k.index, j]));
  const out: bigint[][] = [];
  while (p < body.length) {
    for (const present of layouts) {
      const nullStart = p;
      p += (present.length + 7) >> 3;
      const key: bigint[] = new Array<bigint>(spec.key.length);
      for (let j = 0; j < present.length; j++) {
        const col = present[j]!;
        const isNull = bitSet(body, nullStart, j);
        const slot = keyAt.get(col);
        if (isNull) {
          if (slot !== undefined) throw new Error(`key column ${col + 1} is NULL in a row image`);
          continue;
        }
        const len = columns.lengths[col]!;
        if (slot !== undefined) {
          const k = spec.key[slot]!;
          const bytes = INTEGER_BYTES.get(k.type)!;
          if (bytes === 8) key[slot] = k.unsigned ? body.readBigUInt64LE(p) : body.readBigInt64LE(p);
          else key[slot] = BigInt(k.unsigned ? body.readUIntLE(p, bytes) : body.readIntLE(p, bytes));
          p += bytes;
        } else if (len >= 0) p += len;
        else {
          const prefix = -len;
          p += prefix + body.readUIntLE(p, prefix);
        }
      }
      if (p > body.length) throw new Error('rows event ends inside a row');
      out.push(key);
    }
  }
  if (p !== body.length) throw new Error('rows event has bytes after its last row');
  return out;
}
