import { DbsyncError } from '../errors/dbsync-error.js';
import { ExitCode } from '../errors/exit-codes.js';
import { parsePointInTime, POINT_IN_TIME_FORMS } from '../restore/point-in-time.js';
import { encodeTableFileName } from '../snapshot/layout.js';
import { tablePathsOfStem } from '../history/table-paths.js';
import type { CommandContext } from './context.js';

/**
 * `git-dbsync log [--table T] [--since WHEN] [--grep TEXT] [-n N]`: the snapshot history, one line
 * per commit (date, id, subject in the application's words), newest first. Reads git only.
 */
export async function logCommand(ctx: CommandContext, opts: { table?: string; since?: string; grep?: string; max?: string }): Promise<number> {
  const { git, snapshotPath } = ctx.project;
  const usage = (message: string, hint: string) => new DbsyncError({ operation: 'log', message, hint, exitCode: ExitCode.Config });
  const since = opts.since === undefined ? undefined : parsePointInTime(opts.since, Date.now());
  if (since === null) throw usage(`--since ${JSON.stringify(opts.since)}: not a moment git-dbsync understands`, `write it as one of: ${POINT_IN_TIME_FORMS}`);
  const max = opts.max === undefined ? undefined : Number(opts.max);
  if (max !== undefined && !(Number.isInteger(max) && max > 0)) throw usage(`-n ${JSON.stringify(opts.max)}: must be a whole number above 0`, 'e.g. -n 20');
  const stem = opts.table === undefined ? null : encodeTableFileName(opts.table);
  const paths = stem ? tablePathsOfStem(snapshotPath, stem) : [snapshotPath || '.'];
  const commits = await git.commitsTouching(paths, {
    ...(max ? { max } : {}),
    ...(since !== undefined ? { since: Math.floor(since / 1000) } : {}),
    ...(opts.grep ? { grep: opts.grep } : {}),
  });
  for (const c of commits) ctx.out(`${c.time.slice(0, 19).replace('T', ' ')}  ${c.commit.slice(0, 12)}  ${c.subject}`);
  if (commits.length === 0) ctx.out('(no commit matches)');
  return ExitCode.Ok;
}
