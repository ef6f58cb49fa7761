import { SETTINGS } from '../config/config.js';
import { SETTING_HELP, type FlaggedKey } from './setting-help.js';

/** The groups settings are shown in, by `--help` and by `git-dbsync help settings`. */
export const SETTING_GROUPS: ReadonlyArray<readonly [heading: string, keys: readonly FlaggedKey[]]> = [
  ['Database:', ['dbHost', 'dbPort', 'dbSocket', 'dbUser', 'dbPasswordFile', 'dbName', 'connectTimeout']],
  [
    'Repository:',
    [
      'projectDir',
      'snapshotDir',
      'includeTables',
      'excludeTables',
      'profile',
      'schemaOnlyTables',
      'chunkSize',
      'maxRowSize',
      'changeSource',
      'authorName',
      'authorEmail',
      'lockTimeout',
    ],
  ],
  ['Daemon (watch):', ['pollInterval', 'verifyInterval', 'quietPeriod', 'maxDelay', 'maxCpu', 'maxBackoff', 'maxUnpushed', 'metricsAddr', 'uiAddr']],
  ['Secrets:', ['secrets', 'secretPolicy', 'secretKeyFile']],
  [
    'Remote and two-way sync:',
    ['remoteUrl', 'remoteName', 'sshKey', 'sshKnownHosts', 'signingKey', 'trustedSigners', 'mode', 'pullInterval', 'conflictRule', 'pullObjects'],
  ],
  ['Files versioned with the database:', ['filesRoot', 'files', 'filesMaxSize', 'filesMaxTotal']],
  ['Logging:', ['logLevel', 'logFormat']],
];

const DB: readonly FlaggedKey[] = ['dbHost', 'dbPort', 'dbSocket', 'dbUser', 'dbPasswordFile', 'dbName'];

/**
 * The settings each command's `--help` shows: the ones a user of that command sets. Every setting
 * is still accepted as an option by every command (a setting given as a flag is never an error);
 * the rest are in `git-dbsync help settings`. Keyed by command path (`remote set`).
 */
export const COMMAND_SETTINGS: Readonly<Record<string, readonly FlaggedKey[]>> = {
  sync: [...DB, 'projectDir', 'snapshotDir', 'includeTables', 'excludeTables', 'remoteUrl', 'mode'],
  watch: [...DB, 'projectDir', 'snapshotDir', 'pollInterval', 'maxUnpushed', 'metricsAddr', 'uiAddr', 'remoteUrl', 'mode'],
  pull: [...DB, 'projectDir', 'remoteUrl', 'mode', 'conflictRule', 'pullObjects'],
  restore: [...DB, 'projectDir', 'secretKeyFile'],
  'restore row': [...DB, 'projectDir', 'snapshotDir', 'secretKeyFile'],
  'restore invoice': [...DB, 'projectDir', 'snapshotDir', 'secretKeyFile'],
  status: [...DB, 'projectDir', 'snapshotDir', 'maxUnpushed'],
  health: ['projectDir', 'pollInterval', 'maxUnpushed'],
  log: ['projectDir', 'snapshotDir'],
  show: ['projectDir', 'snapshotDir'],
  history: ['projectDir', 'snapshotDir'],
  ui: ['projectDir', 'snapshotDir', 'uiAddr'],
  conflicts: [...DB, 'projectDir'],
  resolve: [...DB, 'projectDir', 'remoteUrl'],
  doctor: DB,
  'remote set': ['projectDir', 'remoteUrl', 'remoteName', 'sshKey', 'sshKnownHosts'],
  'remote show': ['projectDir', 'remoteName'],
  'hook install': [...DB, 'projectDir', 'snapshotDir'],
  'hook uninstall': ['projectDir'],
  'hook run': [...DB, 'projectDir', 'snapshotDir'],
  'hook textconv': ['snapshotDir'],
};

/** Two examples per command, shown at the end of its `--help`. */
export const EXAMPLES: Readonly<Record<string, readonly string[]>> = {
  sync: ['DB_USER=app DB_NAME=invoiceplane PROJECT_DIR=~/history git-dbsync sync', 'git-dbsync sync -q     # from cron: prints nothing when all went well'],
  watch: ['DB_USER=app DB_NAME=invoiceplane PROJECT_DIR=~/history git-dbsync watch', 'POLL_INTERVAL=5 DBSYNC_METRICS_ADDR=127.0.0.1:9187 git-dbsync watch'],
  pull: ['DBSYNC_MODE=two-way git-dbsync pull', 'git-dbsync pull --adopt-remote   # a new computer, unrelated history'],
  restore: ['git-dbsync restore --at yesterday     # the plan only', 'git-dbsync restore --at "2026-12-01 17:00" --tables ip_payments --yes'],
  'restore row': [
    'git-dbsync restore row ip_invoices 42 --at yesterday     # the plan only',
    'git-dbsync restore row ip_invoice_items 7 --at "2026-12-01 17:00" --yes',
  ],
  'restore invoice': ['git-dbsync restore invoice INV-2026-0042 --at yesterday     # the plan only', 'git-dbsync restore invoice INV-2026-0042 HEAD~3 --yes'],
  status: ['git-dbsync status', 'git-dbsync status --json | jq .verdict'],
  health: ['git-dbsync health', 'git-dbsync health --max-age 300'],
  log: ['git-dbsync log -n 20', 'git-dbsync log --table ip_invoices --since "3 days ago"'],
  show: ['git-dbsync show', 'git-dbsync show HEAD~3'],
  history: ['git-dbsync history ip_invoices 42', 'git-dbsync history invoice INV-2026-0042   # with its items, payments'],
  ui: ['git-dbsync ui', 'DBSYNC_UI_ADDR=127.0.0.1:8082 PROJECT_DIR=~/history git-dbsync ui'],
  conflicts: ['git-dbsync conflicts', 'git-dbsync conflicts --json'],
  resolve: ['git-dbsync resolve ip_invoices 43 --theirs', 'git-dbsync resolve ip_clients 7 --value "ACME Ltd" --column client_name'],
  doctor: ['git-dbsync doctor', 'git-dbsync doctor --computers 2 --this 1'],
  demo: ['git-dbsync demo', 'git-dbsync demo --keep-db'],
  'remote set': ['git-dbsync remote set git@host:me/invoices-history.git', 'DBSYNC_GIT_TOKEN=... git-dbsync remote set https://host/me/h.git'],
  'remote show': ['git-dbsync remote show', 'PROJECT_DIR=~/history git-dbsync remote show'],
  'hook install': ['git-dbsync hook install', 'git commit -m "my change"   # the hook adds a fresh snapshot'],
  'hook uninstall': ['git-dbsync hook uninstall', 'PROJECT_DIR=~/history git-dbsync hook uninstall'],
  'hook run': ['git-dbsync hook run    # what the pre-commit hook runs', 'git commit -m "my change"   # runs it'],
  'hook textconv': ['git log -p -- database/data    # runs it for each version', 'git-dbsync hook textconv database/data/ip_invoices.sql'],
};

/** The last lines of every command's `--help`: where the other settings are. */
export const MORE_SETTINGS = 'All settings (each also an environment variable): git-dbsync help settings';

/** Plain text for a terminal: no markdown links, code marks or emphasis. */
export function plainText(doc: string): string {
  return doc
    .replace(/\[([^\]]+)\]\([^)]*\)/g, '$1')
    .replace(/`([^`]*)`/g, '$1')
    .replace(/\*([^*]+)\*/g, '$1');
}

/**
 * `git-dbsync help settings`: every setting, grouped, with its option, environment variable,
 * default and full description (the text of docs/reference/configuration.md, without markdown).
 */
export function settingsReference(): string {
  const out: string[] = ['Settings come from options, then environment variables, then defaults.', ''];
  const entries = Object.entries(SETTINGS) as Array<[string, { flag?: string; env: readonly string[]; default?: string; doc: string }]>;
  const wrap = (text: string) => (text.match(/.{1,74}(\s|$)/g) ?? [text]).map((l) => `      ${l.trimEnd()}`);
  for (const [heading, keys] of SETTING_GROUPS) {
    out.push(heading);
    for (const key of keys) {
      const s = SETTINGS[key] as { flag: string; env: readonly string[]; default?: string; doc: string };
      const def = s.default !== undefined && s.default !== '' ? ` (default ${s.default})` : '';
      out.push(`  ${s.env.join(', ')}, --${s.flag.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())} ${SETTING_HELP[key][0]}${def}`, ...wrap(plainText(s.doc)));
    }
    out.push('');
  }
  out.push('Environment only (secrets never go on a command line):');
  for (const [, s] of entries.filter(([, s]) => !s.flag)) out.push(`  ${s.env.join(', ')}`, ...wrap(plainText(s.doc)));
  return out.join('\n');
}
