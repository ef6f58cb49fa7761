/**
 * A throwaway MariaDB server: its own data directory in a temporary folder, a unix socket and a
 * free TCP port on 127.0.0.1, root without a password. Nothing of the machine's own MariaDB
 * (configuration, service, data) is read or touched: every program runs with --no-defaults.
 * The demo runs one; the tests' harness (test/support/mariadb-server.ts) wraps this class too,
 * with its own options, so that both start the server the same way.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, renameSync, rmSync, statSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Database, type DatabaseOptions } from '../db/database.js';
import { DbsyncError } from '../errors/dbsync-error.js';
import { ExitCode } from '../errors/exit-codes.js';

const OPERATION = 'start throwaway MariaDB';

export interface ServerBinaries {
  readonly mariadbd: string;
  readonly installDb: string;
}

/** Folders searched after PATH: Debian puts mariadbd in /usr/sbin, which is not on every user's PATH. */
const EXTRA_DIRS = ['/usr/sbin', '/usr/bin', '/usr/local/sbin', '/usr/local/bin'];

const searchPath = (): string[] => [...(process.env.PATH ?? '').split(path.delimiter), ...EXTRA_DIRS];

/** The first `name` found in `dirs` (PATH and the usual folders by default), or undefined. */
export function findProgram(name: string, dirs: readonly string[] = searchPath()): string | undefined {
  return dirs
    .filter(Boolean)
    .map((d) => path.join(d, name))
    .find((p) => existsSync(p));
}

/** mariadbd and mariadb-install-db from PATH or the usual folders; exit 2 naming the package when missing. */
export function findServerBinaries(dirs: readonly string[] = searchPath()): ServerBinaries {
  const mariadbd = findProgram('mariadbd', dirs);
  const installDb = findProgram('mariadb-install-db', dirs);
  if (mariadbd && installDb) return { mariadbd, installDb };
  const missing = [mariadbd ? '' : 'mariadbd', installDb ? '' : 'mariadb-install-db'].filter(Boolean).join(' and ');
  throw new DbsyncError({
    operation: OPERATION,
    message: `MariaDB's server is not installed (no ${missing} on PATH or in /usr/sbin, /usr/bin)`,
    hint: 'install mariadb-server (for example `sudo apt-get install mariadb-server`); it need not be running or configured',
    exitCode: ExitCode.Config,
  });
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no free port'))));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Kill a detached child and everything it started (its process group). */
function killGroup(child: ChildProcess): void {
  try {
    if (child.pid) process.kill(-child.pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/** The installs of this process, one after another (see ThrowawayServer.install). */
let installs: Promise<void> = Promise.resolve();

/** Templates this process has made or is making (servers started together wait for one install). */
const templates = new Map<string, Promise<string>>();

/** How a caller wants its server; `ThrowawayServer.create()` without options is the demo's. */
export interface ThrowawayServerOptions {
  /** Prefix of the temporary folder's name. */
  readonly folderPrefix: string;
  /** Name of the socket and pid files in the folder, before `.sock` and `.pid`. */
  readonly fileStem: string;
  /** Server options after the standard ones (a later option wins over an earlier one). */
  readonly serverArgs: readonly string[];
  /**
   * Run the server and the installer in their own process group: a Ctrl-C in the terminal then
   * reaches this process only, which stops the server in order (the demo). Tests leave it in theirs.
   */
  readonly detached: boolean;
  /** How long to wait for the server to accept connections. */
  readonly startTimeoutMs: number;
  /**
   * A folder for a fresh data directory kept as a template: made by mariadb-install-db on first
   * use, then copied for every server (a copy takes about 0.1 s, the installer 1.5-2 s on a 2-core
   * machine; the test suites start more than 80 servers). Named after the programs and the
   * installer's options, so another MariaDB version makes its own. Unset: install every time.
   */
  readonly templateFolder?: string;
}

const DEMO_OPTIONS: ThrowawayServerOptions = {
  folderPrefix: 'git-dbsync-demo-db-',
  fileStem: 'mariadbd',
  serverArgs: [],
  detached: true,
  startTimeoutMs: 30_000,
};

export class ThrowawayServer {
  readonly socket: string;
  /** The data directory, inside `dir`. */
  readonly datadir: string;
  private proc: ChildProcess | null = null;
  private installer: ChildProcess | null = null;
  private removed = false;
  private serverArgs: readonly string[];

  /** TCP port on 127.0.0.1, chosen by `start` and kept by `restart`. */
  port = 0;

  private constructor(
    /** Temporary folder holding the data directory, socket and error log; removed by `destroy`. */
    readonly dir: string,
    private readonly bin: ServerBinaries,
    private readonly settings: ThrowawayServerOptions,
  ) {
    this.socket = path.join(dir, `${settings.fileStem}.sock`);
    this.datadir = path.join(dir, 'data');
    this.serverArgs = settings.serverArgs;
  }

  /**
   * Claim a temporary folder (nothing runs yet). Separate from `start` so the caller holds the
   * object, and can clean up, whatever happens during start-up.
   */
  static create(options: Partial<ThrowawayServerOptions> = {}): ThrowawayServer {
    const bin = findServerBinaries();
    const settings = { ...DEMO_OPTIONS, ...options };
    return new ThrowawayServer(mkdtempSync(path.join(os.tmpdir(), settings.folderPrefix)), bin, settings);
  }

  /** Initialise the data directory and start the server; resolves once it accepts connections. */
  async start(signal?: AbortSignal): Promise<void> {
    // Root may run the server only when it says so; for anyone else --user is ignored.
    const installArgs = (datadir: string) => [
      '--no-defaults',
      `--datadir=${datadir}`,
      '--auth-root-authentication-method=normal',
      '--skip-test-db',
      this.user(),
      '--innodb-log-file-size=8M',
    ];
    if (this.settings.templateFolder) {
      const template = await this.template(this.settings.templateFolder, installArgs, signal);
      cpSync(template, this.datadir, { recursive: true });
    } else {
      await this.install(installArgs(this.datadir), signal);
    }
    this.port = await freePort();
    await this.launch(signal);
  }

  /** The template data directory in `folder` (see `templateFolder`), installed first if missing. */
  private async template(folder: string, installArgs: (datadir: string) => string[], signal: AbortSignal | undefined): Promise<string> {
    const stat = (p: string) => {
      const st = statSync(p);
      return `${p}:${st.size}:${st.mtimeMs}`;
    };
    const key = createHash('sha256')
      .update([stat(this.bin.mariadbd), stat(this.bin.installDb), ...installArgs('')].join('\n'))
      .digest('hex')
      .slice(0, 16);
    const template = path.join(folder, `dbsync-datadir-template-${key}`);
    if (existsSync(template)) return template;
    const made =
      templates.get(template) ??
      (async () => {
        // Installed beside it, then renamed into place: a reader never sees a half-made template.
        const making = mkdtempSync(`${template}-making-`);
        try {
          await this.install(installArgs(path.join(making, 'data')), signal);
          try {
            renameSync(path.join(making, 'data'), template);
          } catch (err) {
            // Another process made it meanwhile: use theirs.
            if (!existsSync(template)) throw err;
          }
        } finally {
          rmSync(making, { recursive: true, force: true });
        }
        return template;
      })();
    templates.set(template, made);
    // A failed install is not remembered: the next server tries again.
    made.catch(() => templates.delete(template));
    return made;
  }

  /** Start again on the same data directory and port, with these server options instead of the previous ones. */
  async restart(serverArgs: readonly string[] = this.serverArgs): Promise<void> {
    await this.stop();
    this.serverArgs = serverArgs;
    await this.launch(undefined);
  }

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  /** Connection settings for root on this server (over the socket). */
  options(database?: string): DatabaseOptions {
    return { host: '127.0.0.1', port: this.port, socket: this.socket, user: 'root', password: undefined, database, connectTimeoutMs: 5000 };
  }

  private user(): string {
    return `--user=${os.userInfo().username}`;
  }

  private async launch(signal: AbortSignal | undefined): Promise<void> {
    const args = [
      '--no-defaults',
      `--datadir=${this.datadir}`,
      `--socket=${this.socket}`,
      `--port=${this.port}`,
      '--bind-address=127.0.0.1',
      this.user(),
      `--pid-file=${path.join(this.dir, `${this.settings.fileStem}.pid`)}`,
      `--log-error=${path.join(this.dir, 'error.log')}`,
      '--skip-name-resolve',
      '--innodb-buffer-pool-size=32M',
      '--innodb-log-file-size=8M',
      '--innodb-flush-log-at-trx-commit=2',
      ...this.serverArgs,
    ];
    const proc = spawn(this.bin.mariadbd, args, { stdio: 'ignore', detached: this.settings.detached });
    this.proc = proc;
    proc.on('error', () => undefined);
    const timeoutMs = this.settings.startTimeoutMs;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      signal?.throwIfAborted();
      if (proc.exitCode !== null || proc.signalCode !== null) {
        throw new DbsyncError({
          operation: OPERATION,
          message: `mariadbd exited during start-up (${proc.exitCode ?? proc.signalCode})`,
          hint: 'run `mariadbd --version` to check the installation',
        });
      }
      try {
        await (await Database.connect(this.options())).close();
        return;
      } catch {
        if (Date.now() > deadline)
          throw new DbsyncError({
            operation: OPERATION,
            message: `mariadbd did not accept connections within ${Math.round(timeoutMs / 1000)} s`,
            hint: 'the machine may be very busy; retry',
          });
        await sleep(100);
      }
    }
  }

  /**
   * mariadb-install-db, a script that runs a bootstrap mariadbd: when detached in its own process
   * group, so that on abort the whole group is killed and waited for before the folder is removed.
   */
  private install(args: readonly string[], signal: AbortSignal | undefined): Promise<void> {
    // One at a time in a process: concurrent bootstraps (tests start three servers with
    // Promise.all) crashed mariadb-install-db on a loaded 2-core machine, as the synchronous
    // install the tests used before never did.
    const turn = installs.then(() => this.installNow(args, signal));
    installs = turn.catch(() => undefined);
    return turn;
  }

  private installNow(args: readonly string[], signal: AbortSignal | undefined): Promise<void> {
    signal?.throwIfAborted();
    const detached = this.settings.detached;
    return new Promise((resolve, reject) => {
      const child = spawn(this.bin.installDb, args, { stdio: ['ignore', 'pipe', 'pipe'], detached });
      this.installer = child;
      let output = '';
      child.stdout.on('data', (d: Buffer) => (output += d.toString()));
      child.stderr.on('data', (d: Buffer) => (output += d.toString()));
      const onAbort = () => (detached ? killGroup(child) : child.kill('SIGKILL'));
      signal?.addEventListener('abort', onAbort);
      child.on('error', () => undefined);
      // 'close': the script and everything it started have let go of the output pipes.
      child.on('close', (code) => {
        signal?.removeEventListener('abort', onAbort);
        this.installer = null;
        if (signal?.aborted) return reject(signal.reason);
        if (code === 0) return resolve();
        const last = output.trim().split('\n').filter(Boolean).pop() ?? `exit code ${code}`;
        reject(
          new DbsyncError({
            operation: OPERATION,
            message: `mariadb-install-db failed: ${last}`,
            hint: 'check that the MariaDB server package is complete (reinstall mariadb-server)',
          }),
        );
      });
    });
  }

  /** Leave the server running after this process ends (`demo --keep-db`). */
  detach(): void {
    this.proc?.unref();
    this.proc = null;
    this.removed = true;
  }

  /**
   * Stop the server (it shuts down cleanly on SIGTERM) and keep its folder. With `killAfterMs`,
   * a server still running after that long is killed.
   */
  async stop(killAfterMs?: number): Promise<void> {
    const p = this.proc;
    if (p && p.exitCode === null && p.signalCode === null) {
      const exited = new Promise((r) => p.once('exit', r));
      p.kill('SIGTERM');
      const killer = killAfterMs === undefined ? undefined : setTimeout(() => p.kill('SIGKILL'), killAfterMs);
      await exited;
      clearTimeout(killer);
    }
    this.proc = null;
  }

  /** Stop the server (killed if still running after 15 s) and remove its folder. */
  async destroy(): Promise<void> {
    await this.stop(15_000);
    this.removeDir();
  }

  /** At once, synchronously (second Ctrl-C, process exit): kill the server and remove its folder. */
  killNow(): void {
    if (this.installer) this.settings.detached ? killGroup(this.installer) : this.installer.kill('SIGKILL');
    const p = this.proc;
    if (p && p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    this.proc = null;
    // A killed mariadbd may still hold files open for a moment; rm removes them anyway on Linux.
    this.removeDir();
  }

  private removeDir(): void {
    if (this.removed) return;
    this.removed = true;
    rmSync(this.dir, { recursive: true, force: true, maxRetries: 10 });
  }
}
