import { DbsyncError } from '../errors/dbsync-error.js';
import { ExitCode } from '../errors/exit-codes.js';
import { commitRowChanges } from '../history/commit-row-changes.js';
import { formatRowChange } from '../history/format-row-change.js';
import type { CommandContext } from './context.js';

/** Rows listed per commit before the rest is counted: a full first snapshot would print every row. */
const MAX_ROWS_SHOWN = 200;

/** `git-dbsync show [REV]`: one commit's changes, row by row and cell by cell, with column names. Reads git only. */
export async function showCommand(ctx: CommandContext, rev: string | undefined): Promise<number> {
  const { git } = ctx.project;
  const commit = await git.resolve(`${rev ?? 'HEAD'}^{commit}`);
  if (!commit)
    throw new DbsyncError({
      operation: 'show',
      message: `unknown revision ${JSON.stringify(rev ?? 'HEAD')}`,
      hint: 'name a commit, tag or branch (see `git-dbsync log` or `git log`)',
      exitCode: ExitCode.Config,
    });
  const [info] = await git.commitsTouching([], { max: 1, rev: commit });
  ctx.out(`commit ${commit.slice(0, 12)}  ${info?.time ?? ''}`);
  ctx.out(info?.subject ?? '');
  const changes = await commitRowChanges(git, ctx.project.snapshotPath, commit);
  if (changes.length === 0) ctx.out('(no row changed)');
  for (const c of changes.slice(0, MAX_ROWS_SHOWN)) ctx.out(formatRowChange(c));
  if (changes.length > MAX_ROWS_SHOWN) ctx.out(`... and ${changes.length - MAX_ROWS_SHOWN} more row(s) (git show ${commit.slice(0, 12)} has every line)`);
  return ExitCode.Ok;
}
