import { isUtf8 } from 'node:buffer';
import { CHARSET_ENCODINGS } from '../db/mariadb/charsets.js';
import { unquoteString } from './sql-text.js';

function decodeBytes(bytes: Buffer, charset: string | null): string | null {
  if (charset === null) return isUtf8(bytes) ? bytes.toString('utf8') : null;
  try {
    return new TextDecoder(CHARSET_ENCODINGS[charset.toLowerCase()] ?? 'utf-8').decode(bytes);
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
  return chars.length > max
    ? chars
        .slice(0, max - 1)
        .join('')
        .trimEnd() + '…'
    : flat;
}
