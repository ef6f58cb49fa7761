import { DATA_DIR, encodeTableFileName, TABLES_DIR } from '../snapshot/layout.js';

/** The files of one table in the snapshot (its data files and its definition), as git pathspecs from the top of the repository. */
export function tablePaths(snapshotPath: string, table: string): string[] {
  const prefix = snapshotPath ? `${snapshotPath}/` : '';
  const stem = encodeTableFileName(table);
  return [`${prefix}${DATA_DIR}/${stem}.sql`, `${prefix}${DATA_DIR}/${stem}@*`, `${prefix}${TABLES_DIR}/${stem}.sql`];
}
