import { quoteString } from '../snapshot/sql-text.js';

/**
 * `--value V` as the SQL literal to write: `NULL` is SQL NULL; a value written as a literal
 * (`'...'` or `0x...`) is used as it is; anything else is text, quoted (the server converts it for
 * numeric, date and other columns, as it does for the application's own statements).
 */
export function valueLiteral(v: string): string {
  if (v === 'NULL') return 'NULL';
  if (/^'(?:[^'\\]|\\.)*'$/s.test(v) || /^0x[0-9A-Fa-f]+$/.test(v)) return v;
  return quoteString(v);
}
