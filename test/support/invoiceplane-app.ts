/**
 * The real InvoicePlane 1.7.0 for tests, from ../shared/invoiceplane-app (beside the repository;
 * test data of this workplace, never a run-time dependency): a throwaway mariadbd in InvoicePlane's
 * SQL mode, the app unpacked into a temporary folder, served by PHP's built-in server in a process
 * group of its own (stopped as a group). Tests skip with one line when the bundle or PHP is missing.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { background, type Background } from './background.js';
import { freePort, MariaDbServer } from './mariadb-server.js';
import { ROOT, tempDir, waitFor } from './project.js';

/** The shared bundle: `../shared/invoiceplane-app` from the repository root. */
export const INVOICEPLANE_BUNDLE = path.resolve(ROOT, '..', 'shared', 'invoiceplane-app');
export const INVOICEPLANE_TARBALL = path.join(INVOICEPLANE_BUNDLE, 'invoiceplane-1.7.0-offline.tar.gz');
/** PHP extensions InvoicePlane 1.7.0 needs to run its setup and pages (without PDF and e-mail). */
const PHP_EXTENSIONS = ['mysqli', 'mbstring', 'xml', 'gd', 'intl', 'curl', 'zip', 'bcmath'];

/** Why the real-app tests cannot run here (one line), or null when they can. */
export function invoicePlaneSkipReason(): string | null {
  if (!existsSync(INVOICEPLANE_TARBALL)) return `the real InvoicePlane is not here (${INVOICEPLANE_TARBALL} is missing): end-to-end tests skipped`;
  const php = spawnSync('php', ['-m'], { encoding: 'utf8' });
  if (php.status !== 0) return 'php is not installed (apt-get install php8.2-cli ...; see .ci/run): end-to-end tests on the real InvoicePlane skipped';
  const loaded = new Set(php.stdout.split('\n').map((l) => l.trim().toLowerCase()));
  const missing = PHP_EXTENSIONS.filter((e) => !loaded.has(e) && !(e === 'xml' && loaded.has('libxml')));
  if (missing.length > 0) return `PHP lacks the extension(s) ${missing.join(', ')} (see .ci/run): end-to-end tests on the real InvoicePlane skipped`;
  return null;
}

export const IP_DB = 'invoiceplane';
const IP_DB_USER = 'invoiceplane';
// A throwaway server's throwaway account (only reachable on 127.0.0.1 during the test).
const IP_DB_PASSWORD = 'ip-test-pw';

export class InvoicePlaneApp {
  private php: ChildProcess | null = null;

  private constructor(
    readonly db: MariaDbServer,
    readonly dir: string,
    readonly appDir: string,
    readonly webPort: number,
  ) {}

  get baseUrl(): string {
    return `http://127.0.0.1:${this.webPort}`;
  }

  /** What the web setup's database form is given. */
  get setupDatabase(): Record<string, string> {
    return { db_hostname: '127.0.0.1', db_port: String(this.db.port), db_username: IP_DB_USER, db_password: IP_DB_PASSWORD, db_database: IP_DB };
  }

  /** A fresh server (with `serverArgs`), an empty database and the app served (not yet set up). */
  static async start(opts: { serverArgs?: string[] } = {}): Promise<InvoicePlaneApp> {
    const db = await MariaDbServer.start(['--sql-mode=NO_ENGINE_SUBSTITUTION', ...(opts.serverArgs ?? [])]);
    const c = await db.connect();
    await c.query(`CREATE DATABASE ${IP_DB} CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci`);
    await c.query(`CREATE USER '${IP_DB_USER}'@'127.0.0.1' IDENTIFIED BY '${IP_DB_PASSWORD}'`);
    await c.query(`GRANT ALL ON ${IP_DB}.* TO '${IP_DB_USER}'@'127.0.0.1'`);
    await c.end();
    const dir = tempDir('dbsync-invoiceplane-');
    execFileSync('tar', ['-xzf', INVOICEPLANE_TARBALL, '-C', dir]);
    const appDir = path.join(dir, 'invoiceplane');
    const webPort = await freePort();
    const example = readFileSync(path.join(appDir, 'ipconfig.php.example'), 'utf8');
    writeFileSync(
      path.join(appDir, 'ipconfig.php'),
      example.replace(/^IP_URL=.*$/m, `IP_URL=http://127.0.0.1:${webPort}`).replace(/^ENABLE_DEBUG=.*$/m, 'ENABLE_DEBUG=true'),
    );
    const app = new InvoicePlaneApp(db, dir, appDir, webPort);
    await app.serve();
    return app;
  }

  private async serve(): Promise<void> {
    const sessions = path.join(this.dir, 'sessions');
    mkdirSync(sessions, { recursive: true });
    // 4 workers: InvoicePlane's pages fetch from the app itself (mPDF's CSS); detached: php and its
    // forked workers form one process group, stopped together.
    this.php = spawn(
      'php',
      [
        '-d',
        `session.save_path=${sessions}`,
        '-d',
        `sys_temp_dir=${sessions}`,
        '-d',
        'date.timezone=UTC',
        '-S',
        `127.0.0.1:${this.webPort}`,
        '-t',
        this.appDir,
      ],
      { env: { ...process.env, PHP_CLI_SERVER_WORKERS: '4' }, detached: true, stdio: 'ignore' },
    );
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        const r = await fetch(`${this.baseUrl}/index.php/welcome`, { redirect: 'manual' });
        await r.arrayBuffer();
        return;
      } catch {
        if (this.php.exitCode !== null) throw new Error(`php -S exited with ${this.php.exitCode}`);
        if (Date.now() > deadline) throw new Error('php -S did not answer within 30 s');
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  /** CodeIgniter sessions in the database table ip_sessions (after setup, as InvoicePlane documents it). */
  useDatabaseSessions(): void {
    appendFileSync(path.join(this.appDir, 'ipconfig.php'), '\nSESS_DRIVER=database\nSESS_SAVE_PATH=ip_sessions\n');
  }

  /**
   * This installation set up as `other` was (its ipconfig.php: SETUP_COMPLETED, ENCRYPTION_KEY),
   * with its own address and database port: a second office whose database came from the first
   * one's history, not from InvoicePlane's web setup.
   */
  adoptConfigOf(other: InvoicePlaneApp): void {
    const config = readFileSync(path.join(other.appDir, 'ipconfig.php'), 'utf8');
    if (!/^SETUP_COMPLETED=true$/m.test(config)) throw new Error(`${other.baseUrl} is not set up`);
    writeFileSync(
      path.join(this.appDir, 'ipconfig.php'),
      config.replace(/^IP_URL=.*$/m, `IP_URL=${this.baseUrl}`).replace(/^DB_PORT=.*$/m, `DB_PORT=${this.db.port}`),
    );
  }

  /** ERROR lines of InvoicePlane's own log (application/logs), for failure messages. */
  logErrors(): string[] {
    const dir = path.join(this.appDir, 'application', 'logs');
    if (!existsSync(dir)) return [];
    const out = spawnSync('sh', ['-c', 'cat log-*.php 2>/dev/null'], { cwd: dir, encoding: 'utf8' }).stdout;
    return out.split('\n').filter((l) => l.startsWith('ERROR') && !l.includes('Could not find the language line') && !l.includes('Invalid XML config ID'));
  }

  async stop(): Promise<void> {
    const p = this.php;
    if (p && p.exitCode === null && p.pid !== undefined) {
      const exited = new Promise((r) => p.once('exit', r));
      try {
        process.kill(-p.pid, 'SIGTERM');
      } catch {
        // Already gone.
      }
      await exited;
    }
    this.php = null;
    await this.db.destroy();
  }
}

/**
 * `git-dbsync watch` on an InvoicePlane database (env: the database, PROJECT_DIR, mode, ...) at
 * POLL_INTERVAL=1 with debug lines (each skipped poll is logged: tests wait for one after an action)
 * and DBSYNC_MAX_DELAY=10 (InvoicePlane's upgrade runs for seconds without a pause).
 */
export async function watchInvoicePlane(env: NodeJS.ProcessEnv): Promise<Background> {
  const watch = background(['watch'], { POLL_INTERVAL: '1', DBSYNC_LOG_LEVEL: 'debug', DBSYNC_MAX_DELAY: '10', ...env });
  await watch.waitForLog(/INFO watching database/, 60_000);
  return watch;
}

/** Watch's stderr since `from` holds a skipped poll: the probe saw nothing new, so what an action committed is done. */
export async function settledAfter(watch: Background, from: number): Promise<void> {
  await waitFor('watch to settle (a skipped poll)', () => watch.stderr().slice(from).includes('poll skipped'), 60_000);
}
