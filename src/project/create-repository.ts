import { mkdtemp, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { DbsyncError } from '../errors/dbsync-error.js';
import { ExitCode } from '../errors/exit-codes.js';
import { Git, type GitCredentials } from '../git/git.js';
import { errnoCode } from '../errors/fs-error.js';

/**
 * Creates the git repository of `dir` so that two processes doing so at the same moment cannot
 * collide: `git init` copies its templates file by file and fails with "File exists" when another
 * `git init` writes the same .git (seen in CI, two `sync` started at once in an empty folder). So
 * the repository is made in a private folder inside `dir` (same file system: rename cannot cross
 * one) and its .git moved into place with one rename(2). The first rename wins; a later one finds
 * `dir/.git` not empty, fails with ENOTEMPTY or EEXIST, and that process simply uses the winner's
 * repository (its repository lock then orders the two passes). The private folder is removed in
 * every case; only a kill between mkdtemp and that removal leaves an empty `.git-dbsync-init-*`
 * folder behind, which no commit ever includes (git-dbsync stages only the snapshot folder).
 */
export async function createRepository(dir: string, env: NodeJS.ProcessEnv, credentials: GitCredentials): Promise<void> {
  const staging = await mkdtemp(path.join(dir, '.git-dbsync-init-'));
  try {
    await new Git(staging, env, credentials).init();
    try {
      await rename(path.join(staging, '.git'), path.join(dir, '.git'));
    } catch (err) {
      const code = errnoCode(err);
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST')
        throw new DbsyncError({
          operation: 'create git repository',
          message: `cannot move the new repository into ${dir} (${code})`,
          hint: 'check that PROJECT_DIR is writable',
          exitCode: ExitCode.Config,
          cause: err,
        });
    }
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
