import { snapshotPrefix, type Project } from '../project/project.js';
import { DATA_DIR } from '../snapshot/layout.js';
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
  const dataPrefix = `${snapshotPrefix(project)}${DATA_DIR}/`;
  const empty = await project.git.emptyBlob();
  const dataFiles = [...(await project.git.listTree(head, project.snapshotPath))].filter(([p]) => p.startsWith(dataPrefix));
  const withRows = dataFiles.filter(([, sha]) => sha !== empty).length;
  if (withRows > 0) return `the last snapshot has data in ${withRows} table(s)`;
  if (staged.tables.length === 0 && dataFiles.length > 0) return `the last snapshot has ${dataFiles.length} table(s)`;
  return null;
}
