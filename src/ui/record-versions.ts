import { commitRowChanges, type RowHistoryEntry } from '../history/commit-row-changes.js';
import { tablePaths } from '../history/table-paths.js';
import { keyMatches, splitKeyArgument } from '../resolve/key-argument.js';
import { columnsFromCreate, primaryKeyFromCreate } from '../snapshot/create-table-text.js';
import { encodeTableFileName, tableSchemaPath } from '../snapshot/layout.js';
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

/** Key texts that are their own literal or its quoted form: safe to look for in a line without parsing it. */
const PLAIN = /^[A-Za-z0-9_.:@-]+$/;

/**
 * An extended regular expression that every line of this row matches (`VALUES (43,` or
 * `VALUES ('43',`), when the key's columns are the first columns of the table and its values plain;
 * else null. git then lists only the commits whose diff has such a line (`git log -G`), so a record
 * with few versions in a long history is found without comparing every commit of its table; each
 * listed commit is still checked row by row (the expression only narrows).
 */
export function keyLinePattern(keyParts: readonly string[], keyPositions: readonly number[]): string | null {
  if (keyParts.length === 0 || !keyPositions.every((p, i) => p === i) || !keyParts.every((k) => PLAIN.test(k))) return null;
  const esc = (s: string) => s.replace(/[.[\]()*+?{}|^$\\]/g, '\\$&');
  return `VALUES \\(${keyParts.map((k) => `'?${esc(k)}'?`).join(',')}[,)]`;
}

/**
 * The versions of one row (table + key as for `git-dbsync history`), newest first, one page: the
 * commits that touched the table from `start` on, RECORD_SCAN at most, each compared with its parent.
 */
export async function recordVersions(ctx: PageContext, table: string, key: string, start: number): Promise<RecordVersions> {
  const { git, snapshotPath } = ctx;
  const parts = splitKeyArgument(key);
  const prefix = snapshotPath ? `${snapshotPath}/` : '';
  const create = (await git.readBlob('HEAD', prefix + tableSchemaPath(table)))?.toString('utf8') ?? '';
  const columns = columnsFromCreate(create);
  const pattern = keyLinePattern(
    parts,
    primaryKeyFromCreate(create).map((c) => columns.indexOf(c)),
  );
  const commits = await git.commitsTouching(tablePaths(snapshotPath, table), {
    max: RECORD_SCAN + 1,
    skip: start,
    ...(pattern ? { changedLines: pattern } : {}),
  });
  const versions: RecordVersion[] = [];
  const stem = encodeTableFileName(table);
  for (const c of commits.slice(0, RECORD_SCAN)) {
    const changes = await commitRowChanges(git, snapshotPath, c.commit, { table, stem, keyMatches: (cells) => keyMatches(parts, cells) });
    for (const change of changes) versions.push({ ...c, change: hideEntrySecrets(ctx.secretRules, change) });
  }
  return { versions, next: commits.length > RECORD_SCAN ? start + RECORD_SCAN : null, narrowed: pattern !== null };
}
