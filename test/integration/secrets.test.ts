/**
 * The database password (and a git token) never leave the process environment: not on any
 * command line (ps), not in the environment of git children, not in the log (even at debug
 * level), not in error messages, not in any file of the project or its .git, not in history.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import { freePort, MariaDbServer } from '../support/mariadb-server.js';
import { allCommandLines, background, environOf, type Background } from '../support/background.js';
import { baseEnv, cli, commitCount, git, tempDir, waitFor } from '../support/project.js';

const PASSWORD = 'Zx9-Hush.Pa55word-7Qk';
const TOKEN = 'ghp_TokenNeverShown4242';

let server: MariaDbServer;
let seq = 0;

async function freshDb(): Promise<string> {
  const db = `sec${++seq}`;
  const c = await server.connect(db);
  await c.query('CREATE TABLE notes (id INT PRIMARY KEY, body VARCHAR(100)) ENGINE=InnoDB');
  for (const host of ['localhost', '127.0.0.1', '%']) {
    await c.query(`CREATE USER IF NOT EXISTS 'keeper'@'${host}' IDENTIFIED BY '${PASSWORD}'`);
    await c.query(`GRANT ALL ON \`${db}\`.* TO 'keeper'@'${host}'`);
  }
  await c.end();
  return db;
}

function tcpEnv(db: string, dir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return baseEnv({
    DB_HOST: '127.0.0.1',
    DB_PORT: String(server.port),
    DB_USER: 'keeper',
    DB_PASSWORD: PASSWORD,
    DB_NAME: db,
    PROJECT_DIR: dir,
    DBSYNC_LOG_LEVEL: 'debug',
    ...extra,
  });
}

/** Files under `dir` (including .git) whose bytes contain `secret` (grep -r, binary files too). */
function filesContaining(dir: string, secret: string): string[] {
  const r = spawnSync('grep', ['-r', '-l', '-a', '-F', '--', secret, dir], { encoding: 'utf8' });
  assert.ok(r.status === 0 || r.status === 1, `grep failed: ${r.stderr}`);
  return r.stdout.split('\n').filter(Boolean);
}

function assertNowhereIn(dir: string, secret: string): void {
  assert.deepEqual(filesContaining(dir, secret), [], `files holding the secret under ${dir}`);
  const history = git(dir, ['log', '-p', '--all', '--format=%H %an %ae %s%n%b']);
  assert.ok(history.length > 0);
  assert.ok(!history.includes(secret), 'the secret is not in the history');
  assert.ok(!git(dir, ['config', '--list', '--local']).includes(secret), 'the secret is not in .git/config');
}

describe('secrets stay secret', () => {
  before(async () => {
    server = await MariaDbServer.start();
  });
  after(async () => server?.destroy());

  it('watch with DB_PASSWORD: not in ps, not in git children, not in logs, files or history', async () => {
    const db = await freshDb();
    const dir = tempDir();
    const env = tcpEnv(db, dir, { POLL_INTERVAL: '0.2' });
    const watch = background(['watch'], env);
    try {
      await watch.waitForLog(/watching database/);
      await waitFor('first commit', () => commitCount(dir) >= 1, 20_000);

      const c = await server.connect(db);
      let n = 0;
      let writer = true;
      const writing = (async () => {
        while (writer) {
          n++;
          await c.query('INSERT INTO notes VALUES (?, ?)', [n, `note ${n}`]);
          await new Promise((r) => setTimeout(r, 150));
        }
      })();
      const before = commitCount(dir);
      const seen = await sampleCwd(watch, dir, [PASSWORD], () => commitCount(dir) >= before + 5);
      writer = false;
      await writing;
      await c.end();

      assert.deepEqual(seen.leaks, []);
      assert.ok(seen.samples > 50, `sampled ${seen.samples} times`);
      assert.ok(seen.gitSeen >= 5, `saw ${seen.gitSeen} git children of watch while sampling`);

      watch.child.kill('SIGTERM');
      assert.equal(await watch.waitExit(20_000), 0, watch.stderr());
      assert.match(watch.stderr(), /DEBUG/, 'debug logging was on');
      assert.match(watch.stderr(), /committed [0-9a-f]{12}/);
      assert.ok(!watch.stdout().includes(PASSWORD) && !watch.stderr().includes(PASSWORD), 'not in the output');
      assert.ok(commitCount(dir) >= before + 5);
      assertNowhereIn(dir, PASSWORD);

      const status = cli(['status', '--json'], env);
      assert.equal(status.code, 0, status.stderr);
      assert.ok(!(status.stdout + status.stderr).includes(PASSWORD));
    } finally {
      await watch.kill();
    }
  });

  it('failing passes (server stopped while watch runs, wrong port, wrong password) do not show it', async () => {
    const db = await freshDb();
    const dir = tempDir();
    const env = tcpEnv(db, dir, { POLL_INTERVAL: '0.2', DBSYNC_MAX_BACKOFF: '1' });
    const watch = background(['watch'], env);
    try {
      await waitFor('first commit', () => commitCount(dir) >= 1, 20_000);
      await server.stop();
      try {
        await watch.waitForLog(/ERROR .*connection (refused|to the database was lost)/);
        await watch.waitForLog(/WARN .*failure 2/);
        assert.ok(watch.running());
        const status = cli(['status', '--json'], env);
        assert.equal(status.code, 1, `database unreachable: status exits 1 (${status.stderr})`);
        const s = JSON.parse(status.stdout) as { lastError: { message: string } | null; database: { reachable: boolean; error: string } };
        assert.equal(s.database.reachable, false);
        assert.ok(s.lastError, 'status shows the last error');
        assert.ok(!status.stdout.includes(PASSWORD));
      } finally {
        await server.restart();
      }
      await watch.waitForLog(/recovered after \d+ failed pass/);
      watch.child.kill('SIGTERM');
      assert.equal(await watch.waitExit(20_000), 0, watch.stderr());
      assert.ok(!watch.stdout().includes(PASSWORD) && !watch.stderr().includes(PASSWORD), 'not in the output');
    } finally {
      await watch.kill();
    }

    // Nothing listening.
    const port = await freePort();
    const refused = cli(['sync'], { ...env, DB_PORT: String(port) });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /connection refused/);
    assert.ok(!(refused.stdout + refused.stderr).includes(PASSWORD));

    // A wrong password: neither the given one nor the right one is shown.
    const wrong = 'Wrong-But-Also-Secret-99';
    const denied = cli(['sync'], { ...env, DB_PASSWORD: wrong });
    assert.equal(denied.code, 1);
    assert.match(denied.stderr, /access denied/);
    assert.ok(!(denied.stdout + denied.stderr).includes(wrong));
    assert.ok(!(denied.stdout + denied.stderr).includes(PASSWORD));

    assertNowhereIn(dir, PASSWORD);
    assertNowhereIn(dir, wrong);
  });

  it('a git token in GIT_REMOTE_URL is used but never stored, shown or put on a command line', async () => {
    const db = await freshDb();
    const dir = tempDir();
    const port = await freePort();
    const env = tcpEnv(db, dir, { GIT_REMOTE_URL: `https://dbsync:${TOKEN}@127.0.0.1:${port}/owner/repo.git` });
    const sync = background(['sync'], env);
    const seen = await sampleCwd(sync, dir, [TOKEN, PASSWORD], () => !sync.running());
    const code = await sync.waitExit();
    assert.equal(code, 4, sync.stderr() + sync.stdout());
    assert.match(sync.stdout(), /NOT PUSHED/);
    assert.deepEqual(seen.leaks, []);
    assert.ok(seen.gitSeen >= 1, `saw ${seen.gitSeen} git children of sync`);
    assert.ok(!(sync.stdout() + sync.stderr()).includes(TOKEN));
    assert.equal(git(dir, ['remote', 'get-url', 'origin']).trim(), `https://127.0.0.1:${port}/owner/repo.git`);
    assertNowhereIn(dir, TOKEN);
    assertNowhereIn(dir, PASSWORD);
  });
});

/**
 * Sample every process's command line until `until()`; git processes working in `dir` (the
 * children of the process under test) also have their environment checked.
 */
async function sampleCwd(proc: Background, dir: string, secrets: string[], until: () => boolean | Promise<boolean>, timeoutMs = 30_000) {
  let samples = 0;
  const gitSeen = new Set<number>();
  const leaks: string[] = [];
  const deadline = Date.now() + timeoutMs;
  while (!(await until())) {
    if (Date.now() > deadline) throw new Error(`sampling timed out; stderr:\n${proc.stderr()}`);
    for (const { pid, cmdline } of allCommandLines()) {
      for (const s of secrets) if (cmdline.includes(s)) leaks.push(`command line of pid ${pid}: ${cmdline}`);
      if (!/^git\b/.test(cmdline)) continue;
      let cwd = '';
      try {
        cwd = readlinkSync(`/proc/${pid}/cwd`);
      } catch {
        continue;
      }
      if (cwd !== dir) continue;
      const env = environOf(pid);
      if (env === null) continue;
      gitSeen.add(pid);
      // An https token reaches git push/fetch through their environment (for the credential helper), by design;
      // no other git process may have it, and none may have the database password.
      const allowed = / (push|fetch) /.test(cmdline) ? [TOKEN] : [];
      for (const s of secrets) if (env.includes(s) && !allowed.includes(s)) leaks.push(`environment of git pid ${pid} (${cmdline})`);
      if (env.split('\0').some((e) => e.startsWith('DB_PASSWORD='))) leaks.push(`DB_PASSWORD in the environment of git pid ${pid}`);
    }
    samples++;
    await new Promise((r) => setTimeout(r, 2));
  }
  return { samples, gitSeen: gitSeen.size, leaks };
}
