import { DbsyncError, messageOf } from '../errors/dbsync-error.js';
import { prefixOf } from '../snapshot/row-line.js';
import { literalAt } from '../snapshot/line-codec.js';
import { KEY_SEPARATOR } from './row-key.js';

/**
 * Reading the sides of a merge (base, ours, theirs). Lines may come with
 * or without their trailing newline (it is dropped); empty strings are skipped, so the pieces of
 * `text.split('\n')` can be passed as they are.
 */

/** A line without its trailing newline, or null for an empty piece. */
export function normalizeLine(line: string): string | null {
  const l = line.endsWith('\n') ? line.slice(0, -1) : line;
  return l.length === 0 ? null : l;
}

/** Lines of a data file's text, without newlines. */
export function rowLines(text: string): string[] {
  const out: string[] = [];
  for (const piece of text.split('\n')) if (piece.length > 0) out.push(piece);
  return out;
}

class PrefixCache {
  private prefix = '';
  /** Length of the `INSERT INTO ... VALUES ` prefix of `line` (checked: not every line of a side need share it). */
  lengthFor(line: string): number {
    if (this.prefix === '' || !line.startsWith(this.prefix)) this.prefix = prefixOf(line);
    if (!line.endsWith(');') || line[this.prefix.length] !== '(') throw new Error(`not a row line: ${line.slice(0, 60)}`);
    return this.prefix.length;
  }
}

/** The key text of a row line: its key cells joined by KEY_SEPARATOR. */
function readKeyText(line: string, prefixLength: number, positions: readonly number[]): string {
  if (positions.length === 1) return literalAt(line, prefixLength, positions[0]!);
  return positions.map((p) => literalAt(line, prefixLength, p)).join(KEY_SEPARATOR);
}

/** The error for a bad row of one side, naming the table, the side and the row's number. */
export function badLine(table: string, side: string, n: number, err: unknown): DbsyncError {
  return new DbsyncError({
    operation: `merge table ${table}`,
    message: `${side} row ${n}: ${messageOf(err)}`,
    hint: 'that data file is not in the snapshot format (edited by hand?); fix it or take its last good version from git history, then retry',
  });
}

/** The rows of one side, in the order given: lines (without newlines) and their key texts. */
export interface KeyedRows {
  readonly lines: string[];
  readonly keys: string[];
}

export function readKeyedRows(input: Iterable<string>, positions: readonly number[], table: string, side: string): KeyedRows {
  const prefixes = new PrefixCache();
  const lines: string[] = [];
  const keys: string[] = [];
  for (const raw of input) {
    const line = normalizeLine(raw);
    if (line === null) continue;
    try {
      keys.push(readKeyText(line, prefixes.lengthFor(line), positions));
    } catch (err) {
      throw badLine(table, side, lines.length + 1, err);
    }
    lines.push(line);
  }
  return { lines, keys };
}

/** The message for a second row with one key (impossible for a key the database enforces). */
export function duplicateKey(key: string): Error {
  return new Error(`a second row with the key ${key.split(KEY_SEPARATOR).join(',')}`);
}

/** Rows of one side of a table without a key: how many copies of each line. */
export function countLines(lines: Iterable<string>, table: string, side: string): Map<string, number> {
  const counts = new Map<string, number>();
  const prefixes = new PrefixCache();
  let n = 0;
  for (const raw of lines) {
    const line = normalizeLine(raw);
    if (line === null) continue;
    n++;
    try {
      prefixes.lengthFor(line);
    } catch (err) {
      throw badLine(table, side, n, err);
    }
    counts.set(line, (counts.get(line) ?? 0) + 1);
  }
  return counts;
}
