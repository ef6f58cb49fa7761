/**
 * The command line: the only module that reads arguments, prints errors and exits the process.
 */
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, Option } from 'commander';
import { SETTINGS, flagName, loadConfig, type FlagValues } from './config/config.js';
import { COMMAND_SETTINGS, EXAMPLES, MORE_SETTINGS, SETTING_GROUPS, settingsReference } from './cli/command-help.js';
import { settingDescription, SETTING_HELP } from './cli/setting-help.js';
import { DbsyncError, messageOf } from './errors/dbsync-error.js';
import { ExitCode } from './errors/exit-codes.js';
import { commandContext } from './cli/context.js';
import { parsePointInTime, POINT_IN_TIME_FORMS } from './restore/point-in-time.js';
import { syncContext } from './cli/join-context.js';
// Each command's module is imported when that command runs (`(await import('./cli/x-command.js')).xCommand`):
// a `sync` process then loads about a third fewer modules than with every command imported up front.

const EXIT_CODES_HELP = `
Exit codes: 0 ok, 1 failed (safe to retry), 2 bad configuration or usage,
  3 locked by another git-dbsync, 4 not pushed, 5 refused unsafe repository
  content, 6 a restore was interrupted, 130 stopped
  (docs/reference/exit-codes.md)`;

function version(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** `--at <when>` is shown as `--at WHEN`: a named placeholder, without commander's brackets. */
const optionTerm = (o: Option) => o.flags.replace(/[<[]([^>\]]+)[>\]]/g, (_, name: string) => name.toUpperCase());

/** A command in the list of commands: its name and arguments (`history TABLE KEY`), without `[options]`. */
const subcommandTerm = (c: Command) => [c.name(), ...c.registeredArguments.map((a) => (a.required ? a.name() : `[${a.name()}]`))].join(' ');

/**
 * The options of `restore row` and `restore invoice` (the parent `restore`'s options reach them
 * too: commander reads them there): --tables and --into refused, REV or --at, the moment parsed.
 */
function recordRestoreArgs(cmd: Command, rev: string | undefined, operation: string, hint: string) {
  const o = { ...(cmd.parent?.opts() ?? {}), ...cmd.opts() } as { yes?: boolean; at?: string; json?: boolean; tables?: string; into?: string };
  for (const [flag, given] of [
    ['--tables', o.tables],
    ['--into', o.into],
  ] as const)
    if (given !== undefined) throw new DbsyncError({ operation, message: `${flag} does not go with ${operation}`, hint, exitCode: ExitCode.Config });
  if (o.at !== undefined && rev !== undefined)
    throw new DbsyncError({ operation, message: `give a revision (${rev}) or --at, not both`, hint: 'drop one of them', exitCode: ExitCode.Config });
  const atMs = o.at === undefined ? undefined : parsePointInTime(o.at, Date.now());
  if (atMs === null)
    throw new DbsyncError({
      operation,
      message: `--at ${JSON.stringify(o.at)}: not a moment git-dbsync understands`,
      hint: `write it as one of: ${POINT_IN_TIME_FORMS}`,
      exitCode: ExitCode.Config,
    });
  return {
    flags: { ...(cmd.parent ? flagsOf(cmd.parent) : {}), ...flagsOf(cmd), at: undefined, tables: undefined, into: undefined },
    options: { rev, yes: o.yes === true, json: o.json === true, ...(atMs !== undefined ? { at: { ms: atMs, text: o.at! } } : {}) },
  };
}

/**
 * Every setting that has a flag becomes an option of every command (a setting given as a flag is
 * never an error), but its `--help` shows only the ones COMMAND_SETTINGS lists for it, grouped,
 * one short line each; then two examples and where the other settings are.
 */
function addConfigOptions(cmd: Command): Command {
  // `remote set` under `remote`, `sync` under the program.
  const name = cmd.parent?.parent ? `${cmd.parent.name()} ${cmd.name()}` : cmd.name();
  const shown = new Set<string>(COMMAND_SETTINGS[name] ?? []);
  for (const [heading, keys] of SETTING_GROUPS) {
    for (const key of keys) {
      const s = SETTINGS[key] as { flag: string };
      const option = new Option(`${flagName(s.flag)} <${SETTING_HELP[key][0]}>`, settingDescription(key));
      if (shown.has(key)) option.helpGroup(heading);
      else option.hideHelp();
      cmd.addOption(option);
    }
  }
  return withExamples(cmd, name);
}

function withExamples(cmd: Command, name: string): Command {
  const examples = EXAMPLES[name] ?? [];
  cmd.addHelpText('after', `${examples.length ? `\nExamples:\n${examples.map((e) => `  ${e}`).join('\n')}\n` : ''}\n${MORE_SETTINGS}`);
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
    .option('--adopt-remote', "unrelated histories: take the remote's, keep ours on a branch")
    .option('--adopt-local', 'unrelated histories: start from this database (empty remote)');
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
    .addHelpText('after', `${EXIT_CODES_HELP}\nSettings (options, else environment, else defaults): git-dbsync help settings`)
    .configureHelp({ optionTerm, subcommandTerm })
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
        .summary('one pass: snapshot, commit, push')
        .description('One pass: snapshot the database, commit what changed, push if a remote is configured (two-way mode: then pull).')
        .option('-q, --quiet', 'print nothing when all went well (for cron)')
        .option('-v, --verbose', 'log every step (--log-level debug)')
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
        ? (await import('./cli/pull-command.js')).pullCommand(ctx, { ...adoptOf(cmd), json: o.json === true, joined })
        : (await import('./cli/sync-command.js')).syncCommand(ctx, { quiet: o.quiet === true, json: o.json === true });
    }),
  );
  addConfigOptions(
    program
      .command('watch')
      .summary('run passes on every change until stopped')
      .description('Run passes every POLL_INTERVAL seconds until SIGINT/SIGTERM (two-way mode: also pull every DBSYNC_PULL_INTERVAL).'),
  ).action(
    run(async (cmd) =>
      (await import('./cli/watch-command.js')).watchCommand(await syncContext(flagsOf(cmd), env, currentDir()), process, (code) => process.exit(code)),
    ),
  );

  // Two-way sync: pull, conflicts, resolve, doctor (see docs/guides/two-way-sync.md).
  addConfigOptions(
    adoptOptions(
      program
        .command('pull')
        .summary('two-way mode: commit, fetch, merge rows, push')
        .description('Two-way mode: commit local changes, fetch the remote, merge its changes row by row into the database, push.')
        .option('--json', 'print what came in, was applied, conflicted as JSON'),
    ),
  ).action(
    run(async (cmd) => {
      const json = (cmd.opts() as { json?: boolean }).json === true;
      let joined: string | null = null;
      const ctx = await syncContext(flagsOf(cmd), env, currentDir(), json ? (line) => (joined = line) : undefined);
      return (await import('./cli/pull-command.js')).pullCommand(ctx, { ...adoptOf(cmd), json, joined });
    }),
  );
  // Readable history: git only, no database needed.
  addConfigOptions(
    program
      .command('log')
      .summary('the snapshot history, one line per commit')
      .description('The snapshot history, one line per commit (date, id, subject), newest first.')
      .option('--table <table>', 'only commits that changed this table')
      .option('--since <when>', 'only since then: 2026-12-01, yesterday, "3 days ago"')
      .option('--grep <text>', 'only commits whose message has this text')
      .option('-n, --max-count <n>', 'at most this many commits'),
  ).action(
    run(async (cmd) => {
      const o = cmd.opts() as { table?: string; since?: string; grep?: string; maxCount?: string };
      return (await import('./cli/log-command.js')).logCommand(
        await commandContext(flagsOf(cmd), env, currentDir(), { create: false, requireDatabase: false }),
        {
          table: o.table,
          since: o.since,
          grep: o.grep,
          max: o.maxCount,
        },
      );
    }),
  );
  addConfigOptions(
    program
      .command('show')
      .summary("a commit's changes cell by cell, with column names")
      .description("One commit's changes row by row, cell by cell, with column names; REV: a commit, tag or branch (default: the latest).")
      .argument('[REV]'),
  ).action(
    run(async (cmd) =>
      (await import('./cli/show-command.js')).showCommand(
        await commandContext(flagsOf(cmd), env, currentDir(), { create: false, requireDatabase: false }),
        cmd.args[0],
      ),
    ),
  );
  addConfigOptions(
    program
      .command('history')
      .summary('every version of one row')
      .description(
        "Every version of one row, newest first: commit, date, subject and the cells that changed. KEY: the row's primary key values in key order, comma-separated (43; 7,2026-01-01). history invoice NUMBER: an InvoicePlane invoice with its items, amounts and payments.",
      )
      .argument('<TABLE>')
      .argument('<KEY>'),
  ).action(
    run(async (cmd) =>
      (await import('./cli/history-command.js')).historyCommand(
        await commandContext(flagsOf(cmd), env, currentDir(), { create: false, requireDatabase: false }),
        cmd.args[0]!,
        cmd.args[1]!,
      ),
    ),
  );
  addConfigOptions(
    program
      .command('ui')
      .summary('the history page in a browser')
      .description(
        'The history page in a browser: timeline, commits and records with column names, any table as of a date. Read-only; needs the printed token.',
      )
      .option('--allow-restore', 'also offer restores and conflict resolution, plan first (needs the database; DBSYNC_UI_ALLOW_RESTORE=1)'),
  ).action(
    run(async (cmd) => {
      // --allow-restore, or its environment form DBSYNC_UI_ALLOW_RESTORE=1 (one config module decides it).
      const allowRestore =
        (cmd.opts() as { allowRestore?: boolean }).allowRestore === true ||
        loadConfig({ env, flags: flagsOf(cmd), cwd: currentDir(), requireDatabase: false }).ui.allowRestore;
      const ctx = await commandContext(flagsOf(cmd), env, currentDir(), { create: false, requireDatabase: allowRestore, readOnly: !allowRestore });
      return (await import('./cli/ui-command.js')).uiCommand(ctx, { allowRestore });
    }),
  );
  addConfigOptions(
    program
      .command('conflicts')
      .summary('list the open conflicts of the last merge')
      .description('List the open conflicts of the last merge: table, key, column, base/ours/theirs, the value the database kept.')
      .option('--json', 'machine-readable output'),
  ).action(
    run(async (cmd) =>
      (await import('./cli/conflicts-command.js')).conflictsCommand(await commandContext(flagsOf(cmd), env, currentDir(), { create: false }), {
        json: (cmd.opts() as { json?: boolean }).json === true,
      }),
    ),
  );
  addConfigOptions(
    program
      .command('resolve')
      .summary('close a conflict with the value chosen')
      .description(
        "Close a conflict: write the chosen value into the database, remove the record, commit and push. KEY: the row's key values in order, comma-separated (43; 7,2026-01-01); none for a table-level conflict. A view, routine, trigger or event a pull did not apply: resolve TYPE NAME (resolve view v1 --theirs applies it).",
      )
      .argument('<TABLE>')
      .argument('[KEY]')
      .option('--ours', 'keep the value of the computer that made the merge')
      .option('--theirs', 'keep the value it pulled')
      .option('--value <value>', 'write this value instead (NULL: SQL NULL)')
      .option('--column <column>', 'only this column (a row with several conflicts)'),
  ).action(async (table: string, key: string | undefined, _opts: unknown, cmd: Command) => {
    const o = cmd.opts() as { ours?: boolean; theirs?: boolean; value?: string; column?: string };
    const flags = { ...flagsOf(cmd), value: undefined, column: undefined };
    exitCode = await (await import('./cli/resolve-command.js')).resolveCommand(
      await commandContext(flags, env, currentDir(), { create: false }),
      table,
      key,
      o,
    );
  });
  addConfigOptions(
    program
      .command('doctor')
      .summary('check the server for two-way sync')
      .description('Check the database server for two-way sync (auto_increment spacing) and print the exact settings for computer N of M.')
      .option('--computers <m>', 'how many computers share the repository')
      .option('--this <n>', 'which of them this one is (1 to M)'),
  ).action(
    run(async (cmd) => {
      const o = cmd.opts() as { computers?: string; this?: string };
      const flags = { ...flagsOf(cmd), computers: undefined, this: undefined };
      return (await import('./cli/doctor-command.js')).doctorCommand(loadConfig({ env, flags, cwd: currentDir() }), o, (line) =>
        process.stdout.write(line + '\n'),
      );
    }),
  );
  const restoreCmd = addConfigOptions(
    program
      .command('restore')
      .summary('make the database equal to a snapshot (plan first)')
      .description(
        'Make the database equal to the snapshot at REV (commit, tag, branch; default: the latest), unsaved changes committed first. Without --yes: the plan.',
      )
      .argument('[REV]')
      .option('--at <when>', 'as of: 2026-12-01, yesterday, "3 days ago"')
      .option('--tables <list>', 'only these tables (a,b) and their triggers')
      .option('--into <database>', 'load into this empty database, not the live one')
      .option('--yes', 'do it (without: print the plan only)')
      .option('--drop-extra', 'also drop tables and objects the snapshot lacks')
      .option('--files-to <dir>', 'write DBSYNC_FILES here, not to DBSYNC_FILES_ROOT')
      .option('--resume', 'finish an interrupted restore')
      .option('--abort', 'undo an interrupted restore')
      .option('--json', 'print the plan or what was done as one JSON object'),
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
    exitCode = await (await import('./cli/restore-command.js')).restoreCommand(await commandContext(flagsOf(cmd), env, currentDir(), { create: false }), rev, {
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
  // restore row: one row of one table, through the apply engine (the parent's options reach it too: commander reads them there).
  addConfigOptions(
    restoreCmd
      .command('row')
      .summary('one row of one table, as of then')
      .description(
        'Bring back one row as the snapshot of a moment has it (deleted when it did not exist then); only while the live row is still what the plan read.',
      )
      .argument('<table>', 'table name as in the database')
      .argument('<key>', "the row's primary key values in key order, comma-separated (43; 7,2026-01-01)")
      .argument('[rev]', 'commit, tag or branch (default: the latest)')
      .option('--at <when>', 'as of: 2026-12-01, yesterday, "3 days ago" (not with REV)')
      .option('--yes', 'do it (without: only print what would be done)')
      .option('--json', 'print the plan and the outcome as one JSON object'),
  ).action(async (table: string, key: string, rev: string | undefined, _opts: unknown, cmd: Command) => {
    const r = recordRestoreArgs(cmd, rev, 'restore row', 'restore row brings back one row of one table');
    exitCode = await (await import('./cli/restore-row-command.js')).restoreRowCommand(
      await commandContext(r.flags, env, currentDir(), { create: false }),
      table,
      key,
      r.options,
    );
  });
  // restore invoice: one InvoicePlane invoice with its items, amounts and payments (profile only).
  addConfigOptions(
    restoreCmd
      .command('invoice')
      .summary('one InvoicePlane invoice with its rows, as of then')
      .description('Bring back one InvoicePlane invoice with its items, amounts and payments as the snapshot of a moment has them.')
      .argument('<number>', 'the invoice number as InvoicePlane shows it')
      .argument('[rev]', 'commit, tag or branch (default: the latest)')
      .option('--at <when>', 'as of: 2026-12-01, yesterday, "3 days ago" (not with REV)')
      .option('--yes', 'do it (without: only print what would be done)')
      .option('--json', 'print the plan and the outcome as one JSON object'),
  ).action(async (invoiceNumber: string, rev: string | undefined, _opts: unknown, cmd: Command) => {
    const r = recordRestoreArgs(cmd, rev, 'restore invoice', 'restore invoice brings back the rows of one invoice');
    exitCode = await (await import('./cli/restore-invoice-command.js')).restoreInvoiceCommand(
      await commandContext(r.flags, env, currentDir(), { create: false }),
      invoiceNumber,
      r.options,
    );
  });
  addConfigOptions(
    program
      .command('status')
      .summary('is the backup working: the verdict, then the details')
      .description('Last snapshot, unsaved database changes, remote ahead/behind, last error.')
      .option('--json', 'machine-readable output'),
  ).action(
    run(async (cmd) =>
      (await import('./cli/status-command.js')).statusCommand(await commandContext(flagsOf(cmd), env, currentDir(), { create: false }), {
        json: (cmd.opts() as { json?: boolean }).json === true,
      }),
    ),
  );

  // health: the container's HEALTHCHECK; reads only the state file (no database, no password, no lock).
  addConfigOptions(
    program
      .command('health')
      .summary('exit 0 when watch here is healthy (container check)')
      .description(
        'Exit 0 when watch runs here, its last successful check (pass or change poll) is recent (default limit: max(3 x POLL_INTERVAL, 60 s)) and nothing waits longer than DBSYNC_MAX_UNPUSHED to be pushed; else 1 with the reason.',
      )
      .option('--max-age <seconds>', 'longest time since the last good check'),
  ).action(
    run(async (cmd) =>
      (await import('./cli/health-command.js')).healthCommand(flagsOf(cmd), env, currentDir(), {
        maxAge: (cmd.opts() as { maxAge?: string }).maxAge,
        out: (line) => process.stdout.write(line + '\n'),
      }),
    ),
  );

  // remote set / show: the push remote; never reads the database (DB_USER and DB_NAME not needed).
  const remote = program
    .command('remote')
    .summary('set or show the git remote')
    .description('Set the git remote snapshots are pushed to and check it, or show it.');
  addConfigOptions(
    remote
      .command('set')
      .summary('save the remote and check that it can be written')
      .description(
        'Save URL as the remote DBSYNC_REMOTE (credentials stripped), then check that it can be reached and written: a probe ref under refs/dbsync-probe/ is pushed and deleted.',
      )
      .argument('[URL]', 'ssh://host/path, git@host:path, https://host/path or a folder (default: GIT_REMOTE_URL)'),
  ).action(async (url: string | undefined, _opts: unknown, cmd: Command) => {
    const flags = (await import('./cli/remote-command.js')).remoteSetFlags(url, flagsOf(cmd), env);
    exitCode = await (await import('./cli/remote-command.js')).remoteSetCommand(
      await commandContext(flags, env, currentDir(), { requireDatabase: false }),
      env,
    );
  });
  addConfigOptions(
    remote
      .command('show')
      .summary('print the remote and whether it is reachable')
      .description("Print the remote's URL (credentials masked) and whether it can be reached."),
  ).action(
    run(async (cmd) =>
      (await import('./cli/remote-command.js')).remoteShowCommand(
        await commandContext(flagsOf(cmd), env, currentDir(), { create: false, requireDatabase: false }),
      ),
    ),
  );

  // hook install / uninstall / run: the pre-commit hook that puts a fresh snapshot into manual commits.
  const hook = program
    .command('hook')
    .summary('a pre-commit hook adding the snapshot to git commit')
    .description('Install or remove a pre-commit hook that refreshes the snapshot and includes it in every manual git commit.');
  const hookIo = { out: (line: string) => process.stdout.write(line + '\n'), err: (line: string) => process.stderr.write(line + '\n') };
  // The hook starts this very node and launcher (bin/git-dbsync.js next to dist/), falling back to `git-dbsync` on PATH.
  const hookTool = { node: process.execPath, cli: fileURLToPath(new URL('../bin/git-dbsync.js', import.meta.url)) };
  addConfigOptions(
    hook
      .command('install')
      .summary('add the pre-commit hook')
      .description(
        'Add the pre-commit hook (chained to an existing one, never overwriting it); the settings given now are written into it as defaults, never the password.',
      ),
  ).action(run(async (cmd) => (await import('./cli/hook-command.js')).hookInstallCommand(flagsOf(cmd), env, currentDir(), hookTool, hookIo)));
  addConfigOptions(
    hook.command('uninstall').summary('remove it').description('Remove only what hook install added; an earlier hook is left byte for byte as it was.'),
  ).action(run(async (cmd) => (await import('./cli/hook-command.js')).hookUninstallCommand(flagsOf(cmd), env, currentDir(), hookIo)));
  addConfigOptions(
    hook
      .command('run')
      .summary('what the hook runs')
      .description('What the hook runs: snapshot the database and stage it into the commit being made (no commit of its own).'),
  ).action(run(async (cmd) => (await import('./cli/hook-command.js')).hookRunCommand(flagsOf(cmd), env, currentDir(), hookIo)));

  // The diff driver hook install sets up: git runs it at the top of the working tree for each version of a data file.
  addConfigOptions(
    hook
      .command('textconv')
      .summary('what git log -p runs to show a data file with column names')
      .description(
        "What the diff driver hook install sets up runs (git log -p, git show, git diff): print a snapshot data file cell by cell with column names. Reads FILE and the snapshot folder's tables/ only.",
      )
      .argument('<FILE>'),
  ).action(
    run(async (cmd) =>
      (await import('./cli/textconv-command.js')).textconvCommand(
        cmd.args[0]!,
        (cmd.opts() as { dir?: string }).dir ?? env.DBSYNC_DIR ?? 'database',
        currentDir(),
        (text) => process.stdout.write(text),
      ),
    ),
  );

  // settings (also `git-dbsync help settings`): the full list, which each command's --help refers to.
  program
    .command('settings')
    .summary('every setting: option, environment variable, default')
    .description('Every setting, grouped: its environment variable, option, default and meaning (docs/reference/configuration.md).')
    .addHelpText('after', `\n${settingsReference()}`)
    .action(() => {
      process.stdout.write(`${settingsReference()}\n`);
    });

  // demo: a throwaway MariaDB with an InvoicePlane database, watched into a new repository; no settings needed.
  const demo = program
    .command('demo')
    .summary('see it work in a minute, on a throwaway database')
    .description(
      "Show git-dbsync at work in under a minute: a throwaway MariaDB with a sample InvoicePlane database, the watcher, a few changes, the history. Needs MariaDB's server binaries; touches nothing else.",
    )
    .option('--keep-db', 'leave the throwaway server running (prints how to stop it)');
  withExamples(demo, 'demo').action(
    run(async (cmd) =>
      (await import('./cli/demo-command.js')).demoCommand(
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
