/**
 * The command line: the only module that reads arguments, prints errors and exits the process.
 */
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, Option } from 'commander';
import { SETTINGS, flagName, loadConfig, type FlagValues } from './config/config.js';
import { DbsyncError, messageOf } from './errors/dbsync-error.js';
import { ExitCode } from './errors/exit-codes.js';
import { commandContext } from './cli/context.js';
import { restoreCommand } from './cli/restore-command.js';
import { parsePointInTime, POINT_IN_TIME_FORMS } from './restore/point-in-time.js';
import { hookInstallCommand, hookRunCommand, hookUninstallCommand } from './cli/hook-command.js';
import { remoteSetCommand, remoteSetFlags, remoteShowCommand } from './cli/remote-command.js';
import { statusCommand } from './cli/status-command.js';
import { healthCommand } from './cli/health-command.js';
import { syncCommand } from './cli/sync-command.js';
import { watchCommand } from './cli/watch-command.js';
import { syncContext } from './cli/join-context.js';
import { pullCommand } from './cli/pull-command.js';
import { conflictsCommand } from './cli/conflicts-command.js';
import { historyCommand } from './cli/history-command.js';
import { logCommand } from './cli/log-command.js';
import { showCommand } from './cli/show-command.js';
import { uiCommand } from './cli/ui-command.js';
import { resolveCommand } from './cli/resolve-command.js';
import { doctorCommand } from './cli/doctor-command.js';
import { demoCommand } from './cli/demo-command.js';

const EXIT_CODES_HELP = `
Exit codes:
  0    ok (also when nothing changed)
  1    an operation failed (database, git, disk); safe to retry; status: database unreachable or last pass failed
  2    bad configuration or usage; nothing was touched
  3    another git-dbsync process holds the lock on this repository or database
  4    committed locally, but the push failed or the remote has commits this computer lacks; status: commits not pushed
  5    refused unsafe repository content: a symlink or special file in the snapshot folder, a file
       that is not what git-dbsync writes, or (DBSYNC_TRUSTED_SIGNERS) an untrusted pulled commit
  6    a restore was interrupted: run restore --resume or --abort
  130  stopped by a second SIGINT/SIGTERM`;

function version(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** Every configuration setting that has a flag, on every command; help names the environment variable too. */
/** The groups the settings' options are shown in by `--help`. */
const SETTING_GROUPS: Record<string, readonly string[]> = {
  database: ['dbHost', 'dbPort', 'dbSocket', 'dbUser', 'dbPasswordFile', 'dbName', 'connectTimeout'],
  repository: [
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
  daemon: ['pollInterval', 'verifyInterval', 'quietPeriod', 'maxDelay', 'maxCpu', 'maxBackoff', 'maxUnpushed', 'metricsAddr', 'uiAddr'],
  secrets: ['secrets', 'secretPolicy', 'secretKeyFile'],
  remote: ['remoteUrl', 'remoteName', 'sshKey', 'sshKnownHosts', 'signingKey', 'trustedSigners', 'mode', 'pullInterval', 'conflictRule', 'pullObjects'],
  files: ['filesRoot', 'files', 'filesMaxSize', 'filesMaxTotal'],
  logging: ['logLevel', 'logFormat'],
};
const GROUP_HEADINGS: Record<string, string> = {
  database: 'Database:',
  repository: 'Repository:',
  daemon: 'Daemon (watch):',
  secrets: 'Secrets:',
  remote: 'Remote and two-way sync:',
  files: 'Files versioned with the database:',
  logging: 'Logging:',
};
/** Which groups each command's `--help` shows (every option is still accepted everywhere: a setting given as a flag is never an error). */
const COMMAND_GROUPS: Record<string, readonly string[]> = {
  sync: ['database', 'repository', 'secrets', 'files', 'remote', 'logging'],
  watch: ['database', 'repository', 'daemon', 'secrets', 'files', 'remote', 'logging'],
  pull: ['database', 'repository', 'secrets', 'remote', 'logging'],
  restore: ['database', 'repository', 'secrets', 'files', 'logging'],
  status: ['database', 'repository', 'remote', 'logging'],
  health: ['logging'],
  log: ['logging'],
  show: ['logging'],
  history: ['logging'],
  ui: ['logging'],
  conflicts: ['database', 'repository', 'logging'],
  resolve: ['database', 'repository', 'remote', 'logging'],
  doctor: ['database', 'logging'],
  demo: ['logging'],
  set: ['remote', 'logging'],
  install: ['database', 'repository', 'secrets', 'logging'],
  uninstall: ['logging'],
};
/** Settings a command's help shows outside its groups (health reads these two). */
const COMMAND_EXTRA: Record<string, readonly string[]> = {
  health: ['projectDir', 'pollInterval', 'maxUnpushed'],
  log: ['projectDir', 'snapshotDir'],
  show: ['projectDir', 'snapshotDir'],
  history: ['projectDir', 'snapshotDir'],
  ui: ['projectDir', 'snapshotDir', 'uiAddr', 'profile', 'secretPolicy'],
  uninstall: ['projectDir'],
  demo: [],
};

/** Two examples per command, shown at the end of its `--help`. */
const EXAMPLES: Record<string, readonly string[]> = {
  sync: [
    'DB_USER=app DB_NAME=invoiceplane DB_PASSWORD_FILE=/run/secrets/db PROJECT_DIR=~/history git-dbsync sync',
    'git-dbsync sync -q     # from cron: prints nothing when all went well',
  ],
  watch: [
    'DB_USER=app DB_NAME=invoiceplane PROJECT_DIR=~/history GIT_REMOTE_URL=git@host:me/history.git git-dbsync watch',
    'POLL_INTERVAL=5 DBSYNC_METRICS_ADDR=127.0.0.1:9187 git-dbsync watch',
  ],
  pull: ['DBSYNC_MODE=two-way git-dbsync pull', 'DBSYNC_MODE=two-way git-dbsync pull --adopt-remote   # a new computer whose history is unrelated'],
  restore: ['git-dbsync restore --at yesterday                       # the plan only', 'git-dbsync restore --at "2026-12-01 17:00" --tables ip_payments --yes'],
  status: ['git-dbsync status', 'git-dbsync status --json | jq .verdict'],
  health: ['git-dbsync health', 'git-dbsync health --max-age 300'],
  log: ['git-dbsync log -n 20', 'git-dbsync log --table ip_invoices --since "3 days ago"'],
  show: ['git-dbsync show', 'git-dbsync show HEAD~3'],
  history: ['git-dbsync history ip_invoices 42', 'git-dbsync history ip_invoice_items 7,2026-01-01'],
  ui: ['git-dbsync ui', 'DBSYNC_UI_ADDR=127.0.0.1:8082 PROJECT_DIR=~/history git-dbsync ui'],
  conflicts: ['git-dbsync conflicts', 'git-dbsync conflicts --json'],
  resolve: ['git-dbsync resolve ip_invoices 43 --theirs', 'git-dbsync resolve ip_clients 7 --value "ACME Ltd" --column client_name'],
  doctor: ['git-dbsync doctor', 'git-dbsync doctor --computers 2 --this 1'],
  set: ['git-dbsync remote set git@host:me/invoices-history.git', 'GIT_REMOTE_URL=https://host/me/history.git DBSYNC_GIT_TOKEN=... git-dbsync remote set'],
  install: ['git-dbsync hook install', 'git commit -m "my change"   # the hook adds a fresh snapshot to the commit'],
};

/** The settings' documentation as plain text for a terminal: no markdown links or code marks. */
function plainText(doc: string): string {
  return doc
    .replace(/\[([^\]]+)\]\([^)]*\)/g, '$1')
    .replace(/`([^`]*)`/g, '$1')
    .replace(/\*([^*]+)\*/g, '$1');
}

function addConfigOptions(cmd: Command): Command {
  // `remote show` is not the `show` command: it shows what `remote set` does.
  const name = cmd.parent?.name() === 'remote' ? 'set' : cmd.name();
  const groups = COMMAND_GROUPS[name] ?? Object.keys(SETTING_GROUPS);
  const shown = new Set([...groups.flatMap((g) => SETTING_GROUPS[g] ?? []), ...(COMMAND_EXTRA[name] ?? [])]);
  for (const [key, s] of Object.entries(SETTINGS) as Array<[string, { flag?: string; env: readonly string[]; default?: string; doc: string }]>) {
    if (!s.flag) continue;
    const extra = [`env ${s.env.join(', ')}`, s.default !== undefined && s.default !== '' ? `default ${s.default}` : ''].filter(Boolean).join('; ');
    const group = Object.keys(SETTING_GROUPS).find((g) => SETTING_GROUPS[g]!.includes(key));
    const option = new Option(`${flagName(s.flag)} <value>`, `${plainText(s.doc)} (${extra})`);
    if (group && (shown.has(key) || !COMMAND_GROUPS[name])) option.helpGroup(GROUP_HEADINGS[group]!);
    else option.hideHelp();
    cmd.addOption(option);
  }
  const examples = cmd.parent?.name() === 'remote' && cmd.name() === 'show' ? ['git-dbsync remote show'] : (EXAMPLES[name] ?? []);
  if (examples.length > 0) cmd.addHelpText('after', `\nExamples:\n${examples.map((e) => `  ${e}`).join('\n')}`);
  return cmd;
}

function flagsOf(cmd: Command): FlagValues {
  const o = cmd.opts() as Record<string, unknown>;
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(o)) if (typeof v === 'string') out[k] = v;
  return out;
}

/** --adopt-remote / --adopt-local: what to do when this repository's history and the remote's are unrelated (two-way mode). */
function adoptOptions(cmd: Command): Command {
  return cmd
    .option('--adopt-remote', "unrelated histories: take the remote's data and history, keep this computer's history on a branch dbsync/local-<date>")
    .option('--adopt-local', 'unrelated histories: start the shared history from this database (only with an empty remote)');
}

function adoptOf(cmd: Command): { adopt?: 'remote' | 'local' } {
  const o = cmd.opts() as { adoptRemote?: boolean; adoptLocal?: boolean };
  if (o.adoptRemote && o.adoptLocal)
    throw new DbsyncError({
      operation: 'usage',
      message: '--adopt-remote and --adopt-local exclude each other',
      hint: 'choose one',
      exitCode: ExitCode.Config,
    });
  return o.adoptRemote ? { adopt: 'remote' } : o.adoptLocal ? { adopt: 'local' } : {};
}

/** process.cwd() throws a bare ENOENT (`uv_cwd`) when the folder was deleted under the shell: say so in words. */
function currentDir(): string {
  try {
    return process.cwd();
  } catch (err) {
    throw new DbsyncError({
      operation: 'start',
      message: 'the current folder no longer exists (it was deleted or moved away after the shell entered it)',
      hint: 'cd to an existing folder (for example `cd ~`) and run the command again; settings with relative paths are relative to it',
      exitCode: ExitCode.Config,
      cause: err,
    });
  }
}

function errorLine(err: unknown): { line: string; code: number } {
  if (err instanceof DbsyncError) return { line: err.toLine(), code: err.exitCode };
  return { line: `unexpected error: ${messageOf(err)} -- please report this with the log`, code: ExitCode.Failure };
}

export async function main(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<void> {
  let exitCode: number = ExitCode.Ok;
  const program = new Command('git-dbsync')
    .description('Keep a live MariaDB/MySQL database under version control in git: deterministic per-table snapshots, committed and pushed automatically.')
    .version(version())
    .addHelpText(
      'after',
      EXIT_CODES_HELP + '\n\nSettings come from flags, then environment variables, then defaults; see docs/reference/configuration.md for the full table.',
    )
    .exitOverride()
    .configureOutput({ outputError: (s, write) => write(`git-dbsync: ${s.trim()} (see git-dbsync --help)\n`) });

  const run =
    (fn: (cmd: Command) => Promise<number>) =>
    async (...args: unknown[]) => {
      exitCode = await fn(args[args.length - 1] as Command);
    };

  addConfigOptions(
    adoptOptions(
      program
        .command('sync')
        .description('One pass: snapshot the database, commit what changed, push if a remote is configured (two-way mode: then pull).')
        .option('-q, --quiet', 'print nothing when all went well (for cron); warnings and errors still go to stderr')
        .option('-v, --verbose', 'log every step (the same as --log-level debug)')
        .option('--json', 'print the result as one JSON object'),
    ),
  ).action(
    run(async (cmd) => {
      const o = cmd.opts() as { quiet?: boolean; verbose?: boolean; json?: boolean; logLevel?: string };
      if (o.quiet && o.verbose)
        throw new DbsyncError({ operation: 'sync', message: '-q and -v exclude each other', hint: 'give one of them', exitCode: ExitCode.Config });
      const flags = { ...flagsOf(cmd), ...(o.logLevel === undefined && (o.quiet || o.verbose) ? { logLevel: o.quiet ? 'warn' : 'debug' } : {}) };
      // Two-way mode (src/pull): a new computer joins first; a pass is then a pull (publish, fetch, merge, push).
      // --json: the line saying a new computer joined goes into the object, not before it.
      let joined: string | null = null;
      const ctx = await syncContext(flags, env, currentDir(), o.json ? (line) => (joined = line) : undefined);
      return ctx.config.sync.mode === 'two-way'
        ? pullCommand(ctx, { ...adoptOf(cmd), json: o.json === true, joined })
        : syncCommand(ctx, { quiet: o.quiet === true, json: o.json === true });
    }),
  );
  addConfigOptions(
    program.command('watch').description('Run passes every POLL_INTERVAL seconds until SIGINT/SIGTERM (two-way mode: also pull every DBSYNC_PULL_INTERVAL).'),
  ).action(run(async (cmd) => watchCommand(await syncContext(flagsOf(cmd), env, currentDir()), process, (code) => process.exit(code))));

  // Two-way sync: pull, conflicts, resolve, doctor (see docs/guides/two-way-sync.md).
  addConfigOptions(
    adoptOptions(
      program
        .command('pull')
        .description('Two-way mode: commit local changes, fetch the remote, merge its changes row by row into the database, push.')
        .option('--json', 'print what came in, was applied and conflicted as one JSON object'),
    ),
  ).action(
    run(async (cmd) => {
      const json = (cmd.opts() as { json?: boolean }).json === true;
      let joined: string | null = null;
      const ctx = await syncContext(flagsOf(cmd), env, currentDir(), json ? (line) => (joined = line) : undefined);
      return pullCommand(ctx, { ...adoptOf(cmd), json, joined });
    }),
  );
  // Readable history: git only, no database needed.
  addConfigOptions(
    program
      .command('log')
      .description('The snapshot history, one line per commit (date, id, subject), newest first.')
      .option('--table <table>', 'only commits that changed this table')
      .option('--since <when>', 'only commits since a moment (2026-12-01, yesterday, "3 days ago")')
      .option('--grep <text>', 'only commits whose message contains this text (any case)')
      .option('-n, --max-count <n>', 'at most this many commits'),
  ).action(
    run(async (cmd) => {
      const o = cmd.opts() as { table?: string; since?: string; grep?: string; maxCount?: string };
      return logCommand(await commandContext(flagsOf(cmd), env, currentDir(), { create: false, requireDatabase: false }), {
        table: o.table,
        since: o.since,
        grep: o.grep,
        max: o.maxCount,
      });
    }),
  );
  addConfigOptions(
    program
      .command('show')
      .description("One commit's changes row by row, cell by cell, with column names (default: the latest).")
      .argument('[rev]', 'commit, tag or branch'),
  ).action(run(async (cmd) => showCommand(await commandContext(flagsOf(cmd), env, currentDir(), { create: false, requireDatabase: false }), cmd.args[0])));
  addConfigOptions(
    program
      .command('history')
      .description('Every version of one row, newest first: commit, date, subject and the cells that changed.')
      .argument('<table>', 'table name as in the database')
      .argument('<key>', "the row's primary key values in key order, comma-separated (43; 7,2026-01-01)"),
  ).action(
    run(async (cmd) =>
      historyCommand(await commandContext(flagsOf(cmd), env, currentDir(), { create: false, requireDatabase: false }), cmd.args[0]!, cmd.args[1]!),
    ),
  );
  addConfigOptions(
    program
      .command('ui')
      .description(
        'The history page in a browser: timeline, commits and records with column names, any table as of a date. Read-only; needs the printed token.',
      )
      .option('--allow-restore', 'also offer to bring a table back to a commit, plan first (needs the database settings)'),
  ).action(
    run(async (cmd) => {
      const allowRestore = (cmd.opts() as { allowRestore?: boolean }).allowRestore === true;
      const ctx = await commandContext(flagsOf(cmd), env, currentDir(), { create: false, requireDatabase: allowRestore, readOnly: !allowRestore });
      return uiCommand(ctx, { allowRestore });
    }),
  );
  addConfigOptions(
    program
      .command('conflicts')
      .description('List the open conflicts of the last merge: table, key, column, base/ours/theirs, the value the database kept.')
      .option('--json', 'machine-readable output'),
  ).action(
    run(async (cmd) =>
      conflictsCommand(await commandContext(flagsOf(cmd), env, currentDir(), { create: false }), { json: (cmd.opts() as { json?: boolean }).json === true }),
    ),
  );
  addConfigOptions(
    program
      .command('resolve')
      .description('Close a conflict: write the chosen value into the database, remove the record, commit and push.')
      .argument('<table>', 'the table')
      .argument('[key]', "the row's key: the key columns' values in order, comma-separated (e.g. 43, or 7,2026-01-01); omit for a table-level conflict")
      .option('--ours', 'keep the value of the computer that made the merge')
      .option('--theirs', 'keep the value it pulled')
      .option('--value <value>', 'write this value instead (NULL for SQL NULL; a quoted SQL literal is used as it is)')
      .option('--column <column>', 'only this column (when the row has conflicts in several)'),
  ).action(async (table: string, key: string | undefined, _opts: unknown, cmd: Command) => {
    const o = cmd.opts() as { ours?: boolean; theirs?: boolean; value?: string; column?: string };
    const flags = { ...flagsOf(cmd), value: undefined, column: undefined };
    exitCode = await resolveCommand(await commandContext(flags, env, currentDir(), { create: false }), table, key, o);
  });
  addConfigOptions(
    program
      .command('doctor')
      .description('Check the database server for two-way sync (auto_increment spacing) and print the exact settings for computer N of M.')
      .option('--computers <m>', 'how many computers share the repository')
      .option('--this <n>', 'which of them this one is (1 to M)'),
  ).action(
    run(async (cmd) => {
      const o = cmd.opts() as { computers?: string; this?: string };
      const flags = { ...flagsOf(cmd), computers: undefined, this: undefined };
      return doctorCommand(loadConfig({ env, flags, cwd: currentDir() }), o, (line) => process.stdout.write(line + '\n'));
    }),
  );
  addConfigOptions(
    program
      .command('restore')
      .description('Make the database equal to the snapshot at REV (default: the latest). Unsaved changes are committed first.')
      .argument('[rev]', 'commit, tag or branch to restore')
      .option('--at <when>', `the snapshot as of a moment instead of REV: ${POINT_IN_TIME_FORMS} (local time unless Z or an offset is given)`)
      .option('--tables <list>', 'restore only these tables (comma-separated) and their triggers; every other table and object is left alone')
      .option(
        '--into <database>',
        'load the snapshot into this other database (created if missing, must be empty) to look at it; the live database and the repository are not touched',
      )
      .option('--yes', 'do it (without: only print what would be done)')
      .option('--drop-extra', 'also drop tables, views, routines, triggers and events that the snapshot lacks')
      .option(
        '--files-to <dir>',
        "DBSYNC_FILES: write the snapshot's files into this folder instead of DBSYNC_FILES_ROOT (a read-only mount); nothing is removed",
      )
      .option('--resume', 'finish a restore that was interrupted')
      .option('--abort', 'undo a restore that was interrupted: back to the state before it')
      .option('--json', 'print the plan, or what was done, as one JSON object'),
  ).action(async (rev: string | undefined, _opts: unknown, cmd: Command) => {
    const o = cmd.opts() as {
      json?: boolean;
      yes?: boolean;
      dropExtra?: boolean;
      resume?: boolean;
      abort?: boolean;
      at?: string;
      tables?: string;
      into?: string;
      filesTo?: string;
    };
    if (o.into !== undefined && (o.dropExtra || o.resume || o.abort))
      throw new DbsyncError({
        operation: 'restore',
        message: `--into does not go with --${o.dropExtra ? 'drop-extra' : o.resume ? 'resume' : 'abort'}`,
        hint: '--into loads a copy into an empty database; nothing there to drop, resume or abort',
        exitCode: ExitCode.Config,
      });
    const tables =
      o.tables === undefined
        ? null
        : o.tables
            .split(',')
            .map((t) => t.trim())
            .filter((t) => t.length > 0);
    if (tables !== null && tables.length === 0)
      throw new DbsyncError({
        operation: 'restore',
        message: '--tables names no table',
        hint: 'give table names separated by commas, e.g. --tables ip_invoices,ip_invoice_items',
        exitCode: ExitCode.Config,
      });
    if (tables !== null && (o.dropExtra || o.resume || o.abort))
      throw new DbsyncError({
        operation: 'restore',
        message: `--tables does not go with --${o.dropExtra ? 'drop-extra' : o.resume ? 'resume' : 'abort'}`,
        hint: o.dropExtra
          ? 'a restore of some tables leaves every other one alone; drop tables by hand'
          : 'an interrupted restore remembers its tables: run --resume or --abort alone',
        exitCode: ExitCode.Config,
      });
    if (o.at !== undefined && rev !== undefined)
      throw new DbsyncError({
        operation: 'restore',
        message: `give a revision (${rev}) or --at, not both`,
        hint: 'drop one of them',
        exitCode: ExitCode.Config,
      });
    if (o.at !== undefined && (o.resume || o.abort))
      throw new DbsyncError({
        operation: 'restore',
        message: '--at does not go with --resume or --abort',
        hint: 'run the interrupted restore to its end first',
        exitCode: ExitCode.Config,
      });
    const atMs = o.at === undefined ? undefined : parsePointInTime(o.at, Date.now());
    if (atMs === null)
      throw new DbsyncError({
        operation: 'restore',
        message: `--at ${JSON.stringify(o.at)}: not a moment git-dbsync understands`,
        hint: `write it as one of: ${POINT_IN_TIME_FORMS}`,
        exitCode: ExitCode.Config,
      });
    if (o.resume && o.abort)
      throw new DbsyncError({ operation: 'restore', message: '--resume and --abort exclude each other', hint: 'give one of them', exitCode: ExitCode.Config });
    if ((o.resume || o.abort) && rev !== undefined)
      throw new DbsyncError({
        operation: 'restore',
        message: `--${o.resume ? 'resume' : 'abort'} takes no revision (it continues the interrupted restore)`,
        hint: 'run it without REV',
        exitCode: ExitCode.Config,
      });
    const continuation = o.resume ? 'resume' : o.abort ? 'abort' : undefined;
    exitCode = await restoreCommand(await commandContext(flagsOf(cmd), env, currentDir(), { create: false }), rev, {
      yes: o.yes === true,
      dropExtra: o.dropExtra === true,
      continuation,
      tables,
      json: o.json === true,
      ...(o.into !== undefined ? { into: o.into } : {}),
      ...(o.filesTo !== undefined ? { filesTo: path.resolve(currentDir(), o.filesTo) } : {}),
      ...(atMs !== undefined ? { at: { ms: atMs, text: o.at! } } : {}),
    });
  });
  addConfigOptions(
    program
      .command('status')
      .description('Last snapshot, unsaved database changes, remote ahead/behind, last error.')
      .option('--json', 'machine-readable output'),
  ).action(
    run(async (cmd) =>
      statusCommand(await commandContext(flagsOf(cmd), env, currentDir(), { create: false }), { json: (cmd.opts() as { json?: boolean }).json === true }),
    ),
  );

  // health: the container's HEALTHCHECK; reads only the state file (no database, no password, no lock).
  addConfigOptions(
    program
      .command('health')
      .description(
        'Exit 0 when `watch` runs here and its last successful check (pass or change poll) is recent (default limit: max(3 x POLL_INTERVAL, 60 s)), else 1 with the reason.',
      )
      .option('--max-age <seconds>', 'longest time since the last successful check that still counts as healthy'),
  ).action(
    run(async (cmd) =>
      healthCommand(flagsOf(cmd), env, currentDir(), { maxAge: (cmd.opts() as { maxAge?: string }).maxAge, out: (line) => process.stdout.write(line + '\n') }),
    ),
  );

  // remote set / show: the push remote; never reads the database (DB_USER and DB_NAME not needed).
  const remote = program.command('remote').description('Set the git remote snapshots are pushed to and check it, or show it.');
  addConfigOptions(
    remote
      .command('set')
      .description(
        'Save URL as the remote DBSYNC_REMOTE (credentials stripped), then check that it can be reached and written: a probe ref under refs/dbsync-probe/ is pushed and deleted.',
      )
      .argument('[url]', 'ssh://host/path, git@host:path, https://host/path or a folder (default: GIT_REMOTE_URL)'),
  ).action(async (url: string | undefined, _opts: unknown, cmd: Command) => {
    const flags = remoteSetFlags(url, flagsOf(cmd), env);
    exitCode = await remoteSetCommand(await commandContext(flags, env, currentDir(), { requireDatabase: false }), env);
  });
  addConfigOptions(remote.command('show').description("Print the remote's URL (credentials masked) and whether it can be reached.")).action(
    run(async (cmd) => remoteShowCommand(await commandContext(flagsOf(cmd), env, currentDir(), { create: false, requireDatabase: false }))),
  );

  // hook install / uninstall / run: the pre-commit hook that puts a fresh snapshot into manual commits.
  const hook = program
    .command('hook')
    .description('Install or remove a pre-commit hook that refreshes the snapshot and includes it in every manual `git commit`.');
  const hookIo = { out: (line: string) => process.stdout.write(line + '\n'), err: (line: string) => process.stderr.write(line + '\n') };
  // The hook starts this very node and launcher (bin/git-dbsync.js next to dist/), falling back to `git-dbsync` on PATH.
  const hookTool = { node: process.execPath, cli: fileURLToPath(new URL('../bin/git-dbsync.js', import.meta.url)) };
  addConfigOptions(
    hook
      .command('install')
      .description(
        'Add the pre-commit hook (chained to an existing one, never overwriting it); the settings given now are written into it as defaults, never the password.',
      ),
  ).action(run(async (cmd) => hookInstallCommand(flagsOf(cmd), env, currentDir(), hookTool, hookIo)));
  addConfigOptions(hook.command('uninstall').description('Remove only what `hook install` added; an earlier hook is left byte for byte as it was.')).action(
    run(async (cmd) => hookUninstallCommand(flagsOf(cmd), env, currentDir(), hookIo)),
  );
  addConfigOptions(
    hook.command('run').description('What the hook runs: snapshot the database and stage it into the commit being made (no commit of its own).'),
  ).action(run(async (cmd) => hookRunCommand(flagsOf(cmd), env, currentDir(), hookIo)));

  // demo: a throwaway MariaDB with an InvoicePlane database, watched into a new repository; no settings needed.
  program
    .command('demo')
    .description(
      "Show git-dbsync at work in under a minute: a throwaway MariaDB with a sample InvoicePlane database, the watcher, a few changes, the history. Needs MariaDB's server binaries; touches nothing else.",
    )
    .option('--keep-db', 'leave the throwaway database server running at the end (prints how to connect and stop it)')
    .action(
      run(async (cmd) =>
        demoCommand(
          { keepDb: (cmd.opts() as { keepDb?: boolean }).keepDb === true },
          env,
          process,
          (code) => process.exit(code),
          (line) => process.stdout.write(line + '\n'),
        ),
      ),
    );

  try {
    await program.parseAsync(argv as string[]);
  } catch (err) {
    if (err instanceof CommanderError) {
      exitCode = err.exitCode === 0 ? ExitCode.Ok : ExitCode.Config;
    } else {
      const { line, code } = errorLine(err);
      process.stderr.write(`git-dbsync: ${line}\n`);
      exitCode = code;
    }
  }
  process.exit(exitCode);
}
