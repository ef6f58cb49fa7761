import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { DbsyncError } from '../errors/dbsync-error.js';
import { ExitCode } from '../errors/exit-codes.js';
import type { Git } from '../git/git.js';
import { BLOCK_BEGIN, HOOK_NAME } from './hook-marker.js';

/**
 * PROJECT_DIR defaults to the current folder. Run inside a clone of some other project, that
 * default would commit the database into that project and push it to its remote. So without
 * PROJECT_DIR, a repository that holds files outside the snapshot folder is refused unless
 * git-dbsync was asked to live there: its pre-commit hook is installed (`hook install`: the
 * database versioned next to the code on purpose), or git-dbsync has run in it before (its state
 * folder .git/dbsync exists: set up by an earlier version, kept working).
 */
export async function refuseForeignRepository(git: Git, opts: { top: string; gitDir: string; snapshotPath: string }): Promise<void> {
  if (existsSync(path.join(opts.gitDir, 'dbsync'))) return;
  const others = await git.trackedOutside(opts.snapshotPath, 3);
  if (others.length === 0) return;
  const hook = await readFile(path.join(await git.hooksDir(), HOOK_NAME), 'utf8').catch(() => '');
  if (hook.includes(BLOCK_BEGIN)) return;
  throw new DbsyncError({
    operation: 'open project',
    message: `PROJECT_DIR is not set, and the current folder is inside the git repository ${opts.top}, which holds other files (${others.join(', ')}${others.length === 3 ? ', ...' : ''}); git-dbsync would commit the database into it`,
    hint: 'set PROJECT_DIR (or --project-dir) to a folder of its own for the snapshots (created if missing); to version the database in this repository on purpose, run `git-dbsync hook install` here first',
    exitCode: ExitCode.Config,
  });
}
