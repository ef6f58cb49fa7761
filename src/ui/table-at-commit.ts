import { streamLines } from '../fs/line-streams.js';
import { tableShape, type TableShape } from '../history/commit-row-changes.js';
import { columnsFromCreate, primaryKeyFromCreate } from '../snapshot/create-table-text.js';
import { DATA_DIR, dataFilesByTable, encodeTableFileName, TABLES_DIR, tableSchemaPath } from '../snapshot/layout.js';
import { shownCellsOf } from '../snapshot/row-line.js';
import { PageError } from './page-error.js';
import { tableNameOfStem, type PageContext } from './page-context.js';
import { hideSecrets } from './secret-cells.js';

/** Rows on one page of a table as of a commit. */
export const AS_OF_PAGE_SIZE = 100;

export interface TableAtCommit {
  readonly columns: readonly string[];
  readonly keyColumns: readonly string[];
  /** This page's rows (column -> literal, secrets hidden), in the snapshot's order (primary key order). */
  readonly rows: ReadonlyArray<Readonly<Record<string, string>>>;
  /** Rows in the table at that commit. */
  readonly total: number;
  /** Only the definition is versioned (schema-only table, or no data file). */
  readonly schemaOnly: boolean;
}

/** The tables of the snapshot at a commit, by name, sorted. */
export async function tablesAt(ctx: PageContext, commit: string): Promise<string[]> {
  const dir = `${ctx.snapshotPath ? `${ctx.snapshotPath}/` : ''}${TABLES_DIR}/`;
  const tree = await ctx.git.listTree(commit, dir.slice(0, -1));
  return [...tree.keys()]
    .map((p) => tableNameOfStem(p.slice(dir.length).replace(/\.sql$/, '')))
    .filter((n) => n !== null)
    .sort();
}

/**
 * One page of a table as it was at `commit`, read from the snapshot files of that commit through
 * git (never the database): the data files streamed line by line, only this page's lines parsed.
 */
export async function tableAtCommit(ctx: PageContext, commit: string, table: string, page: number): Promise<TableAtCommit> {
  const { git } = ctx;
  const prefix = ctx.snapshotPath ? `${ctx.snapshotPath}/` : '';
  const create = (await git.readBlob(commit, prefix + tableSchemaPath(table)))?.toString('utf8');
  if (create === undefined) throw new PageError(404, `no table ${JSON.stringify(table)} in the snapshot of ${commit.slice(0, 12)}`);
  const columns = columnsFromCreate(create);
  const files =
    dataFilesByTable([...(await git.listTree(commit, prefix + DATA_DIR)).keys()].map((p) => p.slice(prefix.length))).get(encodeTableFileName(table)) ?? [];
  const rows: Array<Record<string, string>> = [];
  const [from, to] = [page * AS_OF_PAGE_SIZE, (page + 1) * AS_OF_PAGE_SIZE];
  let n = 0;
  for (const rel of files) {
    for await (const line of streamLines(git.streamBlob(commit, prefix + rel))) {
      if (!line.startsWith('INSERT ')) continue;
      if (n >= from && n < to) {
        const cells = shownCellsOf(line);
        rows.push(hideSecrets(ctx.secretRules, table, Object.fromEntries(cells.map((lit, i) => [columns[i] ?? `#${i + 1}`, lit]))));
      }
      n++;
    }
  }
  return { columns, keyColumns: primaryKeyFromCreate(create), rows, total: n, schemaOnly: files.length === 0 };
}

/**
 * The row lines of a table at `commit` that `wanted` picks (given the line and its cells), with the
 * table's shape then; read from git, stopping after `max` lines found.
 */
export async function rowLinesAt(
  ctx: PageContext,
  commit: string,
  table: string,
  wanted: (cells: readonly string[], shape: TableShape) => boolean,
  max = Infinity,
): Promise<{ readonly shape: TableShape; readonly lines: string[] }> {
  const { git } = ctx;
  const prefix = ctx.snapshotPath ? `${ctx.snapshotPath}/` : '';
  const shape = tableShape((await git.readBlob(commit, prefix + tableSchemaPath(table)))?.toString('utf8') ?? '');
  const files =
    dataFilesByTable([...(await git.listTree(commit, prefix + DATA_DIR)).keys()].map((p) => p.slice(prefix.length))).get(encodeTableFileName(table)) ?? [];
  const lines: string[] = [];
  for (const rel of files) {
    for await (const line of streamLines(git.streamBlob(commit, prefix + rel))) {
      if (!line.startsWith('INSERT ')) continue;
      if (wanted(shownCellsOf(line), shape)) lines.push(line);
      if (lines.length >= max) return { shape, lines };
    }
  }
  return { shape, lines };
}
