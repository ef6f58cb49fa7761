/**
 * Lock files that a killed git leaves behind. A git process killed while it holds a lock (kill -9
 * of the container or the process group, OOM killer, power cut during `git commit`) leaves
 * `.git/index.lock`, `.git/HEAD.lock` or `.git/refs/heads/<branch>.lock`, and git never removes
 * them itself: every later `git add` and `git commit` fails with "Unable to create
 * '.../index.lock': File exists" until someone deletes the file, so an unattended daemon would be
 * stuck for good after one unlucky crash.
 */
import { readdir, readFile, readlink, stat, unlink } from 'node:fs/promises';
import path from 'node:path';

/**
 * A lock is only taken for stale once it is this old. A running git renews nothing, so age alone
 * proves nothing (`git commit` keeps index.lock while the user's editor is open): it only covers
 * the moment between listing processes and removing the file, and tools that are not called git.
 * Shorter than the run lock's stale time (10 s), so the first pass after a crash, which waits for
 * that run lock, also finds git's locks old enough.
 */
export const STALE_GIT_LOCK_MS = 5_000;

/**
 * True when some git process (git, git-*) may be working in this repository: its working folder,
 * command line or environment names the repository. Unknown counts as yes: a process whose
 * details cannot be read, or a system where processes cannot be listed (no /proc).
 */
export async function gitProcessRunningIn(dirs: readonly string[]): Promise<boolean> {
  let pids: string[];
  try {
    pids = (await readdir('/proc')).filter((n) => /^\d+$/.test(n));
  } catch {
    return true;
  }
  if (pids.length === 0) return true;
  const inside = (p: string) => dirs.some((d) => p === d || p.startsWith(d + path.sep));
  for (const pid of pids) {
    if (Number(pid) === process.pid) continue;
    const comm = await readFile(`/proc/${pid}/comm`, 'utf8').catch(() => null);
    if (comm === null || !/^git(-|$)/.test(comm.trim())) continue;
    const cwd = await readlink(`/proc/${pid}/cwd`).catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? null : ''));
    if (cwd === null) continue; // ended meanwhile
    if (cwd === '' || inside(cwd)) return true;
    for (const f of ['cmdline', 'environ']) {
      const text = await readFile(`/proc/${pid}/${f}`, 'utf8').catch(() => '');
      if (dirs.some((d) => text.includes(d))) return true;
    }
  }
  return false;
}

/**
 * Remove the lock files of the index and of the given refs (e.g. `HEAD`, `refs/heads/main`), and
 * the temporary indexes of `git commit --only` (`next-index-<pid>.lock`), when they were left by a
 * git process that no longer runs: older than STALE_GIT_LOCK_MS and no git process working in this
 * repository. The caller must hold the run lock, so that no other git-dbsync process is between
 * git commands here. `createdBefore` (the moment the run lock was taken over from a killed
 * git-dbsync): a lock file older than that is taken for stale whatever its age, since no git of
 * ours can have made it since. Returns the files removed.
 */
export async function removeStaleGitLocks(opts: {
  gitDir: string;
  workTree: string;
  refs: readonly string[];
  minAgeMs?: number;
  createdBefore?: number;
}): Promise<string[]> {
  const minAge = opts.minAgeMs ?? STALE_GIT_LOCK_MS;
  const candidates = ['index', ...opts.refs].map((r) => path.join(opts.gitDir, ...r.split('/')) + '.lock');
  // `git commit --only` builds the commit in a temporary index of its own; a killed one leaves it.
  for (const name of await readdir(opts.gitDir).catch(() => [] as string[])) {
    if (/^next-index-\d+\.lock$/.test(name)) candidates.push(path.join(opts.gitDir, name));
  }
  const found: string[] = [];
  for (const file of candidates) {
    const st = await stat(file).catch(() => null);
    if (st?.isFile()) found.push(file);
  }
  if (found.length === 0) return [];
  if (await gitProcessRunningIn([opts.workTree, opts.gitDir])) return [];
  const removed: string[] = [];
  for (const file of found) {
    // Checked again just before removing: a lock that is young belongs to a git that just started.
    const st = await stat(file).catch(() => null);
    if (!st) continue;
    const old = Date.now() - st.mtimeMs >= minAge || (opts.createdBefore !== undefined && st.mtimeMs < opts.createdBefore);
    if (!old) continue;
    await unlink(file).then(
      () => removed.push(file),
      (err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err;
      },
    );
  }
  return removed;
}
