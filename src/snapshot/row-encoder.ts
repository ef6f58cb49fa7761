import { isUtf8 } from 'node:buffer';
import type { RawRow } from '../db/database.js';
import type { ColumnFormat, LiteralRule } from './column-format.js';
import type { RowWriter } from './row-line.js';

/**
 * Writes a row's line as bytes, straight from the cells' bytes in the driver's buffer: the same
 * bytes as `RowWriter.lineAndKey` (its UTF-8 encoding), with no string per cell or per line.
 * Hand-written because no library writes MariaDB literals from raw protocol bytes.
 *
 * Exactness: RowWriter and its ColumnFormat literals stay the reference. This writer implements
 * each literal rule byte by byte (see LiteralRule) and hands any cell it cannot write exactly to
 * the rule's own `literal` function, per cell: numbers or dates holding a byte above 0x7F (never
 * sent by the server, but `literal` decodes them as latin1, which would re-encode them as two
 * bytes). Tables with a secrets transform are not written here at all (the caller keeps them on
 * RowWriter). test/integration/fast-reader.test.ts compares the two on every column type.
 */
export class RowEncoder {
  private readonly prefix: Buffer;
  private readonly codes: Uint8Array;
  private readonly charsets: readonly (Buffer | null)[];
  private readonly formats: readonly ColumnFormat[];
  private readonly cellIndex: Int32Array;
  private readonly keyIndex: readonly number[] | null;
  /** The key columns, when they are adjacent and in order: the key text is then a slice of the line. */
  private readonly keyContiguous: boolean;
  /** Bytes a row needs beyond twice its size as sent (see maxBytes). */
  private readonly fixed: number;
  /** Where each column's literal starts and ends in the output, for keys made of several columns. */
  private readonly litStart: Int32Array;
  private readonly litEnd: Int32Array;
  private keyScratch = Buffer.alloc(256);
  /** The key text of the last row encoded: bytes [keyStart, keyEnd) of keyBuf (the output, or a scratch buffer). */
  keyBuf: Buffer = this.keyScratch;
  keyStart = 0;
  keyEnd = 0;

  constructor(writer: RowWriter) {
    if (writer.transforms) throw new Error('RowEncoder does not apply a transform: use RowWriter for tables with secrets');
    this.prefix = Buffer.from(writer.prefix + '(', 'utf8');
    this.formats = writer.formats;
    this.codes = Uint8Array.from(writer.formats.map((f) => ruleCode(f.rule)));
    this.charsets = writer.formats.map((f) => charsetPrefix(f.rule));
    this.cellIndex = Int32Array.from(writer.cellIndex);
    this.keyIndex = writer.keyIndex;
    this.keyContiguous = this.keyIndex?.every((c, i) => c === this.keyIndex![0]! + i) ?? false;
    this.litStart = new Int32Array(writer.formats.length);
    this.litEnd = new Int32Array(writer.formats.length);
    // Per column at most: a literal's own characters (13: `DEFAULT`, `NULL`, quotes, `0x`, `_ `)
    // plus the character set name, plus a comma; the value itself at most doubles (escapes, hex).
    this.fixed = this.prefix.length + 3 + this.charsets.reduce((n, c) => n + 13 + (c?.length ?? 0), 0);
  }

  /** The most bytes `encode` can write for this row. */
  maxBytes(row: RawRow): number {
    return this.fixed + 2 * row.bytes;
  }

  /** Write the row's line (with its line break) into `out` at `at`, which has room for maxBytes(row); returns where it ends. */
  encode(row: RawRow, out: Buffer, at: number): number {
    const { buf, start, end } = row;
    this.prefix.copy(out, at);
    let p = at + this.prefix.length;
    const n = this.codes.length;
    for (let c = 0; c < n; c++) {
      if (c > 0) out[p++] = 0x2c;
      this.litStart[c] = p;
      const cell = this.cellIndex[c]!;
      const s = cell < 0 ? -1 : start[cell]!;
      let code = this.codes[c]!;
      if (code === DEFAULT) p = put(out, p, DEFAULT_BYTES);
      else if (s < 0) p = put(out, p, NULL_BYTES);
      else {
        const e = end[cell]!;
        if (code === ENUM) {
          const number = enumNumber(buf, s, e);
          if (number >= 0) {
            p = copyPlain(buf, s, number, out, p);
            this.litEnd[c] = p;
            continue;
          }
          code = this.codes[c]! >> 4;
        }
        p = this.cell(code, c, buf, s, e, out, p);
      }
      this.litEnd[c] = p;
    }
    out[p++] = 0x29;
    out[p++] = 0x3b;
    out[p++] = 0x0a;
    this.setKey(out, at, p);
    return p;
  }

  /**
   * The same line as `encode`, handed to `sink` in parts of at most about PART_BYTES (with its key
   * first): for a huge row, whose line would otherwise be one buffer of twice its size beside the
   * driver's copy of the row. Returns false, writing nothing, when the row has a value this cannot
   * write in parts (a key or a cell whose rule is not HEX, TEXT, ASCII or CHARSET larger than a
   * part, or a table keyed by whole lines): the caller then uses `encode`. `partBytes`: smaller in
   * the differential test, so that small values take the sliced path too.
   */
  encodeInParts(row: RawRow, sink: LineSink, partBytes = PART_BYTES): boolean {
    const { buf, start, end } = row;
    const n = this.codes.length;
    const size = (c: number) => (this.cellIndex[c]! < 0 || start[this.cellIndex[c]!]! < 0 ? 0 : end[this.cellIndex[c]!]! - start[this.cellIndex[c]!]!);
    if (this.keyIndex === null) return false;
    for (let c = 0; c < n; c++) {
      if (size(c) <= partBytes / 4) continue;
      const code = this.codes[c]! & 15;
      if (this.keyIndex.includes(c) || (code !== HEX && code !== TEXT && code !== ASCII && code !== CHARSET)) return false;
    }
    // The key first (the chunk a line goes to depends on it): its columns' literals joined with ',',
    // in a buffer of the most they can take (a literal is at most twice its value plus 13 and the
    // character set name: see `fixed`).
    let keyRoom = 0;
    for (const c of this.keyIndex) keyRoom += 2 * size(c) + 16 + (this.charsets[c]?.length ?? 0);
    const key = Buffer.allocUnsafe(keyRoom);
    let k = 0;
    for (const [i, c] of this.keyIndex.entries()) {
      if (i > 0) key[k++] = 0x2c;
      k = this.small(c, row, key, k);
    }
    sink.begin(key, 0, k);
    const out = Buffer.allocUnsafe(partBytes + this.prefix.length + 256);
    let p = put(out, 0, this.prefix);
    for (let c = 0; c < n; c++) {
      if (c > 0) out[p++] = 0x2c;
      if (size(c) <= partBytes / 4) {
        p = this.small(c, row, out, p);
        if (p > partBytes / 2) {
          sink.part(out, 0, p);
          p = 0;
        }
        continue;
      }
      const cell = this.cellIndex[c]!;
      const s = start[cell]!;
      const e = end[cell]!;
      const code = this.codes[c]! & 15;
      let asText = false;
      if (code === TEXT) asText = isAscii(buf, s, e) || isUtf8(buf.subarray(s, e));
      else if (code === ASCII) asText = isAscii(buf, s, e);
      if (!asText && (code === ASCII || code === CHARSET)) p = put(out, p, this.charsets[c]!);
      out[p++] = asText ? 0x27 : 0x30;
      if (!asText) out[p++] = 0x78;
      sink.part(out, 0, p);
      // The value in slices: hex digits or escaped text, each slice written and sent before the next.
      const step = partBytes / 2;
      for (let from = s; from < e; from += step) {
        const to = Math.min(e, from + step);
        const q = asText ? Math.abs(quoted(buf, from, to, out, 0)) : hex(buf, from, to, out, 0);
        // quoted() and hex() write their own delimiters: send only the value's part.
        sink.part(out, asText ? 1 : 2, asText ? q - 1 : q);
      }
      p = 0;
      if (asText) out[p++] = 0x27;
    }
    out[p++] = 0x29;
    out[p++] = 0x3b;
    out[p++] = 0x0a;
    sink.part(out, 0, p);
    sink.end();
    return true;
  }

  /** Write column `c`'s literal (a small value) at `p`; returns where it ends. */
  private small(c: number, row: RawRow, out: Buffer, p: number): number {
    const cell = this.cellIndex[c]!;
    const s = cell < 0 ? -1 : row.start[cell]!;
    let code = this.codes[c]!;
    if (code === DEFAULT) return put(out, p, DEFAULT_BYTES);
    if (s < 0) return put(out, p, NULL_BYTES);
    const e = row.end[cell]!;
    if (code === ENUM) {
      const number = enumNumber(row.buf, s, e);
      if (number >= 0) return copyPlain(row.buf, s, number, out, p);
      code = this.codes[c]! >> 4;
    }
    return this.cell(code, c, row.buf, s, e, out, p);
  }

  private cell(code: number, c: number, buf: Buffer, s: number, e: number, out: Buffer, p: number): number {
    switch (code & 15) {
      case VERBATIM: {
        const q = copyPlain(buf, s, e, out, p);
        return q >= 0 ? q : this.reference(c, buf, s, e, out, p);
      }
      case QUOTED: {
        out[p] = 0x27;
        const q = copyPlain(buf, s, e, out, p + 1);
        if (q < 0) return this.reference(c, buf, s, e, out, p);
        out[q] = 0x27;
        return q + 1;
      }
      case HEX:
        return hex(buf, s, e, out, p);
      case TEXT: {
        const q = quoted(buf, s, e, out, p);
        if (q >= 0) return q;
        // Not ASCII: a quoted string when the bytes are valid UTF-8 (the escapes are all ASCII, which never occurs inside a multi-byte sequence), else hex.
        return isUtf8(buf.subarray(s, e)) ? -q : hex(buf, s, e, out, p);
      }
      case ASCII: {
        const q = quoted(buf, s, e, out, p);
        if (q >= 0) return q;
        return hex(buf, s, e, out, put(out, p, this.charsets[c]!));
      }
      case CHARSET:
        if (s === e) return put(out, p, EMPTY_STRING);
        return hex(buf, s, e, out, put(out, p, this.charsets[c]!));
      default:
        return this.reference(c, buf, s, e, out, p);
    }
  }

  /** The reference literal, for a cell the byte rules do not cover exactly. */
  private reference(c: number, buf: Buffer, s: number, e: number, out: Buffer, p: number): number {
    const literal = this.formats[c]!.literal(Buffer.from(buf.subarray(s, e)));
    // Buffer.write stops silently when the room runs out: never let a literal be cut short.
    if (Buffer.byteLength(literal) > out.length - p) throw new Error(`a literal of ${Buffer.byteLength(literal)} bytes exceeds the room computed for its row`);
    return p + out.write(literal, p, 'utf8');
  }

  private setKey(out: Buffer, at: number, lineEnd: number): void {
    const key = this.keyIndex;
    if (key === null) {
      // Keyed by the whole line, without its line break.
      this.keyBuf = out;
      this.keyStart = at;
      this.keyEnd = lineEnd - 1;
    } else if (this.keyContiguous) {
      this.keyBuf = out;
      this.keyStart = this.litStart[key[0]!]!;
      this.keyEnd = this.litEnd[key[key.length - 1]!]!;
    } else {
      // The key columns' literals joined with ',' (as RowWriter does), gathered from the line.
      let size = key.length;
      for (const c of key) size += this.litEnd[c]! - this.litStart[c]!;
      if (this.keyScratch.length < size) this.keyScratch = Buffer.alloc(size * 2);
      let p = 0;
      for (let i = 0; i < key.length; i++) {
        if (i > 0) this.keyScratch[p++] = 0x2c;
        p += out.copy(this.keyScratch, p, this.litStart[key[i]!]!, this.litEnd[key[i]!]!);
      }
      this.keyBuf = this.keyScratch;
      this.keyStart = 0;
      this.keyEnd = p;
    }
  }
}

/** What encodeInParts hands a huge row's line to: its key, then its bytes in order, then its end. */
export interface LineSink {
  begin(keyBytes: Buffer, keyStart: number, keyEnd: number): void;
  part(bytes: Buffer, start: number, end: number): void;
  end(): void;
}

/** The size of the parts encodeInParts writes (a value is cut into slices of half this, as hex doubles it). */
const PART_BYTES = 256 * 1024;

function isAscii(buf: Buffer, s: number, e: number): boolean {
  for (let i = s; i < e; i++) if (buf[i]! & 0x80) return false;
  return true;
}

// Rule codes: the low 4 bits; an enum keeps its inner rule in the high 4 bits.
const DEFAULT = 1;
const VERBATIM = 2;
const QUOTED = 3;
const HEX = 4;
const TEXT = 5;
const ASCII = 6;
const CHARSET = 7;
const ENUM = 8;

function ruleCode(rule: LiteralRule): number {
  switch (rule.kind) {
    case 'default':
      return DEFAULT;
    case 'verbatim':
      return VERBATIM;
    case 'quoted':
      return QUOTED;
    case 'hex':
      return HEX;
    case 'text':
      return TEXT;
    case 'ascii':
      return ASCII;
    case 'charset':
      return CHARSET;
    case 'enum': {
      const inner = ruleCode(rule.inner);
      // Only one level: an enum of an enum does not exist; anything else goes to the reference (code 0).
      return inner < ENUM ? ENUM | (inner << 4) : 0;
    }
  }
}

function charsetPrefix(rule: LiteralRule): Buffer | null {
  if (rule.kind === 'charset' || rule.kind === 'ascii') return Buffer.from(`_${rule.charset} `, 'utf8');
  if (rule.kind === 'enum') return charsetPrefix(rule.inner);
  return null;
}

const DEFAULT_BYTES = Buffer.from('DEFAULT');
const NULL_BYTES = Buffer.from('NULL');
const EMPTY_STRING = Buffer.from("''");
const HEX_DIGITS = Buffer.from('0123456789ABCDEF');
/** For each byte, the letter after the backslash that quoteString writes for it, or 0. */
const ESCAPE = new Uint8Array(256);
ESCAPE[0x00] = 0x30; // \0
ESCAPE[0x27] = 0x27; // \'
ESCAPE[0x5c] = 0x5c; // \\
ESCAPE[0x0a] = 0x6e; // \n
ESCAPE[0x0d] = 0x72; // \r
ESCAPE[0x1a] = 0x5a; // \Z

function put(out: Buffer, p: number, bytes: Buffer): number {
  for (let i = 0; i < bytes.length; i++) out[p + i] = bytes[i]!;
  return p + bytes.length;
}

/** Copy ASCII bytes; -1 when a byte is above 0x7F (the reference decodes those as latin1). */
function copyPlain(buf: Buffer, s: number, e: number, out: Buffer, p: number): number {
  let hi = 0;
  for (let i = s; i < e; i++) {
    const b = buf[i]!;
    hi |= b;
    out[p++] = b;
  }
  return hi & 0x80 ? -1 : p;
}

/** `0x` and upper-case hex digits, or '' for no bytes (hexLiteral). */
function hex(buf: Buffer, s: number, e: number, out: Buffer, p: number): number {
  if (s === e) return put(out, p, EMPTY_STRING);
  out[p++] = 0x30;
  out[p++] = 0x78;
  // Byte by byte even for large values: `toString('hex').toUpperCase()` made two strings of twice
  // the value's size (a 64 MB blob cost 256 MB of strings on top of the line itself).
  for (let i = s; i < e; i++) {
    const b = buf[i]!;
    out[p++] = HEX_DIGITS[b >> 4]!;
    out[p++] = HEX_DIGITS[b & 15]!;
  }
  return p;
}

/**
 * The bytes as a quoted string with quoteString's escapes. Returns the end, or minus the end when
 * a byte is above 0x7F (the caller decides whether the bytes may stay as they are).
 */
function quoted(buf: Buffer, s: number, e: number, out: Buffer, p: number): number {
  out[p++] = 0x27;
  let hi = 0;
  for (let i = s; i < e; i++) {
    const b = buf[i]!;
    hi |= b;
    const x = ESCAPE[b]!;
    if (x !== 0) {
      out[p++] = 0x5c;
      out[p++] = x;
    } else out[p++] = b;
  }
  out[p++] = 0x27;
  return hi & 0x80 ? -p : p;
}

/** An ENUM/SET read as its number: "<digits> " (see enumOrSetFormat); returns where the digits end, or -1. */
function enumNumber(buf: Buffer, s: number, e: number): number {
  if (e - s < 2 || buf[e - 1] !== 0x20) return -1;
  for (let i = s; i < e - 1; i++) {
    const b = buf[i]!;
    if (b < 0x30 || b > 0x39) return -1;
  }
  return e - 1;
}
