/**
 * Character sets whose conversion to the connection's utf8mb4 and back is lossless. Not ascii: the
 * server stores any byte in an ascii column (from `_ascii x'..'` or old data) and converts bytes
 * above 0x7F to '?' on the way out.
 */
export const UNICODE_CHARSETS: ReadonlySet<string> = new Set(['utf8mb4', 'utf8mb3', 'utf8', 'ucs2', 'utf16', 'utf16le', 'utf32']);

/** Whether text in this character set (any case) survives the round trip through utf8mb4. */
export function isUnicodeCharset(charset: string): boolean {
  return UNICODE_CHARSETS.has(charset.toLowerCase());
}

/** MariaDB character set -> the WHATWG encoding label TextDecoder knows it by, for showing text (MariaDB's latin1 is Windows-1252). */
export const CHARSET_ENCODINGS: Readonly<Record<string, string>> = {
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
