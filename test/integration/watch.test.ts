/**
 * The `watch` daemon against a real server: changes become commits within a few polls, SIGTERM
 * stops it cleanly (exit 0, nothing temporary left), a database outage is logged, retried with
 * backoff and recovered from, and a second signal forces an immediate exit (130).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { MariaDbServer } from '../support/mariadb-server.js';
import { background } from '../support/background.js';
import { baseEnv, cli, commitCount, git, tempDir, waitFor } from '../support/project.js';

interface Status {
  lastSnapshot: { commit: string; time: string; subject: string } | null;
  database: { name: string; reachable: boolean; differs: boolean | null; error: string | null };
  lastError: { operation: string; message: string; hint: string } | null;
  consecutiveFailures: number;
  daemon: { pid: number; state: string } | null;
}

function status(env: NodeJS.ProcessEnv): Status {
  const r = cli(['status', '--json'], env);
  // 0 healthy, 1 database unreachable or failing passes, 4 not pushed (README, exit codes).
  assert.ok([0, 1, 4].includes(r.code), r.stderr);
  return JSON.parse(r.stdout) as Status;
}

/** Every file under `dir` (recursively, .git included) whose name matches. */
function findFiles(dir: string, re: RegExp): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (re.test(e.name)) out.push(path.join(e.parentPath ?? (e as unknown as { path: string }).path, e.name));
  }
  return out;
}

function assertNoLeftovers(dir: string): void {
  assert.deepEqual(findFiles(dir, /\.dbsync-tmp$/), [], 'no temporary files');
  const stateDir = path.join(dir, '.git', 'dbsync');
  assert.equal(existsSync(path.join(stateDir, 'staging')), false, 'no staging folder');
  // What a pass keeps on purpose: the daemon's state, the keyless-guard cache per HEAD, the change source's position.
  const kept = new Set(['state.json', 'keyless-checked.json', 'read-position.json']);
  assert.deepEqual(
    readdirSync(stateDir).filter((f) => !kept.has(f)),
    [],
    'only state files are left in .git/dbsync (no lock, marker or staging)',
  );
  assert.equal(git(dir, ['status', '--porcelain']), '', 'the working tree is clean');
}

/** A user reachable over TCP from 127.0.0.1 (root only exists for the socket). */
async function tcpUser(server: MariaDbServer, db: string): Promise<void> {
  const c = await server.connect(db);
  for (const host of ['127.0.0.1', '%']) {
    await c.query(`CREATE USER IF NOT EXISTS 'watcher'@'${host}' IDENTIFIED BY 'watcher-pw'`);
    await c.query(`GRANT ALL ON \`${db}\`.* TO 'watcher'@'${host}'`);
  }
  await c.end();
}

function tcpEnv(server: MariaDbServer, db: string, dir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return baseEnv({
    DB_HOST: '127.0.0.1',
    DB_PORT: String(server.port),
    DB_USER: 'watcher',
    DB_PASSWORD: 'watcher-pw',
    DB_NAME: db,
    PROJECT_DIR: dir,
    ...extra,
  });
}

describe('watch', () => {
  let server: MariaDbServer;
  let seq = 0;
  before(async () => {
    server = await MariaDbServer.start();
  });
  after(async () => server?.destroy());

  async function freshDb(): Promise<string> {
    const db = `w${++seq}`;
    const c = await server.connect(db);
    await c.query('CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50)) ENGINE=InnoDB; INSERT INTO items VALUES (1, "first")');
    await c.end();
    return db;
  }

  it('commits a change within a few polls and stops cleanly on SIGTERM', async () => {
    const db = await freshDb();
    const dir = tempDir();
    const env = baseEnv({ ...server.env(db), PROJECT_DIR: dir, POLL_INTERVAL: '0.3' });
    const watch = background(['watch'], env);
    try {
      await watch.waitForLog(/INFO watching database w\d+ every 0\.3 s into /);
      await waitFor('the first snapshot', () => commitCount(dir) === 1, 15_000);

      const c = await server.connect(db);
      await c.query('INSERT INTO items VALUES (2, "added-while-watching")');
      const changedAt = Date.now();
      await waitFor('a commit of the change', () => commitCount(dir) === 2, 5_000);
      const took = Date.now() - changedAt;
      await c.query('UPDATE items SET name = "renamed" WHERE id = 1');
      await waitFor('a commit of the update', () => commitCount(dir) === 3, 5_000);
      await c.end();
      assert.ok(took < 5_000, `committed after ${took} ms`);
      assert.match(git(dir, ['show', 'HEAD~1', '--', 'database/data/items.sql']), /^\+INSERT INTO `items` VALUES \(2,'added-while-watching'\);$/m);
      assert.match(git(dir, ['log', '-1', '--format=%s']), /items/);
      await watch.waitForLog(/INFO committed [0-9a-f]{12}: .*items/);

      // While running, status shows the daemon.
      const running = status(env);
      assert.equal(running.daemon?.pid, watch.pid);

      const stopAt = Date.now();
      watch.child.kill('SIGTERM');
      assert.equal(await watch.waitExit(10_000), 0, watch.stderr());
      // It finishes the pass under way (under a second here), then stops: not the next poll's wait, not a hang.
      assert.ok(Date.now() - stopAt < 15_000, `stopped after ${Date.now() - stopAt} ms`);
      assert.match(watch.stderr(), /SIGTERM received: stopping after the current pass/);
      assert.match(watch.stderr(), /INFO stopped\n$/);
      assert.equal(watch.stdout(), '', 'watch logs to stderr only');

      assertNoLeftovers(dir);
      const s = status(env);
      assert.equal(s.lastSnapshot?.commit, git(dir, ['rev-parse', 'HEAD']).trim());
      assert.equal(s.database.reachable, true);
      assert.equal(s.database.differs, false);
      assert.equal(s.lastError, null);
      assert.equal(s.daemon, null, 'a stopped daemon is not shown as running');
    } finally {
      await watch.kill();
    }
  });

  it('SIGINT stops it like SIGTERM', async () => {
    const db = await freshDb();
    const dir = tempDir();
    const env = baseEnv({ ...server.env(db), PROJECT_DIR: dir, POLL_INTERVAL: '0.3' });
    const watch = background(['watch'], env);
    try {
      await waitFor('the first snapshot', () => commitCount(dir) === 1, 15_000);
      watch.child.kill('SIGINT');
      assert.equal(await watch.waitExit(10_000), 0, watch.stderr());
      assert.match(watch.stderr(), /SIGINT received: stopping/);
      assertNoLeftovers(dir);
    } finally {
      await watch.kill();
    }
  });

  it('a second signal while a pass is still running exits at once with 130', async () => {
    const db = await freshDb();
    const dir = tempDir();
    const env = baseEnv({ ...server.env(db), PROJECT_DIR: dir, POLL_INTERVAL: '0.3', DBSYNC_LOCK_TIMEOUT: '60' });
    // Hold the database's run lock (as another git-dbsync process would), so the pass waits for it.
    const holder = await server.connect();
    const lockName = 'git-dbsync:' + createHash('sha256').update(db).digest('hex').slice(0, 40);
    const [[got]] = (await holder.query('SELECT GET_LOCK(?, 0) AS got', [lockName])) as unknown as [[{ got: number }]];
    assert.equal(Number(got.got), 1);
    const watch = background(['watch'], env);
    try {
      await waitFor(
        'the pass to wait for the lock',
        async () => {
          const [rows] = (await holder.query("SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE INFO LIKE 'SELECT GET_LOCK(%'")) as unknown as [
            [{ n: number }],
          ];
          return Number(rows[0].n) > 0;
        },
        15_000,
      );
      watch.child.kill('SIGTERM');
      await watch.waitForLog(/SIGTERM received: stopping after the current pass/);
      // The first signal waits for the pass, which is blocked.
      await new Promise((r) => setTimeout(r, 500));
      assert.ok(watch.running(), 'still finishing the pass after the first signal');
      const secondAt = Date.now();
      watch.child.kill('SIGTERM');
      assert.equal(await watch.waitExit(5_000), 130, watch.stderr());
      assert.ok(Date.now() - secondAt < 3_000, 'exits at once');
      assert.match(watch.stderr(), /SIGTERM received again: exiting now/);
      assert.equal(commitCount(dir), 0);
    } finally {
      await watch.kill();
      await holder.query('SELECT RELEASE_LOCK(?)', [lockName]);
      await holder.end();
    }
    // The next run is not blocked by anything the forced exit left behind, and completes the work.
    const sync = cli(['sync'], { ...env, DBSYNC_LOCK_TIMEOUT: '5' });
    assert.equal(sync.code, 0, sync.stderr);
    assert.match(sync.stdout, /^committed [0-9a-f]{12}: /);
    assertNoLeftovers(dir);
  });

  it('survives a database outage: logs it, backs off, shows it in status, recovers and commits', async () => {
    // Its own server, so stopping it does not disturb the other tests.
    const own = await MariaDbServer.start();
    try {
      const db = 'outage';
      const c0 = await own.connect(db);
      await c0.query('CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50)) ENGINE=InnoDB; INSERT INTO items VALUES (1, "first")');
      await c0.end();
      await tcpUser(own, db);
      const dir = tempDir();
      const env = tcpEnv(own, db, dir, { POLL_INTERVAL: '0.3', DBSYNC_MAX_BACKOFF: '1', DBSYNC_CONNECT_TIMEOUT: '2' });
      const watch = background(['watch'], env);
      try {
        await waitFor('the first snapshot', () => commitCount(dir) === 1, 15_000);
        await own.stop();

        await watch.waitForLog(/ERROR .*connection (refused|to the database was lost) at 127\.0\.0\.1:\d+.*\(failure 1, retrying in 1 s\)/, 15_000);
        await watch.waitForLog(/WARN .*connection refused at 127\.0\.0\.1:\d+ -- is the server running.*\(failure 3, retrying in 1 s\)/, 15_000);
        assert.ok(watch.running(), 'keeps running while the database is away');

        const down = status(env);
        assert.equal(down.database.reachable, false);
        assert.match(down.database.error ?? '', /connection refused/);
        assert.ok(down.lastError, 'status shows the last error');
        assert.match(down.lastError.message, /connection (refused|to the database was lost)/);
        assert.ok(down.lastError.hint.length > 0);
        assert.ok(down.consecutiveFailures >= 1);
        assert.equal(down.lastSnapshot?.commit, git(dir, ['rev-parse', 'HEAD']).trim());

        await own.restart();
        const c = await own.connect(db);
        await c.query('INSERT INTO items VALUES (2, "after-the-outage")');
        await c.end();
        await watch.waitForLog(/INFO recovered after \d+ failed pass\(es\)/, 15_000);
        await waitFor('a commit of the change made after the outage', () => commitCount(dir) === 2, 10_000);
        assert.match(git(dir, ['show', 'HEAD', '--', 'database/data/items.sql']), /^\+INSERT INTO `items` VALUES \(2,'after-the-outage'\);$/m);
        assert.ok(watch.running());

        const up = status(env);
        assert.equal(up.lastError, null, 'a successful pass clears the last error');
        assert.equal(up.consecutiveFailures, 0);
        assert.equal(up.database.differs, false);

        watch.child.kill('SIGTERM');
        assert.equal(await watch.waitExit(10_000), 0, watch.stderr());
        assertNoLeftovers(dir);
      } finally {
        await watch.kill();
      }
    } finally {
      await own.destroy();
    }
  });
});
