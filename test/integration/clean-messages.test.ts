/**
 * Issue 11's smaller items, end to end: `status` exit codes (0 healthy, 1 database unreachable or
 * failing passes, 4 not pushed), and one clean line instead of "unexpected error" or a misleading
 * hint for a `%zz` in a URL token, a deleted working directory, failing commit signing and a
 * database that does not exist. Real MariaDB, real git.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { renameSync } from 'node:fs';
import path from 'node:path';
import { MariaDbServer } from '../support/mariadb-server.js';
import { bareRemote } from '../support/computers.js';
import { baseEnv, CLI, cli, commitCount, git, tempDir, type CliResult } from '../support/project.js';

let server: MariaDbServer;
let seq = 0;

async function database(): Promise<string> {
  const db = `msg${++seq}`;
  const c = await server.connect(db);
  await c.query('CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(20)); INSERT INTO t VALUES (1, "one")');
  await c.end();
  return db;
}

/** The only line on stderr: a git-dbsync error line, never "unexpected error". */
function oneLine(r: CliResult): string {
  const lines = r.stderr.split('\n').filter((l) => l.length > 0);
  assert.equal(lines.length, 1, `one line on stderr:\n${r.stderr}`);
  assert.match(lines[0]!, /^git-dbsync: /);
  assert.doesNotMatch(lines[0]!, /unexpected error|please report/);
  return lines[0]!;
}

describe('clean messages and status exit codes (issue 11)', () => {
  before(async () => {
    server = await MariaDbServer.start();
  });
  after(async () => server?.destroy());

  it('status: 0 healthy, 4 commits not pushed, 1 database unreachable, 1 after a failing pass until one succeeds', async () => {
    const db = await database();
    const dir = tempDir();
    const remote = bareRemote();
    const env = baseEnv({ ...server.env(db), PROJECT_DIR: dir, GIT_REMOTE_URL: remote });
    assert.equal(cli(['sync'], env).code, 0);
    const healthy = cli(['status'], env);
    assert.equal(healthy.code, 0, healthy.stdout + healthy.stderr);

    // The remote goes away: the next commit stays local.
    renameSync(remote, remote + '.away');
    const c = await server.connect(db);
    await c.query('INSERT INTO t VALUES (2, "two")');
    await c.end();
    assert.equal(cli(['sync'], env).code, 4);
    const unpushed = cli(['status', '--json'], env);
    assert.equal(unpushed.code, 4, unpushed.stdout);
    assert.equal((JSON.parse(unpushed.stdout) as { remote: { ahead: number | null } }).remote.ahead, 1);
    renameSync(remote + '.away', remote);
    assert.equal(cli(['sync'], env).code, 0, 'pushed again');
    assert.equal(cli(['status'], env).code, 0);

    // The database cannot be reached (wrong port): status says so and exits 1.
    const down = cli(['status'], { ...env, DB_SOCKET: path.join(tempDir(), 'none.sock') });
    assert.equal(down.code, 1, down.stdout);
    assert.match(down.stdout, /unreachable/);

    // A pass fails (a user that does not exist): recorded; status exits 1 until a pass succeeds.
    assert.equal(cli(['sync'], { ...env, DB_USER: 'nobody_here' }).code, 1);
    const failing = cli(['status'], env);
    assert.equal(failing.code, 1, failing.stdout);
    assert.match(failing.stdout, /last error \(.*1 in a row\)/);
    assert.equal(cli(['sync'], env).code, 0);
    assert.equal(cli(['status'], env).code, 0);
  });

  it('a %zz in a URL token is one configuration line, not "unexpected error"', async () => {
    const db = await database();
    const dir = tempDir();
    const r = cli(['sync'], baseEnv({ ...server.env(db), PROJECT_DIR: dir, GIT_REMOTE_URL: 'https://robot:ab%zzcd@example.com/r.git' }));
    assert.equal(r.code, 2);
    const line = oneLine(r);
    assert.match(
      line,
      /GIT_REMOTE_URL: the password or token in the URL is not valid percent-encoding \(a % must be followed by two hex digits; write a literal % as %25\)/,
    );
    assert.ok(!line.includes('ab%zzcd'), 'the token is not echoed');
  });

  it('a deleted working directory is named as such', async () => {
    const db = await database();
    const gone = path.join(tempDir(), 'gone');
    const env = baseEnv({ ...server.env(db), PROJECT_DIR: path.join(tempDir(), 'p') });
    const r = spawnSync('sh', ['-c', 'mkdir "$1" && cd "$1" && rmdir "$1" && exec "$2" "$3" sync', 'sh', gone, process.execPath, CLI], {
      env,
      encoding: 'utf8',
    });
    const res = { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
    assert.equal(res.code, 2, res.stderr);
    assert.match(oneLine(res), /^git-dbsync: start: the current folder no longer exists .* -- cd to an existing folder/);
  });

  it('failing commit signing (commit.gpgsign) says so, and nothing is committed', async () => {
    const db = await database();
    const dir = tempDir();
    git(dir, ['init', '-q', '--initial-branch=main']);
    git(dir, ['config', 'commit.gpgsign', 'true']);
    git(dir, ['config', 'gpg.program', 'false']);
    const r = cli(['sync'], baseEnv({ ...server.env(db), PROJECT_DIR: dir }));
    assert.equal(r.code, 1);
    assert.match(
      oneLine(r),
      /^git-dbsync: commit snapshot: gpg failed to sign the data -- this repository signs commits \(commit\.gpgsign\) and signing failed: .*git config commit\.gpgsign false/,
    );
    assert.equal(commitCount(dir), 0);
  });

  it('a database that does not exist is named as possibly missing, with the databases the user can see', async () => {
    const db = await database();
    const c = await server.connect();
    for (const host of ['localhost', '127.0.0.1']) {
      await c.query(`CREATE OR REPLACE USER 'limited'@'${host}' IDENTIFIED BY 'limited-pw-1'`);
      await c.query(`GRANT SELECT, LOCK TABLES, SHOW VIEW, TRIGGER, EVENT, EXECUTE ON \`${db}\`.* TO 'limited'@'${host}'`);
    }
    await c.end();
    const dir = tempDir();
    const r = cli(['sync'], baseEnv({ ...server.env(db + '_typo'), DB_USER: 'limited', DB_PASSWORD: 'limited-pw-1', PROJECT_DIR: dir }));
    assert.equal(r.code, 1);
    const line = oneLine(r);
    assert.match(line, new RegExp(`database "${db}_typo" does not exist, or user "limited" has no privilege on it \\(databases it can see: ${db}\\)`));
    assert.match(line, /-- check DB_NAME; if it is right, create the database, or grant access: GRANT/);
    assert.ok(!line.includes('limited-pw-1'));
  });
});
