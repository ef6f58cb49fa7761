import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { cellLines } from '../history/cell-lines.js';
import { dataFileTable, TABLES_DIR } from '../snapshot/layout.js';
import { tableNameFromCreate } from '../snapshot/create-table-text.js';
import { ExitCode } from '../errors/exit-codes.js';

/**
 * `git-dbsync hook textconv FILE`: what git's diff driver runs (src/hook/diff-driver.ts), at the
 * top of the working tree, once per version of a data file: prints it cell by cell with column
 * names. git hands over the file itself (working tree) or a temporary copy named
 * `XXXXXX_<file name>` (a version from history); the table is read from that name and its columns
 * from the snapshot folder's current `tables/` file (a version whose columns differ is shown with
 * `#1`, `#2`, ...). Never fails a diff: anything unreadable is printed as it is.
 */
export async function textconvCommand(file: string, snapshotDir: string, cwd: string, out: (text: string) => void): Promise<number> {
  const text = await readFile(file, 'utf8');
  const base = path.basename(file);
  const tablesDir = path.join(cwd, snapshotDir, TABLES_DIR);
  const create = async (stem: string) => readFile(path.join(tablesDir, `${stem}.sql`), 'utf8').catch(() => null);
  // The file's own name first when it is in the snapshot folder; else git's temporary name without its 6-character prefix.
  const candidates = [base.replace(/^[A-Za-z0-9]{6}_/, ''), base];
  if (path.resolve(cwd, file).startsWith(path.join(cwd, snapshotDir) + path.sep)) candidates.reverse();
  for (const name of candidates) {
    const stem = dataFileTable(`data/${name}`);
    if (stem === null) continue;
    const schema = await create(stem);
    if (schema === null) continue;
    out(cellLines(tableNameFromCreate(schema) ?? stem, text, schema));
    return ExitCode.Ok;
  }
  const stem = dataFileTable(`data/${candidates[0]}`);
  out(stem === null ? text : cellLines(stem, text, ''));
  return ExitCode.Ok;
}
