import { realpath } from 'node:fs/promises';
import path from 'node:path';
import type { FlagValues } from '../config/config.js';
import { DbsyncError, messageOf } from '../errors/dbsync-error.js';
import { ExitCode } from '../errors/exit-codes.js';
import { Git } from '../git/git.js';
import { absoluteGitPaths, commitIndexFiles } from '../hook/commit-index.js';
import { hookBlock, type HookCommand } from '../hook/hook-script.js';
import { hookSettings } from '../hook/hook-settings.js';
import { installHook, uninstallHook, type InstallResult, type UninstallResult } from '../hook/install-hook.js';
import { installDiffDriver, uninstallDiffDriver } from '../hook/diff-driver.js';
import { refreshForCommit } from '../hook/refresh-for-commit.js';
import type { Project } from '../project/project.js';
import { commandContext } from './context.js';

export interface HookIo {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

/**
 * `git-dbsync hook install`: the pre-commit hook and the diff driver (src/hook/diff-driver.ts) of PROJECT_DIR's repository, in the folder git
 * runs hooks from (core.hooksPath when set, else .git/hooks). The settings given now (flags and
 * environment, never secrets) are written into it as defaults, with this node and this
 * git-dbsync, so that a commit from a shell without DB_* variables still reaches the database.
 */
export async function hookInstallCommand(flags: FlagValues, env: NodeJS.ProcessEnv, cwd: string, command: HookCommand, io: HookIo): Promise<number> {
  // Installing the hook is the user's explicit choice to version the database in this repository.
  const { project } = await commandContext(flags, env, cwd, { create: false, ownRepository: true });
  const hooksDir = await ownHooksDir(project);
  const settings = hookSettings({ env, flags, cwd, snapshotPath: project.snapshotPath });
  const r = await installHook(hooksDir, (chainTo) => hookBlock({ command, settings: settings.values, chainTo }));
  io.out(renderInstall(r));
  await installDiffDriver(project.git, project.snapshotPath, command);
  io.out('git log -p, git show and git diff now show data files cell by cell with column names (diff driver dbsync in .git/config)');
  if (settings.passwordOnlyInEnvironment && r.action !== 'unchanged') {
    io.err(
      'git-dbsync: note: the hook does not store the database password (DB_PASSWORD): commits need DB_PASSWORD in their environment, or install with DB_PASSWORD_FILE',
    );
  }
  return ExitCode.Ok;
}

/** `git-dbsync hook uninstall`: takes out only what install put in; needs no database settings. */
export async function hookUninstallCommand(flags: FlagValues, env: NodeJS.ProcessEnv, cwd: string, io: HookIo): Promise<number> {
  const { project } = await commandContext(flags, env, cwd, { create: false, requireDatabase: false, ownRepository: true });
  io.out(renderUninstall(await uninstallHook(await project.git.hooksDir())));
  if (await uninstallDiffDriver(project.git)) io.out('removed the diff driver dbsync: git log -p shows data files as they are');
  return ExitCode.Ok;
}

/**
 * `git-dbsync hook run`, what the hook runs: refresh the snapshot and stage it into the commit
 * being made. Always works on the repository it is run in (git runs hooks at the top of the
 * working tree), whatever PROJECT_DIR the environment holds. A failure stops the commit with one
 * line that says why and how to commit without the refresh.
 */
export async function hookRunCommand(flags: FlagValues, env: NodeJS.ProcessEnv, cwd: string, io: HookIo): Promise<number> {
  try {
    const gitEnv = absoluteGitPaths(env, cwd);
    const top = flags.projectDir ?? (await new Git(cwd, gitEnv).topLevel());
    if (!top)
      throw new DbsyncError({
        operation: 'open project',
        message: `${cwd} is not in a git repository`,
        hint: 'run it from the repository (git runs the hook there)',
        exitCode: ExitCode.Config,
      });
    const { project } = await commandContext({ ...flags, projectDir: top }, gitEnv, cwd, { create: false });
    const r = await refreshForCommit(project, commitIndexFiles(gitEnv, cwd));
    if (r.inCommit.length > 0) io.out(`git-dbsync: database snapshot refreshed; this commit includes ${listFiles(r.inCommit)}`);
    return ExitCode.Ok;
  } catch (err) {
    const line = err instanceof DbsyncError ? err.toLine() : `unexpected error: ${messageOf(err)}`;
    io.err(`git-dbsync: commit stopped, the database snapshot could not be refreshed: ${line} (\`git commit --no-verify\` commits without refreshing it)`);
    return err instanceof DbsyncError ? err.exitCode : ExitCode.Failure;
  }
}

/**
 * The hooks folder, refused when it lies outside this repository: a core.hooksPath shared by
 * other repositories (a global one, say) would make every one of them snapshot this database.
 */
async function ownHooksDir(project: Project): Promise<string> {
  const hooksDir = await project.git.hooksDir();
  const real = async (p: string) => realpath(p).catch(() => path.resolve(p));
  // The hooks folder may not exist yet: compare its nearest existing parent.
  let probe = hooksDir;
  while (
    probe !== path.dirname(probe) &&
    (await realpath(probe).then(
      () => false,
      () => true,
    ))
  )
    probe = path.dirname(probe);
  const at = path.join(await real(probe), path.relative(probe, hooksDir));
  const inside = (root: string) => at === root || at.startsWith(root + path.sep);
  if (inside(await real(project.top)) || inside(await real(await project.git.commonDir()))) return hooksDir;
  throw new DbsyncError({
    operation: 'install hook',
    message: `core.hooksPath points to ${hooksDir}, outside this repository (other repositories may share it)`,
    hint: 'give this repository its own hooks folder (git config core.hooksPath .githooks, or git config --unset core.hooksPath), then run `git-dbsync hook install` again',
    exitCode: ExitCode.Config,
  });
}

function listFiles(files: readonly string[]): string {
  const shown = files.slice(0, 5).join(', ');
  return files.length > 5 ? `${shown} and ${files.length - 5} more snapshot files` : shown;
}

function renderInstall(r: InstallResult): string {
  const what = 'a `git commit` now refreshes the database snapshot and includes it (`git commit --no-verify` skips that)';
  switch (r.action) {
    case 'created':
      return `installed the pre-commit hook ${r.file}: ${what}`;
    case 'inserted':
      return `added git-dbsync to your pre-commit hook ${r.file}, before your own commands: ${what}`;
    case 'chained':
      return `installed the pre-commit hook ${r.file}; your previous hook was moved to ${r.aside} and runs after the refresh: ${what}`;
    case 'updated':
      return `updated the git-dbsync part of the pre-commit hook ${r.file} (settings or paths changed)`;
    case 'unchanged':
      return `the pre-commit hook ${r.file} is already installed and up to date`;
  }
}

function renderUninstall(r: UninstallResult): string {
  switch (r.action) {
    case 'removed':
      return `removed the pre-commit hook ${r.file} (git-dbsync had created it)`;
    case 'restored':
      return `removed git-dbsync's pre-commit hook and put your previous hook back at ${r.file}`;
    case 'block-removed':
      return r.asideLeft
        ? `removed the git-dbsync part of ${r.file}; your earlier hook is still at ${r.asideLeft} (the file was edited after install, so it was not put back)`
        : `removed the git-dbsync part of the pre-commit hook ${r.file}; the rest is as it was`;
    case 'not-installed':
      return `no git-dbsync hook in ${r.file}; nothing to remove`;
  }
}
