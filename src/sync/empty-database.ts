import { snapshotPrefix, type Project } from '../project/project.js';
import { DATA_DIR, dataFileTable } from '../snapshot/layout.js';
import type { StagedSnapshot } from '../snapshot/take-snapshot.js';

export function totalRows(staged: Pick<StagedSnapshot, 'rowCounts'>): number {
  let rows = 0;
  for (const n of staged.rowCounts.values()) rows += n;
  return rows;
}

/**
 * Why a database without a single row must not be recorded over the last snapshot, or null when
 * it may. Such a database is almost always a new computer or a failed import, not the user
 * deleting everything: committing it would record "everything deleted". Schema-only changes to an
 * empty database whose snapshot has no rows either are recorded as usual.
 */
export async function emptyOverSnapshot(project: Project, staged: StagedSnapshot): Promise<string | null> {
  if (totalRows(staged) > 0) return null;
  const head = await project.git.head();
  if (!head) return null;
  const prefix = snapshotPrefix(project);
  const empty = await project.git.emptyBlob();
  // A table's data may be split into several files (chunks): count tables, not files.
  const dataFiles = [...(await project.git.listTree(head, project.snapshotPath))]
    .filter(([p]) => p.startsWith(`${prefix}${DATA_DIR}/`))
    .map(([p, sha]) => ({ table: dataFileTable(p.slice(prefix.length)), sha }))
    .filter((f) => f.table !== null);
  const withRows = new Set(dataFiles.filter((f) => f.sha !== empty).map((f) => f.table)).size;
  const tables = new Set(dataFiles.map((f) => f.table)).size;
  if (withRows > 0) return `the last snapshot has data in ${withRows} table(s)`;
  if (staged.tables.length === 0 && tables > 0) return `the last snapshot has ${tables} table(s)`;
  return null;
}
