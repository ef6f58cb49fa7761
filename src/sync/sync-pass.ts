import path from 'node:path';
import { commitSnapshot, type CommitResult } from '../commit/commit-snapshot.js';
import { detectChanges } from '../detect/detect-changes.js';
import { acquireRunLock } from '../lock/run-lock.js';
import type { Project } from '../project/project.js';
import { pushCommits, type PushResult } from '../push/push-commits.js';
import { takeSnapshot, type StagedSnapshot } from '../snapshot/take-snapshot.js';
import { discardStaging, writeSnapshot } from '../snapshot/write-snapshot.js';

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
  const lockDb = await project.connect();
  try {
    const lock = await acquireRunLock({ stateDir: project.stateDir, db: lockDb, schema: project.config.db.database, timeoutMs: project.config.lockTimeoutMs });
    try {
      return await passLocked(project, opts, started);
    } finally {
      await lock.release();
    }
  } finally {
    await lockDb.close();
  }
}

/** A pass for a caller that already holds the run lock (restore). */
export async function passLocked(project: Project, opts: PassOptions, started = Date.now()): Promise<PassResult> {
  const staged = await stageSnapshot(project, opts.signal);
  return commitStaged(project, staged, opts, started);
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
