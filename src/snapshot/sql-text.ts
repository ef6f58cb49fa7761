/** Pure helpers that write SQL text. No I/O. */

/** Quote an identifier with backticks, doubling embedded backticks (valid in every sql_mode but ANSI_QUOTES-only servers, which we never set). */
export function quoteId(name: string): string {
  return '`' + name.replaceAll('`', '``') + '`';
}

/** Quote a string literal for MySQL/MariaDB in the snapshot's session (backslash escapes on). */
export function quoteString(s: string): string {
  return "'" + s.replace(/[\0'\\\n\r\x1a]/g, escapeChar) + "'";
}

function escapeChar(c: string): string {
  switch (c) {
    case '\0':
      return '\\0';
    case "'":
      return "\\'";
    case '\\':
      return '\\\\';
    case '\n':
      return '\\n';
    case '\r':
      return '\\r';
    default:
      return '\\Z';
  }
}

/** Read back a string literal written by quoteString (or by the server with backslash escapes). */
export function unquoteString(lit: string): string {
  if (lit.length < 2 || lit[0] !== "'" || lit[lit.length - 1] !== "'") throw new Error(`not a string literal: ${lit.slice(0, 40)}`);
  return lit.slice(1, -1).replace(/\\(.)|''/gs, (_m, c: string | undefined) => {
    if (c === undefined) return "'";
    switch (c) {
      case '0':
        return '\0';
      case 'n':
        return '\n';
      case 'r':
        return '\r';
      case 'Z':
        return '\x1a';
      case 't':
        return '\t';
      case 'b':
        return '\b';
      default:
        return c;
    }
  });
}

/** A hexadecimal literal for bytes; the empty string has no hex form, so it is ''. */
export function hexLiteral(bytes: Buffer): string {
  return bytes.length === 0 ? "''" : '0x' + bytes.toString('hex').toUpperCase();
}

/** Parse a backtick-quoted identifier at `pos`; returns the name and the index after it. */
export function readQuotedId(text: string, pos: number): { name: string; end: number } {
  if (text[pos] !== '`') throw new Error(`expected a quoted name at ${pos}`);
  let name = '';
  let i = pos + 1;
  for (;;) {
    const j = text.indexOf('`', i);
    if (j < 0) throw new Error('unterminated quoted name');
    name += text.slice(i, j);
    if (text[j + 1] === '`') {
      name += '`';
      i = j + 2;
    } else return { name, end: j + 1 };
  }
}
