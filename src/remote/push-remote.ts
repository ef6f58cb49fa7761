import type { Config } from '../config/config.js';
import type { Git } from '../git/git.js';

/** The git config key that names the remote git-dbsync was told to use (GIT_REMOTE_URL or `remote set`). */
export const REMOTE_KEY = 'dbsync.remote';

export interface PushRemote {
  /** The remote to fetch from and push to, or null: nothing is pushed or pulled. */
  readonly remote: string | null;
  /** One line for the log when a remote of that name exists but was never named to git-dbsync (null otherwise). */
  readonly notice: string | null;
}

/**
 * Which remote git-dbsync may push to: only one it was told about. A remote is named by
 * GIT_REMOTE_URL (or `remote set URL`, which goes through the same setting); that records
 * `dbsync.remote = <DBSYNC_REMOTE>` in the repository's .git/config, and later runs without
 * GIT_REMOTE_URL use that remote. A pre-existing `origin` the user never named (the clone a
 * command happened to run in) is never pushed to.
 *
 * Migration: repositories set up by earlier versions have no key. When the remote's tracking
 * branches already hold git-dbsync's snapshot commits (its author, touching the snapshot folder),
 * git-dbsync itself pushed there before: the key is recorded and pushing goes on as it did.
 */
export async function resolvePushRemote(git: Git, config: Config, snapshotPath: string): Promise<PushRemote> {
  const name = config.git.remoteName;
  if (config.git.remoteUrl) {
    await git.setRemote(name, config.git.remoteUrl);
    if ((await git.configGet(REMOTE_KEY)) !== name) await git.configSet(REMOTE_KEY, name);
    return { remote: name, notice: null };
  }
  if ((await git.remoteUrl(name)) === null) return { remote: null, notice: null };
  if ((await git.configGet(REMOTE_KEY)) === name) return { remote: name, notice: null };
  if (await git.remoteHasCommitsBy(name, config.git.authorEmail, snapshotPath)) {
    await git.configSet(REMOTE_KEY, name);
    return { remote: name, notice: null };
  }
  return {
    remote: null,
    notice: `remote ${name} was not named to git-dbsync (GIT_REMOTE_URL or \`git-dbsync remote set\`), so nothing is pushed to it or pulled from it -- to back up there, run \`git-dbsync remote set\` with its URL`,
  };
}
