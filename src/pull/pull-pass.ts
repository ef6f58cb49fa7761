import { DbsyncError } from '../errors/dbsync-error.js';
import { ExitCode } from '../errors/exit-codes.js';
import { gitMessage } from '../git/git.js';
import { withRunLock } from '../lock/run-lock.js';
import { withMeta } from '../merge/conflict-file.js';
import type { Project } from '../project/project.js';
import { pushCommits, type PushResult } from '../push/push-commits.js';
import { passLocked, stageSnapshot, writeStaged, type PassOptions, type PassResult } from '../sync/sync-pass.js';
import { addObjectConflicts, writeMergedConflicts } from './conflict-store.js';
import { keepSide } from './conflict-rule.js';
import { readCommittedSnapshot, SnapshotReader } from './committed-snapshot.js';
import { refuseUntrustedCommits } from './trusted-commits.js';
import { checkPulled } from './check-pulled.js';
import { commitMerge } from './merge-commit.js';
import { mergeIntoDatabase, type MergeOutcome } from './merge-into-database.js';
import { mergeMessage } from './merge-message.js';

/**
 * What a pull found and did:
 * - `no-remote`: no remote configured (only the local pass ran);
 * - `remote-empty`: the remote has no such branch yet (the push creates it);
 * - `fetch-failed`: the remote could not be reached (nothing merged; retried by the next pull);
 * - `up-to-date`, `ahead` (only this computer has new commits: pushed);
 * - `fast-forward`: only the remote moved: its row changes were applied, the branch moved;
 * - `merged`: both moved: a merge commit with two parents;
 * - `adopted-remote`: unrelated histories, --adopt-remote: the remote's state taken, ours kept on a branch.
 */
export type PullOutcome = 'no-remote' | 'remote-empty' | 'fetch-failed' | 'up-to-date' | 'ahead' | 'fast-forward' | 'merged' | 'adopted-remote';

export interface PullResult {
  /** The first pass: local changes committed before fetching. */
  readonly pass: PassResult;
  readonly outcome: PullOutcome;
  /** The remote branch, e.g. origin/main. */
  readonly from: string | null;
  /** Commits that came in. */
  readonly incoming: number;
  /** The merge commit, or the commit fast-forwarded to. */
  readonly commit: string | null;
  readonly merge: MergeOutcome | null;
  /** The pass after applying: it should find nothing to commit (no echo commit). */
  readonly after: PassResult | null;
  readonly push: PushResult | null;
  /** Times a local write during the apply made it start over. */
  readonly retries: number;
  /** Why the fetch failed (fetch-failed). */
  readonly fetchError: string | null;
  /** --adopt-remote: the branch keeping this computer's old history. */
  readonly keptBranch: string | null;
  /** Files outside the snapshot folder that the other side changed and the merge left as ours. */
  readonly outsideFiles: readonly string[];
}

export interface PullOptions {
  /** false: do not push (watch while pushes back off). */
  readonly push?: boolean;
  /** What to do when the histories are unrelated (see docs/guides/two-way-sync.md). */
  readonly adopt?: 'remote' | 'local';
  readonly signal?: AbortSignal;
  /** Bounded: each retry is a pass plus a new merge attempt. */
  readonly maxRetries?: number;
  /**
   * `watch`: the change source for the pass that commits our side first (what a pass without a
   * pull uses), and why it must read every table instead (a verification pass). The pass after
   * applying reads every table all the same (HEAD moved, so the recorded position does not match
   * it: read-plan.ts), and records its position for the passes after it.
   */
  readonly read?: Pick<PassOptions, 'changeSource' | 'fullRead'>;
}

/** Fetch, merge, apply, push: one pull pass under the run lock. */
export async function runPull(project: Project, opts: PullOptions = {}): Promise<PullResult> {
  return withRunLock(project, () => pullLocked(project, opts));
}

export async function pullLocked(project: Project, opts: PullOptions): Promise<PullResult> {
  const { git, config } = project;
  const remote = project.remote;
  const maxRetries = opts.maxRetries ?? 5;
  let first: PassResult | null = null;
  for (let attempt = 0; ; attempt++) {
    // 1. Our side: whatever the application wrote is committed first (and is "ours" below).
    const pass = await passLocked(project, { push: false, signal: opts.signal, ...opts.read });
    first ??= pass;
    const base = {
      pass: first,
      from: null,
      incoming: 0,
      commit: null,
      merge: null,
      after: null,
      push: null,
      retries: attempt,
      fetchError: null,
      keptBranch: null,
      outsideFiles: [],
    };
    const done = async (r: Omit<PullResult, 'push'>): Promise<PullResult> => ({ ...r, push: opts.push === false ? null : await pushCommits(git, remote) });
    if (remote === null || (await git.remoteUrl(remote)) === null) return { ...base, outcome: 'no-remote' };
    const branch = await git.branch();
    const ours = await git.head();
    if (!branch || !ours)
      throw new DbsyncError({
        operation: 'pull',
        message: 'HEAD is detached or the repository has no commit',
        hint: 'check out a branch (git switch main) and run a pass first',
      });
    const from = `${remote}/${branch}`;

    const fetched = await git.fetch(remote, branch);
    if (fetched.code !== 0) {
      const why = gitMessage(fetched.stderr);
      if (/couldn't find remote ref/i.test(fetched.stderr)) return done({ ...base, from, outcome: 'remote-empty' });
      return { ...base, from, outcome: 'fetch-failed', fetchError: why, push: null };
    }
    const theirs = await git.resolve(`refs/remotes/${from}`);
    if (!theirs) return done({ ...base, from, outcome: 'remote-empty' });
    if (theirs === ours) return done({ ...base, from, outcome: 'up-to-date' });
    if (await git.isAncestor(theirs, ours)) return done({ ...base, from, outcome: 'ahead' });

    const mergeBase = await git.mergeBase(ours, theirs);
    if (!mergeBase && opts.adopt !== 'remote') throw unrelated(from, opts.adopt === 'local');
    // DBSYNC_TRUSTED_SIGNERS: every incoming commit signed by a trusted computer, before anything of theirs is read.
    await refuseUntrustedCommits(project, mergeBase ? ours : null, theirs, 'pull', from);
    const fastForward = mergeBase === ours;
    const reader = new SnapshotReader(project);
    const [b, o, t] = await Promise.all([
      readCommittedSnapshot(project, mergeBase ?? ours),
      readCommittedSnapshot(project, ours),
      readCommittedSnapshot(project, theirs),
    ]);
    // The remote is untrusted input: everything of theirs is read strictly before the database is touched.
    await checkPulled(project, reader, { base: b, ours: o, theirs: t });
    // A fast-forward has conflicts only with what the application writes while it applies (the
    // rows are merged again against the live ones): that write is the latest, it stays and the pass
    // after the fast-forward commits it. Adopting the remote takes the remote's rows.
    const keep = fastForward ? 'ours' : !mergeBase ? 'theirs' : await keepSide(git, config.sync.conflictRule, ours, theirs);
    // The policy the pass decided: its schema-only tables keep their local rows, its business numbers are checked for duplicates.
    // The pass's schema-only tables (DBSYNC_SCHEMA_ONLY_TABLES or the profile's), also without a profile.
    const schemaOnly = new Set(pass.schemaOnly ?? pass.profile?.schemaOnly ?? []);
    const businessNumbers = pass.policy?.businessNumbers ?? [];
    const lastModified = pass.policy?.lastModified ?? [];
    const outcome = await mergeIntoDatabase(project, reader, { base: b, ours: o, theirs: t, keep, schemaOnly, businessNumbers, lastModified });
    if (outcome.refused.length > 0) {
      // The application wrote to those tables after our snapshot: commit that and merge again.
      if (attempt >= maxRetries) throw keptChanging(outcome, attempt + 1);
      continue;
    }
    const incoming = mergeBase ? await git.countBetween(mergeBase, theirs) : await git.countBetween(ours, theirs);
    const outsideFiles = mergeBase ? await git.changedOutside(mergeBase, theirs, project.snapshotPath) : [];

    // Views, routines, triggers and events not applied: recorded in conflicts/@objects.jsonl for `conflicts` and `resolve`.
    const objectMeta = { oursCommit: ours, theirsCommit: theirs, mergedAt: new Date().toISOString() };
    const objectRecords = outcome.objectConflicts.map((c) => ({ object: c.object, why: c.why, kept: c.kept, ...objectMeta }));
    if (fastForward) {
      await git.mergeFastForward(theirs);
      await addObjectConflicts(project, objectRecords);
      const after = await passLocked(project, { push: false, signal: opts.signal, ...opts.read });
      await commitObjectRecords(project, objectRecords.length);
      return done({ ...base, from, incoming, commit: theirs, merge: outcome, after, outcome: 'fast-forward', outsideFiles: [] });
    }
    if (!mergeBase) {
      const kept = await adoptRemote(project, ours, theirs);
      await addObjectConflicts(project, objectRecords);
      const after = await passLocked(project, { push: false, signal: opts.signal, ...opts.read });
      await commitObjectRecords(project, objectRecords.length);
      return done({ ...base, from, incoming, commit: theirs, merge: outcome, after, outcome: 'adopted-remote', keptBranch: kept, outsideFiles: [] });
    }

    // Diverged: record the merged database as a two-parent commit.
    const takenAt = new Date();
    // writeStaged removes the staging folder in any case.
    await writeStaged(project, await stageSnapshot(project, opts.signal), opts.signal);
    const meta = { oursCommit: ours, theirsCommit: theirs, mergedAt: takenAt.toISOString() };
    await writeMergedConflicts(
      project,
      { base: mergeBase, ours, theirs },
      withMeta(outcome.conflicts, meta),
      outcome.schemaConflicts.map((s) => ({ ...s, ...meta })),
      objectRecords.map((c) => ({ ...c, ...meta })),
    );
    const commit = await commitMerge(project, { ours, theirs, message: mergeMessage({ from, commits: incoming, outcome, takenAt }) });
    return done({ ...base, from, incoming, commit, merge: outcome, after: null, outcome: 'merged', outsideFiles });
  }
}

/**
 * The pass after a fast-forward commits the records written before it whenever it commits the
 * database's own (kept) definitions; should it find nothing to commit, they are committed alone, so
 * that `conflicts` (which reads HEAD) lists them.
 */
async function commitObjectRecords(project: Project, n: number): Promise<void> {
  if (n === 0) return;
  const { git } = project;
  const where = project.snapshotPath || '.';
  await git.addAll(where);
  const head = await git.head();
  if (!head || (await git.stagedChanges(head, where)).length === 0) return;
  await git.commitOnly(where, `${n} pulled definition(s) not applied, recorded for review\n\nSee git-dbsync conflicts.\n`, {
    name: project.config.git.authorName,
    email: project.config.git.authorEmail,
  });
}

/** --adopt-remote: keep our history on a branch, move ours to theirs (the database already equals theirs). */
async function adoptRemote(project: Project, ours: string, theirs: string): Promise<string> {
  const { git } = project;
  const branch = (await git.branch())!;
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
  const kept = `dbsync/local-${stamp}`;
  await git.createBranch(kept, ours);
  await git.updateRefGuarded(`refs/heads/${branch}`, theirs, ours, 'git-dbsync: adopt the remote history');
  await git.switchTree(ours, theirs);
  return kept;
}

function unrelated(from: string, adoptLocal: boolean): DbsyncError {
  return new DbsyncError({
    operation: 'pull',
    message: `this repository's history and ${from}'s are unrelated (the remote holds another database's history); nothing was merged or changed${adoptLocal ? '; --adopt-local needs an empty remote, and this one has commits' : ''}`,
    hint:
      `to take the remote's data into this database and keep this computer's own history on a branch (dbsync/local-<date>), run again with --adopt-remote; ` +
      `--adopt-local (start the shared history from this database) only works with an empty remote: use a new one in GIT_REMOTE_URL`,
    exitCode: ExitCode.Config,
  });
}

function keptChanging(outcome: MergeOutcome, attempts: number): DbsyncError {
  return new DbsyncError({
    operation: 'pull',
    message: `the database kept changing while the remote's changes were applied (${attempts} attempts; tables ${outcome.refused.join(', ')}${outcome.refusedBecause.length > 0 ? `; last: ${outcome.refusedBecause[0]}` : ''}); nothing of those tables was overwritten`,
    hint: 'the next pull tries again; if the application writes to these tables all the time, pull when it is quieter',
  });
}
