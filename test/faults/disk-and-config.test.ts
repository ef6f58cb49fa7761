/**
 * Faults of the machine and of the settings (issue "Nothing lost, ever"):
 *
 * - a full file system (a small tmpfs holding the whole repository), hit while the snapshot is
 *   read, while git writes the objects, and while git writes the commit;
 * - a read-only snapshot folder and a read-only repository (read-only mounts: as root, chmod
 *   would not stop the tool);
 * - hostile settings the configuration tests lack: an unresolvable DB_HOST, a DB_SOCKET that is
 *   no socket, malformed remote URLs, remotes that lead nowhere or want credentials, a read-only
 *   PROJECT_DIR.
 *
 * Every failure must be one line naming the cause and the fix, with the README's exit code; the
 * last good commit stays intact (`git fsck`, HEAD, working tree); `watch` keeps running and
 * commits the full state once the fault is gone, checked against the live database (the
 * expected data files are built here from the rows, not by the tool). The database user has a
 * password, and no output of any run shows it.
 *
 * Needs root (mount); the tests that mount are skipped otherwise.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { freePort, MariaDbServer } from '../support/mariadb-server.js';
import { background, type Background } from '../support/background.js';
import { baseEnv, cli, commitCount, git, tempDir, type CliResult } from '../support/project.js';

const USER = 'faulty';
const PASSWORD = 'Disk+Conf.Secret-7319';
// Generous enough for a load average of 4 on 2 cores; a healthy test takes a fraction of it.
const TEST_TIMEOUT = 600_000;

// --- mounts -----------------------------------------------------------------------------------

/** Mount points made by this file, newest last; all are unmounted in `after` hooks, whatever happened. */
const mounts: string[] = [];

function sh(cmd: string, args: string[]): void {
  execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
}

function mountTmpfs(dir: string, size: string): void {
  sh('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0755`, 'tmpfs', dir]);
  mounts.push(dir);
}

/**
 * Change the options of the mount at `dir` (size=..., ro, rw). Going read-only fails (EBUSY)
 * while a file there is open for writing, e.g. during a pass of a running watch: retried.
 */
async function remount(dir: string, options: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const r = spawnSync('mount', ['-o', `remount,${options}`, dir], { encoding: 'utf8' });
    if (r.status === 0) return;
    if (Date.now() > deadline) throw new Error(`mount -o remount,${options} ${dir}: ${r.stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Make `dir` read-only by mounting it read-only over itself. */
function bindReadOnly(dir: string): void {
  sh('mount', ['--bind', dir, dir]);
  mounts.push(dir);
  sh('mount', ['-o', 'remount,bind,ro', dir]);
}

function unmount(dir: string): void {
  const i = mounts.lastIndexOf(dir);
  if (i < 0) return;
  mounts.splice(i, 1);
  if (spawnSync('umount', [dir]).status !== 0) spawnSync('umount', ['-l', dir]);
}

function unmountAll(): void {
  while (mounts.length > 0) unmount(mounts[mounts.length - 1]!);
}
// Also when the runner is interrupted: a forgotten mount would outlive the test.
process.on('exit', unmountAll);

/** Why the mounting tests cannot run here, or false when they can. */
function mountUnavailable(): string | false {
  if (process.getuid?.() !== 0) return 'needs root to mount file systems';
  const probe = tempDir('dbsync-mount-probe-');
  try {
    const r = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', probe], { encoding: 'utf8' });
    if (r.status !== 0) return `cannot mount a tmpfs here: ${r.stderr.trim()}`;
    spawnSync('umount', [probe]);
    return false;
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
}
const noMount = mountUnavailable();

// --- database ---------------------------------------------------------------------------------

let server: MariaDbServer;
let seq = 0;

async function startServer(): Promise<void> {
  server = await MariaDbServer.start();
}

/** A fresh database with a small table and a (still empty) table for large rows; USER may use it. */
async function freshDb(): Promise<string> {
  const db = `dk${++seq}`;
  const c = await server.connect(db);
  await c.query("CREATE TABLE small (id INT PRIMARY KEY, v VARCHAR(40)) ENGINE=InnoDB; INSERT INTO small VALUES (1, 'one'), (2, 'two')");
  await c.query('CREATE TABLE big (id INT PRIMARY KEY, payload MEDIUMTEXT) ENGINE=InnoDB');
  for (const host of ['localhost', '127.0.0.1', '%']) {
    await c.query(`CREATE USER IF NOT EXISTS '${USER}'@'${host}' IDENTIFIED BY '${PASSWORD}'`);
    await c.query(`GRANT ALL ON \`${db}\`.* TO '${USER}'@'${host}'`);
  }
  await c.end();
  return db;
}

/** `count` rows of `bytes` random bytes each, as base64 text (incompressible enough to fill a disk). */
async function addBigRows(db: string, firstId: number, count: number, bytes: number): Promise<void> {
  const c = await server.connect(db);
  const rows = Array.from({ length: count }, (_, i) => [firstId + i, randomBytes(bytes).toString('base64')]);
  await c.query('INSERT INTO big VALUES ?', [rows]);
  await c.end();
}

async function sql(db: string, statement: string): Promise<void> {
  const c = await server.connect(db);
  await c.query(statement);
  await c.end();
}

/** The data files the live database must give, built from its rows (an oracle independent of the tool). */
async function liveDataFiles(db: string): Promise<Record<string, string>> {
  const c = await server.connect(db);
  const [small] = (await c.query('SELECT id, v FROM small ORDER BY id')) as unknown as [Array<{ id: number; v: string }>];
  const [big] = (await c.query('SELECT id, payload FROM big ORDER BY id')) as unknown as [Array<{ id: number; payload: string }>];
  await c.end();
  for (const r of small) assert.match(r.v, /^[A-Za-z0-9 -]*$/, 'test values need no escaping');
  return {
    'database/data/small.sql': small.map((r) => `INSERT INTO \`small\` VALUES (${r.id},'${r.v}');\n`).join(''),
    'database/data/big.sql': big.map((r) => `INSERT INTO \`big\` VALUES (${r.id},'${r.payload}');\n`).join(''),
  };
}

/** HEAD's data files equal the live database, and the working tree equals HEAD. */
async function assertCommittedEqualsLive(dir: string, db: string): Promise<void> {
  const expected = await liveDataFiles(db);
  for (const [file, text] of Object.entries(expected)) {
    const committed = git(dir, ['show', `HEAD:${file}`]);
    assert.ok(committed === text, `HEAD:${file} equals the live table (${committed.length} vs ${text.length} bytes)`);
  }
  assert.deepEqual(changedSnapshotFiles(dir), [], 'the working tree equals the last commit');
}

// --- repository checks --------------------------------------------------------------------------

/** git without optional locks: `git status` must not try to write the index on a full or read-only disk. */
function gitRead(dir: string, args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('git', ['--no-optional-locks', ...args], { cwd: dir, encoding: 'utf8', env: baseEnv(), maxBuffer: 1 << 28 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function headOf(dir: string): string {
  return gitRead(dir, ['rev-parse', 'HEAD']).stdout.trim();
}

/** `git status --porcelain` lines of the snapshot folder (untracked files listed one by one). */
function changedSnapshotFiles(dir: string): string[] {
  const r = gitRead(dir, ['status', '--porcelain', '--untracked-files=all', '--', 'database']);
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.split('\n').filter(Boolean);
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return (readdirSync(dir, { recursive: true }) as string[]).map((f) => path.join(dir, f));
}

/**
 * The last good commit is whole: HEAD unchanged, `git fsck --full` clean, no lock, staging or
 * temporary file left behind.
 */
function assertIntact(dir: string, head: string, label: string): void {
  assert.equal(headOf(dir), head, `${label}: HEAD is still the last good commit`);
  const fsck = gitRead(dir, ['fsck', '--full', '--strict', '--no-dangling']);
  assert.equal(fsck.status, 0, `${label}: git fsck: ${fsck.stdout}${fsck.stderr}`);
  assert.doesNotMatch(fsck.stdout + fsck.stderr, /error|fatal|corrupt|missing|broken|bad/i, `${label}: git fsck output`);
  assert.equal(existsSync(path.join(dir, '.git', 'index.lock')), false, `${label}: no index.lock left`);
  assert.equal(existsSync(path.join(dir, '.git', 'dbsync', 'staging')), false, `${label}: no staging files left`);
  assert.deepEqual(
    filesUnder(path.join(dir, 'database')).filter((f) => f.endsWith('.dbsync-tmp')),
    [],
    `${label}: no temporary files in the snapshot folder`,
  );
  // HEAD's snapshot can be read in full.
  const tree = gitRead(dir, ['ls-tree', '-r', 'HEAD', '--', 'database']).stdout.trim().split('\n');
  assert.ok(tree.length >= 4, `${label}: HEAD holds the snapshot`);
}

// --- output checks ------------------------------------------------------------------------------

/** Every output of every run: checked for the password at once and again at the end. */
const outputs: string[] = [];

function assertNoSecret(text: string, label: string): void {
  assert.ok(!text.includes(PASSWORD), `${label}: the database password is shown:\n${text}`);
}

function run(args: string[], env: NodeJS.ProcessEnv, opts: { cwd?: string; timeoutMs?: number } = {}): CliResult {
  const r = cli(args, env, { timeoutMs: 120_000, ...opts });
  outputs.push(r.stdout + r.stderr);
  assertNoSecret(r.stdout + r.stderr, `git-dbsync ${args.join(' ')}`);
  return r;
}

/** Like `run`, without blocking this process (whose own HTTP server must answer meanwhile). */
async function runAsync(args: string[], env: NodeJS.ProcessEnv): Promise<CliResult> {
  const b = background(args, env);
  const code = await b.waitExit(120_000).finally(() => b.kill());
  const r = { code: code ?? -1, stdout: b.stdout(), stderr: b.stderr() };
  outputs.push(r.stdout + r.stderr);
  assertNoSecret(r.stdout + r.stderr, `git-dbsync ${args.join(' ')}`);
  return r;
}

/** The one line on stderr, in the README's form `git-dbsync: <what>: <cause> -- <fix>`. */
function oneLine(r: CliResult): string {
  const lines = r.stderr.split('\n').filter((l) => l.length > 0);
  assert.equal(lines.length, 1, `expected one line on stderr, got:\n${r.stderr}`);
  assert.match(lines[0]!, /^git-dbsync: [^:]+: .+ -- .+/, 'what, cause and fix');
  return lines[0]!;
}

/** No file under `dir` (the repository, .git included) holds the password. */
function assertNoSecretIn(dir: string): void {
  const r = spawnSync('grep', ['-r', '-l', '-a', '-F', '--', PASSWORD, dir], { encoding: 'utf8' });
  assert.ok(r.status === 0 || r.status === 1, r.stderr);
  assert.equal(r.stdout, '', `files holding the password under ${dir}`);
}

function dbEnv(db: string, dir: string, extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  // One data file per table (the file systems' sizes and the byte-exact oracle assume it); chunked
  // tables and their write errors are tested in chunking.test.ts and chunk-writer.test.ts.
  return baseEnv({
    DB_HOST: '127.0.0.1',
    DB_PORT: String(server.port),
    DB_USER: USER,
    DB_PASSWORD: PASSWORD,
    DB_NAME: db,
    PROJECT_DIR: dir,
    DBSYNC_CHUNK_SIZE: '64MiB',
    ...extra,
  });
}

const WATCH = { POLL_INTERVAL: '0.3', DBSYNC_MAX_BACKOFF: '1' };

async function stopWatch(watch: Background): Promise<void> {
  watch.child.kill('SIGTERM');
  assert.equal(await watch.waitExit(60_000), 0, watch.stderr());
  outputs.push(watch.stdout() + watch.stderr());
  assertNoSecret(watch.stdout() + watch.stderr(), 'watch');
}

/** A project folder of its own, inside a fresh temporary folder (so it can be a mount point). */
function projectDir(): string {
  const dir = path.join(tempDir('dbsync-fault-'), 'project');
  mkdirSync(dir);
  return dir;
}

// One server for the whole file; every mount is undone even when a test failed.
before(startServer);
after(async () => {
  unmountAll();
  await server?.destroy();
});

// --- disk full, read-only ---------------------------------------------------------------------

describe('a full or read-only file system', { skip: noMount }, () => {
  after(unmountAll);

  it('disk full while the snapshot is read: exit 1 naming the cause, the last commit intact, watch commits everything once there is space', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    const db = await freshDb();
    const dir = projectDir();
    mountTmpfs(dir, '2m');
    let watch: Background | undefined;
    try {
      const env = dbEnv(db, dir);
      const first = run(['sync'], env);
      assert.equal(first.code, 0, first.stderr);
      const head = headOf(dir);

      // About 4 MB of rows: twice what the file system holds.
      await addBigRows(db, 1, 40, 75_000);
      const r = run(['sync'], env);
      assert.equal(r.code, 1, r.stderr + r.stdout);
      assert.equal(r.stdout, '');
      const line = oneLine(r);
      assert.match(line, /^git-dbsync: write snapshot: .*no space left on device \(ENOSPC\)/, line);
      assert.match(line, / -- free disk space; the last commit is intact/, line);
      assertIntact(dir, head, 'after the failed sync');
      // The failure happened while reading: the working tree still equals the last commit.
      assert.deepEqual(changedSnapshotFiles(dir), []);

      watch = background(['watch'], { ...env, ...WATCH });
      await watch.waitForLog(/ERROR write snapshot: .*no space left on device/, 60_000);
      await watch.waitForLog(/WARN write snapshot: .*failure 2/, 60_000);
      assert.ok(watch.running(), 'watch keeps running');
      assert.equal(headOf(dir), head);

      await remount(dir, 'size=32m');
      await watch.waitForLog(/recovered after \d+ failed pass/, 60_000);
      assert.match(watch.stderr(), /INFO committed [0-9a-f]{12}: big \+40/);
      assert.equal(commitCount(dir), 2);
      await stopWatch(watch);
      assertIntact(dir, headOf(dir), 'after recovery');
      await assertCommittedEqualsLive(dir, db);
      assertNoSecretIn(dir);
    } finally {
      await watch?.kill();
      unmount(dir);
    }
  });

  it('disk full while git writes the objects: exit 1, history intact, only complete files in the working tree, committed by the next pass', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    const db = await freshDb();
    const dir = projectDir();
    // About 1.4 MB of data: fits (in staging, then in the working tree), but not twice.
    mountTmpfs(dir, '2m');
    try {
      const env = dbEnv(db, dir);
      assert.equal(run(['sync'], env).code, 0);
      const head = headOf(dir);
      await addBigRows(db, 1, 14, 75_000);

      const r = run(['sync'], env);
      assert.equal(r.code, 1, r.stderr + r.stdout);
      const line = oneLine(r);
      assert.match(line, /^git-dbsync: stage snapshot: .*No space left on device/, line);
      assert.match(line, / -- free disk space/, line);
      assert.doesNotMatch(line, /index\.lock/, 'no misleading hint');
      assertIntact(dir, head, 'after git failed to write objects');

      // Decision: the renames into the working tree were done when git failed, so the working
      // tree may be ahead of HEAD -- but only with complete files of one snapshot (here the one
      // changed table, byte for byte what the database holds), never with partial ones. The
      // next pass compares with HEAD and commits them (README, Atomicity).
      const expected = await liveDataFiles(db);
      assert.deepEqual(changedSnapshotFiles(dir), [' M database/data/big.sql']);
      assert.ok(readFileSync(path.join(dir, 'database/data/big.sql'), 'utf8') === expected['database/data/big.sql'], 'big.sql is complete');
      assert.equal(readFileSync(path.join(dir, 'database/data/small.sql'), 'utf8'), expected['database/data/small.sql']);

      await remount(dir, 'size=16m');
      const again = run(['sync'], env);
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stdout, /^committed [0-9a-f]{12}: big \+14$/m);
      assert.equal(commitCount(dir), 2);
      assertIntact(dir, headOf(dir), 'after recovery');
      await assertCommittedEqualsLive(dir, db);
      assertNoSecretIn(dir);
    } finally {
      unmount(dir);
    }
  });

  it('disk full while git writes the commit: exit 1, HEAD and history intact, the next pass commits', { timeout: TEST_TIMEOUT }, async () => {
    const db = await freshDb();
    const dir = projectDir();
    mountTmpfs(dir, '4m');
    // A `git` first on PATH that fills the file system just before `git commit` runs: the
    // snapshot is staged, and the commit (new index, tree and commit objects, ref) hits the full disk.
    const bin = tempDir('dbsync-git-wrapper-');
    const realGit = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
    const filler = path.join(dir, 'filler');
    writeFileSync(
      path.join(bin, 'git'),
      // The subcommand is the first word that is not an option (git-dbsync passes `-c key=value` first).
      `#!/bin/sh\nsub=; skip=; for a in "$@"; do if [ -n "$skip" ]; then skip=; continue; fi; case "$a" in -c) skip=1;; -*) ;; *) sub="$a"; break;; esac; done\n` +
        `if [ "$sub" = commit ] && [ ! -e "${filler}" ]; then dd if=/dev/zero of="${filler}" bs=4096 2>/dev/null; fi\nexec "${realGit}" "$@"\n`,
    );
    chmodSync(path.join(bin, 'git'), 0o755);
    try {
      const env = dbEnv(db, dir);
      assert.equal(run(['sync'], env).code, 0);
      const head = headOf(dir);
      await sql(db, "INSERT INTO small VALUES (3, 'three')");
      await addBigRows(db, 1, 3, 20_000);

      const r = run(['sync'], { ...env, PATH: `${bin}:${process.env.PATH}` });
      assert.ok(existsSync(filler), 'the wrapper filled the disk');
      assert.equal(r.code, 1, r.stderr + r.stdout);
      const line = oneLine(r);
      assert.match(line, /^git-dbsync: commit snapshot: .*(No space left on device|Out of diskspace)/, line);
      assert.match(line, / -- free disk space/, line);
      assertIntact(dir, head, 'after the failed commit');
      const expected = await liveDataFiles(db);
      assert.deepEqual(changedSnapshotFiles(dir).sort(), ['M  database/data/big.sql', 'M  database/data/small.sql'], 'staged, complete, not committed');
      for (const [file, text] of Object.entries(expected)) assert.ok(readFileSync(path.join(dir, file), 'utf8') === text, `${file} is complete`);

      unlinkSync(filler);
      const again = run(['sync'], env);
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stdout, /^committed [0-9a-f]{12}: big \+3, small \+1$/m);
      assert.equal(gitRead(dir, ['rev-parse', 'HEAD~1']).stdout.trim(), head, 'the new commit follows the last good one');
      assertIntact(dir, headOf(dir), 'after recovery');
      await assertCommittedEqualsLive(dir, db);
    } finally {
      unmount(dir);
      rmSync(bin, { recursive: true, force: true });
    }
  });

  it('a read-only snapshot folder: exit 1 naming it, nothing half-done, watch commits once it is writable again', { timeout: TEST_TIMEOUT }, async () => {
    const db = await freshDb();
    const dir = projectDir();
    const snapshot = path.join(dir, 'database');
    const env = dbEnv(db, dir);
    let watch: Background | undefined;
    try {
      assert.equal(run(['sync'], env).code, 0);
      const head = headOf(dir);
      bindReadOnly(snapshot);
      await sql(db, "INSERT INTO small VALUES (3, 'three')");

      const r = run(['sync'], env);
      assert.equal(r.code, 1, r.stderr + r.stdout);
      const line = oneLine(r);
      assert.ok(line.includes(`write snapshot: cannot write to ${snapshot} (read-only file system (EROFS))`), line);
      assert.match(line, / -- make the snapshot folder writable; the last commit is intact$/, line);
      assertIntact(dir, head, 'after the failed sync');
      assert.deepEqual(changedSnapshotFiles(dir), []);

      watch = background(['watch'], { ...env, ...WATCH });
      await watch.waitForLog(/ERROR write snapshot: cannot write to .*read-only file system/, 60_000);
      await watch.waitForLog(/failure 2/, 60_000);
      assert.ok(watch.running());
      assert.equal(headOf(dir), head);

      unmount(snapshot);
      await watch.waitForLog(/recovered after \d+ failed pass/, 60_000);
      assert.match(watch.stderr(), /INFO committed [0-9a-f]{12}: small \+1/);
      await stopWatch(watch);
      assert.equal(commitCount(dir), 2);
      assertIntact(dir, headOf(dir), 'after recovery');
      await assertCommittedEqualsLive(dir, db);
      assertNoSecretIn(dir);
    } finally {
      await watch?.kill();
      unmount(snapshot);
    }
  });

  it('a read-only repository: sync exits 2 and writes nothing; a running watch waits it out and commits once writable', { timeout: TEST_TIMEOUT }, async () => {
    const db = await freshDb();
    const dir = projectDir();
    mountTmpfs(dir, '8m');
    // A 1 s lock timeout: on a read-only .git the lock folder cannot be made, and the lock is retried that long.
    const env = dbEnv(db, dir, { DBSYNC_LOCK_TIMEOUT: '1' });
    let watch: Background | undefined;
    try {
      assert.equal(run(['sync'], env).code, 0);
      const head = headOf(dir);
      const listing = filesUnder(dir).sort();
      await remount(dir, 'ro');
      await sql(db, "INSERT INTO small VALUES (3, 'three')");

      for (const command of ['sync', 'watch']) {
        const r = run([command], { ...env, ...WATCH });
        assert.equal(r.code, 2, `${command}: ${r.stderr}${r.stdout}`);
        const line = oneLine(r);
        assert.ok(line.includes(`open project: PROJECT_DIR ${dir} is on a read-only file system -- remount it read-write`), line);
        assert.equal(r.stdout, '');
      }
      assertIntact(dir, head, 'read-only');
      await remount(dir, 'rw');
      assert.deepEqual(filesUnder(dir).sort(), listing, 'nothing was written');

      watch = background(['watch'], { ...env, ...WATCH });
      // Its first pass commits the row inserted while the repository was read-only; then the file system goes read-only under it.
      await watch.waitForLog(/INFO committed /, 60_000);
      const committed = headOf(dir);
      await remount(dir, 'ro');
      await sql(db, "INSERT INTO small VALUES (4, 'four')");
      await watch.waitForLog(/ERROR .*read-only file system/i, 60_000);
      await watch.waitForLog(/failure 2/, 60_000);
      assert.ok(watch.running(), 'watch keeps running');
      const failures = watch
        .stderr()
        .split('\n')
        .filter((l) => / (ERROR|WARN) /.test(l));
      for (const l of failures) assert.match(l, /^\S+ (ERROR|WARN) [^:]+: .+ -- .+ \(failure \d+, retrying in \d+ s\)$/, `one clear line per failure: ${l}`);
      assert.ok(
        failures.some((l) => /read-only file system/i.test(l) && /make the repository writable/.test(l)),
        failures.join('\n'),
      );
      assert.ok(!/unexpected error|please report/.test(watch.stderr()), watch.stderr());
      assert.equal(headOf(dir), committed);

      await remount(dir, 'rw');
      await watch.waitForLog(/recovered after \d+ failed pass/, 90_000);
      await stopWatch(watch);
      assert.equal(commitCount(dir), 3);
      assertIntact(dir, headOf(dir), 'after recovery');
      await assertCommittedEqualsLive(dir, db);
      assertNoSecretIn(dir);
    } finally {
      await watch?.kill();
      unmount(dir);
    }
  });
});

// --- hostile configuration --------------------------------------------------------------------

/** Without proxies: the test's own HTTP server and closed ports must be reached directly. */
const NO_PROXY = { http_proxy: undefined, https_proxy: undefined, HTTP_PROXY: undefined, HTTPS_PROXY: undefined, ALL_PROXY: undefined, all_proxy: undefined };

function assertEmpty(dir: string, label: string): void {
  assert.ok(existsSync(dir), `${label}: ${dir} still exists`);
  assert.deepEqual(readdirSync(dir), [], `${label}: nothing was written to ${dir}`);
}

describe('hostile configuration', () => {
  after(unmountAll);

  it('an unresolvable DB_HOST and a DB_SOCKET that is no socket exit 1, name the setting and write nothing', { timeout: TEST_TIMEOUT }, async () => {
    const db = await freshDb();
    const dir = tempDir();
    const host = run(['sync'], dbEnv(db, dir, { DB_HOST: 'no-such-host.invalid', DBSYNC_CONNECT_TIMEOUT: '5' }));
    assert.equal(host.code, 1, host.stderr + host.stdout);
    assert.equal(oneLine(host), 'git-dbsync: connect to database: unknown host no-such-host.invalid -- check DB_HOST');
    assertEmpty(dir, 'DB_HOST');

    const other = tempDir();
    const file = path.join(other, 'not-a-socket');
    writeFileSync(file, 'x');
    for (const socket of [file, other]) {
      const r = run(['sync'], dbEnv(db, dir, { DB_SOCKET: socket }));
      assert.equal(r.code, 1, r.stderr + r.stdout);
      const line = oneLine(r);
      assert.ok(line.includes(`connection refused at socket ${socket} -- `), line);
      assert.match(line, /DB_SOCKET/);
      assertEmpty(dir, socket);
    }
    // A relative socket path is relative to the working directory, and the message says where it looked.
    const rel = run(['sync'], dbEnv(db, dir, { DB_SOCKET: 'run/mysqld.sock' }), { cwd: other });
    assert.equal(rel.code, 1, rel.stderr + rel.stdout);
    const relLine = oneLine(rel);
    assert.ok(relLine.includes(path.join(other, 'run/mysqld.sock')), relLine);
    assert.match(relLine, /check DB_SOCKET/);
    assertEmpty(dir, 'relative DB_SOCKET');
  });

  it('a malformed GIT_REMOTE_URL is a configuration error: exit 2 before anything is written, no token shown', { timeout: TEST_TIMEOUT }, async () => {
    const db = await freshDb();
    const dir = tempDir();
    const token = 'Tok3n-In-A-Bad-Url-55';
    const cases: Array<[string, RegExp]> = [
      ['https://exa mple.com/owner/repo.git', /must not contain spaces/],
      ['https://example.com/my repo.git', /must not contain spaces/],
      [`https://robot:${token}@example.com/my repo.git`, /must not contain spaces/],
      ['ht!tp://example.com/owner/repo.git', /not a valid URL/],
      ['https://', /not a valid URL/],
      ['ssh://', /names no host/],
      ['ssh://git@example.com', /names no repository path/],
      ['file://', /names no repository path/],
      ['ftp://example.com/repo.git', /unsupported scheme ftp:/],
    ];
    for (const [url, problem] of cases) {
      const r = run(['sync'], dbEnv(db, dir, { GIT_REMOTE_URL: url }));
      assert.equal(r.code, 2, `${url}: ${r.stderr}${r.stdout}`);
      const line = oneLine(r);
      assert.match(line, /^git-dbsync: configuration: GIT_REMOTE_URL/, line);
      assert.match(line, problem, line);
      assert.match(line, / -- fix the setting/, line);
      assert.ok(!line.includes(token), `the token is not shown: ${line}`);
      assert.equal(r.stdout, '');
      assertEmpty(dir, url);
    }
  });

  it('a remote that leads nowhere or wants credentials: committed locally, exit 4, the cause and the fix on one line, kept for later', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    const db = await freshDb();
    const token = 'Wrong-Token-For-401-88';
    // A server that wants Basic auth and accepts nothing.
    const asked: Array<string | undefined> = [];
    const srv = http.createServer((req, res) => {
      asked.push(req.headers.authorization);
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="test"' }).end();
    });
    await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
    const port = (srv.address() as AddressInfo).port;
    const closed = await freePort();
    const missing = path.join(tempDir(), 'no', 'such', 'repo.git');
    try {
      const cases: Array<{ url: string; stored: string; cause: RegExp; fix: RegExp }> = [
        { url: missing, stored: missing, cause: /does not appear to be a git repository/, fix: /check GIT_REMOTE_URL; the repository must already exist/ },
        {
          url: `ssh://git@127.0.0.1:${closed}/owner/repo.git`,
          stored: `ssh://git@127.0.0.1:${closed}/owner/repo.git`,
          cause: new RegExp(`ssh: connect to host 127\\.0\\.0\\.1 port ${closed}: Connection refused`),
          fix: /check GIT_REMOTE_URL and that the remote is reachable/,
        },
        {
          url: `http://127.0.0.1:${port}/owner/repo.git`,
          stored: `http://127.0.0.1:${port}/owner/repo.git`,
          cause: /could not read Username/,
          fix: /give credentials the remote accepts: DBSYNC_GIT_TOKEN/,
        },
        {
          url: `http://robot:${token}@127.0.0.1:${port}/owner/repo.git`,
          stored: `http://127.0.0.1:${port}/owner/repo.git`,
          cause: /Authentication failed/,
          fix: /give credentials the remote accepts/,
        },
      ];
      for (const c of cases) {
        const dir = tempDir();
        const env = dbEnv(db, dir, { GIT_REMOTE_URL: c.url, ...NO_PROXY });
        const r = await runAsync(['sync'], env);
        assert.equal(r.code, 4, `${c.url}: ${r.stderr}${r.stdout}`);
        assert.equal(r.stderr, '');
        const out = r.stdout.split('\n').filter(Boolean);
        assert.equal(out.length, 1, r.stdout);
        const m = /^committed [0-9a-f]{12}: .+; NOT PUSHED: push to origin failed: (.+) -- (.+)$/.exec(out[0]!);
        assert.ok(m, out[0]);
        assert.match(m[1]!, c.cause, out[0]);
        assert.match(m[2]!, c.fix, out[0]);
        assert.match(m[2]!, /the commit is kept and pushed by a later pass$/, out[0]);
        assert.ok(!r.stdout.includes(token), 'the token is not shown');
        assert.equal(commitCount(dir), 1, 'the snapshot is committed locally');
        await assertCommittedEqualsLive(dir, db);
        assert.equal(git(dir, ['remote', 'get-url', 'origin']).trim(), c.stored);
        assert.ok(!readFileSync(path.join(dir, '.git', 'config'), 'utf8').includes(token), '.git/config holds no token');

        // The next pass keeps the commit, makes no new one, and says again that it is not pushed.
        const again = await runAsync(['sync'], env);
        assert.equal(again.code, 4, again.stderr + again.stdout);
        assert.match(again.stdout, /^no changes; NOT PUSHED: push to origin failed: /);
        assert.equal(commitCount(dir), 1);
        assertNoSecretIn(dir);
      }
      assert.ok(asked.includes('Basic ' + Buffer.from(`robot:${token}`).toString('base64')), 'the credentials of the URL were offered');
    } finally {
      await new Promise((resolve) => srv.close(resolve));
    }
  });

  it('a read-only PROJECT_DIR exits 2 and nothing is written', { timeout: TEST_TIMEOUT, skip: noMount }, async () => {
    const db = await freshDb();
    const dir = projectDir();
    try {
      bindReadOnly(dir);
      for (const command of ['sync', 'watch', 'restore']) {
        const r = run([command], dbEnv(db, dir, WATCH));
        assert.equal(r.code, 2, `${command}: ${r.stderr}${r.stdout}`);
        assert.ok(oneLine(r).includes(`open project: PROJECT_DIR ${dir} is on a read-only file system -- remount it read-write, or set PROJECT_DIR`), r.stderr);
      }
    } finally {
      unmount(dir);
    }
    assertEmpty(dir, 'read-only PROJECT_DIR');
  });

  it('no run showed the database password', () => {
    assert.ok(outputs.length > 0, `${outputs.length} outputs checked`);
    for (const o of outputs) assertNoSecret(o, 'output');
  });
});
