import { processAlive } from '../fs/atomic-file.js';
import path from 'node:path';
import { redactRemoteUrl } from '../config/config.js';
import { messageOf } from '../errors/dbsync-error.js';
import { gitMessage } from '../git/git.js';
import type { Project } from '../project/project.js';
import { takeSnapshot } from '../snapshot/take-snapshot.js';
import { refuseKeylessOverEncrypted } from '../project/keyless-guard.js';
import { keepsHistory, policyDecider, policySettings } from '../policy/pass-policy.js';
import { discardStaging } from '../snapshot/write-snapshot.js';
import { readState, type RunState } from '../state/state-store.js';
import { openCount, readConflicts } from '../pull/conflict-store.js';
import { isSnapshotPath } from '../snapshot/layout.js';
import { selectChangeSource } from '../sync/select-source.js';
import { verdictOf, type Verdict } from './verdict.js';
import { describeOversized } from '../snapshot/oversized-rows.js';
import { readRestoreMarker } from '../state/restore-marker.js';

export interface StatusReport {
  /** One line that says whether the backup works (verdict.ts); `status` leads with it and exits with its code. */
  readonly verdict: Verdict;
  readonly repository: string;
  readonly snapshotDir: string;
  readonly branch: string | null;
  readonly lastSnapshot: { readonly commit: string; readonly time: string; readonly subject: string } | null;
  /** differs: the live database holds changes no commit has (null when it could not be read). */
  readonly database: { readonly name: string; readonly reachable: boolean; readonly differs: boolean | null; readonly error: string | null };
  readonly remote: {
    readonly name: string;
    readonly url: string;
    readonly ahead: number | null;
    readonly behind: number | null;
    readonly error: string | null;
  } | null;
  readonly lastError: RunState['lastError'] | null;
  readonly consecutiveFailures: number;
  readonly lastPush: RunState['push'] | null;
  readonly daemon: RunState['daemon'] | null;
  /** Two-way sync: the mode and the open conflicts recorded in the last commit (see src/pull). */
  readonly mode: 'backup' | 'two-way';
  readonly conflicts: { readonly open: number; readonly tables: readonly string[] } | null;
  /** Which change source passes use and why ("change source: binlog (mysql-bin.000003)", or why not). */
  readonly changeSource: string;
  /** DBSYNC_FILES: files the last pass left out (too large, secrets, links), as its line said; null: none. */
  readonly filesNotVersioned?: string | null;
  /** Tables a snapshot cannot back up now (a row too large, see oversized-rows.ts): one line each. */
  readonly skipped: readonly string[];
  /** An interrupted restore (its marker, restore-marker.ts): sync and watch refuse to commit until it is resumed or aborted. */
  readonly restore: { readonly commit: string; readonly startedAt: string; readonly phase: string } | null;
}

/** Everything `status` shows. Reads the database and the remote, writes nothing the user can see. */
export async function collectStatus(project: Project): Promise<StatusReport> {
  const { git, config } = project;
  const branch = await git.branch();
  const last = await git.lastCommitTouching(project.snapshotPath || '.');
  const state = await readState(project.stateDir);
  const marker = await readRestoreMarker(project.stateDir).catch(() => null);
  const restore = marker && { commit: marker.commit, startedAt: marker.startedAt, phase: marker.phase };

  let database: StatusReport['database'] = { name: config.db.database, reachable: false, differs: null, error: null };
  let skipped: string[] = [];
  const staging = path.join(project.stateDir, `status-${process.pid}`);
  try {
    // Without the key over encrypted secrets every secret would look changed: say why instead.
    await refuseKeylessOverEncrypted(project);
    const staged = await takeSnapshot({
      connect: project.connect,
      schema: config.db.database,
      filter: { include: config.includeTables, exclude: config.excludeTables },
      stagingDir: staging,
      policy: policyDecider(policySettings(config, project.stateDir)),
      previousDir: project.snapshotAbs,
      chunkBytes: config.chunkBytes,
      maxRowBytes: config.maxRowBytes,
      history: keepsHistory(config),
    });
    skipped = (staged.skipped ?? []).map(describeOversized);
    try {
      const shas = await git.hashFiles(staged.files.map((f) => path.join(staged.dir, f)));
      const head = await git.head();
      const prefix = project.snapshotPath ? project.snapshotPath + '/' : '';
      const tree = head ? await git.listTree(head, project.snapshotPath) : new Map<string, string>();
      // Only snapshot files count (conflict records of two-way sync live in the same folder).
      const committed = [...tree.keys()].filter((p) => p.startsWith(prefix) && isSnapshotPath(p.slice(prefix.length))).length;
      const differs = committed !== staged.files.length || staged.files.some((f, i) => tree.get(prefix + f) !== shas[i]);
      database = { ...database, reachable: true, differs };
    } finally {
      await discardStaging(staged);
    }
  } catch (err) {
    database = { ...database, error: messageOf(err) };
  } finally {
    // A failed read (database down) leaves a partial staging folder; this one is never reused.
    await discardStaging({ dir: staging });
  }

  const changeSource = database.reachable
    ? await selectChangeSource(project).then(
        (c) => c.line,
        (err: unknown) => `change source: ${messageOf(err)}`,
      )
    : 'change source: unknown (database unreachable)';

  let remote: StatusReport['remote'] = null;
  let oldestUnpushedAt: number | null = null;
  // Only the remote git-dbsync pushes to (a remote it was never told about is not contacted).
  const name = project.remote;
  const url = name === null ? null : await git.remoteUrl(name);
  if (name !== null && url !== null) {
    remote = { name, url: redactRemoteUrl(url), ahead: null, behind: null, error: null };
    if (branch) {
      const r = await git.fetch(name, branch);
      const tracking = await git.resolve(`refs/remotes/${name}/${branch}`);
      const head = await git.head();
      const error = r.code === 0 ? null : `cannot reach the remote: ${gitMessage(r.stderr)}`;
      if (head && tracking) {
        remote = { ...remote, ...(await git.aheadBehind(head, tracking)), error };
        const t = remote.ahead ? await git.oldestCommitTimeBetween(tracking, head) : null;
        oldestUnpushedAt = t === null ? null : t * 1000;
      } else if (head && r.code === 0) remote = { ...remote, ahead: null, behind: 0, error: 'the remote has no such branch yet' };
      else remote = { ...remote, error };
    }
  }
  const lastError = state.lastError ?? null;
  const consecutiveFailures = state.consecutiveFailures ?? 0;
  const verdict = verdictOf({
    now: Date.now(),
    state,
    maxUnpushedMs: config.maxUnpushedMs,
    remoteConfigured: remote !== null,
    live: {
      database: { reachable: database.reachable, error: database.error },
      remote: remote && {
        ahead: remote.ahead,
        error: remote.error,
        blockedBehind: config.sync.mode === 'backup' && (remote.behind ?? 0) > 0,
        oldestUnpushedAt,
      },
      lastSnapshotAt: last ? Date.parse(last.time) : null,
      skipped,
      restoreInterrupted: restore && `a restore of ${restore.commit.slice(0, 12)} (started ${restore.startedAt}) was interrupted`,
    },
  });
  return {
    verdict,
    repository: project.top,
    snapshotDir: project.snapshotPath,
    branch,
    lastSnapshot: last,
    database,
    remote,
    lastError,
    consecutiveFailures,
    lastPush: state.push ?? null,
    filesNotVersioned: /\d+ file\(s\) not versioned: [^;]*\(see the log\)/.exec(state.lastResult ?? '')?.[0] ?? null,
    // A daemon that was killed cannot clear its state: check that its process still exists.
    daemon: state.daemon && processAlive(state.daemon.pid) ? state.daemon : null,
    mode: config.sync.mode,
    changeSource,
    skipped,
    restore,
    conflicts: await readConflicts(project)
      .then((c) => ({ open: openCount(c), tables: [...new Set([...c.rows, ...c.schema].map((x) => x.table))] }))
      .catch(() => null),
  };
}

/** Human-readable lines for `status` without --json. */
export function formatStatus(s: StatusReport): string {
  const lines: string[] = [s.verdict.line];
  lines.push(`repository: ${s.repository} (snapshot folder ${s.snapshotDir}/, branch ${s.branch ?? '(detached)'})`);
  lines.push(
    s.lastSnapshot ? `last snapshot: ${s.lastSnapshot.commit.slice(0, 12)} at ${s.lastSnapshot.time}: ${s.lastSnapshot.subject}` : 'last snapshot: none yet',
  );
  if (!s.database.reachable) lines.push(`database ${s.database.name}: unreachable: ${s.database.error}`);
  else lines.push(`database ${s.database.name}: ${s.database.differs ? 'has changes not yet committed' : 'equals the last snapshot'}`);
  if (s.restore)
    lines.push(
      `restore: interrupted (of ${s.restore.commit.slice(0, 12)}, started ${s.restore.startedAt}, phase ${s.restore.phase}): nothing is committed until \`git-dbsync restore --resume\` finishes it or \`git-dbsync restore --abort\` goes back`,
    );
  for (const line of s.skipped) lines.push(line);
  lines.push(s.changeSource);
  if (!s.remote) lines.push('remote: none configured');
  else {
    const parts: string[] = [];
    if (s.remote.ahead !== null) parts.push(`${s.remote.ahead} commit(s) to push`);
    if (s.remote.behind !== null) parts.push(`${s.remote.behind} commit(s) on the remote not here`);
    lines.push(`remote ${s.remote.name} (${s.remote.url}): ${parts.join(', ') || 'unknown'}${s.remote.error ? `; ${s.remote.error}` : ''}`);
    if (s.remote.behind) {
      lines.push(
        s.mode === 'two-way'
          ? '  the remote has commits this computer lacks: the next pull (`git-dbsync pull`, or `watch`) merges them into the database'
          : '  the remote has commits this computer lacks: nothing is overwritten; merge them (git pull) to push again, or set DBSYNC_MODE=two-way',
      );
    }
  }
  if (s.lastPush && s.lastPush.status !== 'pushed' && s.lastPush.status !== 'up-to-date' && s.lastPush.status !== 'no-remote')
    lines.push(`last push: ${s.lastPush.message} (${s.lastPush.at})`);
  if (s.lastError)
    lines.push(`last error (${s.lastError.at}, ${s.consecutiveFailures} in a row): ${s.lastError.operation}: ${s.lastError.message} -- ${s.lastError.hint}`);
  else lines.push('last error: none');
  if (s.filesNotVersioned) lines.push(`files: ${s.filesNotVersioned}`);
  if (s.daemon) lines.push(`watch: pid ${s.daemon.pid}, ${s.daemon.state} since ${s.daemon.since}`);
  if (s.conflicts && s.conflicts.open > 0)
    lines.push(
      `conflicts: ${s.conflicts.open} open in ${s.conflicts.tables.join(', ')} (\`git-dbsync conflicts\` lists them, \`git-dbsync resolve\` closes them)`,
    );
  else if (s.mode === 'two-way') lines.push('conflicts: none');
  return lines.join('\n');
}
