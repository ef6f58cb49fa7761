import { rm } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import path from 'node:path';
import lockfile from 'proper-lockfile';
import type { Database } from '../db/database.js';
import type { Project } from '../project/project.js';
import { DbsyncError, describeFsError } from '../errors/dbsync-error.js';
import { ExitCode } from '../errors/exit-codes.js';

/** Lock folders this process held and could not remove on release. */
const leftBehind = new Set<string>();

export interface RunLock {
  release(): Promise<void>;
}

function busy(what: string, timeoutMs: number): DbsyncError {
  return new DbsyncError({
    operation: 'acquire lock',
    message: `another git-dbsync process is working on this ${what} (waited ${Math.round(timeoutMs / 1000)} s)`,
    hint: 'wait for it to finish or stop it (e.g. the `watch` daemon), or raise DBSYNC_LOCK_TIMEOUT',
    exitCode: ExitCode.Busy,
  });
}

/**
 * Two processes never interleave: a lock on the repository (a lock folder in .git/dbsync that
 * goes stale if its owner dies) and a server-side named lock on the database (`GET_LOCK`, released
 * by the server when the owning session ends, even after kill -9).
 */
export async function acquireRunLock(opts: { stateDir: string; db: Database; schema: string; timeoutMs: number; onCompromised?: (err: Error) => void }): Promise<RunLock> {
  const step = 250;
  let releaseRepo: () => Promise<void>;
  const lockPath = path.join(opts.stateDir, 'run.lock');
  // Our own lock folder that could not be removed (the file system turned read-only): it is not
  // another process's, so clear it instead of waiting for it to go stale.
  if (leftBehind.has(lockPath)) {
    await rm(lockPath, { recursive: true, force: true }).then(() => leftBehind.delete(lockPath), () => undefined);
  }
  try {
    releaseRepo = await lockfile.lock(opts.stateDir, {
      lockfilePath: path.join(opts.stateDir, 'run.lock'),
      realpath: false,
      stale: 10_000,
      update: 2_000,
      retries: { retries: Math.ceil(opts.timeoutMs / step), factor: 1, minTimeout: step, maxTimeout: step },
      onCompromised: opts.onCompromised ?? (() => undefined),
    });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    if (code === 'ELOCKED') throw busy('repository', opts.timeoutMs);
    // The lock is a folder in .git/dbsync: a full or read-only file system fails here first.
    throw new DbsyncError({
      operation: 'acquire lock',
      message: `cannot create the lock folder in ${opts.stateDir} (${describeFsError(err)})`,
      hint: code === 'ENOSPC' || code === 'EDQUOT' ? 'free disk space; the last commit is intact' : 'make the repository writable; the last commit is intact',
      cause: err,
    });
  }
  try {
    const name = 'git-dbsync:' + createHash('sha256').update(opts.schema).digest('hex').slice(0, 40);
    const rows = await opts.db.queryArrays('SELECT GET_LOCK(?, ?)', [name, Math.ceil(opts.timeoutMs / 1000)], 'acquire database lock');
    if (String(rows[0]?.[0]) !== '1') throw busy('database', opts.timeoutMs);
    return {
      release: async () => {
        await opts.db.query('SELECT RELEASE_LOCK(?)', [name]).catch(() => undefined);
        await releaseRepo().catch(() => leftBehind.add(lockPath));
      },
    };
  } catch (err) {
    await releaseRepo().catch(() => undefined);
    throw err;
  }
}

/** Run `fn` holding the run lock of the project's repository and database; always released. */
export async function withRunLock<T>(project: Project, fn: () => Promise<T>): Promise<T> {
  const lockDb = await project.connect();
  try {
    const lock = await acquireRunLock({ stateDir: project.stateDir, db: lockDb, schema: project.config.db.database, timeoutMs: project.config.lockTimeoutMs });
    try {
      return await fn();
    } finally {
      await lock.release();
    }
  } finally {
    await lockDb.close();
  }
}
