import type { Pathspec } from '../git/git.js';
import { DATA_DIR, encodeTableFileName, TABLES_DIR } from '../snapshot/layout.js';

/**
 * The files of one table in the snapshot, by its file stem, as git pathspecs from the top of the
 * repository: its first data file, its further chunks (`<stem>@<exponent>-<hash>.sql`, any that
 * ever existed) and its definition.
 */
export function tablePathsOfStem(snapshotPath: string, stem: string): Pathspec[] {
  const prefix = snapshotPath ? `${snapshotPath}/` : '';
  return [`${prefix}${DATA_DIR}/${stem}.sql`, { dir: `${prefix}${DATA_DIR}`, name: `${stem}@*` }, `${prefix}${TABLES_DIR}/${stem}.sql`];
}

/** tablePathsOfStem for a table by its name. */
export function tablePaths(snapshotPath: string, table: string): Pathspec[] {
  return tablePathsOfStem(snapshotPath, encodeTableFileName(table));
}
