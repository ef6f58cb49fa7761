import path from 'node:path';
import { commitSnapshot, type CommitResult } from '../commit/commit-snapshot.js';
import { detectChanges } from '../detect/detect-changes.js';
import { withRunLock } from '../lock/run-lock.js';
import type { Project } from '../project/project.js';
import { pushCommits, type PushResult } from '../push/push-commits.js';
import { takeSnapshot, type StagedSnapshot } from '../snapshot/take-snapshot.js';
import { discardStaging, writeSnapshot } from '../snapshot/write-snapshot.js';
import { DATA_DIR } from '../snapshot/layout.js';
import { DbsyncError } from '../errors/dbsync-error.js';

export interface PassResult {
  readonly tables: number;
  readonly rows: number;
  /** Milliseconds the table locks were held. */
  readonly lockMs: number;
  /** Snapshot files rewritten or removed in the working tree. */
  readonly filesChanged: number;
  readonly commit: CommitResult;
  /** null when pushing was not asked for. */
  readonly push: PushResult | null;
  readonly durationMs: number;
}

export interface PassOptions {
  readonly push?: boolean;
  readonly signal?: AbortSignal;
  /** Put before the commit subject, e.g. "Restore of 1a2b3c4d:". */
  readonly subjectPrefix?: string;
  /** Commit even an empty database over a snapshot with rows (restore of an empty snapshot). */
  readonly allowEmpty?: boolean;
}

/** Where a pass stages its files: inside .git, so renames into the working tree stay on one file system. */
export function stagingDir(project: Project): string {
  return path.join(project.stateDir, 'staging');
}

/**
 * One pass of the pipeline: snapshot -> detect -> write -> commit -> push. Holds the run lock
 * throughout. Returns what happened; throws a DbsyncError when a stage fails (nothing half-done
 * is committed; the next pass picks up where this one stopped).
 */
export async function runPass(project: Project, opts: PassOptions = {}): Promise<PassResult> {
  const started = Date.now();
  return withRunLock(project, () => passLocked(project, opts, started));
}

/** A pass for a caller that already holds the run lock (restore). */
export async function passLocked(project: Project, opts: PassOptions, started = Date.now()): Promise<PassResult> {
  const staged = await stageSnapshot(project, opts.signal);
  try {
    if (!opts.allowEmpty) await refuseEmptyOverData(project, staged);
  } catch (err) {
    await discardStaging(staged);
    throw err;
  }
  return commitStaged(project, staged, opts, started);
}

/**
 * A database without a single row, while the last snapshot has rows, is almost always a new
 * computer or a failed import, not the user deleting everything: committing it would record
 * "everything deleted" (and push it). Refuse, and say how to load the snapshot instead.
 */
async function refuseEmptyOverData(project: Project, staged: StagedSnapshot): Promise<void> {
  let rows = 0;
  for (const n of staged.rowCounts.values()) rows += n;
  if (rows > 0) return;
  const head = await project.git.head();
  if (!head) return;
  const prefix = project.snapshotPath ? project.snapshotPath + '/' : '';
  const empty = await project.git.emptyBlob();
  const tree = await project.git.listTree(head, project.snapshotPath);
  const withRows = [...tree].filter(([p, sha]) => p.startsWith(`${prefix}${DATA_DIR}/`) && sha !== empty).length;
  if (withRows === 0) return;
  throw new DbsyncError({
    operation: 'take snapshot',
    message: `database ${project.config.db.database} holds no rows, but the last snapshot has data in ${withRows} table(s); nothing was committed`,
    hint: 'load the snapshot with `git-dbsync restore --yes`; to record an empty database on purpose, `git rm -r` the snapshot folder and commit first',
  });
}

/** detect -> write -> commit -> push for a staged snapshot; the staging folder is removed in any case. */
export async function commitStaged(project: Project, staged: StagedSnapshot, opts: PassOptions, started = Date.now()): Promise<PassResult> {
  let filesChanged = 0;
  try {
    const changes = await detectChanges(staged, project.snapshotAbs);
    filesChanged = changes.write.length + changes.remove.length;
    if (opts.signal?.aborted) throw new Error('cancelled');
    await writeSnapshot(staged, changes, project.snapshotAbs);
  } finally {
    await discardStaging(staged);
  }
  const commit = await commitSnapshot({
    git: project.git,
    snapshotPath: project.snapshotPath,
    snapshotAbs: project.snapshotAbs,
    tables: staged.tables,
    author: { name: project.config.git.authorName, email: project.config.git.authorEmail },
    takenAt: new Date(started),
    subjectPrefix: opts.subjectPrefix,
  });
  const push = opts.push === false ? null : await pushCommits(project.git, project.config.git.remoteName);
  let rows = 0;
  for (const n of staged.rowCounts.values()) rows += n;
  return { tables: staged.tables.length, rows, lockMs: staged.lockMs, filesChanged, commit, push, durationMs: Date.now() - started };
}

/** Read the database into the staging folder (a consistent snapshot, not yet in the working tree). */
export function stageSnapshot(project: Project, signal?: AbortSignal): Promise<StagedSnapshot> {
  return takeSnapshot({
    connect: project.connect,
    schema: project.config.db.database,
    filter: { include: project.config.includeTables, exclude: project.config.excludeTables },
    stagingDir: stagingDir(project),
    signal,
  });
}
