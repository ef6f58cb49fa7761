import { DbsyncError } from '../errors/dbsync-error.js';
import { ExitCode } from '../errors/exit-codes.js';
import type { Project } from '../project/project.js';
import { parsePointInTime } from './point-in-time.js';

/** A snapshot commit chosen for a restore, with its committer date and subject. */
export interface ChosenCommit {
  readonly commit: string;
  readonly time: string;
  readonly subject: string;
}

/** The snapshot commit of the branch as of `at` (commit dates, first parents; never the reflog). */
export async function commitAt(project: Project, at: number, text: string, operation = 'restore'): Promise<ChosenCommit> {
  const path = project.snapshotPath || '.';
  const found = await project.git.commitAt(at, path);
  if (found) return found;
  const first = await project.git.firstCommitTouching(path);
  throw new DbsyncError({
    operation,
    message: first ? `no snapshot at or before ${text} (${new Date(at).toISOString()}): the first is from ${first.time}` : 'the repository has no snapshot yet',
    hint: first
      ? 'choose a later moment, or restore that first snapshot by its commit'
      : 'run `git-dbsync sync` first, or clone a repository that has snapshots',
    exitCode: ExitCode.Config,
  });
}

/** The commit a restore takes: as of `at` when given, else the revision `rev` (default HEAD). */
export async function snapshotCommit(
  project: Project,
  opts: { readonly rev?: string | undefined; readonly at?: number | undefined; readonly atText?: string | undefined; readonly operation: string },
): Promise<ChosenCommit> {
  if (opts.at !== undefined) return commitAt(project, opts.at, opts.atText ?? String(opts.at), opts.operation);
  const rev = opts.rev ?? 'HEAD';
  const commit = await project.git.resolve(rev);
  const info = commit ? (await project.git.commitsTouching([], { max: 1, rev: commit }))[0] : undefined;
  if (!commit || !info) {
    throw new DbsyncError({
      operation: opts.operation,
      message: rev === 'HEAD' ? 'the repository has no snapshot yet' : `unknown revision ${JSON.stringify(rev)}`,
      hint:
        rev === 'HEAD'
          ? 'run `git-dbsync sync` first, or clone a repository that has snapshots'
          : parsePointInTime(rev, Date.now()) !== null
            ? `for the snapshot as of a moment, write --at ${JSON.stringify(rev)}`
            : 'name a commit, tag or branch (see `git-dbsync log`), or a moment with --at',
      exitCode: ExitCode.Config,
    });
  }
  return { ...info, commit };
}
