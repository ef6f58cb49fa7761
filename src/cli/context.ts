import { loadConfig, type Config, type FlagValues } from '../config/config.js';
import { createLogger, type Logger } from '../log/logger.js';
import { openProject, type Project } from '../project/project.js';

/** What every command gets: validated config, a logger, the opened project. */
export interface CommandContext {
  readonly config: Config;
  readonly log: Logger;
  readonly project: Project;
  readonly out: (line: string) => void;
}

/**
 * `create: false` for commands that only read or restore: they never create a repository.
 * `requireDatabase: false` for commands that never read the database (DB_USER and DB_NAME optional).
 */
export async function commandContext(
  flags: FlagValues,
  env: NodeJS.ProcessEnv,
  cwd: string,
  opts: { create?: boolean; requireDatabase?: boolean; ownRepository?: boolean; readOnly?: boolean } = {},
): Promise<CommandContext> {
  const config = loadConfig({ env, flags, cwd, requireDatabase: opts.requireDatabase });
  const log = createLogger({ level: config.log.level, format: config.log.format });
  const project = await openProject(config, env, opts);
  if (project.remoteNotice) log.warn(project.remoteNotice);
  if (config.git.droppedSshPassword)
    log.warn(
      'the password in the ssh:// URL is not used and is stored nowhere: ssh runs in batch mode and takes a key (DBSYNC_SSH_KEY, or ~/.ssh); remove the password from GIT_REMOTE_URL',
    );
  return { config, log, project, out: (line) => process.stdout.write(line + '\n') };
}
