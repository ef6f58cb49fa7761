import type { Git } from '../git/git.js';
import { DATA_DIR, dataFilesByTable, encodeTableFileName, TABLES_DIR } from '../snapshot/layout.js';

/** The files of one table in the snapshot (its data files and its definition), as git pathspecs from the top of the repository. */
export function tablePaths(snapshotPath: string, table: string): string[] {
  const prefix = snapshotPath ? `${snapshotPath}/` : '';
  const stem = encodeTableFileName(table);
  return [`${prefix}${DATA_DIR}/${stem}.sql`, `${prefix}${DATA_DIR}/${stem}@*`, `${prefix}${TABLES_DIR}/${stem}.sql`];
}

/**
 * tablePaths plus the table's chunk files at `rev` by their names: git-dbsync's git runs with
 * GIT_LITERAL_PATHSPECS, so `<table>@*` names no chunk file; the chunks `rev` has are listed instead
 * (a chunk that existed only in older commits is not, but its table's first data file changes with
 * most of them).
 */
export async function tablePathsAt(git: Git, snapshotPath: string, table: string, rev: string): Promise<string[]> {
  const prefix = snapshotPath ? `${snapshotPath}/` : '';
  const tree = await git.listTree(rev, `${prefix}${DATA_DIR}`).catch(() => new Map<string, string>());
  const chunks = dataFilesByTable([...tree.keys()].map((p) => p.slice(prefix.length))).get(encodeTableFileName(table)) ?? [];
  return [...new Set([...tablePaths(snapshotPath, table), ...chunks.map((c) => prefix + c)])];
}
