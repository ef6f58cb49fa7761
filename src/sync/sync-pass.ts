import { existsSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { commitSnapshot, type CommitResult } from '../commit/commit-snapshot.js';
import { detectChanges } from '../detect/detect-changes.js';
import { withRunLock, type RunLock, type TakenOver } from '../lock/run-lock.js';
import { refuseDuringRestore } from '../state/restore-marker.js';
import type { Project } from '../project/project.js';
import { pushCommits, type PushResult } from '../push/push-commits.js';
import { takeSnapshot, type StagedSnapshot } from '../snapshot/take-snapshot.js';
import { keepsHistory, policyDecider, policySettings, type PassPolicy } from '../policy/pass-policy.js';
import type { SnapshotProgress } from '../snapshot/snapshot-progress.js';
import { discardStaging, writeSnapshot } from '../snapshot/write-snapshot.js';
import { removeAbandonedTemps } from '../fs/atomic-file.js';
import { guardWorkingSnapshot } from '../project/snapshot-guard.js';
import { emptyOverSnapshot, totalRows } from './empty-database.js';
import { DbsyncError } from '../errors/dbsync-error.js';
import { gitProcessRunningIn, removeStaleGitLocks } from '../git/stale-locks.js';
import { noteOwnCommit, refuseKeylessOverEncrypted } from '../project/keyless-guard.js';
import { snapshotPrefix } from '../project/project.js';
import { DATA_DIR, FILES_DIR } from '../snapshot/layout.js';
import { mirrorFiles, type FilesMirror } from '../files/mirror-files.js';
import { describeFsError, writeFailureHint } from '../errors/fs-error.js';
import type { AppliedSecret } from '../secrets/table-secrets.js';
import type { ChangeSource } from '../detect/change-source.js';
import { ReadPlan, settingsDigest, type ReadOutcome } from './read-plan.js';
import { toolVersion } from './select-source.js';
import type { KeepRows } from '../snapshot/take-snapshot.js';
import { describeOversized } from '../snapshot/oversized-rows.js';

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
  /** Lock files a killed git had left in .git, removed by this pass (see stale-locks.ts). */
  readonly removedLocks?: readonly string[];
  /** The secret columns of this pass and their policy (for the start-up notice). */
  readonly secrets?: readonly AppliedSecret[];
  /** How long the pass waited for the run lock (ms; included in durationMs). */
  readonly lockWaitMs?: number;
  /** The abandoned run lock of a killed process that this pass took over, if any. */
  readonly takenOver?: TakenOver | null;
  /** The policy this pass decided (profile, schema-only tables, secrets): what pull's merge goes by. */
  readonly policy?: PassPolicy;
  /** Tables whose rows this pass did not version (DBSYNC_SCHEMA_ONLY_TABLES, or the profile's list). */
  readonly schemaOnly?: readonly string[];
  /** The application profile in force, and its marker tables the database lacks (a forced profile on another database). */
  readonly profile?: {
    readonly name: string;
    readonly description: string;
    readonly missing: readonly string[];
    readonly schemaOnly: readonly string[];
  } | null;
  /** Rows actually read from the database (`rows` also counts the rows of tables kept unread). */
  readonly rowsRead?: number;
  /** How the database was read when a change source is in force (which tables, or why all of them). */
  readonly read?: ReadOutcome;
  /** DBSYNC_FILES: what copying the files into files/ did (absent when off). */
  readonly files?: FilesMirror;
  /** Tables not backed up by this pass (a row too large): one line each, naming the table and the row's key. */
  readonly skipped?: readonly string[];
}

export interface PassOptions {
  readonly push?: boolean;
  readonly signal?: AbortSignal;
  /** Put before the commit subject, e.g. "Restore of 1a2b3c4d:". */
  readonly subjectPrefix?: string;
  /** Commit even an empty database over a snapshot with rows (restore of an empty snapshot). */
  readonly allowEmpty?: boolean;
  /** Snapshot without a key even over encrypted secrets (restore without the key; see keyless-guard.ts). */
  readonly allowKeyless?: boolean;
  /** The pass of restore itself, which commits the restored state while its marker still exists. */
  readonly duringRestore?: boolean;
  /** Told how far reading the database has got (the CLI renders it). */
  readonly progress?: (p: SnapshotProgress) => void;
  /** The run lock held for this pass (set by runPass): a lock taken over from a killed process lets its git leftovers go at once. */
  readonly runLock?: RunLock;
  /** Read only the tables this source says changed since the last snapshot (see read-plan.ts). Absent or null: read every table. */
  readonly changeSource?: ChangeSource | null;
  /** With a change source: read every table anyway, for this reason (a verification pass), still recording the position. */
  readonly fullRead?: string | null;
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
  return withRunLock(project, async (lock) => {
    const r = await passLocked(project, { ...opts, runLock: lock }, started);
    return { ...r, lockWaitMs: lock.waitedMs, takenOver: lock.takenOver };
  });
}

/** A pass for a caller that already holds the run lock (restore). */
export async function passLocked(project: Project, opts: PassOptions, started = Date.now()): Promise<PassResult> {
  // A restore killed half-way leaves a database that is no state of anyone's: never commit it.
  if (!opts.duringRestore) await refuseDuringRestore(project.stateDir, 'take snapshot');
  const plan = opts.changeSource ? await ReadPlan.prepare(project, opts.changeSource, settingsDigest(project, toolVersion()), opts.fullRead ?? null) : null;
  const staged = await stageSnapshot(project, opts.signal, { allowKeyless: opts.allowKeyless, progress: opts.progress, keepRows: plan?.keepRows });
  try {
    if (!opts.allowEmpty) await refuseEmptyOverData(project, staged);
  } catch (err) {
    await discardStaging(staged);
    throw err;
  }
  const kept = new Set(staged.keptRows ?? []);
  let rowsRead = staged.rowsRead ?? 0;
  if (staged.rowsRead === undefined) for (const [t, n] of staged.rowCounts) if (!kept.has(t)) rowsRead += n;
  const result = await commitStaged(project, staged, opts, started);
  // Only now does the snapshot folder equal HEAD and the snapshot at this pass's position.
  // A failure to record costs the next pass a full read, never a wrong one.
  if (plan) {
    const head = result.commit.commit ?? (await project.git.head());
    // A skipped table's files are not at this position: the next pass reads everything.
    if ((staged.skipped ?? []).length > 0) await plan.forget().catch(() => undefined);
    else await plan.record(staged, head).catch(() => plan.forget().catch(() => undefined));
  }
  return { ...result, rowsRead, ...(plan ? { read: plan.result(staged) } : {}) };
}

/** Refuse to record an empty database over a snapshot with data (see empty-database.ts). */
export async function refuseEmptyOverData(project: Project, staged: StagedSnapshot): Promise<void> {
  const reason = await emptyOverSnapshot(project, staged);
  if (!reason) return;
  throw new DbsyncError({
    operation: 'take snapshot',
    message: `database ${project.config.db.database} holds no rows, but ${reason}; nothing was committed`,
    hint: 'load the snapshot with `git-dbsync restore --yes`; to record an empty database on purpose, `git rm -r` the snapshot folder and commit first',
  });
}

/** detect -> write -> commit -> push for a staged snapshot; the staging folder is removed in any case. */
export async function commitStaged(project: Project, staged: StagedSnapshot, opts: PassOptions, started = Date.now()): Promise<PassResult> {
  const filesChanged = await writeStaged(project, staged, opts.signal);
  // The application's files, into the same commit as the database state just written.
  const files = await mirrorProjectFiles(project);
  // A crash leaves index.lock (which would fail every later pass) and temporary state files behind.
  const { removed: removedLocks, keepMarker } = await clearCrashLeftovers(project, opts.runLock?.takenOver ?? null);
  // The marker says "git-dbsync's own git commands are running": only locks left while it exists are ours to remove.
  const marker = gitMarkerPath(project);
  await writeFile(marker, `${process.pid}\n`);
  let commit: CommitResult;
  let push: PushResult | null;
  try {
    commit = await commitSnapshot({
      git: project.git,
      snapshotPath: project.snapshotPath,
      snapshotAbs: project.snapshotAbs,
      tables: staged.tables,
      author: { name: project.config.git.authorName, email: project.config.git.authorEmail },
      takenAt: new Date(started),
      subjectPrefix: opts.subjectPrefix,
      profile: staged.profile,
      // (diff branch) the counts the read made: a new table's rows are not counted again.
      rowCounts: staged.rowCounts,
      ...(files ? { filesSkipped: files.skipped.map((f) => f.reason) } : {}),
      notBackedUp: (staged.skipped ?? []).map(describeOversized),
    });
    if (commit.commit && commit.changed && commit.parent !== undefined) {
      // The keyless-secret guard need not search this commit again (see noteOwnCommit).
      const data = `${snapshotPrefix(project)}${DATA_DIR}/`;
      await noteOwnCommit(
        project,
        commit.parent,
        commit.commit,
        commit.changed.filter((p) => p.startsWith(data)).map((p) => path.join(project.top, p)),
      );
    }
    push = opts.push === false ? null : await pushCommits(project.git, project.remote);
  } finally {
    // Removed whenever our git commands ended, failed or not (only a killed process leaves it),
    // unless locks of an earlier killed run are still waiting to be old enough to remove.
    if (!keepMarker) await rm(marker, { force: true });
  }
  const rows = totalRows(staged);
  return {
    tables: staged.tables.length,
    rows,
    lockMs: staged.lockMs,
    filesChanged,
    commit,
    push,
    durationMs: Date.now() - started,
    secrets: staged.secrets,
    policy: staged.policy,
    schemaOnly: staged.schemaOnly,
    profile: profileInForce(staged),
    ...((staged.skipped ?? []).length > 0 ? { skipped: staged.skipped!.map(describeOversized) } : {}),
    ...(removedLocks.length > 0 ? { removedLocks } : {}),
    ...(files ? { files } : {}),
  };
}

/** DBSYNC_FILES: copy the files into the snapshot's files/ folder (null when off). */
async function mirrorProjectFiles(project: Project): Promise<FilesMirror | null> {
  const cfg = project.config.files;
  if (!cfg) return null;
  try {
    return await mirrorFiles(cfg, path.join(project.snapshotAbs, FILES_DIR), path.join(project.stateDir, 'files-staging'));
  } catch (err) {
    throw new DbsyncError({
      operation: 'copy files',
      message: `cannot copy the files of DBSYNC_FILES from ${cfg.root} (${describeFsError(err)}); nothing was committed`,
      hint: writeFailureHint(err, 'the snapshot folder', 'the last commit is intact', 'the last commit is intact; the next pass tries again'),
      cause: err,
    });
  }
}

/**
 * detect -> write: bring the working tree's snapshot folder to the staged snapshot (shared by a
 * pass and the pre-commit hook). The staging folder is removed in any case. Returns how many
 * files were rewritten or removed.
 */
export async function writeStaged(project: Project, staged: StagedSnapshot, signal?: AbortSignal): Promise<number> {
  try {
    // Before the folder is even listed: a symlinked data/ would make the removals below delete files elsewhere.
    await guardWorkingSnapshot(project);
    const changes = await detectChanges(staged, project.snapshotAbs);
    if (signal?.aborted) throw new Error('cancelled');
    await writeSnapshot(staged, changes, project.snapshotAbs);
    return changes.write.length + changes.remove.length;
  } finally {
    await discardStaging(staged);
  }
}

function profileInForce(staged: StagedSnapshot): PassResult['profile'] {
  const p = staged.profile;
  if (!p) return null;
  const have = new Set(staged.tables.map((t) => t.name));
  return { name: p.name, description: p.description, missing: p.detectTables.filter((t) => !have.has(t)), schemaOnly: staged.schemaOnly };
}

function gitMarkerPath(project: Project): string {
  return path.join(project.stateDir, 'git-in-progress');
}

/**
 * Remove what killed processes left (the caller holds the run lock): the index and ref locks of a
 * killed git, and temporary files of killed state writes in .git/dbsync. Returns the relative
 * paths of the git locks removed.
 */
async function clearCrashLeftovers(project: Project, takenOver: TakenOver | null): Promise<{ removed: string[]; keepMarker: boolean }> {
  const gitDir = path.dirname(project.stateDir);
  try {
    await removeAbandonedTemps(project.stateDir);
    // Only after a git-dbsync git command was interrupted (its marker is still there): a lock
    // without the marker belongs to someone else (say, the user's `git commit` on the host of a
    // container, invisible in /proc here) and is left alone; git's own message then names it.
    if (!existsSync(gitMarkerPath(project))) return { removed: [], keepMarker: false };
    // Only now the branch (one git process less in every pass that finds nothing to clean up).
    const branch = await project.git.branch();
    const refs = ['HEAD', ...(branch ? [`refs/heads/${branch}`, `refs/remotes/${project.config.git.remoteName}/${branch}`] : [])];
    // The run lock was just taken over from a killed git-dbsync: its git children may still run
    // (an OOM kill of the node process alone leaves them as orphans). Let them finish first; any
    // lock file older than the takeover is then theirs, whatever its age (no 5 s wait).
    if (takenOver) await waitForGitToEnd([project.top, gitDir], project.config.lockTimeoutMs);
    const removed = await removeStaleGitLocks({ gitDir, workTree: project.top, refs, ...(takenOver ? { createdBefore: takenOver.at } : {}) });
    const left = ['index', ...refs].some((r) => existsSync(path.join(gitDir, ...r.split('/')) + '.lock'));
    return { removed: removed.map((f) => path.relative(project.top, f)), keepMarker: left };
  } catch (err) {
    throw new DbsyncError({
      operation: 'remove files left by a crash',
      message: `cannot remove a lock or temporary file in ${gitDir} (${describeFsError(err)})`,
      hint: 'make the .git folder writable by this user; when no git command is running, *.lock files left in it can be removed by hand',
      cause: err,
    });
  }
}

/** Wait (up to `timeoutMs`) until no git process works in these folders; the lock check that follows decides either way. */
async function waitForGitToEnd(dirs: readonly string[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await gitProcessRunningIn(dirs)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
}

/** Read the database into the staging folder (a consistent snapshot, not yet in the working tree). */
export async function stageSnapshot(
  project: Project,
  signal?: AbortSignal,
  opts: { allowKeyless?: boolean; progress?: (p: SnapshotProgress) => void; keepRows?: KeepRows } = {},
): Promise<StagedSnapshot> {
  if (!opts.allowKeyless) await refuseKeylessOverEncrypted(project);
  return takeSnapshot({
    connect: project.connect,
    schema: project.config.db.database,
    filter: { include: project.config.includeTables, exclude: project.config.excludeTables },
    stagingDir: stagingDir(project),
    signal,
    policy: policyDecider(policySettings(project.config, project.stateDir)),
    // Chunks keep the exponent of the files in the working tree (stable names, see chunking.ts).
    previousDir: project.snapshotAbs,
    chunkBytes: project.config.chunkBytes,
    maxRowBytes: project.config.maxRowBytes,
    onProgress: opts.progress,
    keepRows: opts.keepRows,
    history: keepsHistory(project.config),
  });
}
