import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileLines, streamLines } from '../fs/line-streams.js';
import type { Git } from '../git/git.js';
import { columnsFromCreate } from '../snapshot/create-table-text.js';
import { DATA_DIR, dataFilesByTable, encodeTableFileName, tableSchemaPath } from '../snapshot/layout.js';
import { cellsOf } from '../snapshot/row-line.js';
import type { TableInfo } from '../snapshot/table-info.js';
import type { Row, RowLookup } from './describe-changes.js';
import { literalText } from '../snapshot/sql-literal.js';

/** A row line as a Row (column name -> literal); null when the line does not fit the columns. */
export function rowOfLine(line: string, columns: readonly string[]): Row | null {
  let cells: string[];
  try {
    cells = cellsOf(line);
  } catch {
    return null;
  }
  if (cells.length !== columns.length) return null;
  const row: Record<string, string> = {};
  for (const [i, c] of columns.entries()) row[c] = cells[i]!;
  return row;
}

/** Values whose literal always contains their text (bare numbers, plain quoted words): a line without it can be skipped unparsed. */
const PLAIN = /^[0-9A-Za-z_.:-]+$/;

/**
 * Rows of the snapshot being committed (the working tree's data files), or else of the last
 * commit, found by a column's value. Reads only the tables asked for (every chunk file of each,
 * streamed one line at a time), one scan per request, and keeps only the matching rows.
 */
export class SnapshotRows implements RowLookup {
  constructor(
    private readonly opts: {
      readonly git: Git;
      /** The last commit, or null before the first. */
      readonly head: string | null;
      /** Snapshot folder relative to the top of the repository, with a trailing slash (or ''). */
      readonly prefix: string;
      readonly snapshotAbs: string;
      readonly tables: ReadonlyMap<string, TableInfo>;
    },
  ) {}

  private workingFiles: Promise<Map<string, string[]>> | null = null;
  private headFiles: Promise<Map<string, string[]>> | null = null;

  async rows(table: string, column: string, values: ReadonlySet<string>): Promise<ReadonlyMap<string, Row>> {
    const found = new Map<string, Row>();
    const stem = encodeTableFileName(table);
    const info = this.opts.tables.get(table);
    if (info) {
      this.workingFiles ??= readdir(path.join(this.opts.snapshotAbs, DATA_DIR))
        .catch(() => [] as string[])
        .then((names) => dataFilesByTable(names.map((n) => `${DATA_DIR}/${n}`)));
      for (const rel of (await this.workingFiles).get(stem) ?? []) {
        if (
          !(await scan(
            () => fileLines(path.join(this.opts.snapshotAbs, rel)),
            info.columns.map((c) => c.name),
            column,
            values,
            found,
          ))
        )
          break;
      }
    }
    const rest = new Set([...values].filter((v) => !found.has(v)));
    if (rest.size > 0 && this.opts.head) {
      const { git, head, prefix } = this.opts;
      const create = (await git.readBlob(head, prefix + tableSchemaPath(table)))?.toString('utf8') ?? '';
      const columns = columnsFromCreate(create);
      this.headFiles ??= git.listTree(head, prefix + DATA_DIR).then((tree) => dataFilesByTable([...tree.keys()].map((p) => p.slice(prefix.length))));
      if (columns.length > 0) {
        for (const rel of (await this.headFiles).get(stem) ?? []) {
          if (!(await scan(() => streamLines(git.streamBlob(head, prefix + rel)), columns, column, rest, found))) break;
        }
      }
    }
    return found;
  }
}

/** Add the rows of `lines` whose `column` holds one of `values` to `found`; false once every value is found. */
async function scan(
  lines: () => AsyncIterable<string>,
  columns: readonly string[],
  column: string,
  values: ReadonlySet<string>,
  found: Map<string, Row>,
): Promise<boolean> {
  const at = columns.indexOf(column);
  if (at < 0 || values.size === 0) return false;
  const plain = values.size <= 50 && [...values].every((v) => PLAIN.test(v));
  let left = [...values].filter((v) => !found.has(v)).length;
  if (left === 0) return false;
  for await (const line of lines()) {
    if (line.length === 0) continue;
    // Hex literals hide their text; any other literal of a plain value contains it verbatim.
    if (plain && !line.includes('0x') && ![...values].some((v) => line.includes(v))) continue;
    const row = rowOfLine(line, columns);
    if (!row) continue;
    const v = literalText(row[column]!);
    if (v !== null && values.has(v) && !found.has(v)) {
      found.set(v, row);
      // Stopping early destroys the stream (and any git process behind it).
      if (--left === 0) return false;
    }
  }
  return true;
}
