/**
 * How git-dbsync treats the git side: the user's own work in the repository, a repository created
 * from nothing, pushing (success, failure and retry, a remote that moved on), secrecy of an https
 * token, and the locks that keep two processes apart. Real MariaDB, real git, no mocks.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Connection } from 'mysql2/promise';
import { createRepository } from '../../src/project/create-repository.js';
import { MariaDbServer } from '../support/mariadb-server.js';
import { baseEnv, cli, cliAsync, commitCount, git, lastSubject, tempDir } from '../support/project.js';

let server: MariaDbServer;
let dbCounter = 0;

/** A new database with one small table; the caller ends the connection. */
async function freshDatabase(): Promise<{ name: string; conn: Connection }> {
  const name = `gb_${process.pid}_${++dbCounter}`;
  const conn = await server.connect(name);
  await conn.query('CREATE TABLE items (id INT PRIMARY KEY, label VARCHAR(50)) ENGINE=InnoDB');
  await conn.query("INSERT INTO items VALUES (1, 'one'), (2, 'two')");
  return { name, conn };
}

function syncEnv(db: string, repo: string, extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  return baseEnv({ ...server.env(db), PROJECT_DIR: repo, ...extra });
}

function head(repo: string, rev = 'HEAD'): string {
  return git(repo, ['rev-parse', rev]).trim();
}

function lines(s: string): string[] {
  return s.split('\n').filter((l) => l.length > 0);
}

/** A bare repository whose branch main is empty (no commits yet). */
function bareRepo(): string {
  const bare = path.join(tempDir('dbsync-bare-'), 'remote.git');
  git(path.dirname(bare), ['init', '-q', '--bare', '--initial-branch=main', bare]);
  return bare;
}

/** Run the CLI without blocking this process (for servers in the test and for parallel runs). */
function cliInBackground(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = cliAsync(args, env);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Every file under `dir`, recursively. */
function allFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...allFiles(p));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

describe('git behaviour', () => {
  before(async () => {
    server = await MariaDbServer.start();
  });
  after(async () => server?.destroy());

  it("leaves the user's staged and modified files elsewhere in the repository untouched", async () => {
    const { name, conn } = await freshDatabase();
    await conn.end();
    const repo = tempDir();
    git(repo, ['init', '-q', '--initial-branch=main']);
    writeFileSync(path.join(repo, 'app.txt'), 'version 1\n');
    git(repo, ['add', 'app.txt']);
    git(repo, ['commit', '-q', '-m', 'user commit']);
    const userCommit = head(repo);

    writeFileSync(path.join(repo, 'notes.txt'), 'my notes\n');
    git(repo, ['add', 'notes.txt']);
    writeFileSync(path.join(repo, 'app.txt'), 'version 2, not staged\n');

    const r = cli(['sync'], syncEnv(name, repo));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^committed [0-9a-f]{12}: /);

    assert.equal(commitCount(repo), 2);
    assert.equal(head(repo, 'HEAD~1'), userCommit, 'the snapshot commit sits on top of the user commit');
    const paths = lines(git(repo, ['diff-tree', '--no-commit-id', '-r', '--name-only', 'HEAD']));
    assert.ok(paths.length > 0, 'the snapshot commit has files');
    assert.ok(paths.includes('database/data/items.sql'), `items data file committed: ${paths.join(', ')}`);
    for (const p of paths) assert.ok(p.startsWith('database/'), `committed path outside the snapshot folder: ${p}`);

    assert.deepEqual(lines(git(repo, ['diff', '--cached', '--name-only'])), ['notes.txt'], 'notes.txt still staged, nothing else');
    assert.deepEqual(lines(git(repo, ['diff', '--name-only'])), ['app.txt'], 'app.txt still modified, not staged');
    assert.equal(readFileSync(path.join(repo, 'app.txt'), 'utf8'), 'version 2, not staged\n');
    assert.equal(readFileSync(path.join(repo, 'notes.txt'), 'utf8'), 'my notes\n');
    assert.equal(git(repo, ['show', 'HEAD:app.txt']), 'version 1\n', 'HEAD keeps the committed app.txt');
    const tree = lines(git(repo, ['ls-tree', '-r', '--name-only', 'HEAD']));
    assert.ok(!tree.includes('notes.txt'), "HEAD's tree has no notes.txt");
    assert.ok(tree.includes('app.txt'));
  });

  it('creates the repository in an empty folder without any git identity, with a configurable author', async () => {
    const { name, conn } = await freshDatabase();
    const repo = tempDir();
    assert.equal(existsSync(path.join(repo, '.git')), false);
    // No identity anywhere: baseEnv points the global config at /dev/null and has no GIT_* variables.
    const env = syncEnv(name, repo);
    assert.equal(env.GIT_CONFIG_GLOBAL, '/dev/null');
    assert.equal(env.GIT_AUTHOR_NAME, undefined);

    const first = cli(['sync'], env);
    assert.equal(first.code, 0, first.stderr);
    assert.ok(existsSync(path.join(repo, '.git')), 'repository created');
    assert.equal(git(repo, ['symbolic-ref', '--short', 'HEAD']).trim(), 'main');
    assert.equal(commitCount(repo), 1);
    assert.equal(git(repo, ['log', '-1', '--format=%an <%ae>|%cn <%ce>']).trim(), 'git-dbsync <git-dbsync@localhost>|git-dbsync <git-dbsync@localhost>');

    await conn.query("INSERT INTO items VALUES (3, 'three')");
    await conn.end();
    const second = cli(['sync'], syncEnv(name, repo, { DBSYNC_AUTHOR_NAME: 'Snapshot Bot', DBSYNC_AUTHOR_EMAIL: 'bot@example.org' }));
    assert.equal(second.code, 0, second.stderr);
    assert.equal(commitCount(repo), 2);
    assert.equal(git(repo, ['log', '-1', '--format=%an <%ae>|%cn <%ce>']).trim(), 'Snapshot Bot <bot@example.org>|Snapshot Bot <bot@example.org>');
    assert.equal(git(repo, ['log', '-1', '--skip=1', '--format=%an <%ae>']).trim(), 'git-dbsync <git-dbsync@localhost>', 'the first commit keeps its author');
  });

  it('pushes to a local bare remote', async () => {
    const { name, conn } = await freshDatabase();
    await conn.end();
    const repo = tempDir();
    const bare = bareRepo();
    const r = cli(['sync'], syncEnv(name, repo, { GIT_REMOTE_URL: bare }));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^committed [0-9a-f]{12}: .*; pushed to origin\/main$/m);
    assert.equal(git(repo, ['remote', 'get-url', 'origin']).trim(), bare);
    assert.equal(head(bare, 'refs/heads/main'), head(repo));
    assert.equal(commitCount(repo), 1);
  });

  it('keeps a commit whose push failed and pushes it, with the later ones in order, once the remote is back', async () => {
    const { name, conn } = await freshDatabase();
    const repo = tempDir();
    const bare = bareRepo();
    const env = syncEnv(name, repo, { GIT_REMOTE_URL: bare });

    const first = cli(['sync'], env);
    assert.equal(first.code, 0, first.stderr);
    const pushedHead = head(repo);
    assert.equal(head(bare, 'refs/heads/main'), pushedHead);

    const away = bare + '.away';
    renameSync(bare, away);
    await conn.query("INSERT INTO items VALUES (3, 'three')");
    const second = cli(['sync'], env);
    assert.equal(second.code, 4, second.stderr + second.stdout);
    assert.match(second.stdout, /^committed [0-9a-f]{12}: .*; NOT PUSHED: push to origin failed: /m);
    assert.equal(commitCount(repo), 2, 'the commit is kept locally');

    await conn.query("UPDATE items SET label = 'TWO' WHERE id = 2");
    const third = cli(['sync'], env);
    assert.equal(third.code, 4, third.stderr + third.stdout);
    assert.match(third.stdout, /NOT PUSHED/);
    assert.equal(commitCount(repo), 3);

    const st = cli(['status', '--json'], env);
    assert.equal(st.code, 4, `commits not pushed: status exits 4 (${st.stderr})`);
    const status = JSON.parse(st.stdout) as {
      remote: { name: string; url: string; ahead: number | null; behind: number | null; error: string | null } | null;
      lastPush: { status: string; message: string } | null;
      database: { differs: boolean | null };
    };
    assert.ok(status.remote, 'status shows the remote');
    assert.equal(status.remote.url, bare);
    assert.equal(status.remote.ahead, 2, 'two commits wait to be pushed');
    assert.equal(status.remote.behind, 0);
    assert.match(status.remote.error ?? '', /cannot reach the remote/);
    assert.equal(status.lastPush?.status, 'failed');
    assert.match(status.lastPush?.message ?? '', /push to origin failed/);
    assert.equal(status.database.differs, false);

    // The remote comes back; nothing changed in the database, yet the waiting commits are pushed.
    renameSync(away, bare);
    assert.equal(head(bare, 'refs/heads/main'), pushedHead, 'the remote still has only the first commit');
    const fourth = cli(['sync'], env);
    assert.equal(fourth.code, 0, fourth.stderr + fourth.stdout);
    assert.equal(fourth.stdout.trim(), 'no changes; pushed to origin/main');
    assert.equal(commitCount(repo), 3, 'no new commit for an unchanged database');
    assert.equal(head(bare, 'refs/heads/main'), head(repo));
    assert.deepEqual(lines(git(bare, ['rev-list', 'refs/heads/main'])), lines(git(repo, ['rev-list', 'HEAD'])), 'all commits, in the same order');

    const fifth = cli(['sync'], env);
    assert.equal(fifth.code, 0, fifth.stderr);
    assert.equal(fifth.stdout.trim(), 'no changes');
    const after = JSON.parse(cli(['status', '--json'], env).stdout) as typeof status;
    assert.equal(after.remote?.ahead, 0);
    assert.equal(after.remote?.error, null);
    await conn.end();
  });

  it('retries a push that failed on the very first pass', async () => {
    const { name, conn } = await freshDatabase();
    await conn.end();
    const repo = tempDir();
    const bare = bareRepo();
    const away = bare + '.away';
    renameSync(bare, away);
    const env = syncEnv(name, repo, { GIT_REMOTE_URL: bare });

    const first = cli(['sync'], env);
    assert.equal(first.code, 4, first.stderr + first.stdout);
    assert.match(first.stdout, /^committed [0-9a-f]{12}: .*; NOT PUSHED: push to origin failed: /);
    assert.equal(commitCount(repo), 1);

    const st = cli(['status', '--json'], env);
    assert.equal(st.code, 4, `commits not pushed: status exits 4 (${st.stderr})`);
    const status = JSON.parse(st.stdout) as { remote: { ahead: number | null; error: string | null } | null; lastPush: { status: string } | null };
    assert.match(status.remote?.error ?? '', /cannot reach the remote/);
    assert.equal(status.lastPush?.status, 'failed');

    renameSync(away, bare);
    const second = cli(['sync'], env);
    assert.equal(second.code, 0, second.stderr + second.stdout);
    assert.equal(second.stdout.trim(), 'no changes; pushed to origin/main');
    assert.equal(head(bare, 'refs/heads/main'), head(repo));
  });

  it('never overwrites a remote that has commits this computer lacks', async () => {
    const { name, conn } = await freshDatabase();
    const repo = tempDir();
    const bare = bareRepo();
    const env = syncEnv(name, repo, { GIT_REMOTE_URL: bare });
    const first = cli(['sync'], env);
    assert.equal(first.code, 0, first.stderr);
    const base = head(repo);

    // Someone else pushes a commit from another clone.
    const other = path.join(tempDir(), 'other');
    git(path.dirname(other), ['clone', '-q', bare, other]);
    writeFileSync(path.join(other, 'theirs.txt'), 'from elsewhere\n');
    git(other, ['add', 'theirs.txt']);
    git(other, ['commit', '-q', '-m', 'their commit']);
    git(other, ['push', '-q', 'origin', 'main']);
    const theirs = head(other);
    assert.equal(head(bare, 'refs/heads/main'), theirs);

    await conn.query("INSERT INTO items VALUES (3, 'three')");
    await conn.end();
    const r = cli(['sync'], env);
    assert.equal(r.code, 4, r.stderr + r.stdout);
    assert.match(r.stdout, /NOT PUSHED: origin\/main has commits this computer lacks; nothing was overwritten/);
    assert.equal(head(bare, 'refs/heads/main'), theirs, 'the remote branch is unchanged');
    assert.equal(commitCount(repo), 2, 'the local commit is kept');
    assert.equal(head(repo, 'HEAD~1'), base);
    assert.notEqual(head(repo), theirs);
    assert.match(lastSubject(repo), /items/);
    assert.ok(!lines(git(bare, ['rev-list', 'refs/heads/main'])).includes(head(repo)), 'the local commit is not on the remote branch');
    const ours = head(repo);

    const st = cli(['status', '--json'], env);
    assert.equal(st.code, 4, `commits not pushed: status exits 4 (${st.stderr})`);
    const status = JSON.parse(st.stdout) as {
      remote: { ahead: number | null; behind: number | null; error: string | null } | null;
      lastPush: { status: string } | null;
    };
    assert.deepEqual(status.remote && { ahead: status.remote.ahead, behind: status.remote.behind, error: status.remote.error }, {
      ahead: 1,
      behind: 1,
      error: null,
    });
    assert.equal(status.lastPush?.status, 'diverged');

    // Another pass with nothing new still refuses to overwrite.
    const again = cli(['sync'], env);
    assert.equal(again.code, 4, again.stderr + again.stdout);
    assert.match(again.stdout, /^no changes; NOT PUSHED: .*has commits this computer lacks/);
    assert.equal(head(bare, 'refs/heads/main'), theirs);

    // As the message says: merge them, and the next pass pushes both.
    git(repo, ['pull', '-q', '--no-rebase', '--no-edit', 'origin', 'main']);
    const merged = head(repo);
    const afterMerge = cli(['sync'], env);
    assert.equal(afterMerge.code, 0, afterMerge.stderr + afterMerge.stdout);
    assert.equal(afterMerge.stdout.trim(), 'no changes; pushed to origin/main');
    assert.equal(head(bare, 'refs/heads/main'), merged);
    const remoteHistory = lines(git(bare, ['rev-list', 'refs/heads/main']));
    assert.ok(remoteHistory.includes(ours) && remoteHistory.includes(theirs), 'both lines of history are on the remote');
  });

  it('keeps an https token out of .git/config and out of its output', async () => {
    const { name, conn } = await freshDatabase();
    await conn.end();
    const repo = tempDir();
    const token = 's3cr3tT0ken';
    const env = syncEnv(name, repo, {
      GIT_REMOTE_URL: `https://user:${token}@127.0.0.1:9/x.git`,
      // Port 9 on this machine: nothing listens, so the push fails at once (no proxy in between).
      http_proxy: undefined,
      https_proxy: undefined,
      HTTP_PROXY: undefined,
      HTTPS_PROXY: undefined,
      ALL_PROXY: undefined,
      all_proxy: undefined,
    });
    const r = cli(['sync'], env);
    assert.equal(r.code, 4, r.stderr + r.stdout);
    assert.match(r.stdout, /NOT PUSHED: push to origin failed/);
    assert.equal(commitCount(repo), 1, 'committed locally');
    assert.ok(!r.stdout.includes(token), 'no token on stdout');
    assert.ok(!r.stderr.includes(token), 'no token on stderr');

    const config = readFileSync(path.join(repo, '.git', 'config'), 'utf8');
    assert.ok(!config.includes(token), '.git/config holds no token');
    assert.ok(!config.includes('user:'), '.git/config holds no user-info');
    assert.equal(git(repo, ['remote', 'get-url', 'origin']).trim(), 'https://127.0.0.1:9/x.git');
    for (const f of allFiles(path.join(repo, '.git'))) {
      assert.ok(!readFileSync(f).includes(token), `${path.relative(repo, f)} holds the token`);
    }

    const st = cli(['status', '--json'], env);
    assert.equal(st.code, 4, `commits not pushed: status exits 4 (${st.stderr})`);
    assert.ok(!st.stdout.includes(token) && !st.stderr.includes(token), 'no token in status output');
  });

  it('hands the token in the remote URL to git only when the server asks for it', async () => {
    const { name, conn } = await freshDatabase();
    await conn.end();
    const repo = tempDir();
    const token = 's3cr3tT0ken';
    // A server that wants Basic auth, then says the repository does not exist: enough to see what git sends.
    const seen: Array<string | undefined> = [];
    const srv = http.createServer((req, res) => {
      seen.push(req.headers.authorization);
      if (!req.headers.authorization) {
        res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="test"' }).end();
        return;
      }
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
    const port = (srv.address() as AddressInfo).port;
    try {
      const env = syncEnv(name, repo, {
        GIT_REMOTE_URL: `http://robot:${token}@127.0.0.1:${port}/x.git`,
        http_proxy: undefined,
        https_proxy: undefined,
        HTTP_PROXY: undefined,
        HTTPS_PROXY: undefined,
        ALL_PROXY: undefined,
        all_proxy: undefined,
      });
      const r = await cliInBackground(['sync'], env);
      assert.equal(r.code, 4, r.stderr + r.stdout);
      assert.match(r.stdout, /NOT PUSHED: push to origin failed/);
      assert.ok(seen.length >= 2, `git asked without and then with credentials (${seen.length} requests)`);
      assert.equal(seen[0], undefined, 'the first request carries no credentials');
      assert.ok(seen.includes('Basic ' + Buffer.from(`robot:${token}`).toString('base64')), 'git sent the user and token from GIT_REMOTE_URL');
      assert.ok(!r.stdout.includes(token) && !r.stderr.includes(token), 'no token in the output');
      assert.equal(git(repo, ['remote', 'get-url', 'origin']).trim(), `http://127.0.0.1:${port}/x.git`);
      assert.ok(!readFileSync(path.join(repo, '.git', 'config'), 'utf8').includes(token), '.git/config holds no token');
    } finally {
      await new Promise((resolve) => srv.close(resolve));
    }
  });

  it('gives up with exit 3 while another process holds the repository lock', async () => {
    const { name, conn } = await freshDatabase();
    const repo = tempDir();
    const env = syncEnv(name, repo, { DBSYNC_LOCK_TIMEOUT: '1' });
    const first = cli(['sync'], env);
    assert.equal(first.code, 0, first.stderr);
    await conn.query("INSERT INTO items VALUES (3, 'three')");
    await conn.end();

    const lockDir = path.join(repo, '.git', 'dbsync', 'run.lock');
    mkdirSync(lockDir);
    const started = Date.now();
    const r = cli(['sync'], env);
    assert.equal(r.code, 3, r.stderr + r.stdout);
    assert.match(r.stderr, /another git-dbsync process is working on this repository/);
    assert.ok(Date.now() - started >= 900, 'it waited for the lock timeout');
    assert.equal(commitCount(repo), 1, 'nothing committed while locked');
    assert.ok(statSync(lockDir).isDirectory(), "the other process's lock is left alone");

    rmSync(lockDir, { recursive: true });
    const again = cli(['sync'], env);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /^committed /);
    assert.equal(commitCount(repo), 2);
    assert.equal(existsSync(lockDir), false, 'the lock is released after the pass');
  });

  it('gives up with exit 3 while another session holds the database lock', async () => {
    const { name, conn } = await freshDatabase();
    const repo = tempDir();
    const env = syncEnv(name, repo, { DBSYNC_LOCK_TIMEOUT: '1' });
    const lockName = 'git-dbsync:' + createHash('sha256').update(name).digest('hex').slice(0, 40);
    const [rows] = await conn.query('SELECT GET_LOCK(?, 0) AS got', [lockName]);
    assert.equal(String((rows as Array<{ got: unknown }>)[0]?.got), '1');

    const r = cli(['sync'], env);
    assert.equal(r.code, 3, r.stderr + r.stdout);
    assert.match(r.stderr, /another git-dbsync process is working on this database/);
    assert.equal(commitCount(repo), 0, 'nothing committed while locked');
    assert.equal(existsSync(path.join(repo, '.git', 'dbsync', 'run.lock')), false, 'the repository lock is given back');

    await conn.query('SELECT RELEASE_LOCK(?)', [lockName]);
    const again = cli(['sync'], env);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(commitCount(repo), 1);
    await conn.end();
  });

  it('runs two syncs started at once one after the other, with one commit for one change', async () => {
    const { name, conn } = await freshDatabase();
    const repo = tempDir();
    const env = syncEnv(name, repo);
    const first = cli(['sync'], env);
    assert.equal(first.code, 0, first.stderr);
    await conn.query("INSERT INTO items VALUES (3, 'three')");
    await conn.end();

    const results = await Promise.all([cliInBackground(['sync'], env), cliInBackground(['sync'], env)]);
    for (const r of results) assert.equal(r.code, 0, r.stderr + r.stdout);
    const outs = results.map((r) => r.stdout.trim()).sort();
    assert.match(outs[0]!, /^committed [0-9a-f]{12}: /);
    assert.equal(outs[1], 'no changes');
    assert.equal(commitCount(repo), 2, 'exactly one commit for the one change');
    assert.deepEqual(lines(git(repo, ['status', '--porcelain'])), [], 'working tree clean');
  });

  it('runs two syncs started at once in an empty folder: one repository, one commit', async () => {
    const { name, conn } = await freshDatabase();
    await conn.end();
    const repo = tempDir();
    const env = syncEnv(name, repo);
    const results = await Promise.all([cliInBackground(['sync'], env), cliInBackground(['sync'], env)]);
    for (const r of results) assert.equal(r.code, 0, r.stderr + r.stdout);
    const outs = results.map((r) => r.stdout.trim()).sort();
    assert.match(outs[0]!, /^committed [0-9a-f]{12}: /);
    assert.equal(outs[1], 'no changes');
    assert.equal(commitCount(repo), 1);
  });

  it('creates one repository when eight git inits run at once, and leaves no staging folder', async () => {
    // The race behind the CI failure of 2026-12-04 ("cannot copy ... pre-commit.sample ... File exists"),
    // made far more likely than two syncs make it: eight `git init` at once, five times.
    for (let round = 0; round < 5; round++) {
      const dir = tempDir();
      const env = baseEnv();
      await Promise.all(Array.from({ length: 8 }, () => createRepository(dir, env, { username: undefined, token: undefined })));
      assert.deepEqual(readdirSync(dir), ['.git'], 'only .git is left in the folder');
      assert.equal(git(dir, ['rev-parse', '--show-toplevel']).trim(), dir);
      assert.equal(git(dir, ['symbolic-ref', 'HEAD']).trim(), 'refs/heads/main');
      git(dir, ['fsck', '--no-progress']);
    }
  });
});
