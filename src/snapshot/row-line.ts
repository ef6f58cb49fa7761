import type { RawCell } from '../db/database.js';
import { columnFormat, type ColumnFormat } from './column-format.js';
import { quoteId, readQuotedId } from './sql-text.js';
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

/** The statement prefix (`INSERT INTO `t` [(cols)] VALUES `) of a row line. */
export function prefixOf(line: string): string {
  const head = 'INSERT INTO ';
  if (!line.startsWith(head)) throw new Error(`not a row line: ${line.slice(0, 60)}`);
  let pos = readQuotedId(line, head.length).end;
  if (line.startsWith(' (', pos)) {
    pos += 2;
    for (;;) {
      pos = readQuotedId(line, pos).end;
      if (line[pos] === ',') pos += 1;
      else if (line[pos] === ')') {
        pos += 1;
        break;
      } else throw new Error('malformed column list');
    }
  }
  if (!line.startsWith(' VALUES ', pos)) throw new Error('missing VALUES');
  return line.slice(0, pos + ' VALUES '.length);
}

/** Split a row line into its cell literals (as written), e.g. ["1", "'a\\'b'", "NULL"]. */
export function cellsOf(line: string): string[] {
  const body = line.trimEnd();
  const tuple = tupleOf(body, prefixOf(body));
  const cells: string[] = [];
  let i = 1;
  let start = 1;
  let inString = false;
  const end = tuple.length - 1;
  for (; i < end; i++) {
    const c = tuple[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === "'") inString = false;
    } else if (c === "'") inString = true;
    else if (c === ',') {
      cells.push(tuple.slice(start, i));
      start = i + 1;
    }
  }
  cells.push(tuple.slice(start, end));
  return cells;
}
