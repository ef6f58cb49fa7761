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

/**
 * What the reader reads: a line as a string, or a huge line held as bytes (ByteLine,
 * src/fs/byte-line.ts) with the same few string methods over its UTF-8 bytes. Every character the
 * grammar names is ASCII, and an ASCII byte never occurs inside a multi-byte UTF-8 character, so
 * one reader accepts the same lines either way. Where no huge line is read, every call here sees
 * strings only and runs as it always did.
 */
export interface LineText {
  readonly length: number;
  /** The code unit at `i` (for bytes, the byte); past the end, a value no character test matches. */
  charCodeAt(i: number): number;
  startsWith(text: string, at: number): boolean;
  /** The next `text` (one ASCII character) from `from`, or -1. */
  indexOf(text: string, from: number): number;
  /** [start, end) as a string: cut only between characters. */
  slice(start: number, end: number): string;
}

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
  /** null: a row of any table (history, diffs and the history page, where a line is shown, not loaded). */
  readonly table: string | null;
  /** The table's columns in order; null to accept any count (no schema to compare with). */
  readonly columns: readonly string[] | null;
}

/** Any row line of the grammar, of any table and any number of cells. */
export const ANY_ROW: LineExpectation = { table: null, columns: null };

const HEAD = 'INSERT INTO ';
const VALUES = ' VALUES (';

const isDigit = (c: number) => c >= 48 && c <= 57;
const isUpperHex = (c: number) => isDigit(c) || (c >= 65 && c <= 70);
const isLower = (c: number) => c >= 97 && c <= 122;

function fail(message: string, column: number): never {
  throw new LineSyntaxError(message, column);
}

function readId(line: LineText, pos: number): { name: string; end: number } {
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
export function literalEnd(line: LineText, pos: number): number {
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

function stringEnd(line: LineText, pos: number): number {
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

function hexEnd(line: LineText, pos: number): number {
  let i = pos + 2;
  while (isUpperHex(line.charCodeAt(i))) i++;
  if (i === pos + 2) fail('empty hex literal', pos);
  return i;
}

function numberEnd(line: LineText, pos: number): number {
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

/** A row line read as positions: where its prefix ends, its tuple starts, and each cell starts and ends. */
interface LineShape {
  readonly table: string;
  readonly columns: string[] | null;
  readonly prefixEnd: number;
  readonly tupleStart: number;
  readonly starts: number[];
  readonly ends: number[];
}

/** The one strict reading of a row line (see parseRowLine), into positions. */
function scanRowLine(line: LineText, expect: LineExpectation): LineShape {
  if (!line.startsWith(HEAD, 0)) fail('not an INSERT INTO line', 0);
  const id = readId(line, HEAD.length);
  if (expect.table !== null && id.name !== expect.table)
    fail(`a row of table ${JSON.stringify(id.name)} in the file of ${JSON.stringify(expect.table)}`, HEAD.length);
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
  const tupleStart = pos + VALUES.length - 1;
  pos += VALUES.length;
  const starts: number[] = [];
  const ends: number[] = [];
  for (;;) {
    const end = literalEnd(line, pos);
    starts.push(pos);
    ends.push(end);
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
  if (want !== undefined && starts.length !== want) fail(`${starts.length} values for ${want} columns`, tupleStart);
  return { table: id.name, columns, prefixEnd: tupleStart, tupleStart, starts, ends };
}

/**
 * Read one line (without its line break) strictly. `expect` names the table the file belongs to
 * and its columns: a line of another table, with another column list or another number of cells
 * is refused too.
 */
export function parseRowLine(line: string, expect: LineExpectation): ParsedLine {
  const shape = scanRowLine(line, expect);
  const cells = shape.starts.map((start, i) => line.slice(start, shape.ends[i]));
  return { table: shape.table, columns: shape.columns, cells, prefix: line.slice(0, shape.prefixEnd), tuple: line.slice(shape.tupleStart, line.length - 1) };
}

/** A cell of a line read by parseRowRanges: the literal at [start, end). */
export interface CellRange {
  readonly start: number;
  readonly end: number;
}

/** A row line read with its cells as positions (a huge line, whose values are never made strings whole). */
export interface ParsedRanges {
  readonly table: string;
  readonly columns: readonly string[] | null;
  readonly cells: readonly CellRange[];
  /** `INSERT INTO `t` [(cols)] VALUES `. */
  readonly prefix: string;
}

/** parseRowLine for a line of any form (a ByteLine too), its cells as positions. */
export function parseRowRanges(line: LineText, expect: LineExpectation): ParsedRanges {
  const shape = scanRowLine(line, expect);
  const cells = shape.starts.map((start, i) => ({ start, end: shape.ends[i]! }));
  return { table: shape.table, columns: shape.columns, cells, prefix: line.slice(0, shape.prefixEnd) };
}

/**
 * Cell `position` of a row line whose tuple's `(` is at `tupleStart`, reading only as far as
 * needed (the merge reads key cells of every row of both sides): the cells before it are read with
 * the same grammar as parseRowLine, so a malformed line is refused here too.
 */
export function literalAt(line: string, tupleStart: number, position: number): string {
  if (line.charCodeAt(tupleStart) !== 40) fail('expected "(" to start the values', tupleStart);
  let pos = tupleStart + 1;
  for (let column = 0; ; column++) {
    const end = literalEnd(line, pos);
    if (column === position) return line.slice(pos, end);
    const c = line.charCodeAt(end);
    if (c === 41) fail(`the row has ${column + 1} cells, the key needs ${position + 1}`, end);
    if (c !== 44) fail('expected "," or ")" after a literal', end);
    pos = end + 1;
  }
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

/**
 * A long literal cut into literals of at most about `maxChars` characters each, for loading a huge
 * value in pieces (load-table.ts joins them with CONCAT on the server, so no statement holds the
 * whole value). Cuts fall between characters of the value: never inside an escape (`\n`), a UTF-16
 * surrogate pair or (a ByteLine) a multi-byte UTF-8 character, and between two hex digits of the
 * same byte never; each piece is itself a literal of the grammar above. `charset`: the introducer
 * of a `_charset 0x..` literal, whose pieces are plain hex (the joined bytes get the character set
 * back with CONVERT ... USING), else null. `cell`: where the literal is in `line` (a string or a
 * ByteLine); only for a literal parseRowLine accepted.
 */
export function literalPieces(line: LineText, cell: CellRange, maxChars: number): { pieces: Iterable<string>; charset: string | null } {
  const step = Math.max(2, maxChars - (maxChars % 2));
  const { start, end } = cell;
  const c = line.charCodeAt(start);
  if (c === 39) return { pieces: stringPieces(line, start, end, step), charset: null };
  let charset: string | null = null;
  let hexStart = start;
  if (c === 95) {
    const space = line.indexOf(' ', start);
    charset = line.slice(start + 1, space);
    hexStart = space + 1;
  }
  // An odd number of digits means a leading 0 on the whole value: not cut (the writer never writes
  // one); nor is a number, which the writer never writes long.
  if (line.charCodeAt(hexStart) !== 48 || line.charCodeAt(hexStart + 1) !== 120 || (end - hexStart) % 2 !== 0)
    return { pieces: [line.slice(start, end)], charset: null };
  return { pieces: hexPieces(line, hexStart + 2, end, step), charset };
}

/** The pieces one at a time: all of them at once would hold a second copy of the value. */
function* stringPieces(line: LineText, start: number, stop: number, step: number): Generator<string> {
  const end = stop - 1;
  if (end - start <= 1) {
    yield line.slice(start, stop);
    return;
  }
  let from = start + 1;
  while (from < end) {
    let i = from;
    const until = Math.min(end, from + step);
    while (i < until) i += line.charCodeAt(i) === 92 ? 2 : 1;
    // A high surrogate stays with its low one; in bytes (a ByteLine), a character's UTF-8
    // continuation bytes (at most 3) stay with it. Past 3 the bytes are not UTF-8 anyway, and each
    // such byte decodes on its own (to U+FFFD) wherever the cut falls.
    if (typeof line === 'string') {
      if (i < end && isHighSurrogate(line.charCodeAt(i - 1)) && isLowSurrogate(line.charCodeAt(i))) i++;
    } else for (let k = 0; k < 3 && i < end && (line.charCodeAt(i) & 0xc0) === 0x80; k++) i++;
    yield `'${line.slice(from, i)}'`;
    from = i;
  }
}

const isHighSurrogate = (c: number) => c >= 0xd800 && c <= 0xdbff;
const isLowSurrogate = (c: number) => c >= 0xdc00 && c <= 0xdfff;

function* hexPieces(line: LineText, digitsStart: number, end: number, step: number): Generator<string> {
  for (let from = digitsStart; from < end; from += step) yield `0x${line.slice(from, Math.min(end, from + step))}`;
}
