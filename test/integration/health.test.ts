/**
 * `git-dbsync health` against a real `watch` and a throwaway server: healthy while watch runs and
 * passes succeed, unhealthy (exit 1, one line) when watch has stopped, was killed, or cannot reach
 * the database; it needs no password and never waits for the run lock.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { acquireRepoLock } from '../../src/lock/repo-lock.js';
import { MariaDbServer } from '../support/mariadb-server.js';
import { background } from '../support/background.js';
import { baseEnv, cli, commitCount, tempDir, waitFor } from '../support/project.js';

/** Exactly one line on stderr in the usual error format. */
function assertOneLine(stderr: string, re: RegExp): void {
  const lines = stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `one line, got:\n${stderr}`);
  assert.match(lines[0]!, /^git-dbsync: health: .+ -- .+/);
  assert.match(lines[0]!, re);
}

describe('health', () => {
  let server: MariaDbServer;
  before(async () => {
    server = await MariaDbServer.start();
    const c = await server.connect('h');
    await c.query('CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50)); INSERT INTO items VALUES (1, "first")');
    await c.end();
  });
  after(async () => server?.destroy());

  it('is healthy while watch runs, without the password or the run lock, and unhealthy once watch stops', async () => {
    const dir = tempDir();
    const env = baseEnv({ ...server.env('h'), PROJECT_DIR: dir, POLL_INTERVAL: '0.5' });
    // health alone: only where the repository is; no database settings, and a password file that does not exist.
    const healthEnv = baseEnv({ PROJECT_DIR: dir, DB_PASSWORD_FILE: path.join(dir, 'no-such-secret') });

    const before = cli(['health'], healthEnv);
    assert.equal(before.code, 1, 'no repository yet');
    assertOneLine(before.stderr, /PROJECT_DIR .* is not a git repository yet/);

    const watch = background(['watch'], env);
    try {
      await waitFor('the first snapshot', () => commitCount(dir) === 1, 20_000);
      await waitFor('health to pass', () => cli(['health'], healthEnv).code === 0, 10_000);
      const ok = cli(['health'], healthEnv);
      assert.equal(ok.code, 0, ok.stderr);
      assert.match(ok.stdout, new RegExp(`^healthy: watch pid ${watch.pid}, last successful check \\d+ s ago \\(limit 60 s\\)\\n$`));
      assert.equal(ok.stderr, '');

      // The run lock held by someone else (as during a long pass) does not delay health.
      const stateDir = path.join(dir, '.git', 'dbsync');
      const { release } = await acquireRepoLock({ lockPath: path.join(stateDir, 'run.lock'), timeoutMs: 10_000 });
      try {
        const started = Date.now();
        const locked = cli(['health'], { ...healthEnv, DBSYNC_LOCK_TIMEOUT: '30' });
        assert.equal(locked.code, 0, locked.stderr);
        assert.ok(Date.now() - started < 5_000, `health took ${Date.now() - started} ms under a held lock`);
        const busy = cli(['sync'], { ...env, DBSYNC_LOCK_TIMEOUT: '0' });
        assert.equal(busy.code, 3, 'the lock really is held: sync is refused');
      } finally {
        await release();
      }

      // An explicit limit shorter than any pass gap fails, and says how old the last pass is.
      await new Promise((r) => setTimeout(r, 1_200));
      const strict = cli(['health', '--max-age', '0.01'], healthEnv);
      assert.equal(strict.code, 1);
      assertOneLine(strict.stderr, /the last successful check was \d+ s ago, more than the limit of 0 s/);

      watch.child.kill('SIGTERM');
      assert.equal(await watch.waitExit(10_000), 0, watch.stderr());
    } finally {
      await watch.kill();
    }
    const stopped = cli(['health'], healthEnv);
    assert.equal(stopped.code, 1, 'unhealthy once watch has stopped');
    assert.equal(stopped.stdout, '');
    assertOneLine(stopped.stderr, /no watch process is recorded/);
  });

  it('is unhealthy when watch was killed (its pid is still in the state file)', async () => {
    const dir = tempDir();
    const env = baseEnv({ ...server.env('h'), PROJECT_DIR: dir, POLL_INTERVAL: '0.5' });
    const watch = background(['watch'], env);
    try {
      await waitFor('the first snapshot', () => commitCount(dir) === 1, 20_000);
      await waitFor('health to pass', () => cli(['health'], env).code === 0, 10_000);
      watch.child.kill('SIGKILL');
      await watch.exited;
    } finally {
      await watch.kill();
    }
    const state = JSON.parse(readFileSync(path.join(dir, '.git', 'dbsync', 'state.json'), 'utf8')) as { daemon: { pid: number } | null };
    assert.equal(state.daemon?.pid, watch.pid, 'a killed daemon cannot clear its entry');
    const killed = cli(['health'], env);
    assert.equal(killed.code, 1);
    assertOneLine(killed.stderr, new RegExp(`the watch process recorded \\(pid ${watch.pid}\\) is not running`));
  });

  it('is unhealthy while the database is unreachable, naming the last error', async () => {
    const own = await MariaDbServer.start();
    try {
      const c = await own.connect('d');
      await c.query('CREATE TABLE t (id INT PRIMARY KEY)');
      await c.end();
      const dir = tempDir();
      const env = baseEnv({ ...own.env('d'), PROJECT_DIR: dir, POLL_INTERVAL: '0.3', DBSYNC_MAX_BACKOFF: '1', DBSYNC_CONNECT_TIMEOUT: '2' });
      const watch = background(['watch'], env);
      try {
        await waitFor('the first snapshot', () => commitCount(dir) === 1, 20_000);
        await own.stop();
        await watch.waitForLog(/\(failure 2, retrying/, 20_000);
        await new Promise((r) => setTimeout(r, 1_100));
        const down = cli(['health', '--max-age', '1'], env);
        assert.equal(down.code, 1, down.stdout);
        assertOneLine(down.stderr, /more than the limit of 1 s; \d+ failed pass\(es\) in a row, last: .*(connect|database)/);

        await own.restart();
        await waitFor('health to recover', () => cli(['health', '--max-age', '1'], env).code === 0, 20_000);
      } finally {
        watch.child.kill('SIGTERM');
        await watch.waitExit(10_000).catch(() => undefined);
        await watch.kill();
      }
    } finally {
      await own.destroy();
    }
  });
});
