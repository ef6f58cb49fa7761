import { SETTINGS } from '../config/config.js';

type SettingKey = keyof typeof SETTINGS;
/** The settings that have a command-line option (the others are environment only, e.g. DB_PASSWORD). */
export type FlaggedKey = { [K in SettingKey]: (typeof SETTINGS)[K] extends { readonly flag: string } ? K : never }[SettingKey];

/**
 * How `--help` shows each setting's option: the name of its value (`--db-host HOST`) and one short
 * line. The full text is SETTINGS' `doc` (docs/reference/configuration.md, `git-dbsync help settings`).
 * A Record over FlaggedKey: a new flagged setting does not compile without its entry here.
 */
export const SETTING_HELP: Readonly<Record<FlaggedKey, readonly [value: string, short: string]>> = {
  dbHost: ['HOST', 'database server'],
  dbPort: ['PORT', 'its TCP port'],
  dbSocket: ['PATH', 'Unix socket instead of host, port'],
  dbUser: ['USER', 'user (required)'],
  dbPasswordFile: ['FILE', 'file holding the password'],
  dbName: ['NAME', 'database to version (required)'],
  connectTimeout: ['SECONDS', 'wait for a connection'],
  projectDir: ['DIR', 'git repository (default: here)'],
  snapshotDir: ['DIR', 'snapshot folder inside it'],
  pollInterval: ['SECONDS', 'between change checks'],
  verifyInterval: ['SECONDS', 'between full passes of watch'],
  quietPeriod: ['SECONDS', 'quiet time before a snapshot'],
  maxDelay: ['SECONDS', 'longest wait for quiet'],
  maxCpu: ['PERCENT', 'CPU cap of watch (0: none)'],
  maxBackoff: ['SECONDS', 'longest wait between retries'],
  lockTimeout: ['SECONDS', 'wait for another git-dbsync run'],
  mode: ['MODE', 'backup or two-way'],
  pullInterval: ['SECONDS', 'between pulls of watch'],
  conflictRule: ['RULE', 'conflicts keep: theirs, ours, newest'],
  pullObjects: ['HOW', 'changed views, triggers...: conflict, apply'],
  includeTables: ['LIST', 'only these tables'],
  excludeTables: ['LIST', 'leave out these tables'],
  profile: ['NAME', 'application profile: auto, none, a name'],
  schemaOnlyTables: ['LIST', 'tables kept without their rows'],
  secrets: ['HOW', 'secret columns: auto, encrypt, redact, keep'],
  secretPolicy: ['LIST', 'per-column secret policies'],
  secretKeyFile: ['FILE', 'key of encrypted secrets'],
  chunkSize: ['SIZE', 'split data files of larger tables'],
  maxRowSize: ['SIZE', 'largest row read'],
  changeSource: ['HOW', 'auto, binlog, checksum, full'],
  filesRoot: ['DIR', "the application's folder"],
  files: ['LIST', 'files in it versioned with the data'],
  filesMaxSize: ['SIZE', 'largest file versioned'],
  filesMaxTotal: ['SIZE', 'most bytes of files versioned'],
  remoteUrl: ['URL', 'remote to push to'],
  remoteName: ['NAME', 'name of that git remote'],
  sshKey: ['FILE', 'ssh private key for the remote'],
  sshKnownHosts: ['FILE', "known_hosts with the remote's key"],
  authorName: ['NAME', 'author of snapshot commits'],
  authorEmail: ['EMAIL', 'their e-mail'],
  signingKey: ['FILE', 'ssh key signing every commit'],
  trustedSigners: ['FILE', 'allowed signers of pulled commits'],
  logLevel: ['LEVEL', 'debug, info, warn, error'],
  maxUnpushed: ['SECONDS', 'unpushed this long is failing'],
  metricsAddr: ['ADDR', 'serve Prometheus metrics'],
  uiAddr: ['ADDR', 'serve the history page'],
  logFormat: ['FORMAT', 'text or json'],
};

/** The option's description in `--help`: the short line, then the environment variable with its default (`database server; DB_HOST=127.0.0.1`). */
export function settingDescription(key: FlaggedKey): string {
  const s: { env: readonly string[]; default?: string } = SETTINGS[key];
  return `${SETTING_HELP[key][1]}; ${s.env[0]}${s.default !== undefined && s.default !== '' ? `=${s.default}` : ''}`;
}
