import { existsSync } from 'node:fs';
import { withRunLock } from '../lock/run-lock.js';
import type { Project } from '../project/project.js';
import { discardStaging } from '../snapshot/write-snapshot.js';
import { totalRows } from '../sync/empty-database.js';
import { refuseDuringRestore } from '../state/restore-marker.js';
import { refuseEmptyOverData, stageSnapshot, writeStaged } from '../sync/sync-pass.js';

export interface CommitRefreshResult {
  readonly tables: number;
  readonly rows: number;
  /** Snapshot files rewritten or removed in the working tree. */
  readonly filesChanged: number;
  /** Snapshot files (paths from the top of the repository) that the commit being made changes. */
  readonly inCommit: readonly string[];
  readonly durationMs: number;
}

export interface CommitRefreshOptions {
  /** The index of the commit being made (GIT_INDEX_FILE, absolute); git's default when undefined. */
  readonly commitIndex?: string;
  /** The real index's lock during `git commit PATHS`, staged too when it exists (see commit-index.ts). */
  readonly realIndexLock?: string;
  readonly signal?: AbortSignal;
}

/**
 * What the pre-commit hook does: a pass without a commit of its own. snapshot -> detect -> write,
 * exactly as `sync` (same staging folder, same atomic renames, same refusal of an empty database
 * over a snapshot with rows), then the snapshot folder is staged into the index of the commit
 * git is making, so the user's commit carries it. No `git commit` here: git holds the commit in
 * progress, and a nested one would fight it over .git/index.lock. Stale-lock cleanup of a pass
 * is skipped too: while the hook runs, git's locks belong to the live `git commit` above it.
 * Holds the run lock, so it never interleaves with `sync` or `watch`.
 */
export async function refreshForCommit(project: Project, opts: CommitRefreshOptions = {}): Promise<CommitRefreshResult> {
  const started = Date.now();
  return withRunLock(project, async () => {
    // A half-restored database must not go into the user's commit either.
    await refuseDuringRestore(project.stateDir, 'refresh the snapshot for the commit');
    const staged = await stageSnapshot(project, opts.signal);
    try {
      await refuseEmptyOverData(project, staged);
    } catch (err) {
      await discardStaging(staged);
      throw err;
    }
    const filesChanged = await writeStaged(project, staged, opts.signal);
    const { git, snapshotPath } = project;
    await git.addAll(snapshotPath, opts.commitIndex ? { indexFile: opts.commitIndex } : {});
    if (opts.realIndexLock && existsSync(opts.realIndexLock)) await git.addAll(snapshotPath, { indexFile: opts.realIndexLock });
    // git's environment names the same index (GIT_INDEX_FILE), so this compares the commit's index with HEAD.
    const base = (await git.head()) ?? (await git.emptyTree());
    const inCommit = (await git.stagedChanges(base, snapshotPath)).map((c) => c.path);
    return { tables: staged.tables.length, rows: totalRows(staged), filesChanged, inCommit, durationMs: Date.now() - started };
  });
}
