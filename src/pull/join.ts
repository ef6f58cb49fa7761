import { mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config/config.js';
import { Database } from '../db/database.js';
import { DbsyncError } from '../errors/dbsync-error.js';
import { Git, gitMessage } from '../git/git.js';
import { gitCredentialsOf, type Project } from '../project/project.js';
import { guardCommittedSnapshot } from '../project/snapshot-guard.js';
import { refuseUntrustedCommits } from './trusted-commits.js';
import { pushFailure } from '../push/push-commits.js';
import { restoreSnapshot, type RestoreResult } from '../restore/restore-snapshot.js';
import { listTables } from '../snapshot/schema-reader.js';
import { errnoCode } from '../errors/fs-error.js';

/** A new computer joined: the remote was cloned (or fetched into an empty repository) and its latest snapshot restored. */
export interface JoinResult {
  readonly url: string;
  readonly branch: string;
  readonly restore: RestoreResult;
}

/** A database without tables or views (in the include/exclude selection): a new computer's. */
export async function databaseIsEmpty(config: Config): Promise<boolean> {
  const db = await Database.connect(config.db);
  try {
    const { tables, views } = await listTables(db, config.db.database, { include: config.includeTables, exclude: config.excludeTables });
    return tables.length === 0 && views.length === 0;
  } finally {
    await db.close();
  }
}

async function folderIsEmpty(dir: string): Promise<boolean | null> {
  try {
    return (await readdir(dir)).length === 0;
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return null;
    throw err;
  }
}

/**
 * Step one of joining, before the project is opened: in two-way mode, with GIT_REMOTE_URL set, an
 * empty or missing PROJECT_DIR and an empty database, clone the remote into PROJECT_DIR. Returns
 * the branch cloned, or null when this is not a new computer (or the remote is still empty: the
 * first computer starts the history as usual).
 */
export async function cloneIfNew(config: Config, env: NodeJS.ProcessEnv): Promise<{ url: string; branch: string } | null> {
  const url = config.git.remoteUrl;
  if (config.sync.mode !== 'two-way' || !url) return null;
  const empty = await folderIsEmpty(config.projectDir);
  if (empty === false) return null;
  if (!(await databaseIsEmpty(config))) return null;
  const parent = path.dirname(config.projectDir);
  await mkdir(parent, { recursive: true });
  const git = new Git(parent, env, gitCredentialsOf(config));
  const { branch, result } = await git.remoteDefaultBranch(url, 60_000);
  if (result.code !== 0) {
    const { cause, hint } = pushFailure(result.stderr);
    throw new DbsyncError({ operation: 'join: read the remote', message: `${cause}`, hint: hint.replace(/; the commit is kept.*$/, '') });
  }
  if (!branch) return null;
  const r = await git.clone(url, config.projectDir, config.git.remoteName, branch);
  if (r.code !== 0)
    throw new DbsyncError({
      operation: 'join: clone the remote',
      message: gitMessage(r.stderr),
      hint: 'check GIT_REMOTE_URL and PROJECT_DIR (it must be empty or missing)',
    });
  return { url, branch };
}

/**
 * The same for a repository that exists but has no commit yet (a first attempt that stopped
 * early): fetch the remote's branch of the same name and fast-forward onto it. True when it did.
 */
export async function fetchIntoEmptyRepository(project: Project): Promise<boolean> {
  const { git, config } = project;
  const remote = project.remote;
  if (config.sync.mode !== 'two-way' || (await git.head()) !== null || remote === null || (await git.remoteUrl(remote)) === null) return false;
  const branch = await git.branch();
  if (!branch || !(await databaseIsEmpty(config))) return false;
  const r = await git.fetch(remote, branch);
  if (r.code !== 0) return false;
  const theirs = await git.resolve(`refs/remotes/${remote}/${branch}`);
  if (!theirs) return false;
  await refuseUntrustedCommits(project, null, theirs, 'join', `${remote}/${branch}`);
  // Checked before git checks it out: a symlinked snapshot folder would take the next pass's writes elsewhere.
  await guardCommittedSnapshot(git, theirs, project.snapshotPath);
  await git.mergeFastForward(theirs);
  return true;
}

/** Step two: load the latest snapshot into the empty database (restore, which then records nothing new). */
export async function restoreJoined(project: Project): Promise<RestoreResult> {
  // A clone takes whatever the remote holds: with trusted signers, its whole history must be signed before it reaches the database.
  const head = await project.git.head();
  if (head) await refuseUntrustedCommits(project, null, head, 'join', 'the cloned remote');
  return restoreSnapshot(project, { apply: true, dropExtra: false });
}
