import path from 'node:path';

/**
 * The index files a pre-commit hook must stage the snapshot into. git names the index the commit
 * is made from in GIT_INDEX_FILE (relative paths are relative to the top of the working tree,
 * where git runs hooks):
 *  - `git commit` (what is staged): .git/index itself, unlocked while the hook runs; git reads it
 *    again after the hook;
 *  - `git commit -a` and `git commit -i PATHS`: .git/index.lock, which becomes .git/index when
 *    the commit is done;
 *  - `git commit PATHS` (`--only`): a temporary .git/next-index-<pid>.lock holds the commit's
 *    tree, while .git/index.lock holds what .git/index will be afterwards. Staging into the
 *    temporary one alone would commit the new snapshot but leave the old one in the real index
 *    (`git status` would show it changed back, and a later `git commit --no-verify` would commit
 *    that), so `realIndexLock` names the second one; the caller stages into it when it exists.
 * Outside a commit (the hook run by hand) GIT_INDEX_FILE is unset and git's default index is used.
 */
export function commitIndexFiles(env: NodeJS.ProcessEnv, cwd: string): { commitIndex: string | undefined; realIndexLock: string | undefined } {
  const raw = env.GIT_INDEX_FILE;
  if (!raw) return { commitIndex: undefined, realIndexLock: undefined };
  const commitIndex = path.resolve(cwd, raw);
  const partial = /^next-index-\d+\.lock$/.test(path.basename(commitIndex));
  return { commitIndex, realIndexLock: partial ? path.join(path.dirname(commitIndex), 'index.lock') : undefined };
}

/**
 * git's path variables as absolute paths: git gives a hook relative ones (GIT_INDEX_FILE=.git/index),
 * which would point elsewhere for a git process started in another folder (PROJECT_DIR below the top).
 */
export function absoluteGitPaths(env: NodeJS.ProcessEnv, cwd: string): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...env };
  for (const k of ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_OBJECT_DIRECTORY', 'GIT_COMMON_DIR']) {
    const v = out[k];
    if (v) out[k] = path.resolve(cwd, v);
  }
  return out;
}
