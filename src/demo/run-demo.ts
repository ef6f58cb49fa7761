import { WatchLoop } from '../daemon/watch-loop.js';
import type { Database } from '../db/database.js';
import { DbsyncError } from '../errors/dbsync-error.js';
import type { Project } from '../project/project.js';
import { runPass, type PassResult } from '../sync/sync-pass.js';
import { applyChange } from './apply-change.js';
import { INVOICEPLANE_SQL_MODE } from './sample-database.js';
import type { ScriptedChange } from './scripted-changes.js';

export interface DemoCommit {
  /** The scripted change, or null for the first snapshot. */
  readonly title: string | null;
  readonly commit: string;
  readonly subject: string;
  /** The watcher's pass that made the commit (profile in force, secrets handled, ...). */
  readonly pass: PassResult;
}

export interface DemoRun {
  /** The first snapshot, then one commit per scripted change. */
  readonly commits: readonly DemoCommit[];
  /** The repository's history afterwards, oldest first. */
  readonly history: ReadonlyArray<{ commit: string; subject: string }>;
  /** `git show` of the last commit. */
  readonly lastCommitShown: string;
}

export interface DemoOptions {
  readonly changes: readonly ScriptedChange[];
  readonly intervalMs: number;
  /** Longest wait for the watcher to commit one change. */
  readonly commitTimeoutMs: number;
  readonly signal: AbortSignal;
  /** Called as each commit appears (progress for the user). */
  readonly onCommit: (c: DemoCommit) => void;
}

/** The next pass that makes a commit; a failed pass, the timeout or an abort reject. Set up before the change. */
function nextCommit(loop: WatchLoop, what: string, opts: DemoOptions): Promise<PassResult> {
  return new Promise((resolve, reject) => {
    const done = () => {
      loop.off('pass:success', onPass);
      loop.off('pass:failure', onFailure);
      opts.signal.removeEventListener('abort', onAbort);
      clearTimeout(timer);
    };
    const onPass = (r: PassResult) => {
      if (!r.commit.commit) return;
      done();
      resolve(r);
    };
    const onFailure = (err: DbsyncError) => {
      done();
      reject(err);
    };
    const onAbort = () => {
      done();
      reject(opts.signal.reason);
    };
    const timer = setTimeout(() => {
      done();
      reject(
        new DbsyncError({
          operation: 'demo',
          message: `the watcher made no commit for ${what} within ${opts.commitTimeoutMs / 1000} s`,
          hint: 'the machine may be very busy; retry',
        }),
      );
    }, opts.commitTimeoutMs);
    loop.on('pass:success', onPass);
    loop.on('pass:failure', onFailure);
    opts.signal.addEventListener('abort', onAbort);
  });
}

/**
 * Run the watcher (the daemon's own loop and pass, in this process) on `project`, make each
 * scripted change in the database and wait until the watcher has committed it.
 */
export async function runDemo(project: Project, opts: DemoOptions): Promise<DemoRun> {
  opts.signal.throwIfAborted();
  const loop = new WatchLoop({ runPass: ({ push }) => runPass(project, { push }), intervalMs: opts.intervalMs, maxBackoffMs: 1000 });
  const commits: DemoCommit[] = [];
  const record = (title: string | null, pass: PassResult) => {
    const entry = { title, commit: pass.commit.commit!, subject: pass.commit.subject, pass };
    commits.push(entry);
    opts.onCommit(entry);
  };
  const first = nextCommit(loop, 'the first snapshot', opts);
  // Awaited below; without a handler now, a failure while something else is awaited would count as unhandled.
  first.catch(() => undefined);
  const running = loop.run();
  let db: Database | null = null;
  try {
    db = await project.connect();
    await db.execute(INVOICEPLANE_SQL_MODE, 'prepare demo session');
    record(null, await first);
    for (const change of opts.changes) {
      const committed = nextCommit(loop, JSON.stringify(change.title), opts);
      committed.catch(() => undefined);
      await applyChange(db, change);
      record(change.title, await committed);
    }
  } finally {
    loop.stop();
    await running;
    await db?.close();
  }
  const history = await project.git.history();
  return { commits, history, lastCommitShown: await project.git.show('HEAD') };
}
