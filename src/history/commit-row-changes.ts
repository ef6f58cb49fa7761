import type { Git } from '../git/git.js';
import { diffRowLines, rowKey } from '../commit/row-diff.js';
import { shownCellsOf } from '../snapshot/row-line.js';
import { columnsFromCreate, primaryKeyFromCreate, tableNameFromCreate } from '../snapshot/create-table-text.js';
import { DATA_DIR, dataFilesByTable, TABLES_DIR } from '../snapshot/layout.js';
import { tablePathsOfStem } from './table-paths.js';

/** One cell that changed: its column and its literal before and after (as the snapshot writes them). */
export interface CellChange {
  readonly column: string;
  readonly before: string | null;
  readonly after: string | null;
}

/** One row a commit added, changed or deleted, by column name. */
export interface RowHistoryEntry {
  readonly table: string;
  readonly kind: 'added' | 'changed' | 'deleted';
  /** The key columns and their literals; empty for a table without a primary key (its rows are matched as whole lines). */
  readonly key: ReadonlyArray<readonly [string, string]>;
  /** changed: only the cells that differ; added / deleted: every cell. */
  readonly cells: readonly CellChange[];
  /** The whole row before and after (column -> literal; null on the side where it does not exist), for the profile's words. */
  readonly rows: { readonly before: Readonly<Record<string, string>> | null; readonly after: Readonly<Record<string, string>> | null };
}

/** What a side of a comparison knows about a table: its columns in order and the key's positions ([]: no primary key). */
export interface TableShape {
  readonly columns: readonly string[];
  readonly key: readonly number[];
}

interface Side extends TableShape {
  readonly text: string;
}

/** Columns and key positions of a `SHOW CREATE TABLE` text. */
export function tableShape(create: string): TableShape {
  const columns = columnsFromCreate(create);
  const key = primaryKeyFromCreate(create).map((c) => columns.indexOf(c));
  return { columns, key: key.includes(-1) ? [] : key };
}

/** The key cells (literals) of a row line, in key order. */
export function keyCellsOf(line: string, shape: TableShape): string[] {
  return rowKey(line, shape.key).split('\0');
}

/**
 * One row's change between two row lines (null on the side where the row does not exist), by
 * column name: added / deleted with every cell, changed with the cells that differ (by name, so a
 * schema change between the sides that moved or added columns reads right).
 */
export function rowEntry(
  table: string,
  before: { line: string; shape: TableShape } | null,
  after: { line: string; shape: TableShape } | null,
): RowHistoryEntry {
  const name = (shape: TableShape, i: number) => shape.columns[i] ?? `#${i + 1}`;
  const rowOf = (cells: readonly string[], shape: TableShape) => Object.fromEntries(cells.map((lit, i) => [name(shape, i), lit]));
  const keyOf = (cells: readonly string[], shape: TableShape): Array<readonly [string, string]> =>
    shape.key.map((p) => [name(shape, p), cells[p] ?? ''] as const);
  const bc = before ? shownCellsOf(before.line) : null;
  const ac = after ? shownCellsOf(after.line) : null;
  if (after && ac && !before) {
    return {
      table,
      kind: 'added',
      key: keyOf(ac, after.shape),
      cells: ac.map((lit, i) => ({ column: name(after.shape, i), before: null, after: lit })),
      rows: { before: null, after: rowOf(ac, after.shape) },
    };
  }
  if (before && bc && !after) {
    return {
      table,
      kind: 'deleted',
      key: keyOf(bc, before.shape),
      cells: bc.map((lit, i) => ({ column: name(before.shape, i), before: lit, after: null })),
      rows: { before: rowOf(bc, before.shape), after: null },
    };
  }
  const [b, a] = [before!, after!];
  const cells: CellChange[] = [];
  for (const column of new Set([...a.shape.columns, ...b.shape.columns])) {
    const [i, j] = [b.shape.columns.indexOf(column), a.shape.columns.indexOf(column)];
    const [x, y] = [i >= 0 ? (bc![i] ?? null) : null, j >= 0 ? (ac![j] ?? null) : null];
    if (x !== y) cells.push({ column, before: x, after: y });
  }
  return { table, kind: 'changed', key: keyOf(ac!, a.shape), cells, rows: { before: rowOf(bc!, b.shape), after: rowOf(ac!, a.shape) } };
}

/**
 * The rows a commit changed in the snapshot, compared with its first parent (a merge: with the side
 * it was merged into), read from git alone, so any commit of any clone can be shown. `only`: one
 * table (its name), and optionally a key matcher. Tables are read whole only in the files the
 * commit touched (a one-row change in a chunked table reads one chunk of each side).
 */
export async function commitRowChanges(
  git: Git,
  snapshotPath: string,
  commit: string,
  only?: { readonly table: string; readonly stem: string; readonly keyMatches?: (keyCells: readonly string[]) => boolean },
): Promise<RowHistoryEntry[]> {
  const prefix = snapshotPath ? `${snapshotPath}/` : '';
  // A first commit is compared with the empty tree (written into the repository: older git does not know it by itself).
  const parent = (await git.resolve(`${commit}^1`)) ?? (await git.emptyTree());
  const paths = only ? tablePathsOfStem(snapshotPath, only.stem) : [`${prefix}${DATA_DIR}`];
  const changed = (await git.changedFiles(parent, commit, paths)) ?? [];
  const byTable = dataFilesByTable(changed.map((p) => p.slice(prefix.length)));
  const out: RowHistoryEntry[] = [];
  for (const [stem, files] of [...byTable].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    const read = async (rev: string): Promise<Side> => {
      const shape = tableShape((await git.readBlob(rev, `${prefix}${TABLES_DIR}/${stem}.sql`))?.toString('utf8') ?? '');
      let text = '';
      for (const f of files) text += (await git.readBlob(rev, prefix + f))?.toString('utf8') ?? '';
      return { ...shape, text };
    };
    const [before, after] = [await read(parent), await read(commit)];
    const create = (await git.readBlob(commit, `${prefix}${TABLES_DIR}/${stem}.sql`)) ?? (await git.readBlob(parent, `${prefix}${TABLES_DIR}/${stem}.sql`));
    const table = (create && tableNameFromCreate(create.toString('utf8'))) ?? stem;
    const lines = diffRowLines(before.text, after.text, after.key, before.key);
    const wanted = (line: string, side: Side) => !only?.keyMatches || (side.key.length > 0 && only.keyMatches(keyCellsOf(line, side)));
    for (const l of lines.added) if (wanted(l, after)) out.push(rowEntry(table, null, { line: l, shape: after }));
    for (const [b, a] of lines.changed) if (wanted(a, after)) out.push(rowEntry(table, { line: b, shape: before }, { line: a, shape: after }));
    for (const l of lines.deleted) if (wanted(l, before)) out.push(rowEntry(table, { line: l, shape: before }, null));
  }
  return out;
}
