import { access, constants, mkdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config/config.js';
import { Database } from '../db/database.js';
import { DbsyncError } from '../errors/dbsync-error.js';
import { ExitCode } from '../errors/exit-codes.js';
import { Git, type GitCredentials } from '../git/git.js';
import { resolvePushRemote } from '../remote/push-remote.js';
import { createRepository } from './create-repository.js';
import { refuseForeignRepository } from './foreign-repository.js';
import { guardWorkingSnapshot } from './snapshot-guard.js';
import { errnoCode } from '../errors/fs-error.js';

/** Everything a stage needs to find: the repository, its paths, the database. Built once per command. */
export interface Project {
  readonly config: Config;
  readonly git: Git;
  /** Top of the git working tree. */
  readonly top: string;
  /** Snapshot folder relative to `top`, POSIX separators (git pathspec). */
  readonly snapshotPath: string;
  /** Snapshot folder, absolute. */
  readonly snapshotAbs: string;
  /** git-dbsync's private folder inside .git: staging area, state, lock. */
  readonly stateDir: string;
  /** The remote to push to and pull from: only one named by GIT_REMOTE_URL or `remote set` (src/remote/push-remote.ts); null: none. */
  readonly remote: string | null;
  /** Why an existing remote is not used (it was never named), for one warning; null otherwise. */
  readonly remoteNotice: string | null;
  /** Opens a new database session. */
  readonly connect: () => Promise<Database>;
}

/** What every git command of this configuration needs: remote credentials, ssh files, the signing key. */
export function gitCredentialsOf(config: Config): GitCredentials {
  const g = config.git;
  return { username: g.username, token: g.token, sshKey: g.sshKey, sshKnownHosts: g.sshKnownHosts, signingKey: g.signingKey };
}

/**
 * Open (and if needed create) the repository at PROJECT_DIR, and PROJECT_DIR itself when only its
 * last part is missing. Checks PROJECT_DIR before touching anything else, so a wrong path fails
 * with exit 2 instead of creating a repository somewhere.
 * `requireDatabase: false` (commands that never read the database, such as `remote set`) creates
 * the repository without reaching the database first. `ownRepository: true` (`hook install`):
 * the current folder's repository is taken even when it holds other files (foreign-repository.ts).
 */
export async function openProject(
  config: Config,
  env: NodeJS.ProcessEnv,
  opts: { create?: boolean; requireDatabase?: boolean; ownRepository?: boolean; readOnly?: boolean } = {},
): Promise<Project> {
  const given = config.projectDir;
  let st = await stat(given).catch(() => null);
  if (!st && opts.create !== false) {
    // A missing PROJECT_DIR is created (as documented), but only its last part: a mistyped path
    // higher up (/srv/invocies/history) fails instead of growing a tree somewhere. The database is
    // reached first, so a wrong password leaves no folder behind.
    const parent = path.dirname(given);
    if (!(await stat(parent).catch(() => null))?.isDirectory()) {
      throw new DbsyncError({
        operation: 'open project',
        message: `PROJECT_DIR ${given} does not exist, nor does its parent folder ${parent}`,
        hint: 'create the parent folder, or fix PROJECT_DIR',
        exitCode: ExitCode.Config,
      });
    }
    if (opts.requireDatabase !== false) await (await Database.connect({ ...config.db })).close();
    await mkdir(given).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST')
        throw new DbsyncError({
          operation: 'open project',
          message: `cannot create PROJECT_DIR ${given} (${err.code ?? err.message})`,
          hint: 'create it yourself or fix the permissions of its parent folder',
          exitCode: ExitCode.Config,
          cause: err,
        });
    });
    st = await stat(given).catch(() => null);
  }
  if (!st?.isDirectory()) {
    throw new DbsyncError({
      operation: 'open project',
      message: `PROJECT_DIR ${given} does not exist or is not a folder`,
      hint: 'create it or set PROJECT_DIR to the git working tree',
      exitCode: ExitCode.Config,
    });
  }
  // Resolved once, here: git reports the top of the repository as a real path, and a PROJECT_DIR
  // given through a symlink would otherwise put the snapshot folder "outside" it (`../link/database`).
  const dir = await realpath(given);
  const denied = await access(dir, constants.W_OK).then(
    () => null,
    (err: NodeJS.ErrnoException) => err.code ?? 'EACCES',
  );
  // readOnly (the history page): nothing is written, so a read-only mount or a folder of another user is fine.
  if (denied === 'EROFS' && !opts.readOnly) {
    throw new DbsyncError({
      operation: 'open project',
      message: `PROJECT_DIR ${dir} is on a read-only file system`,
      hint: 'remount it read-write, or set PROJECT_DIR to a writable folder',
      exitCode: ExitCode.Config,
    });
  }
  if (denied && !opts.readOnly) {
    throw new DbsyncError({
      operation: 'open project',
      message: `PROJECT_DIR ${dir} is not writable by this user`,
      hint: 'fix its permissions or ownership, or set PROJECT_DIR to a writable folder',
      exitCode: ExitCode.Config,
    });
  }
  const credentials = gitCredentialsOf(config);
  let git = new Git(dir, env, credentials);
  let top = await git.topLevel();
  const existed = top !== null;
  if (top === null) {
    if (opts.create === false) {
      throw new DbsyncError({
        operation: 'open project',
        message: `${dir} is not a git repository`,
        hint: 'run `git-dbsync sync` first, or set PROJECT_DIR',
        exitCode: ExitCode.Config,
      });
    }
    // Reach the database before creating anything: a wrong password or a stopped server must not leave a new repository behind.
    if (opts.requireDatabase !== false) await (await Database.connect({ ...config.db })).close();
    await createRepository(dir, env, credentials);
    top = dir;
  }
  top = path.resolve(top);
  git = new Git(top, env, credentials);
  const snapshotAbs = path.resolve(dir, config.snapshotDir);
  const snapshotPath = path.relative(top, snapshotAbs).split(path.sep).join('/');
  const gitDir = await git.gitDir();
  const stateDir = path.join(gitDir, 'dbsync');
  if (existed && !config.projectDirGiven && !opts.ownRepository) await refuseForeignRepository(git, { top, gitDir, snapshotPath });
  // Before the first mkdir: `mkdir -p` would happily go through a symlinked snapshot folder.
  await guardWorkingSnapshot({ top, snapshotAbs });
  if (opts.readOnly)
    return { config, git, top, snapshotPath, snapshotAbs, stateDir, remote: null, remoteNotice: null, connect: () => Database.connect(config.db) };
  try {
    await mkdir(stateDir, { recursive: true });
    await mkdir(snapshotAbs, { recursive: true });
  } catch (err) {
    const code = errnoCode(err);
    throw new DbsyncError({
      operation: 'open project',
      message: `cannot create folders in ${dir} (${code})`,
      hint: 'make PROJECT_DIR writable by this user',
      exitCode: ExitCode.Config,
      cause: err,
    });
  }
  const { remote, notice } = await resolvePushRemote(git, config, snapshotPath);
  return { config, git, top, snapshotPath, snapshotAbs, stateDir, remote, remoteNotice: notice, connect: () => Database.connect(config.db) };
}

/** The snapshot folder as a path prefix relative to the top of the repository ('' or 'dir/'). */
export function snapshotPrefix(project: Pick<Project, 'snapshotPath'>): string {
  return project.snapshotPath ? project.snapshotPath + '/' : '';
}
