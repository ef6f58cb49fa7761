import { createHash } from 'node:crypto';
import path from 'node:path';
import type { Database } from '../db/database.js';
import { getNamedLock, releaseNamedLock } from '../db/mariadb/named-lock.js';
import type { Project } from '../project/project.js';
import { acquireRepoLock, busyError, type TakenOver } from './repo-lock.js';

export type { TakenOver } from './repo-lock.js';

export interface RunLock {
  /** How long the acquisition waited for the repository and database locks (ms). */
  readonly waitedMs: number;
  /** The abandoned repository lock this acquisition took over (its owner was killed), or null. */
  readonly takenOver: TakenOver | null;
  release(): Promise<void>;
}

/**
 * Two processes never interleave: a lock file in .git/dbsync naming its owner (taken over at once
 * when that owner is provably gone, see repo-lock.ts) and a server-side named lock on the database
 * (`GET_LOCK`, released by the server when the owning session ends, even after kill -9).
 */
export async function acquireRunLock(opts: {
  stateDir: string;
  db: Database;
  schema: string;
  timeoutMs: number;
  onCompromised?: (err: Error) => void;
}): Promise<RunLock> {
  const started = Date.now();
  const repo = await acquireRepoLock({ lockPath: path.join(opts.stateDir, 'run.lock'), timeoutMs: opts.timeoutMs, onCompromised: opts.onCompromised });
  try {
    const name = 'git-dbsync:' + createHash('sha256').update(opts.schema).digest('hex').slice(0, 40);
    if (!(await getNamedLock(opts.db, name, Math.ceil(opts.timeoutMs / 1000)))) throw busyError('database', opts.timeoutMs);
    return {
      waitedMs: Date.now() - started,
      takenOver: repo.takenOver,
      release: async () => {
        await releaseNamedLock(opts.db, name).catch(() => undefined);
        await repo.release().catch(() => undefined);
      },
    };
  } catch (err) {
    await repo.release().catch(() => undefined);
    throw err;
  }
}

/** Run `fn` holding the run lock of the project's repository and database; always released. */
export async function withRunLock<T>(project: Project, fn: (lock: RunLock) => Promise<T>): Promise<T> {
  const lockDb = await project.connect();
  try {
    const lock = await acquireRunLock({ stateDir: project.stateDir, db: lockDb, schema: project.config.db.database, timeoutMs: project.config.lockTimeoutMs });
    try {
      return await fn(lock);
    } finally {
      await lock.release();
    }
  } finally {
    await lockDb.close();
  }
}
