import { commitRowChanges, keyCellsOf, rowEntry, tableShape, type RowHistoryEntry } from '../history/commit-row-changes.js';
import { tablePaths } from '../history/table-paths.js';
import { keyMatches, splitKeyArgument } from '../resolve/key-argument.js';
import { primaryKeyFromCreate } from '../snapshot/create-table-text.js';
import { DATA_DIR, dataFileTable, encodeTableFileName, tableSchemaPath } from '../snapshot/layout.js';
import type { PageContext } from './page-context.js';
import { hideEntrySecrets } from './secret-cells.js';

/** Commits of the table read for one page of a record's versions (each is compared with its parent). */
export const RECORD_SCAN = 100;

export interface RecordVersion {
  readonly commit: string;
  readonly time: string;
  readonly subject: string;
  readonly change: RowHistoryEntry;
}

export interface RecordVersions {
  readonly versions: readonly RecordVersion[];
  /** Where the next (older) page starts among the commits the table's filter lists; null: no more. */
  readonly next: number | null;
  /** Whether git's line filter (-G) narrowed the commits to those that touched a line of this key. */
  readonly narrowed: boolean;
}

/** A whole number as the snapshot writes an integer column's value (verbatim). */
const INTEGER = /^-?[0-9]+$/;

/** Whether every key column is an integer column in this definition (its values are written as bare digits, never quoted or hex). */
export function integerKey(create: string, keyColumns: readonly string[]): boolean {
  const js = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return keyColumns.length > 0 && keyColumns.every((c) => new RegExp(`^  \`${js(c.replaceAll('`', '``'))}\` (tiny|small|medium|big)?int\\b`, 'm').test(create));
}

/** `s` as a literal part of an extended regular expression. */
const ere = (s: string) => s.replace(/[.[\]()*+?{}|^$\\]/g, '\\$&');

/**
 * An extended regular expression that every line of this row matches (`INSERT INTO `t` VALUES
 * (43,`), when the key's columns are the first columns of the table, integer columns, and the key
 * given is whole numbers; else null. git then lists only the commits whose diff has such a line (`git log -G`), so a
 * record with few versions in a long history is found without comparing every commit of its
 * table. The expression only narrows: each line is still parsed and its key compared.
 */
export function keyLinePattern(table: string, keyParts: readonly string[], keyPositions: readonly number[], integerKeyColumns: boolean): string | null {
  if (!integerKeyColumns || keyParts.length === 0 || keyParts.length !== keyPositions.length || !keyPositions.every((p, i) => p === i)) return null;
  if (!keyParts.every((k) => INTEGER.test(k))) return null;
  // Quotes allowed: a key column that was a string column in older commits wrote its values quoted.
  return `INSERT INTO \`${ere(table.replaceAll('`', '``'))}\` .*VALUES \\(${keyParts.map((k) => `'?${k}'?`).join(',')}[,)]`;
}

/**
 * The versions of one row (table + key as for `git-dbsync history`), newest first, one page: the
 * commits that touched the table from `start` on, RECORD_SCAN at most.
 *
 * When the key columns come first (keyLinePattern), one `git log -G -p` lists the commits and the
 * lines each removed and added: the row's lines are picked out by their parsed key, and the columns
 * are the table's at that point of the history (a commit that changed the table's definition is
 * compared in full, and older versions read with the definition before it). Otherwise each commit
 * of the table is compared with its parent (commitRowChanges).
 */
export async function recordVersions(ctx: PageContext, table: string, key: string, start: number): Promise<RecordVersions> {
  const { git, snapshotPath } = ctx;
  const parts = splitKeyArgument(key);
  const prefix = snapshotPath ? `${snapshotPath}/` : '';
  const schemaFile = prefix + tableSchemaPath(table);
  const shapeAt = async (rev: string) => tableShape((await git.readBlob(rev, schemaFile))?.toString('utf8') ?? '');
  const stem = encodeTableFileName(table);
  const exact = async (commit: string) =>
    (await commitRowChanges(git, snapshotPath, commit, { table, stem, keyMatches: (cells) => keyMatches(parts, cells) })).map((e) =>
      hideEntrySecrets(ctx.secretRules, e),
    );
  const headCreate = (await git.readBlob('HEAD', schemaFile))?.toString('utf8') ?? '';
  const head = tableShape(headCreate);
  const pattern = keyLinePattern(table, parts, head.key, integerKey(headCreate, primaryKeyFromCreate(headCreate)));
  const versions: RecordVersion[] = [];
  if (pattern) {
    // The whole data folder: a chunk file of any name (the pattern names the table).
    const commits = await git.linesChanged([prefix + DATA_DIR, schemaFile], pattern, { max: RECORD_SCAN + 1, skip: start });
    const page = commits.slice(0, RECORD_SCAN);
    let shape = page[0] ? await shapeAt(page[0].commit) : head;
    for (const c of page) {
      const info = { commit: c.commit, time: c.time, subject: c.subject };
      if (c.files.some((f) => f.path === schemaFile)) {
        for (const change of await exact(c.commit)) versions.push({ ...info, change });
        // Older versions were written with the definition before this commit.
        shape = await shapeAt(`${c.commit}^1`);
        continue;
      }
      const mine = (lines: readonly string[]) => lines.find((l) => l.startsWith('INSERT ') && keyMatches(parts, keyCellsOf(l, shape))) ?? null;
      const data = c.files.filter((f) => f.path.startsWith(prefix) && dataFileTable(f.path.slice(prefix.length)) === stem);
      const before = mine(data.flatMap((f) => f.removed));
      const after = mine(data.flatMap((f) => f.added));
      // The same line removed from one chunk file and added to another is a move, not a change.
      if ((before === null && after === null) || before === after) continue;
      const change = rowEntry(table, before === null ? null : { line: before, shape }, after === null ? null : { line: after, shape });
      versions.push({ ...info, change: hideEntrySecrets(ctx.secretRules, change) });
    }
    return { versions, next: commits.length > RECORD_SCAN ? start + RECORD_SCAN : null, narrowed: true };
  }
  const commits = await git.commitsTouching(tablePaths(snapshotPath, table), { max: RECORD_SCAN + 1, skip: start });
  for (const c of commits.slice(0, RECORD_SCAN)) for (const change of await exact(c.commit)) versions.push({ ...c, change });
  return { versions, next: commits.length > RECORD_SCAN ? start + RECORD_SCAN : null, narrowed: false };
}
