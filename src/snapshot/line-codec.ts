/**
 * The one strict reader of a data-file line, the inverse of RowWriter (row-line.ts) and
 * column-format.ts. A repository is untrusted input (README, Security): restore and pull load only
 * what this reader accepted, so a line is either exactly a row the writer could have written, or
 * refused. Nothing is skipped, repaired or passed through.
 *
 * Grammar (every byte accounted for; no spaces, comments or other tokens anywhere else):
 *   line    = "INSERT INTO " id [" (" id *("," id) ")"] " VALUES (" literal *("," literal) ");"
 *   id      = "`" *(any character but "`" | "``") "`"
 *   literal = "NULL" | "DEFAULT" | number | string | hex | "_" charset " " hex
 *   number  = ["-"] 1*digit ["." 1*digit] [("e" | "E") ["+" | "-"] 1*digit]
 *   string  = "'" *(char | "\0" | "\'" | "\\" | "\n" | "\r" | "\Z") "'"     (char: not ' \ NUL LF CR ^Z)
 *   hex     = "0x" 1*(digit | "A".."F")
 *   charset = ("a".."z") *("a".."z" | digit)
 * An empty string is `''` (hexLiteral writes it so). Only the escapes quoteString writes are
 * accepted, so every accepted string has one meaning under any sql_mode the loader could run in.
 */

/** Why a line was refused, with the 0-based column where reading stopped. */
export class LineSyntaxError extends Error {
  constructor(
    message: string,
    readonly column: number,
  ) {
    super(message);
    this.name = 'LineSyntaxError';
  }
}

/** A row line, read. */
export interface ParsedLine {
  readonly table: string;
  /** The column list, when the line names its columns (tables with INVISIBLE columns); else null. */
  readonly columns: readonly string[] | null;
  /** The cell literals exactly as written (each one of the forms of the grammar above). */
  readonly cells: readonly string[];
  /** `INSERT INTO `t` [(cols)] VALUES `: what multi-row loads put before the tuples. */
  readonly prefix: string;
  /** `(...)`: the row's tuple, for multi-row loads. */
  readonly tuple: string;
}

/** What the line must be: of this table, with these columns (and as many cells). */
export interface LineExpectation {
  readonly table: string;
  /** The table's columns in order; null to accept any count (no schema to compare with). */
  readonly columns: readonly string[] | null;
}

const HEAD = 'INSERT INTO ';
const VALUES = ' VALUES (';

const isDigit = (c: number) => c >= 48 && c <= 57;
const isUpperHex = (c: number) => isDigit(c) || (c >= 65 && c <= 70);
const isLower = (c: number) => c >= 97 && c <= 122;

function fail(message: string, column: number): never {
  throw new LineSyntaxError(message, column);
}

function readId(line: string, pos: number): { name: string; end: number } {
  if (line.charCodeAt(pos) !== 96) fail('expected a `quoted` name', pos);
  let name = '';
  let i = pos + 1;
  for (;;) {
    const j = line.indexOf('`', i);
    if (j < 0) fail('unterminated `quoted` name', pos);
    name += line.slice(i, j);
    if (line.charCodeAt(j + 1) === 96) {
      name += '`';
      i = j + 2;
    } else return { name, end: j + 1 };
  }
}

/** The end of the literal starting at `pos` (the index after it); throws when none starts there. */
export function literalEnd(line: string, pos: number): number {
  const c = line.charCodeAt(pos);
  if (c === 39) return stringEnd(line, pos);
  if (c === 48 && line.charCodeAt(pos + 1) === 120) return hexEnd(line, pos);
  if (isDigit(c) || c === 45) return numberEnd(line, pos);
  if (line.startsWith('NULL', pos)) return pos + 4;
  if (line.startsWith('DEFAULT', pos)) return pos + 7;
  if (c === 95) {
    // _charset 0x..: a character set name, one space, a hex literal.
    let i = pos + 1;
    if (!isLower(line.charCodeAt(i))) fail('expected a character set name after _', i);
    while (isLower(line.charCodeAt(i)) || isDigit(line.charCodeAt(i))) i++;
    if (line.charCodeAt(i) !== 32 || line.charCodeAt(i + 1) !== 48 || line.charCodeAt(i + 2) !== 120)
      fail('expected " 0x" after a character set introducer', i);
    return hexEnd(line, i + 1);
  }
  fail('expected a literal (a number, a quoted string, 0x.., _charset 0x.., NULL or DEFAULT)', pos);
}

function stringEnd(line: string, pos: number): number {
  let i = pos + 1;
  const n = line.length;
  while (i < n) {
    const c = line.charCodeAt(i);
    if (c === 39) return i + 1;
    if (c === 92) {
      const e = line.charCodeAt(i + 1);
      // \0 \' \\ \n \r \Z: exactly what quoteString writes.
      if (e !== 48 && e !== 39 && e !== 92 && e !== 110 && e !== 114 && e !== 90) fail('an escape the snapshot never writes', i);
      i += 2;
      continue;
    }
    if (c === 0 || c === 10 || c === 13 || c === 26) fail('a raw control character the snapshot writes escaped', i);
    i++;
  }
  fail('unterminated string', pos);
}

function hexEnd(line: string, pos: number): number {
  let i = pos + 2;
  while (isUpperHex(line.charCodeAt(i))) i++;
  if (i === pos + 2) fail('empty hex literal', pos);
  return i;
}

function numberEnd(line: string, pos: number): number {
  let i = pos;
  if (line.charCodeAt(i) === 45) i++;
  const digits = (at: number): number => {
    let j = at;
    while (isDigit(line.charCodeAt(j))) j++;
    if (j === at) fail('malformed number', at);
    return j;
  };
  i = digits(i);
  if (line.charCodeAt(i) === 46) i = digits(i + 1);
  const e = line.charCodeAt(i);
  if (e === 101 || e === 69) {
    i++;
    const s = line.charCodeAt(i);
    if (s === 43 || s === 45) i++;
    i = digits(i);
  }
  return i;
}

/**
 * Read one line (without its line break) strictly. `expect` names the table the file belongs to
 * and its columns: a line of another table, with another column list or another number of cells
 * is refused too.
 */
export function parseRowLine(line: string, expect: LineExpectation): ParsedLine {
  if (!line.startsWith(HEAD)) fail('not an INSERT INTO line', 0);
  const id = readId(line, HEAD.length);
  if (id.name !== expect.table) fail(`a row of table ${JSON.stringify(id.name)} in the file of ${JSON.stringify(expect.table)}`, HEAD.length);
  let pos = id.end;
  let columns: string[] | null = null;
  if (line.startsWith(' (', pos)) {
    columns = [];
    pos += 2;
    for (;;) {
      const c = readId(line, pos);
      columns.push(c.name);
      pos = c.end;
      if (line.charCodeAt(pos) === 44) pos++;
      else if (line.charCodeAt(pos) === 41) {
        pos++;
        break;
      } else fail('malformed column list', pos);
    }
    if (expect.columns && (columns.length !== expect.columns.length || columns.some((c, i) => c !== expect.columns![i])))
      fail("a column list other than the table's columns", id.end);
  }
  if (!line.startsWith(VALUES, pos)) fail('expected " VALUES ("', pos);
  const prefix = line.slice(0, pos + VALUES.length - 1);
  const tupleStart = pos + VALUES.length - 1;
  pos += VALUES.length;
  const cells: string[] = [];
  for (;;) {
    const end = literalEnd(line, pos);
    cells.push(line.slice(pos, end));
    pos = end;
    const c = line.charCodeAt(pos);
    if (c === 44) {
      pos++;
      continue;
    }
    if (c === 41) break;
    fail('expected "," or ")" after a literal', pos);
  }
  if (pos + 2 !== line.length || line.charCodeAt(pos + 1) !== 59) fail('expected ");" to end the line', pos);
  const want = expect.columns?.length;
  if (want !== undefined && cells.length !== want) fail(`${cells.length} values for ${want} columns`, tupleStart);
  return { table: id.name, columns, cells, prefix, tuple: line.slice(tupleStart, pos + 1) };
}

/** Whole-literal check (one cell on its own, e.g. a conflict record's value or a `--value`). */
export function isLiteral(text: string): boolean {
  try {
    return text.length > 0 && literalEnd(text, 0) === text.length;
  } catch (err) {
    if (err instanceof LineSyntaxError) return false;
    throw err;
  }
}
