import { redactRemoteUrl, splitRemoteCredentials, type FlagValues } from '../config/config.js';
import { DbsyncError } from '../errors/dbsync-error.js';
import { ExitCode } from '../errors/exit-codes.js';
import { checkRemote, PROBE_NAMESPACE, type RemoteCheck } from '../remote/check-remote.js';
import type { CommandContext } from './context.js';

/**
 * The flags for `remote set [URL]`: the URL argument, checked before anything is touched (exit 2
 * when malformed), given as --remote-url so it wins over GIT_REMOTE_URL. Without the argument,
 * --remote-url or GIT_REMOTE_URL is used (which keeps a token off the command line).
 */
export function remoteSetFlags(url: string | undefined, flags: FlagValues, env: NodeJS.ProcessEnv): FlagValues {
  if (url === undefined) {
    if (flags.remoteUrl === undefined && !env.GIT_REMOTE_URL) {
      throw new DbsyncError({
        operation: 'remote set',
        message: 'no URL given',
        hint: 'run git-dbsync remote set URL (ssh://host/path, git@host:path, https://host/path or a folder), or set GIT_REMOTE_URL',
        exitCode: ExitCode.Config,
      });
    }
    return flags;
  }
  if (url.trim() === '')
    throw new DbsyncError({
      operation: 'configuration',
      message: 'URL: must not be empty',
      hint: "give the remote repository's URL",
      exitCode: ExitCode.Config,
    });
  splitRemoteCredentials(url, 'URL');
  return { ...flags, remoteUrl: url };
}

function failure(operation: string, check: Extract<RemoteCheck, { ok: false }>): DbsyncError {
  return new DbsyncError({ operation, message: check.failure.message, hint: check.failure.hint, exitCode: ExitCode.Failure });
}

/**
 * `git-dbsync remote set [URL]`: the remote is saved (without credentials) by opening the project;
 * this checks that it can be reached, read and written. Exit 0 when it can, 1 with one line naming
 * the cause when it cannot (the remote stays saved), 2 for a malformed URL.
 */
export async function remoteSetCommand(ctx: CommandContext, env: NodeJS.ProcessEnv): Promise<number> {
  const { config, project, log } = ctx;
  const name = config.git.remoteName;
  const url = config.git.remoteUrl!;
  const shown = redactRemoteUrl(url);
  let fromEnv: { url: string; password?: string } | undefined;
  try {
    fromEnv = env.GIT_REMOTE_URL ? splitRemoteCredentials(env.GIT_REMOTE_URL) : undefined;
  } catch {
    fromEnv = undefined;
  }
  if (config.git.token && !env.DBSYNC_GIT_TOKEN && !env.GITHUB_TOKEN && fromEnv?.password !== config.git.token) {
    log.warn('the token in the URL is used for this check only and is stored nowhere: give it to sync and watch as DBSYNC_GIT_TOKEN');
  }
  if (env.GIT_REMOTE_URL && fromEnv?.url !== url) {
    log.warn('GIT_REMOTE_URL is set to another URL and replaces this one at the next sync: unset it, or set it to this URL');
  }
  const check = await checkRemote(project.git, name, url, { write: true });
  if (!check.ok) {
    ctx.out(`remote ${name} set to ${shown}`);
    throw failure(`check remote ${name}`, check);
  }
  if (check.leftover) {
    log.warn(
      `the write probe ${check.leftover.ref} could not be deleted from the remote (${check.leftover.cause}): delete it with git push ${name} :${check.leftover.ref}`,
    );
  }
  ctx.out(`remote ${name} set to ${shown}: reachable and writable (${branchCount(check.branches)}; probe ref under ${PROBE_NAMESPACE} pushed and deleted)`);
  return ExitCode.Ok;
}

/** `git-dbsync remote show`: the remote's URL (credentials masked) and whether it can be reached and read. */
export async function remoteShowCommand(ctx: CommandContext): Promise<number> {
  const { config, project } = ctx;
  const name = config.git.remoteName;
  const url = await project.git.remoteUrl(name);
  if (url === null) {
    throw new DbsyncError({
      operation: 'remote show',
      message: `no remote named ${name}`,
      hint: 'set one with git-dbsync remote set URL (or GIT_REMOTE_URL)',
      exitCode: ExitCode.Config,
    });
  }
  const shown = redactRemoteUrl(url);
  const check = await checkRemote(project.git, name, url, { write: false });
  if (!check.ok) {
    ctx.out(`${name} ${shown}`);
    throw failure(`reach remote ${name}`, check);
  }
  ctx.out(`${name} ${shown}: reachable (${branchCount(check.branches)})`);
  return ExitCode.Ok;
}

function branchCount(n: number): string {
  return n === 1 ? '1 branch' : `${n} branches`;
}
