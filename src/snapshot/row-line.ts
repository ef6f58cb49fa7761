import type { RawCell } from '../db/database.js';
import { columnFormat, type ColumnFormat } from './column-format.js';
import { ANY_ROW, LineSyntaxError, parseRowLine } from './line-codec.js';
import { quoteId, quoteString } from './sql-text.js';
import type { TableInfo } from './table-info.js';

/**
 * One row is one line: `INSERT INTO `t` VALUES (...);`. Self-contained lines make a diff of a
 * data file a list of changed rows, and any line can be loaded on its own.
 */
export class RowWriter {
  readonly prefix: string;
  readonly selectSql: string;
  /** The SELECT list alone (what `line` expects, in order), for reads with a WHERE of their own (src/apply). */
  readonly selectList: string;
  /** How many cells a row of `selectSql` has. */
  readonly selectedCells: number;
  /** How each column is read and written (shared with the byte-level RowEncoder, which must write the same). */
  readonly formats: readonly ColumnFormat[];
  /** Index into the selected cells for each column, or -1 when the column is not read. */
  readonly cellIndex: readonly number[];
  /** Positions of the ordering key's columns, or null when rows are keyed by their whole line (no key, or a generated key column). */
  readonly keyIndex: readonly number[] | null;
  /** Whether a transform (the secrets policy) rewrites the literals: the RowEncoder does not apply one. */
  readonly transforms: boolean;

  /**
   * `transform` rewrites a row's literals before they are joined (the secrets policy); it gets a
   * fresh array it may change in place.
   */
  constructor(
    table: TableInfo,
    private readonly transform?: (cells: string[]) => string[],
  ) {
    this.formats = table.columns.map(columnFormat);
    this.transforms = transform !== undefined;
    let n = 0;
    this.cellIndex = this.formats.map((f) => (f.select === null ? -1 : n++));
    const keyIndex = table.orderKey.map((k) => table.columns.findIndex((c) => c.name === k));
    // A generated column is written as DEFAULT: it cannot tell rows apart.
    this.keyIndex = keyIndex.length > 0 && keyIndex.every((i) => i >= 0 && this.cellIndex[i] !== -1) ? keyIndex : null;
    const named = table.columns.some((c) => c.invisible);
    const list = named ? ` (${table.columns.map((c) => quoteId(c.name)).join(',')})` : '';
    this.prefix = `INSERT INTO ${quoteId(table.name)}${list} VALUES `;
    const selected = this.formats.map((f) => f.select).filter((s): s is string => s !== null);
    const order = table.orderKey.length > 0 ? ` ORDER BY ${table.orderKey.map(quoteId).join(',')}` : '';
    // A table whose every column is generated still has rows; select a constant to count them.
    this.selectList = selected.length > 0 ? selected.join(',') : '1';
    this.selectedCells = Math.max(1, selected.length);
    this.selectSql = `SELECT ${this.selectList} FROM ${quoteId(table.name)}${order}`;
  }

  line(cells: readonly RawCell[]): string {
    return this.lineAndKey(cells).line;
  }

  /**
   * The row's line and its key text, which decides the chunk boundaries (see chunking.ts): the key
   * columns' literals as written, joined with ',' (unambiguous: every literal is self-delimiting),
   * or the whole line without its line break for a table keyed by whole lines. Key columns are
   * never secrets, so the text is the same before and after `transform`.
   */
  lineAndKey(cells: readonly RawCell[]): { line: string; key: string } {
    let parts = this.formats.map((f, i) => f.literal(this.cellIndex[i] === -1 ? null : (cells[this.cellIndex[i]!] ?? null)));
    const key = this.keyIndex === null ? null : this.keyIndex.map((i) => parts[i]).join(',');
    if (this.transform) parts = this.transform(parts);
    const body = `${this.prefix}(${parts.join(',')});`;
    return { line: body + '\n', key: key ?? body };
  }
}

/** The `(...)` tuple of a row line, for batching many rows into one INSERT on restore. */
export function tupleOf(line: string, prefix: string): string {
  if (!line.startsWith(prefix) || !line.endsWith(';')) throw new Error(`not a row line of this table: ${line.slice(0, 60)}`);
  return line.slice(prefix.length, -1);
}

/** The statement prefix (`INSERT INTO `t` [(cols)] VALUES `) of a row line (read by the one line codec, line-codec.ts). */
export function prefixOf(line: string): string {
  return parseRowLine(line.trimEnd(), ANY_ROW).prefix;
}

/**
 * Split a row line into its cell literals (as written), e.g. ["1", "'a\\'b'", "NULL"]: the one
 * line codec (line-codec.ts), any table; a line outside its grammar throws LineSyntaxError.
 */
export function cellsOf(line: string): string[] {
  return [...parseRowLine(line.trimEnd(), ANY_ROW).cells];
}

/**
 * The cells of a line that is shown, not loaded (history, the history page): a line outside the
 * grammar (the repository is untrusted input) becomes one cell saying so, instead of failing the
 * whole listing.
 */
export function shownCellsOf(line: string): string[] {
  try {
    return cellsOf(line);
  } catch (err) {
    if (!(err instanceof LineSyntaxError)) throw err;
    return [quoteString(`(not a row line: ${err.message})`)];
  }
}
