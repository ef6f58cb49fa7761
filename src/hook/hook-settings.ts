import path from 'node:path';
import { SETTINGS, type FlagValues } from '../config/config.js';
import { DbsyncError } from '../errors/dbsync-error.js';
import { ExitCode } from '../errors/exit-codes.js';

/**
 * Settings the hook never carries. PROJECT_DIR: the hook always works on the repository being
 * committed. DBSYNC_DIR: written separately (relative to the top of that repository). The remote
 * URL may hold a token, and the hook neither pushes nor commits nor loops, so the remote, author
 * and timing settings mean nothing to it.
 */
const NOT_CARRIED = new Set([
  'projectDir',
  'snapshotDir',
  'remoteUrl',
  'remoteName',
  'sshKey',
  'sshKnownHosts',
  'authorName',
  'authorEmail',
  'pollInterval',
  'maxBackoff',
]);

/** Settings whose value is a path: written absolute, because the hook runs from the top of the repository, not from where install ran. */
const PATH_NAMES = /(File|Socket|Key|KnownHosts|Path)$/;

export interface HookSettings {
  /** Environment name and value of each setting written into the hook, in SETTINGS order. */
  readonly values: ReadonlyArray<readonly [string, string]>;
  /** True when the password came from DB_PASSWORD only: the hook cannot have it (it is never written). */
  readonly passwordOnlyInEnvironment: boolean;
}

/**
 * The settings active now (given by flag or environment, not defaults), to be written into the
 * hook as defaults. Secrets are never among them: every setting that holds one (DB_PASSWORD,
 * DBSYNC_GIT_TOKEN, ...) is environment-only in SETTINGS, so only settings with a flag qualify.
 */
export function hookSettings(opts: { env: NodeJS.ProcessEnv; flags: FlagValues; cwd: string; snapshotPath: string }): HookSettings {
  const values: Array<readonly [string, string]> = [];
  for (const [key, s] of Object.entries(SETTINGS) as Array<[string, { flag?: string; env: readonly string[] }]>) {
    if (!s.flag || NOT_CARRIED.has(key)) continue;
    let raw = opts.flags[s.flag];
    if (raw === undefined) raw = s.env.map((n) => opts.env[n]).find((v) => v !== undefined && v !== '');
    if (raw === undefined) continue;
    if (/[\n\r\0]/.test(raw)) {
      throw new DbsyncError({
        operation: 'install hook',
        message: `${s.env[0]} contains a line break`,
        hint: 'fix the setting; the hook keeps one setting per line',
        exitCode: ExitCode.Config,
      });
    }
    values.push([s.env[0]!, PATH_NAMES.test(key) ? path.resolve(opts.cwd, raw) : raw]);
  }
  values.push(['DBSYNC_DIR', opts.snapshotPath]);
  const fromFile = opts.flags.dbPasswordFile !== undefined || (opts.env.DB_PASSWORD_FILE ?? '') !== '';
  return { values, passwordOnlyInEnvironment: !fromFile && (opts.env.DB_PASSWORD ?? '') !== '' };
}
