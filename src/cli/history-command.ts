import { ExitCode } from '../errors/exit-codes.js';
import { DbsyncError } from '../errors/dbsync-error.js';
import { commitRowChanges } from '../history/commit-row-changes.js';
import { formatRowChange } from '../history/format-row-change.js';
import { tablePathsOfStem } from '../history/table-paths.js';
import { keyMatches, splitKeyArgument } from '../resolve/key-argument.js';
import { encodeTableFileName } from '../snapshot/layout.js';
import type { CommandContext } from './context.js';

/**
 * `git-dbsync history TABLE KEY`: every version of one row, newest first: the commit, its date and
 * subject, and what changed in that row (added with its cells, cell changes, deleted). KEY as for
 * `resolve` (`43`, `7,2026-01-01`). Reads git only: works on any clone, no database needed.
 */
export async function historyCommand(ctx: CommandContext, table: string, key: string): Promise<number> {
  const { git, snapshotPath } = ctx.project;
  const stem = encodeTableFileName(table);
  const parts = splitKeyArgument(key);
  const commits = await git.commitsTouching(tablePathsOfStem(snapshotPath, stem));
  if (commits.length === 0) {
    throw new DbsyncError({
      operation: 'history',
      message: `no commit has a table ${JSON.stringify(table)}`,
      hint: 'give the table name as in the database (see `git-dbsync show`)',
      exitCode: ExitCode.Config,
    });
  }
  let found = 0;
  for (const c of commits) {
    const changes = await commitRowChanges(git, snapshotPath, c.commit, { table, stem, keyMatches: (cells) => keyMatches(parts, cells) });
    for (const e of changes) {
      if (found++ === 0) ctx.out(`history of ${table} ${key} (newest first):`);
      ctx.out(`${c.time}  ${c.commit.slice(0, 12)}  ${c.subject}`);
      ctx.out(`    ${formatRowChange(e)}`);
    }
  }
  if (found === 0)
    ctx.out(`no commit changed ${table} ${key} (${commits.length} commit(s) touched the table; is the key right? it is the primary key's values in key order)`);
  return ExitCode.Ok;
}
