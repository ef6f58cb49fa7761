import { streamLines } from '../fs/line-streams.js';
import { tableShape, type TableShape } from '../history/commit-row-changes.js';
import { columnsFromCreate, primaryKeyFromCreate } from '../snapshot/create-table-text.js';
import { DATA_DIR, dataFilesByTable, encodeTableFileName, TABLES_DIR, tableSchemaPath } from '../snapshot/layout.js';
import { shownCellsOf } from '../snapshot/row-line.js';
import { literalText } from '../snapshot/sql-literal.js';
import { PageError } from './page-error.js';
import { tableNameOfStem, type PageContext } from './page-context.js';
import { hideSecrets } from './secret-cells.js';

/** Rows on one page of a table as of a commit. */
export const AS_OF_PAGE_SIZE = 100;

/** A column to order the rows by (the snapshot's own order, the primary key's, when absent). */
export interface AsOfSort {
  readonly column: string;
  readonly descending: boolean;
}

/** How a cell orders: NULL first, then numbers by value, then everything else by its text. */
type SortKey = readonly [0] | readonly [1, number] | readonly [2, string];

const NUMBER = /^-?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?$/i;

function sortKey(literal: string | undefined): SortKey {
  if (literal === undefined || literal === 'NULL') return [0];
  if (NUMBER.test(literal)) return [1, Number(literal)];
  const text = literalText(literal);
  return [2, text ?? literal];
}

function compareKeys(a: SortKey, b: SortKey): number {
  if (a[0] !== b[0]) return a[0] - b[0];
  if (a[0] === 1 && b[0] === 1) return a[1] - b[1];
  if (a[0] === 2 && b[0] === 2) return a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0;
  return 0;
}

export interface TableAtCommit {
  readonly columns: readonly string[];
  readonly keyColumns: readonly string[];
  /** This page's rows (column -> literal, secrets hidden), in the snapshot's order (primary key order). */
  readonly rows: ReadonlyArray<Readonly<Record<string, string>>>;
  /** Rows in the table at that commit. */
  readonly total: number;
  /** Only the definition is versioned (schema-only table, or no data file). */
  readonly schemaOnly: boolean;
  /** The order shown: a column of the table, or null for the snapshot's order. */
  readonly sort: AsOfSort | null;
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
export async function tableAtCommit(ctx: PageContext, commit: string, table: string, page: number, sort: AsOfSort | null = null): Promise<TableAtCommit> {
  const { git } = ctx;
  const prefix = ctx.snapshotPath ? `${ctx.snapshotPath}/` : '';
  const create = (await git.readBlob(commit, prefix + tableSchemaPath(table)))?.toString('utf8');
  if (create === undefined) throw new PageError(404, `no table ${JSON.stringify(table)} in the snapshot of ${commit.slice(0, 12)}`);
  const columns = columnsFromCreate(create);
  const files =
    dataFilesByTable([...(await git.listTree(commit, prefix + DATA_DIR)).keys()].map((p) => p.slice(prefix.length))).get(encodeTableFileName(table)) ?? [];
  const [from, to] = [page * AS_OF_PAGE_SIZE, (page + 1) * AS_OF_PAGE_SIZE];
  const by = sort && columns.includes(sort.column) ? sort : null;
  // A column with a secret rule is not sorted by: the order would tell about values the page hides.
  const order = by && !ctx.secretRules.some((r) => r.table === table && r.column === by.column) ? by : null;
  const index = order ? columns.indexOf(order.column) : -1;
  const sign = order?.descending ? -1 : 1;
  // Sorted: only the first `to` rows in that order are kept while the lines stream by (a sorted
  // array with binary insertion; ties keep the snapshot's order), so memory stays a page's worth.
  const best: Array<{ key: SortKey; n: number; cells: string[] }> = [];
  const plain: string[][] = [];
  let n = 0;
  for (const rel of files) {
    for await (const line of streamLines(git.streamBlob(commit, prefix + rel))) {
      if (!line.startsWith('INSERT ')) continue;
      if (order) {
        const cells = shownCellsOf(line);
        const entry = { key: sortKey(cells[index]), n, cells };
        const before = (a: typeof entry, b: typeof entry) => sign * compareKeys(a.key, b.key) < 0 || (compareKeys(a.key, b.key) === 0 && a.n < b.n);
        if (best.length < to || before(entry, best[best.length - 1]!)) {
          let lo = 0;
          let hi = best.length;
          while (lo < hi) {
            const mid = (lo + hi) >> 1;
            if (before(best[mid]!, entry)) lo = mid + 1;
            else hi = mid;
          }
          best.splice(lo, 0, entry);
          if (best.length > to) best.pop();
        }
      } else if (n >= from && n < to) plain.push(shownCellsOf(line));
      n++;
    }
  }
  const pageCells = order ? best.slice(from, to).map((e) => e.cells) : plain;
  const rows = pageCells.map((cells) => hideSecrets(ctx.secretRules, table, Object.fromEntries(cells.map((lit, i) => [columns[i] ?? `#${i + 1}`, lit]))));
  return { columns, keyColumns: primaryKeyFromCreate(create), rows, total: n, schemaOnly: files.length === 0, sort: order };
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
