import { type FileHandle, mkdir, open, readFile, rm, rmdir, stat, unlink, utimes } from 'node:fs/promises';
import { DbsyncError } from '../errors/dbsync-error.js';
import { describeFsError, writeFailureHint, errnoCode } from '../errors/fs-error.js';
import { ExitCode } from '../errors/exit-codes.js';
import { currentProcess, ownerState, parseIdentity, sameProcess, type ProcessIdentity } from './process-identity.js';

/** A lock whose file has not been touched for this long belongs to a process that stopped refreshing it (on any host). */
export const STALE_LOCK_MS = 10_000;
/** How often a holder touches its lock file. */
const REFRESH_MS = 2_000;
/** How often a waiting process looks again. */
const STEP_MS = 100;
/** A takeover takes milliseconds; a takeover folder older than this was left by a process killed during one. */
const TAKEOVER_STALE_MS = 5_000;

/** The owner of a lock that was found abandoned and removed by this acquisition. */
export interface TakenOver {
  readonly owner: ProcessIdentity | null;
  /** Why it was taken: its owner is provably gone on this host, or the file was not refreshed for STALE_LOCK_MS. */
  readonly reason: 'owner gone' | 'stale';
  /** When (epoch ms): files the old owner's children left are older than this. */
  readonly at: number;
}

export interface RepoLock {
  /** How long the acquisition waited (ms). */
  readonly waitedMs: number;
  readonly takenOver: TakenOver | null;
  release(): Promise<void>;
}

/** Lock files held by this process (a second acquisition in the same process waits, as from another). */
const held = new Set<string>();

interface SeenLock {
  readonly owner: ProcessIdentity | null;
  readonly ino: number;
  readonly mtimeMs: number;
  readonly isDir: boolean;
}

async function readLock(lockPath: string): Promise<SeenLock | null> {
  const st = await stat(lockPath).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return null;
    throw err;
  });
  if (!st) return null;
  // A folder is the lock of an earlier version (proper-lockfile): no owner recorded, judged by age alone.
  const text = st.isDirectory() ? '' : await readFile(lockPath, 'utf8').catch(() => '');
  return { owner: parseIdentity(text), ino: st.ino, mtimeMs: st.mtimeMs, isDir: st.isDirectory() };
}

function describeOwner(owner: ProcessIdentity | null): string {
  if (!owner) return 'another git-dbsync process';
  const here = owner.host === currentProcess().host;
  return `another git-dbsync process (pid ${owner.pid} ${here ? 'on this host' : `on host ${owner.host}`})`;
}

export function busyError(what: string, timeoutMs: number, owner?: ProcessIdentity | null): DbsyncError {
  return new DbsyncError({
    operation: 'acquire lock',
    message: `${describeOwner(owner ?? null)} is working on this ${what} (waited ${Math.round(timeoutMs / 1000)} s)`,
    hint: 'wait for it to finish or stop it (e.g. the `watch` daemon), or raise DBSYNC_LOCK_TIMEOUT',
    exitCode: ExitCode.Busy,
  });
}

function fsError(dir: string, err: unknown): DbsyncError {
  return new DbsyncError({
    operation: 'acquire lock',
    message: `cannot create the lock file in ${dir} (${describeFsError(err)})`,
    hint: writeFailureHint(err, 'the repository', 'the last commit is intact'),
    cause: err,
  });
}

/**
 * Remove an abandoned lock, once, even when several processes find it at the same moment: only the
 * holder of the takeover folder (mkdir is atomic) removes anything, and only the very lock it
 * judged (same inode, same owner, same age). A lock made after that judgement, by a process that
 * won the race, is never removed: a file can only be replaced once it is gone, and only a takeover
 * removes one. Returns whether it was removed.
 */
async function removeAbandoned(lockPath: string, seen: SeenLock): Promise<boolean> {
  const mutex = lockPath + '.takeover';
  try {
    await mkdir(mutex);
  } catch (err) {
    if (errnoCode(err) !== 'EEXIST') throw err;
    const st = await stat(mutex).catch(() => null);
    if (st && Date.now() - st.mtimeMs > TAKEOVER_STALE_MS) await rmdir(mutex).catch(() => undefined);
    return false;
  }
  try {
    const now = await readLock(lockPath);
    if (!now) return false;
    const same = now.ino === seen.ino && now.mtimeMs === seen.mtimeMs && JSON.stringify(now.owner) === JSON.stringify(seen.owner);
    if (!same) return false;
    if (now.isDir) await rm(lockPath, { recursive: true, force: true });
    else await unlink(lockPath);
    return true;
  } finally {
    await rmdir(mutex).catch(() => undefined);
  }
}

/** Create the lock file; false when it exists. The owner is written at once, so a reader sees it (or an empty file, for microseconds). */
async function tryCreate(lockPath: string, content: string): Promise<number | null> {
  let fh: FileHandle;
  try {
    fh = await open(lockPath, 'wx');
  } catch (err) {
    if (errnoCode(err) === 'EEXIST') return null;
    throw err;
  }
  try {
    await fh.writeFile(content);
    return (await fh.stat()).ino;
  } catch (err) {
    await fh.close().catch(() => undefined);
    await unlink(lockPath).catch(() => undefined);
    throw err;
  } finally {
    await fh.close().catch(() => undefined);
  }
}

/**
 * The repository's run lock: a file naming its owner (see process-identity.ts), created atomically
 * (O_EXCL) and touched every 2 s while held. A lock whose owner is provably gone on this host is
 * taken over at once; one held by a live process is waited for up to `timeoutMs`; one whose owner
 * cannot be judged (another host sharing the folder, a lock of an earlier version) is taken over
 * only once it has not been touched for STALE_LOCK_MS.
 *
 * Hand-written rather than proper-lockfile (used before): that library's lock is an empty folder
 * with no owner, so an abandoned lock could only be recognised by age, and every restart after a
 * kill -9 waited 10 s for it.
 */
export async function acquireRepoLock(opts: { lockPath: string; timeoutMs: number; onCompromised?: (err: Error) => void }): Promise<RepoLock> {
  const { lockPath } = opts;
  const started = Date.now();
  const deadline = started + opts.timeoutMs;
  const me = currentProcess();
  const content = JSON.stringify({ ...me, since: new Date().toISOString() }) + '\n';
  let takenOver: TakenOver | null = null;
  let lastOwner: ProcessIdentity | null = null;
  let ino: number | null;
  for (;;) {
    try {
      ino = await tryCreate(lockPath, content);
      if (ino !== null) break;
      const seen = await readLock(lockPath);
      if (!seen) continue; // released meanwhile: try again at once
      lastOwner = seen.owner;
      const ownAbandoned = seen.owner !== null && sameProcess(seen.owner, me) && !held.has(lockPath);
      const state = seen.owner === null ? 'unknown' : sameProcess(seen.owner, me) ? 'alive' : ownerState(seen.owner);
      const gone = state === 'gone';
      // Age decides only where the owner cannot be judged: a live process on this host keeps its lock
      // even if its refresh was delayed (a long synchronous step).
      const stale = state === 'unknown' && Date.now() - seen.mtimeMs > STALE_LOCK_MS;
      if ((ownAbandoned || gone || stale) && (await removeAbandoned(lockPath, seen))) {
        takenOver = { owner: seen.owner, reason: stale ? 'stale' : 'owner gone', at: Date.now() };
        continue;
      }
    } catch (err) {
      throw fsError(lockPath.slice(0, lockPath.lastIndexOf('/')) || '.', err);
    }
    const left = deadline - Date.now();
    if (left <= 0) throw busyError('repository', opts.timeoutMs, lastOwner);
    await new Promise((r) => setTimeout(r, Math.min(STEP_MS, left)));
  }
  held.add(lockPath);
  const ours = ino;
  let compromised = false;
  const refresh = setInterval(() => {
    void (async () => {
      const st = await stat(lockPath).catch(() => null);
      if (!st || st.ino !== ours) {
        if (!compromised) opts.onCompromised?.(new Error(`the run lock ${lockPath} was removed or replaced by another process`));
        compromised = true;
        return;
      }
      const now = new Date();
      await utimes(lockPath, now, now).catch(() => undefined);
    })();
  }, REFRESH_MS);
  refresh.unref();
  return {
    waitedMs: Date.now() - started,
    takenOver,
    release: async () => {
      clearInterval(refresh);
      held.delete(lockPath);
      // Never remove a lock that is no longer ours. A lock that cannot be removed (the file system
      // turned read-only) names this process: the next acquisition here recognises it as its own.
      const st = await stat(lockPath).catch(() => null);
      if (st?.ino === ours) await unlink(lockPath);
    },
  };
}
