import { stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { loadConfig, type Config, type FlagValues } from '../config/config.js';
import { DbsyncError } from '../errors/dbsync-error.js';
import { ExitCode } from '../errors/exit-codes.js';
import { processAlive } from '../fs/atomic-file.js';
import { Git } from '../git/git.js';
import { readState } from '../state/state-store.js';
import { evaluateHealth, formatHealthy } from '../status/health.js';

/** Docker reads 0 as healthy and 1 as unhealthy (2 is reserved), so every failure of `health` is 1. */
function unhealthy(message: string, hint: string): DbsyncError {
  return new DbsyncError({ operation: 'health', message, hint, exitCode: ExitCode.Failure });
}

/** `--max-age SECONDS`, validated like the settings. */
export function parseMaxAge(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || n <= 0)
    throw unhealthy(`--max-age=${JSON.stringify(raw)}: must be a number of seconds above 0`, 'fix the option');
  return Math.round(n * 1000);
}

/**
 * `git-dbsync health [--max-age SECONDS]`: exit 0 when the `watch` recorded in .git/dbsync/state.json
 * runs and its last successful check (a pass, or a poll that found nothing changed) is recent,
 * else exit 1 with one line saying why. Reads only the state file: it never connects to the
 * database, never needs the password, never takes the run lock and never creates or changes
 * anything (it is the container's HEALTHCHECK).
 */
export async function healthCommand(
  flags: FlagValues,
  env: NodeJS.ProcessEnv,
  cwd: string,
  opts: { maxAge?: string; out: (line: string) => void },
): Promise<number> {
  const maxAgeMs = parseMaxAge(opts.maxAge);
  // The password is none of health's business: an unreadable secret file must not make it fail.
  const { DB_PASSWORD: _p, DB_PASSWORD_FILE: _f, ...envWithoutPassword } = env;
  let config: Config;
  try {
    config = loadConfig({ env: envWithoutPassword, flags: { ...flags, dbPasswordFile: undefined }, cwd, requireDatabase: false });
  } catch (err) {
    if (err instanceof DbsyncError) throw unhealthy(err.message, err.hint);
    throw err;
  }
  const dir = config.projectDir;
  const st = await stat(dir).catch(() => null);
  if (!st?.isDirectory())
    throw unhealthy(`PROJECT_DIR ${dir} does not exist or is not a folder`, 'mount the project folder (in Docker at /project) or set PROJECT_DIR');
  const git = new Git(dir, env);
  if ((await git.topLevel()) === null) throw unhealthy(`PROJECT_DIR ${dir} is not a git repository yet`, 'start `git-dbsync watch`: its first pass creates it');
  const stateDir = path.join(await git.gitDir(), 'dbsync');
  const report = evaluateHealth({
    state: await readState(stateDir),
    now: Date.now(),
    pollIntervalMs: config.pollIntervalMs,
    maxAgeMs,
    hostname: hostname(),
    alive: processAlive,
    maxUnpushedMs: config.maxUnpushedMs,
  });
  if (!report.healthy) throw unhealthy(report.reason, report.hint);
  opts.out(formatHealthy(report));
  return ExitCode.Ok;
}
