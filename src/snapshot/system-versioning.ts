import { open } from 'node:fs/promises';
import path from 'node:path';
import type { Database } from '../db/database.js';
import { DbsyncError } from '../errors/dbsync-error.js';
import { RowWriter } from './row-line.js';
import { quoteId } from './sql-text.js';
import { isWord, sqlTokens, type SqlToken } from './sql-tokens.js';
import type { ColumnInfo, TableInfo } from './table-info.js';

/**
 * MariaDB system-versioned tables (`WITH SYSTEM VERSIONING`) keep every earlier version of a row
 * (history rows) beside the current one, each with its row start and row end. Decisions:
 *
 * - The data files stay as they are: the current rows, in the same format as any table's (a period
 *   column declared `GENERATED ALWAYS AS ROW START/END` is written `DEFAULT`, like every generated
 *   column). So diffs, commit messages, merge and two-way sync see the current rows only, and a
 *   change of a current row is the one event a commit describes; the history rows it made are not
 *   described as edits of their own.
 * - Every version (history and current rows, with their row start and row end) is in a second
 *   file per table, `history/<table>.sql` (layout.ts: a folder of its own, so no encoded table or
 *   chunk name can collide with it). One line per version, every line naming its columns
 *   (`INSERT INTO `t` (`id`,`v`,`ROW_START`,`ROW_END`) VALUES (...);`: the implicit columns are
 *   invisible), in key order then row end (`ORDER BY <key>, ROW_END`; a table without a usable key:
 *   by the line's text). A current row's end is written `DEFAULT`: the server's "no end" is
 *   2038-01-19 03:14:07.999999 on 10.11 and 2106-02-07 06:28:15.999999 on 11.5+, and DEFAULT loads
 *   as the loading server's own. History files are not split into chunks.
 * - Read `FOR SYSTEM_TIME ALL` on the same session and in the same consistent snapshot (or under
 *   the same lock) as the table's rows, right after them.
 * - Kept only where it can be restored exactly and safely: not for tables versioned by transaction
 *   id (`BIGINT UNSIGNED ... AS ROW START`: the server refuses explicit values there), not for
 *   tables with secret columns (the history would hold the secrets in clear), not in two-way mode
 *   (each server writes its own history, so two computers' histories differ and cannot be merged:
 *   history is per computer, and two-way sync versions the current rows only).
 * - Restore loads a versioned table from its history file (current rows included) with
 *   `SET SESSION system_versioning_insert_history = 1` (MariaDB 10.11+), after checking every line
 *   strictly and that its current rows are exactly the rows of the data files. On a server
 *   without that variable the current rows are loaded from the data files and one line says that
 *   the history was not restored.
 */

/** The columns of a table's system period (`ROW_START`/`ROW_END` when implicit: invisible, not in information_schema). */
export interface SystemPeriod {
  readonly start: string;
  readonly end: string;
  /** Implicit period columns are not among the table's columns: history lines add them at the end. */
  readonly implicit: boolean;
}

/**
 * The system period of a `SHOW CREATE TABLE` text whose history a snapshot can keep: null for a
 * table that is not system-versioned, or is versioned by transaction id (its period columns are
 * not TIMESTAMP), or for a text it cannot read.
 */
export function systemPeriod(create: string): SystemPeriod | null {
  let t: SqlToken[];
  try {
    t = sqlTokens(create);
  } catch {
    return null;
  }
  let depth = 0;
  let versioned = false;
  let itemStart = false;
  let period: [string, string] | null = null;
  const types = new Map<string, string>();
  for (let k = 0; k < t.length; k++) {
    const tok = t[k]!;
    if (tok.kind === 'punct' && tok.text === '(') {
      depth++;
      itemStart = depth === 1;
      continue;
    }
    if (tok.kind === 'punct' && tok.text === ')') {
      depth--;
      continue;
    }
    if (depth === 0 && isWord(tok, 'WITH') && isWord(t[k + 1], 'SYSTEM') && isWord(t[k + 2], 'VERSIONING')) versioned = true;
    if (depth !== 1) continue;
    if (tok.kind === 'punct' && tok.text === ',') {
      itemStart = true;
      continue;
    }
    if (itemStart && tok.kind === 'id') types.set(tok.text, (t[k + 1]?.text ?? '').toLowerCase());
    if (
      itemStart &&
      isWord(tok, 'PERIOD') &&
      isWord(t[k + 1], 'FOR') &&
      isWord(t[k + 2], 'SYSTEM_TIME') &&
      t[k + 3]?.text === '(' &&
      t[k + 4]?.kind === 'id' &&
      t[k + 5]?.text === ',' &&
      t[k + 6]?.kind === 'id'
    )
      period = [t[k + 4]!.text, t[k + 6]!.text];
    itemStart = false;
  }
  if (!versioned) return null;
  if (!period) return { start: 'ROW_START', end: 'ROW_END', implicit: true };
  // Transaction-precise versioning (BIGINT UNSIGNED trx ids): the server ignores explicit values there.
  if (types.get(period[0]) !== 'timestamp' || types.get(period[1]) !== 'timestamp') return null;
  return { start: period[0], end: period[1], implicit: false };
}

/** The columns of a history line, in order: the table's, then the implicit period columns. */
export function historyColumns(columns: readonly string[], period: SystemPeriod): string[] {
  return period.implicit ? [...columns, period.start, period.end] : [...columns];
}

/**
 * The table as its history file sees it: the period columns read as plain TIMESTAMP(6) values
 * (the row end with `currentRowEnd`, see column-format.ts) and named in every line (INVISIBLE
 * makes RowWriter name the columns); ordered by the key, then the row end.
 */
export function historyTable(table: TableInfo, period: SystemPeriod, currentMarker = true): TableInfo {
  const plain = (name: string, base?: ColumnInfo): ColumnInfo => ({
    ...(base ?? { name, dataType: 'timestamp', charset: null }),
    generated: false,
    invisible: true,
    ...(name === period.end && currentMarker ? { currentRowEnd: `(SELECT MAX(${quoteId(name)}) FROM ${quoteId(table.name)})` } : {}),
  });
  const columns = period.implicit
    ? [...table.columns, plain(period.start), plain(period.end)]
    : table.columns.map((c) => (c.name === period.start || c.name === period.end ? plain(c.name, c) : c));
  const orderKey = table.orderKey.length > 0 ? [...table.orderKey.filter((k) => k !== period.end), period.end] : [];
  const { history: _history, ...rest } = table;
  return { ...rest, columns, orderKey };
}

/** The SELECT of every version of a table's rows, in the history file's order (the caller sorts keyless tables' lines). */
export function historySelect(writer: RowWriter, table: TableInfo): string {
  const order = table.orderKey.length > 0 ? ` ORDER BY ${table.orderKey.map(quoteId).join(',')}` : '';
  return `SELECT ${writer.selectList} FROM ${quoteId(table.name)} FOR SYSTEM_TIME ALL${order}`;
}

/**
 * Write every version of a versioned table's rows to `file` (absolute), read on `db` inside the
 * snapshot's transaction (or lock). Returns the number of lines.
 */
export async function writeHistoryFile(db: Database, table: TableInfo, file: string, signal?: AbortSignal): Promise<number> {
  const period = table.history;
  if (!period) throw new Error(`table ${table.name} keeps no history`);
  const h = historyTable(table, period);
  const writer = new RowWriter(h);
  const operation = `read the history of table ${table.name}`;
  const out = await open(path.resolve(file), 'w');
  let n = 0;
  try {
    // The reference writer (RowWriter.line): a current row's end is a NULL cell written DEFAULT.
    const sql = historySelect(writer, h);
    if (h.orderKey.length > 0) {
      let block: string[] = [];
      let size = 0;
      for await (const cells of db.streamRaw(sql, operation)) {
        if (signal?.aborted) throw new Error('cancelled');
        const line = writer.line(cells);
        block.push(line);
        size += line.length;
        n++;
        if (size > 256 * 1024) {
          await out.write(block.join(''));
          block = [];
          size = 0;
        }
      }
      if (block.length > 0) await out.write(block.join(''));
    } else {
      const lines: string[] = [];
      for await (const cells of db.streamRaw(sql, operation)) {
        if (signal?.aborted) throw new Error('cancelled');
        lines.push(writer.line(cells));
      }
      lines.sort();
      n = lines.length;
      if (n > 0) await out.write(lines.join(''));
    }
  } finally {
    await out.close();
  }
  const warnings = await db.queryArrays('SHOW WARNINGS', [], operation);
  if (warnings.length > 0) {
    throw new DbsyncError({
      operation,
      message: `the server warned "${warnings[0]![2]}" (${warnings[0]![1]}), so a value was not read exactly`,
      hint: 'report this with the table definition',
    });
  }
  return n;
}

/**
 * A history line's cells as the table's data line would have them (its current rows are the data
 * files' rows): without the implicit period columns, with an explicit one as `DEFAULT` (a
 * generated column). `end`: whether the version is current (its row end is `DEFAULT`).
 */
export function currentCells(cells: readonly string[], columns: readonly string[], period: SystemPeriod): { current: boolean; cells: string[] } {
  if (period.implicit) return { current: cells[cells.length - 1] === 'DEFAULT', cells: cells.slice(0, -2) };
  const s = columns.indexOf(period.start);
  const e = columns.indexOf(period.end);
  return { current: cells[e] === 'DEFAULT', cells: cells.map((c, i) => (i === s || i === e ? 'DEFAULT' : c)) };
}
