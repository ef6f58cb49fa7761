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

/**
 * Single-byte character sets whose bytes 0x00-0x7F are the ASCII characters, both ways through
 * utf8mb4 (checked on MariaDB 10.11 for every character set of MAXLEN 1: all but binary and swe7,
 * whose @ [ \\ ] ^ ` { | } ~ are Swedish letters; test/integration/roundtrip.test.ts checks it). A value of such a column made only of those
 * bytes is written as a plain quoted string and loads back as the same bytes.
 */
export const ASCII_SINGLE_BYTE_CHARSETS: ReadonlySet<string> = new Set([
  'armscii8',
  'ascii',
  'cp1250',
  'cp1251',
  'cp1256',
  'cp1257',
  'cp850',
  'cp852',
  'cp866',
  'dec8',
  'geostd8',
  'greek',
  'hebrew',
  'hp8',
  'keybcs2',
  'koi8r',
  'koi8u',
  'latin1',
  'latin2',
  'latin5',
  'latin7',
  'macce',
  'macroman',
  'tis620',
]);

/** Whether ASCII text of a column in this character set (any case) may be written as a plain quoted string. */
export function isAsciiSingleByteCharset(charset: string): boolean {
  return ASCII_SINGLE_BYTE_CHARSETS.has(charset.toLowerCase());
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
