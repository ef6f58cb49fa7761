import type { ByteLine } from '../fs/byte-line.js';
import { LineSyntaxError, type LineExpectation } from './line-codec.js';

/**
 * The strict reader of line-codec.ts for a line held as bytes (a ByteLine: a row with a value of
 * many megabytes, which is never made a string). Same grammar, same refusals, read byte by byte
 * where line-codec.ts reads UTF-16 code units: every character the grammar names is ASCII, and an
 * ASCII byte never occurs inside a multi-byte UTF-8 character, so the two accept the same lines and
 * cut them into the same cells (test/unit/line-codec-bytes.test.ts checks this on random lines and
 * their mutations). Kept apart from the string reader, which every other line goes through at full
 * speed; only lines over HUGE_VALUE_BYTES come here.
 */

/** A cell of a ByteLine: the bytes [start, end) of its literal. */
export interface CellRange {
  readonly start: number;
  readonly end: number;
}

/** A huge row line, read: as ParsedLine, with its cells as byte ranges of the line. */
export interface ParsedByteLine {
  readonly table: string;
  readonly columns: readonly string[] | null;
  readonly cells: readonly CellRange[];
  /** `INSERT INTO `t` [(cols)] VALUES `. */
  readonly prefix: string;
}

const HEAD = 'INSERT INTO ';
const VALUES = ' VALUES (';

const isDigit = (c: number) => c >= 48 && c <= 57;
const isUpperHex = (c: number) => isDigit(c) || (c >= 65 && c <= 70);
const isLower = (c: number) => c >= 97 && c <= 122;

function fail(message: string, column: number): never {
  throw new LineSyntaxError(message, column);
}

function readId(line: ByteLine, pos: number): { name: string; end: number } {
  if (line.at(pos) !== 96) fail('expected a `quoted` name', pos);
  const parts: string[] = [];
  let i = pos + 1;
  for (;;) {
    let j = i;
    while (j < line.length && line.at(j) !== 96) j++;
    if (j >= line.length) fail('unterminated `quoted` name', pos);
    parts.push(line.text(i, j));
    if (line.at(j + 1) === 96) {
      parts.push('`');
      i = j + 2;
    } else return { name: parts.join(''), end: j + 1 };
  }
}

function literalEnd(line: ByteLine, pos: number): number {
  const c = line.at(pos);
  if (c === 39) return stringEnd(line, pos);
  if (c === 48 && line.at(pos + 1) === 120) return hexEnd(line, pos);
  if (isDigit(c) || c === 45) return numberEnd(line, pos);
  if (line.startsWith('NULL', pos)) return pos + 4;
  if (line.startsWith('DEFAULT', pos)) return pos + 7;
  if (c === 95) {
    let i = pos + 1;
    if (!isLower(line.at(i))) fail('expected a character set name after _', i);
    while (isLower(line.at(i)) || isDigit(line.at(i))) i++;
    if (line.at(i) !== 32 || line.at(i + 1) !== 48 || line.at(i + 2) !== 120) fail('expected " 0x" after a character set introducer', i);
    return hexEnd(line, i + 1);
  }
  fail('expected a literal (a number, a quoted string, 0x.., _charset 0x.., NULL or DEFAULT)', pos);
}

function stringEnd(line: ByteLine, pos: number): number {
  let i = pos + 1;
  const n = line.length;
  while (i < n) {
    const c = line.at(i);
    if (c === 39) return i + 1;
    if (c === 92) {
      const e = line.at(i + 1);
      if (e !== 48 && e !== 39 && e !== 92 && e !== 110 && e !== 114 && e !== 90) fail('an escape the snapshot never writes', i);
      i += 2;
      continue;
    }
    if (c === 0 || c === 10 || c === 13 || c === 26) fail('a raw control character the snapshot writes escaped', i);
    i++;
  }
  fail('unterminated string', pos);
}

function hexEnd(line: ByteLine, pos: number): number {
  let i = pos + 2;
  while (isUpperHex(line.at(i))) i++;
  if (i === pos + 2) fail('empty hex literal', pos);
  return i;
}

function numberEnd(line: ByteLine, pos: number): number {
  let i = pos;
  if (line.at(i) === 45) i++;
  const digits = (at: number): number => {
    let j = at;
    while (isDigit(line.at(j))) j++;
    if (j === at) fail('malformed number', at);
    return j;
  };
  i = digits(i);
  if (line.at(i) === 46) i = digits(i + 1);
  const e = line.at(i);
  if (e === 101 || e === 69) {
    i++;
    const s = line.at(i);
    if (s === 43 || s === 45) i++;
    i = digits(i);
  }
  return i;
}

/**
 * parseRowLine for a ByteLine. Columns in errors are byte offsets (the string reader counts UTF-16
 * code units): they agree on lines whose text before the fault is ASCII.
 */
export function parseByteLine(line: ByteLine, expect: LineExpectation): ParsedByteLine {
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
      if (line.at(pos) === 44) pos++;
      else if (line.at(pos) === 41) {
        pos++;
        break;
      } else fail('malformed column list', pos);
    }
    if (expect.columns && (columns.length !== expect.columns.length || columns.some((c, i) => c !== expect.columns![i])))
      fail("a column list other than the table's columns", id.end);
  }
  if (!line.startsWith(VALUES, pos)) fail('expected " VALUES ("', pos);
  const prefix = line.text(0, pos + VALUES.length - 1);
  const tupleStart = pos + VALUES.length - 1;
  pos += VALUES.length;
  const cells: CellRange[] = [];
  for (;;) {
    const end = literalEnd(line, pos);
    cells.push({ start: pos, end });
    pos = end;
    const c = line.at(pos);
    if (c === 44) {
      pos++;
      continue;
    }
    if (c === 41) break;
    fail('expected "," or ")" after a literal', pos);
  }
  if (pos + 2 !== line.length || line.at(pos + 1) !== 59) fail('expected ");" to end the line', pos);
  const want = expect.columns?.length;
  if (want !== undefined && cells.length !== want) fail(`${cells.length} values for ${want} columns`, tupleStart);
  return { table: id.name, columns, cells, prefix };
}

/**
 * The literal [start, end) of a ByteLine (one parseByteLine accepted) cut into literals of at most
 * about `maxBytes` bytes, as splitLiteral does for a string: a hex literal between bytes of the
 * value, a quoted string never inside an escape nor inside a multi-byte UTF-8 character (each piece
 * then decodes to exactly its part of the value). `charset`: the introducer of a `_charset 0x..`
 * literal, whose pieces are plain hex; else null. A literal that needs no cutting is one piece.
 */
export function byteLiteralPieces(line: ByteLine, cell: CellRange, maxBytes: number): { pieces: Iterable<string>; charset: string | null } {
  const step = Math.max(16, maxBytes - (maxBytes % 2));
  const { start, end } = cell;
  const c = line.at(start);
  if (end - start <= step) return { pieces: [line.text(start, end)], charset: null };
  if (c === 39) return { pieces: quotedPieces(line, start + 1, end - 1, step), charset: null };
  let digits = start;
  let charset: string | null = null;
  if (c === 95) {
    let space = start;
    while (line.at(space) !== 32) space++;
    charset = line.text(start + 1, space);
    digits = space + 1;
  }
  // A number (the writer never writes a long one) or an odd number of hex digits (a leading 0 on
  // the whole value, which the writer never writes either): not cut, as splitLiteral.
  if (line.at(digits) !== 48 || line.at(digits + 1) !== 120 || (end - digits) % 2 !== 0) return { pieces: [line.text(start, end)], charset: null };
  return { pieces: hexPieces(line, digits + 2, end, step), charset };
}

function* hexPieces(line: ByteLine, from: number, end: number, step: number): Generator<string> {
  for (let i = from; i < end; i += step) yield `0x${line.text(i, Math.min(end, i + step))}`;
}

function* quotedPieces(line: ByteLine, from: number, end: number, step: number): Generator<string> {
  let i = from;
  while (i < end) {
    let j = Math.min(end, i + step);
    // Back to a cut between characters: not after a lone backslash (inside an escape), not before a UTF-8 continuation byte.
    j = cutPoint(line, i, j, end);
    yield `'${line.text(i, j)}'`;
    i = j;
  }
}

function cutPoint(line: ByteLine, from: number, want: number, end: number): number {
  if (want >= end) return end;
  let j = want;
  while (j > from + 1 && (line.at(j) & 0xc0) === 0x80) j--;
  // Escapes are two bytes: count the backslashes right before the cut; an odd run means the cut splits one.
  let k = j - 1;
  while (k >= from && line.at(k) === 92) k--;
  if ((j - 1 - k) % 2 === 1) j--;
  return j > from ? j : Math.min(end, want + 2);
}
