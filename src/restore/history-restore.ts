import type { Readable } from 'node:stream';
import type { Database } from '../db/database.js';
import { leanLines } from '../fs/line-streams.js';
import { refusedFile } from '../snapshot/check-commit.js';
import { LineSyntaxError, parseRowLine, type LineExpectation } from '../snapshot/line-codec.js';
import { currentCells, type SystemPeriod } from '../snapshot/system-versioning.js';

/** A system-versioned table's history file in the snapshot restored (see src/snapshot/system-versioning.ts). */
export interface TargetHistory {
  /** Relative to the snapshot folder: history/<stem>.sql. */
  readonly file: string;
  readonly period: SystemPeriod;
  /** The columns every line must name, in order: the table's, then the implicit period columns. */
  readonly columns: readonly string[];
}

/**
 * Check a history file strictly before anything is changed: every line a row line of the line
 * codec (literals only) of this table, naming exactly the history columns; and its current rows
 * (row end `DEFAULT`) exactly the rows of the table's data files, so that loading the history
 * file (which replaces the data files' load) gives the current rows the data files show. A
 * refusal names the file and the line. Returns the number of lines.
 */
export async function checkHistoryFile(
  operation: string,
  file: string,
  lines: () => Readable,
  dataLines: () => Readable,
  table: string,
  dataColumns: readonly string[] | null,
  history: TargetHistory,
  commit: string,
): Promise<number> {
  // The data files were checked already; their rows, as cell texts, with how often each occurs.
  const data = new Map<string, number>();
  for await (const line of leanLines(dataLines())) {
    const key = parseRowLine(line, { table, columns: dataColumns }).cells.join(',');
    data.set(key, (data.get(key) ?? 0) + 1);
  }
  const expect: LineExpectation = { table, columns: history.columns };
  let n = 0;
  for await (const line of leanLines(lines())) {
    n++;
    let cells: readonly string[];
    try {
      const parsed = parseRowLine(line, expect);
      if (parsed.columns === null) throw new LineSyntaxError('a history line without its column list', 'INSERT INTO '.length);
      cells = parsed.cells;
    } catch (err) {
      if (err instanceof LineSyntaxError) throw refusedFile(operation, file, n, `${err.message} at column ${err.column + 1}`, commit);
      throw err;
    }
    const now = currentCells(cells, history.columns, history.period);
    if (!now.current) continue;
    const key = now.cells.join(',');
    const left = data.get(key) ?? 0;
    if (left === 0) throw refusedFile(operation, file, n, 'a current row (row end DEFAULT) that the data files do not hold', commit);
    if (left === 1) data.delete(key);
    else data.set(key, left - 1);
  }
  if (data.size > 0) throw refusedFile(operation, file, n, 'fewer current rows (row end DEFAULT) than the data files hold', commit);
  return n;
}

/**
 * Whether this session may insert explicit row start and end values: MariaDB 10.11+ has
 * system_versioning_insert_history, whose INSERT the server refuses where secure_timestamp forbids
 * this session to change @@timestamp. Both tried, then set back.
 */
export async function insertsHistory(db: Database): Promise<boolean> {
  const operation = 'check system_versioning_insert_history';
  try {
    await db.execute('SET SESSION system_versioning_insert_history = 1', operation);
    await db.execute('SET SESSION system_versioning_insert_history = 0', operation);
  } catch {
    return false;
  }
  // The server takes the variable, but refuses the INSERT itself unless this session may change @@timestamp.
  try {
    await db.execute('SET SESSION timestamp = 1000000000', operation);
    return true;
  } catch {
    return false;
  } finally {
    await db.execute('SET SESSION timestamp = DEFAULT', operation).catch(() => undefined);
  }
}

/** The one line said when a restore loaded versioned tables' current rows but not their history. */
export function historyNotRestoredNote(tables: readonly string[]): string {
  return `the history rows of system-versioned table(s) ${tables.join(', ')} were not restored (only their current rows): the server cannot insert history (system_versioning_insert_history needs MariaDB 10.11 or later, and secure_timestamp=NO)`;
}
