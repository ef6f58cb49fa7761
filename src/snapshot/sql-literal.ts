import { isUtf8 } from 'node:buffer';
import { unquoteString } from './sql-text.js';

/**
 * MariaDB character set names -> WHATWG encoding labels understood by TextDecoder. MariaDB's
 * latin1 is Windows-1252.
 */
const ENCODINGS: Record<string, string> = {
  latin1: 'windows-1252',
  ascii: 'windows-1252',
  cp1250: 'windows-1250',
  cp1251: 'windows-1251',
  cp1256: 'windows-1256',
  cp1257: 'windows-1257',
  latin2: 'iso-8859-2',
  latin7: 'iso-8859-13',
  greek: 'iso-8859-7',
  hebrew: 'iso-8859-8',
  koi8r: 'koi8-r',
  koi8u: 'koi8-u',
  sjis: 'shift_jis',
  cp932: 'shift_jis',
  ujis: 'euc-jp',
  eucjpms: 'euc-jp',
  euckr: 'euc-kr',
  gbk: 'gbk',
  gb2312: 'gb2312',
  big5: 'big5',
  utf16: 'utf-16be',
  utf16le: 'utf-16le',
  utf8: 'utf-8',
  utf8mb3: 'utf-8',
  utf8mb4: 'utf-8',
};

function decodeBytes(bytes: Buffer, charset: string | null): string | null {
  if (charset === null) return isUtf8(bytes) ? bytes.toString('utf8') : null;
  try {
    return new TextDecoder(ENCODINGS[charset.toLowerCase()] ?? 'utf-8').decode(bytes);
  } catch {
    return bytes.toString('latin1');
  }
}

/**
 * The value of one cell literal as the snapshot writes it (src/snapshot/column-format.ts):
 * NULL and DEFAULT give null; numbers and dates as written; quoted strings unescaped;
 * `0x...` and `_charset 0x...` decoded to text. Bytes that are not text give `<N bytes>`.
 */
export function literalText(literal: string): string | null {
  if (literal === 'NULL' || literal === 'DEFAULT') return null;
  if (literal.startsWith("'")) {
    try {
      return unquoteString(literal);
    } catch {
      return literal;
    }
  }
  const hex = /^(?:_([A-Za-z0-9]+) )?(?:0x([0-9A-Fa-f]*)|'')$/.exec(literal);
  if (hex) {
    const bytes = Buffer.from(hex[2] ?? '', 'hex');
    return decodeBytes(bytes, hex[1] ?? null) ?? `<${bytes.length} bytes>`;
  }
  return literal;
}

/** Longest value printed in a commit subject. */
export const DISPLAY_MAX = 40;

/** A value for a one-line subject: one line, control characters as spaces, at most `max` characters. */
export function displayText(value: string, max = DISPLAY_MAX): string {
  const flat = value.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  const chars = [...flat];
  return chars.length > max ? chars.slice(0, max - 1).join('').trimEnd() + '…' : flat;
}
