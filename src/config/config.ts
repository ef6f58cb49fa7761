import { accessSync, constants, readFileSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { DbsyncError } from '../errors/dbsync-error.js';
import { ExitCode } from '../errors/exit-codes.js';
import { PROFILE_NAMES } from '../profile/profiles.js';
import { loadSecretsConfig, secretsSettingSchemas } from '../secrets/secrets-config.js';
import type { SecretsConfig } from '../secrets/secret-policy.js';
import { errnoCode } from '../errors/fs-error.js';

/** The validated, frozen configuration every stage reads. Built only by `loadConfig`; the types of its choices come from the SETTINGS schemas. */
export interface Config {
  readonly db: {
    readonly host: string;
    readonly port: number;
    readonly socket: string | undefined;
    readonly user: string;
    /** Never logged, never put on a command line. */
    readonly password: string | undefined;
    readonly database: string;
    readonly connectTimeoutMs: number;
  };
  readonly projectDir: string;
  /** False when PROJECT_DIR is the current folder by default (neither the variable nor the flag was given). */
  readonly projectDirGiven: boolean;
  /** Snapshot folder, relative to projectDir, POSIX separators. */
  readonly snapshotDir: string;
  readonly pollIntervalMs: number;
  /** `watch`: a full pass at least this often whatever the change probe says; 0 = every poll (no probe). */
  readonly verifyIntervalMs: number;
  /** `watch`: how long the probe must stay unchanged before a pass runs. */
  readonly quietPeriodMs: number;
  /** `watch`: the longest a seen change waits for quiet. */
  readonly maxDelayMs: number;
  readonly maxBackoffMs: number;
  /** DBSYNC_MAX_CPU as a share of one core (0.03 = 3 %); 0: no cap (see src/daemon/cpu-budget.ts). */
  readonly maxCpuShare: number;
  readonly lockTimeoutMs: number;
  /** Two-way sync (see src/pull): mode, pull interval of `watch`, conflict rule. */
  readonly sync: {
    readonly mode: SettingValue<'mode'>;
    readonly pullIntervalMs: number;
    readonly conflictRule: SettingValue<'conflictRule'>;
    /** Pulled view/routine/trigger/event changes: applied, or only recorded for review (they are code from the remote). */
    readonly pullObjects: SettingValue<'pullObjects'>;
  };
  readonly includeTables: readonly string[];
  readonly excludeTables: readonly string[];
  /** `auto`, `none` or a profile name (see src/profile/profiles.ts). */
  readonly profile: string;
  /** Tables whose rows are not versioned (patterns); null: the profile's list. */
  readonly schemaOnlyTables: readonly string[] | null;
  /** Secret columns: policy, per-column overrides, key (see src/secrets). */
  readonly secrets: SecretsConfig;
  /** DBSYNC_CHUNK_SIZE: tables larger than this are split into data files of about this size (see src/snapshot/chunking.ts). */
  readonly chunkBytes: number;
  /** DBSYNC_MAX_ROW_SIZE: a table holding a larger row is skipped, not read (see src/snapshot/oversized-rows.ts). */
  readonly maxRowBytes: number;
  /** DBSYNC_CHANGE_SOURCE: how a pass learns which tables changed (see src/detect/change-source.ts). */
  readonly changeSource: SettingValue<'changeSource'>;
  /** DBSYNC_FILES: the application's files versioned with the database (see src/files); null: off (the default). */
  readonly files: FilesConfig | null;
  readonly git: {
    /** Remote URL with any credentials removed; what goes into .git/config. */
    readonly remoteUrl: string | undefined;
    readonly remoteName: string;
    /** Credentials for an https remote, from the URL's user-info or DBSYNC_GIT_TOKEN. Never logged. */
    readonly username: string | undefined;
    readonly token: string | undefined;
    /** GIT_REMOTE_URL was an ssh:// URL with a password, which was removed (ssh takes keys only; see splitRemoteCredentials). */
    readonly droppedSshPassword: boolean;
    /** Private key and known_hosts files for ssh remotes (absolute paths), when set. */
    readonly sshKey: string | undefined;
    readonly sshKnownHosts: string | undefined;
    /** ssh private key that signs every commit (DBSYNC_SIGNING_KEY), absolute; undefined: unsigned. */
    readonly signingKey: string | undefined;
    /** ssh allowed-signers file (DBSYNC_TRUSTED_SIGNERS), absolute: pulled commits must be signed by a key in it; undefined: not checked. */
    readonly trustedSigners: string | undefined;
    readonly authorName: string;
    readonly authorEmail: string;
  };
  readonly log: { readonly level: SettingValue<'logLevel'>; readonly format: SettingValue<'logFormat'> };
  /** DBSYNC_MAX_UNPUSHED: a push backlog older than this is a failing backup (verdict, `health`, alerts); 0 = never. */
  readonly maxUnpushedMs: number;
  /** Where alerts and heartbeats go (see src/notify). The URLs may hold tokens: never logged in full. */
  readonly notify: { readonly urls: readonly NotifyTarget[]; readonly heartbeatUrl: string | undefined };
  /** DBSYNC_METRICS_ADDR: where `watch` serves Prometheus metrics; undefined: not served. */
  readonly metricsAddr: { readonly host: string; readonly port: number } | undefined;
  /**
   * The history page (`ui`): DBSYNC_UI_ADDR (undefined: `ui` uses UI_DEFAULT_ADDR), DBSYNC_UI_TOKEN (a secret: never logged; undefined: a
   * random one) and DBSYNC_UI_ALLOW_RESTORE (the page may write the database: restores and conflict resolutions, plan first).
   */
  readonly ui: {
    readonly addr: { readonly host: string; readonly port: number } | undefined;
    readonly token: string | undefined;
    readonly allowRestore: boolean;
  };
}

/** DBSYNC_FILES_ROOT + DBSYNC_FILES: which files are copied into the snapshot's files/ folder, and their limits. */
export interface FilesConfig {
  /** The mounted folder, absolute (a real path: symlinks in it resolved once at start). */
  readonly root: string;
  /** Globs relative to `root` (picomatch syntax, POSIX separators), e.g. `uploads/**`. */
  readonly patterns: readonly string[];
  /** A file larger than this is not versioned (named in the pass's output and the commit message). */
  readonly maxFileBytes: number;
  /** Files (in path order) past this total are not versioned either. */
  readonly maxTotalBytes: number;
}

/** Where `git-dbsync ui` listens when DBSYNC_UI_ADDR is not set: this computer only. */
export const UI_DEFAULT_ADDR = Object.freeze({ host: '127.0.0.1', port: 8081 });

/** One alert destination: `json` (a webhook, Gotify, Slack-style `text`), or `ntfy` (plain text with a Title header). */
export interface NotifyTarget {
  readonly kind: 'json' | 'ntfy';
  readonly url: string;
}

/** Flag values as the CLI parsed them (strings or undefined); the CLI owns argument parsing. */
export type FlagValues = Readonly<Record<string, string | undefined>>;

interface Setting {
  /** Key in the flags object given by the CLI (camelCase of the long flag). */
  readonly flag?: string;
  /** Environment variable names, first match wins. */
  readonly env: readonly string[];
  readonly default?: string;
  readonly schema: z.ZodType;
  /** One line for the README table and --help. */
  readonly doc: string;
}

const nonEmpty = z.string().trim().min(1, 'must not be empty');
const port = z.coerce
  .number({ message: 'must be a number' })
  .int('must be a whole number')
  .min(1, 'must be between 1 and 65535')
  .max(65535, 'must be between 1 and 65535');
/**
 * Upper bounds of durations, in seconds. Each becomes a timer (setTimeout, whose limit is 2^31-1 ms,
 * about 24.8 days: beyond it Node fires after 1 ms, and `watch` turns into a busy loop) or a wait
 * loop; a week is far beyond any sensible value and well inside that limit.
 */
export const MAX_SECONDS = { hour: 3600, day: 86_400, week: 604_800 } as const;
const TIMER_LIMIT_MS = 2 ** 31 - 1;

function inWords(s: number): string {
  return s === MAX_SECONDS.week ? '1 week' : s === MAX_SECONDS.day ? '1 day' : s === MAX_SECONDS.hour ? '1 hour' : `${s} s`;
}

const seconds = (min: number, max: number) => {
  if (max * 1000 > TIMER_LIMIT_MS) throw new Error(`bound ${max} s exceeds the timer limit`);
  return z.coerce
    .number({ message: 'must be a number of seconds' })
    .refine((n) => Number.isFinite(n), 'must be a number of seconds')
    .refine((n) => n >= min, `must be at least ${min} (seconds)`)
    .refine((n) => n <= max, `must be at most ${max} seconds (${inWords(max)})`);
};
/** A size in bytes: `524288`, `512K`, `512KiB`, `2M`, `2MiB` (K and M are 1024-based). */
const byteSize = (min: number, max: number) =>
  z
    .string()
    .trim()
    .transform((s, ctx) => {
      const m = /^(\d+)\s*(b|k|kb|kib|m|mb|mib)?$/i.exec(s);
      if (!m) {
        ctx.addIssue({ code: 'custom', message: 'must be a size such as 512KiB, 2MiB or a number of bytes' });
        return z.NEVER;
      }
      const unit = (m[2] ?? 'b').toLowerCase();
      return Number(m[1]) * (unit.startsWith('m') ? 1024 * 1024 : unit.startsWith('k') ? 1024 : 1);
    })
    .refine((n) => n >= min && n <= max, `must be between ${min / 1024} KiB and ${max / 1024 / 1024} MiB`);
/** An http(s) URL (checked without echoing it: it may hold a token). */
function httpUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
  } catch {
    return false;
  }
}
/** `https://...` or `ntfy:https://...`, several separated by commas or spaces. */
const notifyTargets = z.string().transform((s, ctx) => {
  const out: NotifyTarget[] = [];
  for (const item of s.split(/[\s,]+/).filter((x) => x.length > 0)) {
    const ntfy = item.startsWith('ntfy:');
    const url = ntfy ? item.slice('ntfy:'.length) : item;
    if (!httpUrl(url)) {
      ctx.addIssue({ code: 'custom', message: `entry ${out.length + 1} is not an http(s) URL (expected https://host/path or ntfy:https://ntfy.sh/topic)` });
      return z.NEVER;
    }
    out.push({ kind: ntfy ? 'ntfy' : 'json', url });
  }
  return out;
});
const heartbeatUrl = z.string().trim().refine(httpUrl, 'must be an http(s) URL such as https://hc-ping.com/<uuid>');
/** `host:port`, `[v6]:port` or `:port` (all interfaces). */
const listenAddr = z
  .string()
  .trim()
  .transform((s, ctx) => {
    const m = /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9.-]*)):(\d{1,5})$/.exec(s);
    const port = m ? Number(m[3]) : NaN;
    if (!m || port > 65535) {
      ctx.addIssue({ code: 'custom', message: 'must be host:port, e.g. 127.0.0.1:9187 (or :9187 for every interface)' });
      return z.NEVER;
    }
    return { host: m[1] ?? (m[2] || '0.0.0.0'), port };
  });
const tableList = z.string().transform((s) =>
  s
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t.length > 0),
);
/** Globs relative to DBSYNC_FILES_ROOT: comma-separated, never absolute, never climbing out with `..`. */
const fileGlobs = z.string().transform((s, ctx) => {
  const out: string[] = [];
  for (const item of s.split(',').map((x) => x.trim())) {
    if (item === '') continue;
    const g = item.replaceAll('\\', '/');
    if (g.startsWith('/') || path.isAbsolute(item) || g.split('/').some((part) => part === '..' || part === '.git')) {
      ctx.addIssue({
        code: 'custom',
        message: `${JSON.stringify(item)} must be a path or glob relative to DBSYNC_FILES_ROOT, without .. or .git (e.g. uploads/**)`,
      });
      return z.NEVER;
    }
    out.push(g.replace(/^(\.\/)+/, ''));
  }
  if (out.length > MAX_FILE_GLOBS) {
    ctx.addIssue({ code: 'custom', message: `at most ${MAX_FILE_GLOBS} globs` });
    return z.NEVER;
  }
  return out;
});
const MAX_FILE_GLOBS = 50;

const relativeDir = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .refine((s) => !path.isAbsolute(s), 'must be a folder relative to PROJECT_DIR, not an absolute path')
  .transform((s) => path.posix.normalize(s.replaceAll('\\', '/')).replace(/\/+$/, ''))
  .refine((s) => s !== '.' && !s.startsWith('..'), 'must be a folder inside PROJECT_DIR')
  .refine((s) => !s.split('/').includes('.git'), 'must not be inside .git');

/**
 * Every setting: flag, environment names, default, validation, documentation. The README's
 * configuration table is generated from the same facts (see `settingsTable`).
 */
export const SETTINGS = {
  dbHost: { flag: 'dbHost', env: ['DB_HOST'], default: '127.0.0.1', schema: nonEmpty, doc: 'Database host (ignored when DB_SOCKET is set).' },
  dbPort: { flag: 'dbPort', env: ['DB_PORT'], default: '3306', schema: port, doc: 'Database TCP port.' },
  dbSocket: { flag: 'dbSocket', env: ['DB_SOCKET'], schema: nonEmpty, doc: 'Unix socket path; used instead of host/port when set.' },
  dbUser: { flag: 'dbUser', env: ['DB_USER'], schema: nonEmpty, doc: 'Database user (required).' },
  dbPassword: { env: ['DB_PASSWORD'], schema: z.string(), doc: 'Database password. Environment only: a flag would show it in `ps`.' },
  dbPasswordFile: {
    flag: 'dbPasswordFile',
    env: ['DB_PASSWORD_FILE'],
    schema: nonEmpty,
    doc: 'File holding the password (Docker secrets); trailing newline ignored. Wins over DB_PASSWORD.',
  },
  dbName: { flag: 'dbName', env: ['DB_NAME'], schema: nonEmpty, doc: 'Database (schema) to snapshot (required).' },
  connectTimeout: {
    flag: 'connectTimeout',
    env: ['DBSYNC_CONNECT_TIMEOUT'],
    default: '10',
    schema: seconds(1, MAX_SECONDS.hour),
    doc: 'Seconds to wait for the database connection.',
  },
  projectDir: {
    flag: 'projectDir',
    env: ['PROJECT_DIR'],
    schema: nonEmpty,
    doc: 'Git working tree (created with `git init` if it has no repository). Default: current directory.',
  },
  snapshotDir: {
    flag: 'dir',
    env: ['DBSYNC_DIR'],
    default: 'database',
    schema: relativeDir,
    doc: 'Snapshot folder inside PROJECT_DIR; git-dbsync owns it and commits only it.',
  },
  pollInterval: {
    flag: 'pollInterval',
    env: ['POLL_INTERVAL'],
    default: '30',
    schema: seconds(0.1, MAX_SECONDS.day),
    doc: 'Seconds between polls of `watch`: a poll is one cheap query, and a pass runs only when it sees a change (see *How changes are detected*).',
  },
  verifyInterval: {
    flag: 'verifyInterval',
    env: ['DBSYNC_VERIFY_INTERVAL'],
    default: '600',
    schema: seconds(0, MAX_SECONDS.week),
    doc: 'Seconds between full passes of `watch` that run whatever the change probe says (also at start and after a server restart). 0: a full pass every poll, without the probe.',
  },
  quietPeriod: {
    flag: 'quietPeriod',
    env: ['DBSYNC_QUIET_PERIOD'],
    default: '0.2',
    schema: seconds(0, MAX_SECONDS.hour),
    doc: 'Seconds the database must stay unchanged before `watch` takes the snapshot, so that a burst of statements lands in one commit.',
  },
  maxDelay: {
    flag: 'maxDelay',
    env: ['DBSYNC_MAX_DELAY'],
    default: '2',
    schema: seconds(0, MAX_SECONDS.hour),
    doc: 'Longest wait (seconds) for the quiet period once a change is seen: a database that never stays quiet is still committed.',
  },
  maxCpu: {
    flag: 'maxCpu',
    env: ['DBSYNC_MAX_CPU'],
    // Off by default: with 3 % and a 2 s burst, `npm run bench -- --quick` (2026-12-04) saw a
    // two-way write take 15.7 s (p50) to reach the other computer instead of 1-4 s, since every
    // pull pass is charged. Users who want the cap set it (docs/how-it-works/change-detection.md).
    default: '0',
    schema: z.coerce
      .number({ message: 'must be a percentage of one core' })
      .refine((n) => Number.isFinite(n) && n >= 0 && n <= 100, 'must be between 0 and 100 (percent of one core; 0: no cap)'),
    doc: '`watch`: the most CPU it uses on average, in percent of one core, counting its git processes; passes wait when they would go over (a change after a quiet spell still goes at once: a burst of 2 s of CPU time is allowed), e.g. 3. 0 (the default): no cap.',
  },
  maxBackoff: {
    flag: 'maxBackoff',
    env: ['DBSYNC_MAX_BACKOFF'],
    default: '300',
    schema: seconds(1, MAX_SECONDS.day),
    doc: 'Longest wait (seconds) between retries after failures in `watch`.',
  },
  lockTimeout: {
    flag: 'lockTimeout',
    env: ['DBSYNC_LOCK_TIMEOUT'],
    default: '60',
    schema: seconds(0, MAX_SECONDS.day),
    doc: 'Seconds to wait for another git-dbsync process working on the same repository or database before giving up (exit 3).',
  },
  mode: {
    flag: 'mode',
    env: ['DBSYNC_MODE'],
    default: 'backup',
    schema: z.enum(['backup', 'two-way'], { message: 'must be backup or two-way' }),
    doc: "`backup`: push only, never write to the database (a remote that moved on is reported). `two-way`: also fetch other computers' commits and merge them row by row into this database (see [Several computers](#several-computers)).",
  },
  pullInterval: {
    flag: 'pullInterval',
    env: ['DBSYNC_PULL_INTERVAL'],
    schema: seconds(0.1, MAX_SECONDS.day),
    doc: 'Two-way mode: seconds between pulls of `watch` (fetch, merge, apply). Default: POLL_INTERVAL.',
  },
  conflictRule: {
    flag: 'conflictRule',
    env: ['DBSYNC_CONFLICT_RULE'],
    default: 'theirs',
    schema: z.enum(['ours', 'theirs', 'newest'], { message: 'must be ours, theirs or newest' }),
    doc: "Two-way mode: which value the database keeps when both sides changed the same cell (the other is recorded as a conflict): `theirs` (the value already pushed wins), `ours` (this computer's), `newest` (the side with the newer commit).",
  },
  pullObjects: {
    flag: 'pullObjects',
    env: ['DBSYNC_PULL_OBJECTS'],
    default: 'conflict',
    schema: z.enum(['conflict', 'apply'], { message: 'must be conflict or apply' }),
    doc: "Two-way mode: what a pull does with views, routines, triggers and events another computer changed. They are code that runs in this database, so by default (`conflict`) they are not applied: the pull warns, naming the object and the commit to review (and the merge commit's message lists them); `apply` creates them as pulled (see docs/reference/security.md).",
  },
  includeTables: {
    flag: 'includeTables',
    env: ['DBSYNC_INCLUDE_TABLES'],
    default: '',
    schema: tableList,
    doc: 'Comma-separated table names or `*` patterns to snapshot; empty means all.',
  },
  excludeTables: {
    flag: 'excludeTables',
    env: ['DBSYNC_EXCLUDE_TABLES'],
    default: '',
    schema: tableList,
    doc: 'Comma-separated table names or `*` patterns to leave out (applied after include).',
  },
  profile: {
    flag: 'profile',
    env: ['DBSYNC_PROFILE'],
    default: 'auto',
    schema: z.enum(['auto', 'none', ...PROFILE_NAMES], { message: `must be auto, none or one of: ${PROFILE_NAMES.join(', ')}` }),
    doc: `Application profile: \`auto\` picks one when the database has its tables; \`none\` turns profiles off; or a name (${PROFILE_NAMES.join(', ')}).`,
  },
  schemaOnlyTables: {
    flag: 'schemaOnlyTables',
    env: ['DBSYNC_SCHEMA_ONLY_TABLES'],
    schema: tableList,
    doc: "Comma-separated tables or `*` patterns whose definition is versioned but whose rows are not (sessions, login counters). Default: the profile's list (InvoicePlane: ip_sessions, ip_login_log).",
  },
  secrets: {
    flag: 'secrets',
    env: ['DBSYNC_SECRETS'],
    default: 'auto',
    schema: secretsSettingSchemas.mode,
    doc: 'What happens to secret columns (password hashes, tokens, API keys; see [Secrets](#secrets)): `auto` encrypts them when DBSYNC_SECRET_KEY_FILE is set and redacts them otherwise; `redact`, `encrypt` or `keep` (in clear) for all.',
  },
  secretPolicy: {
    flag: 'secretPolicy',
    env: ['DBSYNC_SECRET_POLICY'],
    default: '',
    schema: secretsSettingSchemas.overrides,
    doc: 'Per-column policies that win over DBSYNC_SECRETS, and secret columns no profile knows: `table.column=keep|redact|encrypt`, comma-separated (e.g. `ip_users.user_psalt=keep,mytable.api_key=encrypt`).',
  },
  secretKeyFile: {
    flag: 'secretKeyFile',
    env: ['DBSYNC_SECRET_KEY_FILE'],
    schema: nonEmpty,
    doc: 'File holding the key that encrypts secret columns (at least 32 bytes, e.g. `openssl rand -base64 32`); needed to restore them. Keep a copy outside the repository.',
  },
  chunkSize: {
    flag: 'chunkSize',
    env: ['DBSYNC_CHUNK_SIZE'],
    default: '256KiB',
    schema: byteSize(1024, 1024 * 1024 * 1024),
    doc: 'Tables larger than this are split into several data files of about this size, so a one-row change rewrites one small file (see *Snapshot format*). KiB or MiB, or bytes; at least 1KiB.',
  },
  maxRowSize: {
    flag: 'maxRowSize',
    env: ['DBSYNC_MAX_ROW_SIZE'],
    default: '128MiB',
    schema: byteSize(1024 * 1024, 1024 * 1024 * 1024),
    doc: "The largest row a snapshot reads (its values' bytes; the server's max_allowed_packet lowers it further): a table holding a larger row is skipped with one line naming the table and the row's key, its last committed files are kept, and the rest of the database is still backed up (`status` then says FAILING). Reading a row costs up to about 3 times its size in memory. MiB or bytes; 1MiB to 1024MiB.",
  },
  changeSource: {
    flag: 'changeSource',
    env: ['DBSYNC_CHANGE_SOURCE'],
    default: 'auto',
    schema: z.enum(['auto', 'binlog', 'checksum', 'full'], { message: 'must be auto, binlog, checksum or full' }),
    doc: 'Which tables a pass reads: `binlog` reads only the tables the binary log says changed since the last snapshot (needs log_bin with binlog_format=ROW and REPLICATION SLAVE; see *How changes are detected*); `checksum` compares per-chunk checksums the server computes with those of the last snapshot and reads only the chunks that differ (no binary log needed); `full` reads every table every pass; `auto` uses the binary log when the server allows it, else checksums.',
  },
  filesRoot: {
    flag: 'filesRoot',
    env: ['DBSYNC_FILES_ROOT'],
    schema: nonEmpty,
    doc: "The application's folder whose files DBSYNC_FILES names (e.g. InvoicePlane's `/var/www/html`, or a mount of its uploads); read only, never written except by `restore` (see *Uploaded files*).",
  },
  files: {
    flag: 'files',
    env: ['DBSYNC_FILES'],
    default: '',
    schema: fileGlobs,
    doc: 'Files versioned with the database, committed in `files/` of the snapshot in the same commit: comma-separated paths or globs relative to DBSYNC_FILES_ROOT (e.g. `uploads/**`); empty: off. Symlinks and special files are never followed; `ipconfig.php`, `.env` and key files are never committed (see *Uploaded files*).',
  },
  filesMaxSize: {
    flag: 'filesMaxSize',
    env: ['DBSYNC_FILES_MAX_SIZE'],
    default: '20MiB',
    schema: byteSize(1024, 100 * 1024 * 1024),
    doc: 'DBSYNC_FILES: a larger file is not versioned (the pass names it; the rest is). At most 100MiB, the largest file GitHub takes.',
  },
  filesMaxTotal: {
    flag: 'filesMaxTotal',
    env: ['DBSYNC_FILES_MAX_TOTAL'],
    default: '500MiB',
    schema: byteSize(1024, 4096 * 1024 * 1024),
    doc: 'DBSYNC_FILES: the files are taken in path order up to this total; those past it are not versioned (each named). At most 4096MiB.',
  },
  remoteUrl: {
    flag: 'remoteUrl',
    env: ['GIT_REMOTE_URL'],
    schema: nonEmpty,
    doc: 'Remote to push to (ssh, https or a path). Credentials in an https URL are used but never written to .git/config. Recorded in .git/config (dbsync.remote): later runs without it push to that remote. A remote git-dbsync was never told about (the origin of a clone) is never pushed to.',
  },
  remoteName: {
    flag: 'remote',
    env: ['DBSYNC_REMOTE'],
    default: 'origin',
    schema: z.string().regex(/^[A-Za-z0-9._-]+$/, 'must be a plain git remote name such as origin'),
    doc: 'Name of the git remote to push to.',
  },
  gitToken: {
    env: ['DBSYNC_GIT_TOKEN', 'GITHUB_TOKEN'],
    schema: nonEmpty,
    doc: 'Token (password) for an https remote; environment only (GITHUB_TOKEN is read too, for compatibility). Given to git through a credential helper, never on a command line or in .git/config.',
  },
  sshKey: {
    flag: 'sshKey',
    env: ['DBSYNC_SSH_KEY'],
    schema: nonEmpty,
    doc: "Private key file for an ssh remote, used instead of ssh's defaults (~/.ssh/id_*). Ignored when GIT_SSH_COMMAND, GIT_SSH or core.sshCommand is set.",
  },
  sshKnownHosts: {
    flag: 'sshKnownHosts',
    env: ['DBSYNC_SSH_KNOWN_HOSTS'],
    schema: nonEmpty,
    doc: "known_hosts file holding the ssh remote's host key, used instead of ~/.ssh/known_hosts. Ignored when GIT_SSH_COMMAND, GIT_SSH or core.sshCommand is set.",
  },
  authorName: {
    flag: 'authorName',
    env: ['DBSYNC_AUTHOR_NAME'],
    default: 'git-dbsync',
    schema: nonEmpty,
    doc: 'Author and committer name of snapshot commits.',
  },
  authorEmail: {
    flag: 'authorEmail',
    env: ['DBSYNC_AUTHOR_EMAIL'],
    default: 'git-dbsync@localhost',
    schema: z
      .string()
      .trim()
      .regex(/^[^<>\s]+@[^<>\s]+$/, 'must look like an e-mail address (name@host)'),
    doc: 'Author and committer e-mail of snapshot commits.',
  },
  signingKey: {
    flag: 'signingKey',
    env: ['DBSYNC_SIGNING_KEY'],
    schema: nonEmpty,
    doc: "ssh private key file that signs every commit git-dbsync makes (git's `gpg.format=ssh`). Needed with DBSYNC_TRUSTED_SIGNERS, so that the other computers accept this one's commits.",
  },
  trustedSigners: {
    flag: 'trustedSigners',
    env: ['DBSYNC_TRUSTED_SIGNERS'],
    schema: nonEmpty,
    doc: 'Two-way mode: an ssh allowed-signers file (`principal namespaces="git" ssh-ed25519 AAAA...`, one line per trusted computer). A pull or a join refuses (exit 5) any incoming commit not signed by a key in it, before the database is touched. Not set: commits are not checked.',
  },
  logLevel: {
    flag: 'logLevel',
    env: ['DBSYNC_LOG_LEVEL'],
    default: 'info',
    schema: z.enum(['debug', 'info', 'warn', 'error'], { message: 'must be one of debug, info, warn, error' }),
    doc: 'Log level: debug, info, warn or error.',
  },
  maxUnpushed: {
    flag: 'maxUnpushed',
    env: ['DBSYNC_MAX_UNPUSHED'],
    default: '3600',
    schema: seconds(0, MAX_SECONDS.week),
    doc: 'Seconds commits may wait to reach the remote before the backup counts as failing: `status` says FAILING, `health` fails, an alert is sent. 0: never.',
  },
  notifyUrl: {
    env: ['DBSYNC_NOTIFY_URL'],
    default: '',
    schema: notifyTargets,
    doc: 'Where to send an alert when the backup starts failing and when it recovers (see *Alerts*): http(s) URLs separated by commas, each sent a JSON POST (generic webhooks, Gotify, Slack-style `text`); prefix `ntfy:` for an ntfy topic (plain text). Environment only: the URLs may hold tokens.',
  },
  heartbeatUrl: {
    env: ['DBSYNC_HEARTBEAT_URL'],
    schema: heartbeatUrl,
    doc: 'Dead-man switch (healthchecks.io, Uptime Kuma push monitors): a GET after good passes (at most once a minute), and `<url>/fail` after a failed one. Environment only: the URL is a secret.',
  },
  metricsAddr: {
    flag: 'metricsAddr',
    env: ['DBSYNC_METRICS_ADDR'],
    schema: listenAddr,
    doc: '`watch` serves Prometheus metrics at `http://ADDR/metrics` (passes, failures, durations, rows read, lock time, commits, push backlog, last successes, change source, conflicts, verdict). `host:port`, e.g. `127.0.0.1:9187`; unauthenticated, so keep it on localhost or a private network. Not set: not served.',
  },
  uiAddr: {
    flag: 'uiAddr',
    env: ['DBSYNC_UI_ADDR'],
    schema: listenAddr,
    doc: '`ui` serves the history page at `http://ADDR/` (see [The history page](../guides/history-page.md)); `watch` serves it too when this is set. `host:port`; not set: `ui` listens on `127.0.0.1:8081`, this computer only, and `watch` serves no page. Another address lets other computers reach it: every request still needs the token.',
  },
  uiToken: {
    env: ['DBSYNC_UI_TOKEN'],
    schema: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9._~-]{16,256}$/, 'must be 16 to 256 characters of A-Z a-z 0-9 . _ ~ - (it goes into the address)'),
    doc: 'The token the history page (`ui`) asks for; not set: a new random one at each start, printed once in the address. 16 to 256 characters of `A-Z a-z 0-9 . _ ~ -`. Environment only, never logged: a flag would show it in `ps`.',
  },
  uiAllowRestore: {
    env: ['DBSYNC_UI_ALLOW_RESTORE'],
    default: '0',
    schema: z.enum(['0', '1'], { message: 'must be 0 or 1' }).transform((v) => v === '1'),
    doc: '1: the history page may write the database (the environment form of `ui --allow-restore`, and the only way for the page `watch` serves): bring a table or a record back, and resolve conflicts, each after its plan and a confirmation with the token and a CSRF token. Needs the database settings. 0: the page only reads.',
  },
  logFormat: {
    flag: 'logFormat',
    env: ['DBSYNC_LOG_FORMAT'],
    default: 'text',
    schema: z.enum(['text', 'json'], { message: 'must be text or json' }),
    doc: 'Log format on stderr: text (one line per event) or json (one JSON object per line).',
  },
} as const satisfies Record<string, Setting>;

type SettingKey = keyof typeof SETTINGS;

/** The value of a setting as its schema gives it (e.g. a number of seconds, a list of tables). */
export type SettingValue<K extends SettingKey> = z.output<(typeof SETTINGS)[K]['schema']>;
/** A setting's schema in the object below: as it is when it has a default (always given), optional when not. */
type SettingField<K extends SettingKey> = (typeof SETTINGS)[K] extends { readonly default: string }
  ? (typeof SETTINGS)[K]['schema']
  : z.ZodOptional<(typeof SETTINGS)[K]['schema']>;

/**
 * Every setting's value as one zod object, checked against SETTINGS (every key, each optional exactly
 * when it has no default): what `loadConfig` parses the given and default values with.
 */
const SETTINGS_SCHEMA = z.object({
  dbHost: SETTINGS.dbHost.schema,
  dbPort: SETTINGS.dbPort.schema,
  dbSocket: SETTINGS.dbSocket.schema.optional(),
  dbUser: SETTINGS.dbUser.schema.optional(),
  dbPassword: SETTINGS.dbPassword.schema.optional(),
  dbPasswordFile: SETTINGS.dbPasswordFile.schema.optional(),
  dbName: SETTINGS.dbName.schema.optional(),
  connectTimeout: SETTINGS.connectTimeout.schema,
  projectDir: SETTINGS.projectDir.schema.optional(),
  snapshotDir: SETTINGS.snapshotDir.schema,
  pollInterval: SETTINGS.pollInterval.schema,
  verifyInterval: SETTINGS.verifyInterval.schema,
  quietPeriod: SETTINGS.quietPeriod.schema,
  maxDelay: SETTINGS.maxDelay.schema,
  maxCpu: SETTINGS.maxCpu.schema,
  maxBackoff: SETTINGS.maxBackoff.schema,
  lockTimeout: SETTINGS.lockTimeout.schema,
  mode: SETTINGS.mode.schema,
  pullInterval: SETTINGS.pullInterval.schema.optional(),
  conflictRule: SETTINGS.conflictRule.schema,
  pullObjects: SETTINGS.pullObjects.schema,
  includeTables: SETTINGS.includeTables.schema,
  excludeTables: SETTINGS.excludeTables.schema,
  profile: SETTINGS.profile.schema,
  schemaOnlyTables: SETTINGS.schemaOnlyTables.schema.optional(),
  secrets: SETTINGS.secrets.schema,
  secretPolicy: SETTINGS.secretPolicy.schema,
  secretKeyFile: SETTINGS.secretKeyFile.schema.optional(),
  chunkSize: SETTINGS.chunkSize.schema,
  maxRowSize: SETTINGS.maxRowSize.schema,
  changeSource: SETTINGS.changeSource.schema,
  filesRoot: SETTINGS.filesRoot.schema.optional(),
  files: SETTINGS.files.schema,
  filesMaxSize: SETTINGS.filesMaxSize.schema,
  filesMaxTotal: SETTINGS.filesMaxTotal.schema,
  remoteUrl: SETTINGS.remoteUrl.schema.optional(),
  remoteName: SETTINGS.remoteName.schema,
  gitToken: SETTINGS.gitToken.schema.optional(),
  sshKey: SETTINGS.sshKey.schema.optional(),
  sshKnownHosts: SETTINGS.sshKnownHosts.schema.optional(),
  authorName: SETTINGS.authorName.schema,
  authorEmail: SETTINGS.authorEmail.schema,
  signingKey: SETTINGS.signingKey.schema.optional(),
  trustedSigners: SETTINGS.trustedSigners.schema.optional(),
  logLevel: SETTINGS.logLevel.schema,
  maxUnpushed: SETTINGS.maxUnpushed.schema,
  notifyUrl: SETTINGS.notifyUrl.schema,
  heartbeatUrl: SETTINGS.heartbeatUrl.schema.optional(),
  metricsAddr: SETTINGS.metricsAddr.schema.optional(),
  uiAddr: SETTINGS.uiAddr.schema.optional(),
  uiToken: SETTINGS.uiToken.schema.optional(),
  uiAllowRestore: SETTINGS.uiAllowRestore.schema,
  logFormat: SETTINGS.logFormat.schema,
} satisfies { readonly [K in SettingKey]: SettingField<K> });

/** Every setting's value after validation: defaulted ones always present, the others when given. */
type SettingValues = z.output<typeof SETTINGS_SCHEMA>;

/** The settings in table order (typed keys of the object above). */
const SETTING_KEYS: readonly SettingKey[] = SETTINGS_SCHEMA.keyof().options;

/** Settings whose values are secrets: never echoed in a message. */
const HIDDEN_VALUES: ReadonlySet<string> = new Set<SettingKey>(['dbPassword', 'gitToken', 'notifyUrl', 'heartbeatUrl', 'uiToken']);

/** What the CLI flag is called on the command line, for messages. */
export function flagName(key: string): string {
  return '--' + key.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());
}

function sourceName(key: SettingKey, from: 'flag' | string): string {
  const s: Setting = SETTINGS[key];
  return from === 'flag' ? flagName(s.flag ?? key) : from;
}

function configError(message: string): DbsyncError {
  return new DbsyncError({
    operation: 'configuration',
    message,
    hint: 'fix the setting (see `git-dbsync --help` or docs/reference/configuration.md)',
    exitCode: ExitCode.Config,
  });
}

/**
 * Defaults, then environment, then flags; each value validated on its own so the message names
 * the variable or flag and the value's problem. Throws a DbsyncError (exit 2) before anything is touched.
 */
export function loadConfig(opts: { env: NodeJS.ProcessEnv; flags: FlagValues; cwd: string; requireDatabase?: boolean }): Config {
  // Each setting's raw value: the flag, else the first environment variable set, else the default.
  const raw: Partial<Record<SettingKey, string>> = {};
  const from: Partial<Record<SettingKey, string>> = {};
  for (const key of SETTING_KEYS) {
    const s: Setting = SETTINGS[key];
    const flagValue = s.flag ? opts.flags[s.flag] : undefined;
    if (flagValue !== undefined) {
      raw[key] = flagValue;
      from[key] = 'flag';
      continue;
    }
    const name = s.env.find((n) => opts.env[n] !== undefined && opts.env[n] !== '');
    if (name !== undefined) {
      raw[key] = opts.env[name];
      from[key] = name;
    } else if (s.default !== undefined) raw[key] = s.default;
  }
  const parsed = SETTINGS_SCHEMA.safeParse(raw);
  // Each setting's first problem, in table order, naming the flag or variable it came from.
  const problems: string[] = [];
  const failed = new Set<SettingKey>();
  for (const key of SETTING_KEYS) {
    const issue = parsed.error?.issues.find((i) => i.path[0] === key);
    if (!issue) continue;
    failed.add(key);
    const s: Setting = SETTINGS[key];
    const shown = HIDDEN_VALUES.has(key) ? '(hidden)' : JSON.stringify(raw[key]);
    const source = from[key];
    const where = source ? sourceName(key, source) : `default of ${s.env[0]}`;
    problems.push(`${where}=${shown}: ${issue.message}`);
  }
  if (opts.requireDatabase !== false) {
    const missing = (key: SettingKey) => raw[key] === undefined || failed.has(key);
    if (missing('dbUser') && !problems.some((p) => p.includes('DB_USER'))) problems.push('DB_USER is not set: set DB_USER or --db-user to the database user');
    if (missing('dbName') && !problems.some((p) => p.includes('DB_NAME')))
      problems.push('DB_NAME is not set: set DB_NAME or --db-name to the database to snapshot');
  }
  if (!parsed.success && problems.length === 0) problems.push(parsed.error.issues[0]?.message ?? 'invalid value');
  if (!parsed.success || problems.length > 0) throw configError(problems.join('; '));
  const values = parsed.data;

  let password = values.dbPassword;
  if (values.dbPasswordFile !== undefined) {
    const file = path.resolve(opts.cwd, values.dbPasswordFile);
    try {
      password = readFileSync(file, 'utf8').replace(/\r?\n$/, '');
    } catch (err) {
      throw configError(`DB_PASSWORD_FILE=${JSON.stringify(values.dbPasswordFile)}: cannot read the file (${errnoCode(err) ?? 'error'})`);
    }
  }

  // ssh would only say "Permission denied" or "Host key verification failed" for a mistyped path.
  const sshFiles: Record<string, string | undefined> = {};
  for (const [key, name] of [
    ['sshKey', 'DBSYNC_SSH_KEY'],
    ['sshKnownHosts', 'DBSYNC_SSH_KNOWN_HOSTS'],
    ['signingKey', 'DBSYNC_SIGNING_KEY'],
    ['trustedSigners', 'DBSYNC_TRUSTED_SIGNERS'],
  ] as const) {
    if (values[key] === undefined) continue;
    const file = path.resolve(opts.cwd, values[key]);
    try {
      accessSync(file, constants.R_OK);
    } catch (err) {
      throw configError(`${name}=${JSON.stringify(values[key])}: cannot read the file (${errnoCode(err) ?? 'error'})`);
    }
    sshFiles[key] = file;
  }

  // Checking others' signatures while sending unsigned commits would make every other computer refuse this one's.
  if (sshFiles.trustedSigners && !sshFiles.signingKey) {
    throw configError(
      "DBSYNC_TRUSTED_SIGNERS is set but DBSYNC_SIGNING_KEY is not: the other computers would refuse this one's unsigned commits; set DBSYNC_SIGNING_KEY to this computer's ssh key (its public key belongs in the trusted signers file)",
    );
  }

  const secrets = loadSecretsConfig({ mode: values.secrets, overrides: values.secretPolicy, keyFile: values.secretKeyFile, cwd: opts.cwd }, configError);

  const remote = values.remoteUrl === undefined ? undefined : splitRemoteCredentials(values.remoteUrl);
  const files = filesConfig(values, opts.cwd);
  return Object.freeze({
    db: Object.freeze({
      host: values.dbHost,
      port: values.dbPort,
      socket: values.dbSocket === undefined ? undefined : path.resolve(opts.cwd, values.dbSocket),
      user: values.dbUser ?? '',
      password,
      database: values.dbName ?? '',
      connectTimeoutMs: Math.round(values.connectTimeout * 1000),
    }),
    projectDir: path.resolve(opts.cwd, values.projectDir ?? '.'),
    projectDirGiven: values.projectDir !== undefined,
    snapshotDir: values.snapshotDir,
    pollIntervalMs: Math.round(values.pollInterval * 1000),
    verifyIntervalMs: Math.round(values.verifyInterval * 1000),
    quietPeriodMs: Math.round(values.quietPeriod * 1000),
    maxDelayMs: Math.round(values.maxDelay * 1000),
    maxBackoffMs: Math.round(values.maxBackoff * 1000),
    maxCpuShare: values.maxCpu / 100,
    lockTimeoutMs: Math.round(values.lockTimeout * 1000),
    sync: Object.freeze({
      mode: values.mode,
      pullIntervalMs: Math.round((values.pullInterval ?? values.pollInterval) * 1000),
      conflictRule: values.conflictRule,
      pullObjects: values.pullObjects,
    }),
    includeTables: Object.freeze(values.includeTables),
    excludeTables: Object.freeze(values.excludeTables),
    profile: values.profile,
    schemaOnlyTables: values.schemaOnlyTables === undefined ? null : Object.freeze(values.schemaOnlyTables),
    secrets,
    chunkBytes: values.chunkSize,
    maxRowBytes: values.maxRowSize,
    changeSource: values.changeSource,
    files,
    git: Object.freeze({
      remoteUrl: remote?.url,
      remoteName: values.remoteName,
      username: remote?.username,
      droppedSshPassword: remote?.droppedSshPassword === true,
      token: values.gitToken ?? remote?.password,
      sshKey: sshFiles.sshKey,
      sshKnownHosts: sshFiles.sshKnownHosts,
      signingKey: sshFiles.signingKey,
      trustedSigners: sshFiles.trustedSigners,
      authorName: values.authorName,
      authorEmail: values.authorEmail,
    }),
    log: Object.freeze({ level: values.logLevel, format: values.logFormat }),
    maxUnpushedMs: Math.round(values.maxUnpushed * 1000),
    metricsAddr: values.metricsAddr,
    ui: Object.freeze({ addr: values.uiAddr, token: values.uiToken, allowRestore: values.uiAllowRestore }),
    notify: Object.freeze({ urls: Object.freeze(values.notifyUrl), heartbeatUrl: values.heartbeatUrl }),
  });
}

/** DBSYNC_FILES with its root: both or neither; the root a readable folder; one-way mode only. */
function filesConfig(values: SettingValues, cwd: string): FilesConfig | null {
  if (values.files.length === 0) return null;
  if (values.filesRoot === undefined)
    throw configError('DBSYNC_FILES is set but DBSYNC_FILES_ROOT is not: set it to the folder the globs are relative to (e.g. /var/www/html)');
  // A pull merges rows, not files: another computer's files would be committed over this one's.
  if (values.mode === 'two-way') throw configError('DBSYNC_FILES works in one-way mode only (a pull does not merge files yet); unset it or DBSYNC_MODE');
  let root: string;
  try {
    root = realpathSync(path.resolve(cwd, values.filesRoot));
    if (!statSync(root).isDirectory()) throw Object.assign(new Error('not a folder'), { code: 'ENOTDIR' });
    accessSync(root, constants.R_OK | constants.X_OK);
  } catch (err) {
    throw configError(`DBSYNC_FILES_ROOT=${JSON.stringify(values.filesRoot)}: not a readable folder (${errnoCode(err) ?? 'error'})`);
  }
  return Object.freeze({ root, patterns: Object.freeze(values.files), maxFileBytes: values.filesMaxSize, maxTotalBytes: values.filesMaxTotal });
}

/**
 * Split `https://user:token@host/repo.git` into a URL safe to store and its credentials.
 * scp-like SSH addresses (`git@host:repo.git`) and paths are returned unchanged.
 */
export function splitRemoteCredentials(
  raw: string,
  label = 'GIT_REMOTE_URL',
): { url: string; username?: string; password?: string; droppedSshPassword?: boolean } {
  const example = '(expected e.g. https://host/owner/repo.git or git@host:owner/repo.git)';
  const invalid = `${label}: not a valid URL ${example}`;
  // `<helper>::<address>` (gcrypt::rsync://host/repo, gcrypt::git@host:repo): git hands the address
  // to git-remote-<helper> verbatim, so it is passed on as it is; only a password in it is refused,
  // because it would be written to .git/config (a token goes in DBSYNC_GIT_TOKEN).
  const helper = /^([A-Za-z0-9][A-Za-z0-9+.-]*)::(.+)$/s.exec(raw);
  if (helper) {
    if (/\n|\r/.test(raw)) throw configError(`${label}: a URL must be one line`);
    if (/:\/\/[^/@\s]*:[^/@\s]*@/.test(helper[2]!)) {
      throw configError(`${label}: a password or token in a ${helper[1]}:: address would be stored in .git/config; give it in DBSYNC_GIT_TOKEN instead`);
    }
    return { url: raw };
  }
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(raw)) {
    // `ht!tp://host/r.git` is a mistyped URL, not a path (git would reject it at the first push).
    if (/^[^/]*:\/\//.test(raw)) throw configError(invalid);
    if (/\s/.test(raw)) throw configError(`${label}=${JSON.stringify(raw)}: must not contain spaces`);
    return { url: raw };
  }
  // Not echoed: the URL may hold a token. new URL() would accept spaces in the path; git would not.
  if (/\s/.test(raw)) throw configError(`${label}: a URL must not contain spaces (write them as %20)`);
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw configError(invalid);
  }
  if (!['https:', 'http:', 'ssh:', 'git:', 'file:'].includes(u.protocol)) {
    // Another scheme is git's when a remote helper serves it (s3://, codecommit://): git-remote-<scheme> on PATH.
    const scheme = u.protocol.slice(0, -1);
    if (remoteHelperOnPath(scheme)) return { url: raw };
    throw configError(
      `${label}: unsupported scheme ${u.protocol} (no git-remote-${scheme} on PATH: install that remote helper, or use https://, ssh://, git@host:path, a local path or <helper>::<address>)`,
    );
  }
  if (u.protocol !== 'file:' && !u.hostname) throw configError(`${label}: the URL names no host ${example}`);
  if ((u.protocol === 'ssh:' && u.pathname === '') || (u.protocol === 'file:' && u.pathname === '/')) {
    throw configError(`${label}: the URL names no repository path ${example}`);
  }
  if (u.protocol === 'file:' || (!u.password && !u.username)) return { url: raw };
  // Not echoed: the part in question is a token. decodeURIComponent throws a bare URIError for `%zz`.
  const decode = (part: string, what: string): string => {
    try {
      return decodeURIComponent(part);
    } catch {
      throw configError(`${label}: the ${what} in the URL is not valid percent-encoding (a % must be followed by two hex digits; write a literal % as %25)`);
    }
  };
  const username = decode(u.username, 'user name') || undefined;
  const password = decode(u.password, 'password or token') || undefined;
  if (u.protocol === 'ssh:') {
    // ssh never takes a password from the URL (git-dbsync runs it in batch mode: keys only), and
    // kept there it would be written to .git/config and shown in ssh's and git's argv. The user stays.
    if (!u.password) return { url: raw };
    u.password = '';
    return { url: u.toString(), droppedSshPassword: true };
  }
  u.username = '';
  u.password = '';
  return { url: u.toString(), username, password };
}

/** Whether an executable git-remote-<scheme> is on PATH (git looks there, and in its exec path, for remote helpers). */
function remoteHelperOnPath(scheme: string): boolean {
  if (!/^[a-z0-9][a-z0-9+.-]*$/i.test(scheme)) return false;
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    try {
      accessSync(path.join(dir, `git-remote-${scheme}`), constants.X_OK);
      return true;
    } catch {
      // not in this folder
    }
  }
  return false;
}

/** The README / --help table of settings: variable, flag, default, meaning. */
export function settingsTable(): Array<{ env: string; flag: string; default: string; doc: string }> {
  return SETTING_KEYS.map((key) => {
    const s: Setting = SETTINGS[key];
    return { env: s.env.join(', '), flag: s.flag ? flagName(s.flag) : '', default: s.default ?? '', doc: s.doc };
  });
}

/** A remote URL safe to print: the password or token of `https://user:token@host/...` replaced. */
export function redactRemoteUrl(url: string): string {
  return url
    .replace(/^([a-z][a-z0-9+.-]*:\/\/[^/@:]*):[^/@]*@/i, '$1:***@')
    .replace(/^([a-z][a-z0-9+.-]*:\/\/)([^/@:]+)@(?=[^/]*\/)/i, (m, scheme: string, _user: string) =>
      /^(https?|git):\/\//i.test(scheme) ? `${scheme}***@` : m,
    );
}
