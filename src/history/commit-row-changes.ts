import type { Git } from '../git/git.js';
import { diffRowLines, rowKey } from '../commit/row-diff.js';
import { cellsOf } from '../snapshot/row-line.js';
import { columnsFromCreate, primaryKeyFromCreate, tableNameFromCreate } from '../snapshot/create-table-text.js';
import { DATA_DIR, dataFilesByTable, TABLES_DIR } from '../snapshot/layout.js';

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

interface Side {
  readonly columns: string[];
  readonly key: number[];
  readonly text: string;
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
  const paths = only
    ? [`${prefix}${DATA_DIR}/${only.stem}.sql`, `${prefix}${DATA_DIR}/${only.stem}@*`, `${prefix}${TABLES_DIR}/${only.stem}.sql`]
    : [`${prefix}${DATA_DIR}`];
  const changed = (await git.changedFiles(parent, commit, paths)) ?? [];
  const byTable = dataFilesByTable(changed.map((p) => p.slice(prefix.length)));
  const out: RowHistoryEntry[] = [];
  for (const [stem, files] of [...byTable].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    const read = async (rev: string): Promise<Side> => {
      const create = (await git.readBlob(rev, `${prefix}${TABLES_DIR}/${stem}.sql`))?.toString('utf8') ?? '';
      const columns = columnsFromCreate(create);
      const key = primaryKeyFromCreate(create).map((c) => columns.indexOf(c));
      let text = '';
      for (const f of files) text += (await git.readBlob(rev, prefix + f))?.toString('utf8') ?? '';
      return { columns, key: key.includes(-1) ? [] : key, text };
    };
    const [before, after] = [await read(parent), await read(commit)];
    const create = (await git.readBlob(commit, `${prefix}${TABLES_DIR}/${stem}.sql`)) ?? (await git.readBlob(parent, `${prefix}${TABLES_DIR}/${stem}.sql`));
    const table = (create && tableNameFromCreate(create.toString('utf8'))) ?? stem;
    const lines = diffRowLines(before.text, after.text, after.key, before.key);
    const keyOf = (line: string, side: Side): Array<readonly [string, string]> => {
      const cells = cellsOf(line);
      return side.key.map((p) => [side.columns[p] ?? `#${p + 1}`, cells[p] ?? ''] as const);
    };
    const wanted = (line: string, side: Side) => !only?.keyMatches || (side.key.length > 0 && only.keyMatches(rowKey(line, side.key).split('\0')));
    const all = (line: string, side: Side, as: 'before' | 'after'): CellChange[] =>
      cellsOf(line).map((lit, i) => ({ column: side.columns[i] ?? `#${i + 1}`, before: as === 'before' ? lit : null, after: as === 'after' ? lit : null }));
    const rowOf = (cells: readonly string[], side: Side) => Object.fromEntries(cells.map((lit, i) => [side.columns[i] ?? `#${i + 1}`, lit]));
    for (const l of lines.added)
      if (wanted(l, after))
        out.push({ table, kind: 'added', key: keyOf(l, after), cells: all(l, after, 'after'), rows: { before: null, after: rowOf(cellsOf(l), after) } });
    for (const [b, a] of lines.changed) {
      if (!wanted(a, after)) continue;
      const [bc, ac] = [cellsOf(b), cellsOf(a)];
      const cells: CellChange[] = [];
      // By name: a schema change between the two sides may have moved or added columns.
      const names = [...new Set([...after.columns, ...before.columns])];
      for (const name of names) {
        const [i, j] = [before.columns.indexOf(name), after.columns.indexOf(name)];
        const [x, y] = [i >= 0 ? (bc[i] ?? null) : null, j >= 0 ? (ac[j] ?? null) : null];
        if (x !== y) cells.push({ column: name, before: x, after: y });
      }
      out.push({ table, kind: 'changed', key: keyOf(a, after), cells, rows: { before: rowOf(bc, before), after: rowOf(ac, after) } });
    }
    for (const l of lines.deleted)
      if (wanted(l, before))
        out.push({ table, kind: 'deleted', key: keyOf(l, before), cells: all(l, before, 'before'), rows: { before: rowOf(cellsOf(l), before), after: null } });
  }
  return out;
}
