import { gitMessage, type Git } from '../git/git.js';

export type PushStatus = 'no-remote' | 'up-to-date' | 'pushed' | 'failed' | 'diverged';

export interface PushResult {
  readonly status: PushStatus;
  /** One line for the user: what happened and, on failure, what to do. */
  readonly message: string;
  /** Commits still waiting to be pushed after this attempt (when known). */
  readonly pending?: number;
}

/**
 * Push the current branch when it is ahead of what the remote is known to have. Never forces:
 * if the remote has commits this computer lacks, nothing is overwritten and the result says so.
 * A failed push keeps the commits; the next pass tries again.
 */
export async function pushCommits(git: Git, remote: string | null): Promise<PushResult> {
  // null: no remote was named to git-dbsync (see src/remote/push-remote.ts), whatever remotes the repository has.
  if (remote === null || (await git.remoteUrl(remote)) === null) return { status: 'no-remote', message: 'no remote configured' };
  const branch = await git.branch();
  const head = await git.head();
  if (!branch || !head) return { status: 'up-to-date', message: 'nothing to push' };
  const tracking = await git.resolve(`refs/remotes/${remote}/${branch}`);
  if (tracking === head) return { status: 'up-to-date', message: `${remote}/${branch} is up to date` };

  const r = await git.push(remote, branch);
  if (r.code === 0) return { status: 'pushed', message: `pushed to ${remote}/${branch}`, pending: 0 };

  const out = r.stdout.toString() + '\n' + r.stderr;
  if (/\[rejected\]|non-fast-forward|fetch first|\(stale info\)/.test(out)) {
    return {
      status: 'diverged',
      message: `${remote}/${branch} has commits this computer lacks; nothing was overwritten. Merge them (git pull in ${git.workTree}) and the next pass pushes again`,
    };
  }
  // Never pushed (no remote-tracking branch): as far as this computer knows, every commit waits.
  const pending = tracking
    ? (await git.isAncestor(tracking, head))
      ? (await git.aheadBehind(head, tracking)).ahead
      : undefined
    : await git.countCommits(head).catch(() => undefined);
  const { cause, hint } = pushFailure(r.stderr);
  return { status: 'failed', message: `push to ${remote} failed: ${cause} -- ${hint}`, pending };
}

/** Why a push failed, in git's own words, and what to do about it. */
export function pushFailure(stderr: string): { cause: string; hint: string } {
  const lines = stderr.split('\n').map((l) => l.trim());
  // ssh states the real cause on a line of its own, before git's generic "Could not read from remote repository."
  const specific = lines.find((l) => /^ssh: |Permission denied \(|Host key verification failed/.test(l));
  const cause = specific?.replace(/^(fatal|error): /, '') ?? gitMessage(stderr);
  let hint = 'check GIT_REMOTE_URL and that the remote is reachable';
  if (/Permission denied \(|Host key verification failed/.test(stderr)) {
    hint =
      'give ssh a key the remote accepts and the host key in known_hosts (DBSYNC_SSH_KEY, DBSYNC_SSH_KNOWN_HOSTS or GIT_SSH_COMMAND); `git-dbsync remote show` names the exact cause';
  } else if (/could not read (Username|Password)|Authentication failed|requested URL returned error: 40[13]/i.test(stderr)) {
    hint = 'give credentials the remote accepts: DBSYNC_GIT_TOKEN, or https://user:token@host/... in GIT_REMOTE_URL';
  } else if (/does not appear to be a git repository|repository .* not found|requested URL returned error: 404/i.test(stderr)) {
    hint = 'check GIT_REMOTE_URL; the repository must already exist on the remote';
  }
  return { cause, hint: `${hint}; the commit is kept and pushed by a later pass` };
}
