/**
 * A lexer for the statements of a snapshot's schema and object files, as the server reads them
 * (backslash escapes on, ANSI_QUOTES off): enough to tell code from quoted text and comments, so
 * the checks in definition-check.ts look only at code. Not a parser.
 */

export type SqlTokenKind = 'word' | 'id' | 'string' | 'number' | 'comment' | 'exec-comment' | 'punct';

export interface SqlToken {
  readonly kind: SqlTokenKind;
  /** The token's text; for `id` the name without its backticks. */
  readonly text: string;
  /** Offset in the statement. */
  readonly start: number;
}

export class SqlLexError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
    this.name = 'SqlLexError';
  }
}

const WORD_START = /[A-Za-z_$\u0080-\uffff]/;
const WORD_CHAR = /[A-Za-z0-9_$\u0080-\uffff]/;

function quotedEnd(text: string, pos: number, q: string): number {
  let i = pos + 1;
  while (i < text.length) {
    const c = text[i];
    if (c === '\\' && q !== '`') i += 2;
    else if (c === q) {
      if (text[i + 1] === q) i += 2;
      else return i + 1;
    } else i++;
  }
  throw new SqlLexError(`unterminated ${q === '`' ? 'quoted name' : 'string'}`, pos);
}

export function sqlTokens(text: string): SqlToken[] {
  const out: SqlToken[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    const start = i;
    if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      if (end < 0) throw new SqlLexError('unterminated comment', i);
      // `/*!...*/` and `/*M!...*/` are executed by the server: code, not a comment.
      const exec = text[i + 2] === '!' || (text[i + 2] === 'M' && text[i + 3] === '!');
      out.push({ kind: exec ? 'exec-comment' : 'comment', text: text.slice(i, end + 2), start });
      i = end + 2;
    } else if (c === '#' || (c === '-' && text[i + 1] === '-' && /[\s]/.test(text[i + 2] ?? '\n'))) {
      const end = text.indexOf('\n', i);
      i = end < 0 ? n : end;
      out.push({ kind: 'comment', text: text.slice(start, i), start });
    } else if (c === "'" || c === '"') {
      i = quotedEnd(text, i, c);
      out.push({ kind: 'string', text: text.slice(start, i), start });
    } else if (c === '`') {
      i = quotedEnd(text, i, '`');
      out.push({ kind: 'id', text: text.slice(start + 1, i - 1).replaceAll('``', '`'), start });
    } else if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(text[i + 1] ?? ''))) {
      const m = /^(?:0x[0-9A-Fa-f]+|0b[01]+|[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)/.exec(text.slice(i, i + 400))!;
      i += Math.max(1, m[0].length);
      // An identifier may start with digits (`1abc`): read on as a word.
      while (i < n && WORD_CHAR.test(text[i]!)) i++;
      out.push({ kind: 'number', text: text.slice(start, i), start });
    } else if (WORD_START.test(c)) {
      while (i < n && WORD_CHAR.test(text[i]!)) i++;
      out.push({ kind: 'word', text: text.slice(start, i), start });
    } else {
      out.push({ kind: 'punct', text: c, start });
      i++;
    }
  }
  return out;
}

/** True for a word token equal (case-insensitively) to one of `words`. */
export function isWord(t: SqlToken | undefined, ...words: string[]): boolean {
  return t !== undefined && t.kind === 'word' && words.includes(t.text.toUpperCase());
}
