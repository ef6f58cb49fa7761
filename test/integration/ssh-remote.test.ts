/**
 * `remote set` and `sync` against a real OpenSSH server on loopback (Debian's sshd, throwaway host
 * and user keys): a good remote is reached, written and left as it was; each way an ssh remote can
 * fail gives its own one-line message; a snapshot is pushed over ssh. Real sshd, git and MariaDB.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { freePort, MariaDbServer } from '../support/mariadb-server.js';
import { allCommandLines } from '../support/background.js';
import { baseEnv, cliAsync, git, runCli, tempDir, type CliResult } from '../support/project.js';
import { newKey, SshServer, sshUnavailable } from '../support/ssh-server.js';

const unavailable = sshUnavailable();
if (unavailable) console.log(`# SKIPPED ssh-remote tests: ${unavailable}`);

/** The one error line on stderr (the CLI prints nothing else there without warnings). */
function errorLine(r: CliResult): string {
  const lines = r.stderr.split('\n').filter((l) => l.length > 0);
  assert.equal(lines.length, 1, `exactly one line on stderr:\n${r.stderr}`);
  return lines[0]!;
}

/** Every ref of a bare repository: "<sha> <name>" lines. */
function refs(bare: string): string {
  return git(bare, ['for-each-ref', '--format=%(objectname) %(refname)']);
}

describe('ssh remote', { skip: unavailable ?? false }, () => {
  let sshd: SshServer;
  let db: MariaDbServer;
  let good: string;

  before(async () => {
    [sshd, db] = await Promise.all([SshServer.start(), MariaDbServer.start()]);
    good = sshd.bareRepo('remote.git');
    const c = await db.connect('shop');
    await c.query("CREATE TABLE items (id INT PRIMARY KEY, label VARCHAR(50)) ENGINE=InnoDB; INSERT INTO items VALUES (1, 'one')");
    await c.end();
  });

  after(async () => {
    // Both stopped even when a test (or the other start) failed.
    await Promise.allSettled([sshd?.stop(), db?.destroy()]);
  });

  /** `git-dbsync remote set URL` in a new project folder (no database settings needed). */
  async function remoteSet(url: string, extra: Record<string, string> = {}): Promise<CliResult & { dir: string }> {
    const dir = tempDir();
    const r = await runCli(['remote', 'set', url], baseEnv({ PROJECT_DIR: dir, ...sshd.clientEnv(), ...extra }));
    return { ...r, dir };
  }

  it('remote set: a good ssh remote is saved, reached and written, and left exactly as it was', async () => {
    // A branch on the remote, to see that the check leaves branches alone.
    const seed = tempDir();
    git(seed, ['init', '-q', '--initial-branch=main']);
    git(seed, ['commit', '-q', '--allow-empty', '-m', 'seed']);
    git(seed, ['push', '-q', good, 'main']);
    const before = refs(good);

    const r = await remoteSet(sshd.url(good));
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.equal(
      r.stdout.trim(),
      `remote origin set to ${sshd.url(good)}: reachable and writable (1 branch; probe ref under refs/dbsync-probe/ pushed and deleted)`,
    );
    assert.equal(r.stderr, '');
    assert.equal(git(r.dir, ['remote', 'get-url', 'origin']).trim(), sshd.url(good));
    assert.equal(refs(good), before, 'the remote has the same refs as before: the probe ref is gone, main untouched');
    assert.match(sshd.log, /Accepted publickey for root/, 'the check really logged in over ssh');

    const show = await runCli(['remote', 'show'], baseEnv({ PROJECT_DIR: r.dir, ...sshd.clientEnv() }));
    assert.equal(show.code, 0, show.stderr);
    assert.equal(show.stdout.trim(), `origin ${sshd.url(good)}: reachable (1 branch)`);
    git(good, ['update-ref', '-d', 'refs/heads/main']);
  });

  it('remote set: nothing listening on the port is "host unreachable"', async () => {
    const r = await remoteSet(sshd.url(good, await freePort()));
    assert.equal(r.code, 1, r.stderr);
    assert.match(
      errorLine(r),
      /^git-dbsync: check remote origin: host unreachable: ssh: connect to host 127\.0\.0\.1 port \d+: Connection refused -- check the host name and port/,
    );
    assert.match(r.stdout, /^remote origin set to ssh:/, 'the remote is saved all the same');
  });

  it('remote set: a key the server does not accept is "key refused"', async () => {
    const other = newKey(path.join(tempDir(), 'id_other'));
    const r = await remoteSet(sshd.url(good), { DBSYNC_SSH_KEY: other });
    assert.equal(r.code, 1, r.stderr);
    assert.match(
      errorLine(r),
      /^git-dbsync: check remote origin: key refused: root@127\.0\.0\.1: Permission denied \(publickey\)\. -- add this computer's public key .* DBSYNC_SSH_KEY/,
    );
  });

  it('remote set: an accepted key in a file others can read is named with the fix', async () => {
    // ssh reads the private key only once the server accepts its public half: the right key, copied with 0644.
    const key = path.join(tempDir(), 'id_open');
    copyFileSync(sshd.userKey, key);
    copyFileSync(sshd.userKey + '.pub', key + '.pub');
    chmodSync(key, 0o644);
    const r = await remoteSet(sshd.url(good), { DBSYNC_SSH_KEY: key });
    assert.equal(r.code, 1, r.stderr);
    assert.match(
      errorLine(r),
      new RegExp(`key refused: ssh ignored the private key ${key} because its permissions \\(0644\\) are too open -- chmod 600 ${key}`),
    );
  });

  it('remote set: a host missing from known_hosts is "host key unknown", with the ssh-keyscan line', async () => {
    const empty = path.join(tempDir(), 'known_hosts');
    writeFileSync(empty, '');
    const r = await remoteSet(sshd.url(good), { DBSYNC_SSH_KNOWN_HOSTS: empty });
    assert.equal(r.code, 1, r.stderr);
    assert.match(
      errorLine(r),
      new RegExp(
        `check remote origin: host key unknown: 127\\.0\\.0\\.1 port ${sshd.port} is not in known_hosts -- .*ssh-keyscan -p ${sshd.port} 127\\.0\\.0\\.1 >> ~/\\.ssh/known_hosts`,
      ),
    );
  });

  it('remote set: a host key other than the known one is "host key changed"', async () => {
    const wrong = path.join(tempDir(), 'known_hosts');
    const otherHost = newKey(path.join(path.dirname(wrong), 'other_host'));
    writeFileSync(
      wrong,
      `[127.0.0.1]:${sshd.port} ${readFileSync(otherHost + '.pub', 'utf8')
        .split(' ')
        .slice(0, 2)
        .join(' ')}\n`,
    );
    const r = await remoteSet(sshd.url(good), { DBSYNC_SSH_KNOWN_HOSTS: wrong });
    assert.equal(r.code, 1, r.stderr);
    assert.match(
      errorLine(r),
      new RegExp(`host key changed: .* -- if the server was reinstalled, remove the old key \\(ssh-keygen -R "\\[127\\.0\\.0\\.1\\]:${sshd.port}"\\)`),
    );
  });

  it('remote set: a path with no repository is "repository missing"', async () => {
    const missing = path.join(sshd.dir, 'missing.git');
    const r = await remoteSet(sshd.url(missing));
    assert.equal(r.code, 1, r.stderr);
    assert.match(
      errorLine(r),
      new RegExp(`check remote origin: repository missing: '${missing}' does not appear to be a git repository -- create the repository on the server first`),
    );
  });

  it('remote set: a repository that refuses pushes is "cannot write", and keeps no probe ref', async () => {
    const readOnly = sshd.bareRepo('read-only.git');
    // Tests run as root, so file permissions cannot stop the write: a server-side hook refuses it.
    const hook = path.join(readOnly, 'hooks', 'pre-receive');
    writeFileSync(hook, '#!/bin/sh\necho "this repository is read-only" >&2\nexit 1\n');
    chmodSync(hook, 0o755);
    const r = await remoteSet(sshd.url(readOnly));
    assert.equal(r.code, 1, r.stderr);
    assert.match(
      errorLine(r),
      /check remote origin: cannot write to the repository: pre-receive hook declined \(remote: this repository is read-only\) -- give the key or token write access/,
    );
    assert.equal(refs(readOnly), '', 'no ref was created');
  });

  it('remote set: a malformed URL exits 2 before anything is touched', async () => {
    const r = await remoteSet('ssh://');
    assert.equal(r.code, 2, r.stderr);
    assert.match(errorLine(r), /^git-dbsync: configuration: URL: the URL names no host/);
    assert.equal(existsSync(path.join(r.dir, '.git')), false, 'no repository was created');
  });

  it('sync pushes a snapshot over ssh', async () => {
    const dir = tempDir();
    const env = baseEnv({ ...db.env('shop'), PROJECT_DIR: dir, GIT_REMOTE_URL: sshd.url(good), ...sshd.clientEnv() });
    const r = await runCli(['sync'], env);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /^committed [0-9a-f]{12}: .*; pushed to origin\/main$/m);
    const local = git(dir, ['rev-parse', 'HEAD']).trim();
    assert.equal(git(good, ['rev-parse', 'refs/heads/main']).trim(), local, 'the bare remote has the commit');
    assert.match(git(good, ['show', 'main:database/data/items.sql']), /INSERT INTO `items` VALUES \(1,'one'\);/);
  });

  it('a password in an ssh:// URL stays out of .git/config and every command line (issue 11)', async () => {
    const dir = tempDir();
    const password = 'SshUrlPassw0rd-Kq81';
    const repo = sshd.bareRepo('password.git');
    const url = sshd.url(repo).replace('@', `:${password}@`);
    const env = baseEnv({ ...db.env('shop'), PROJECT_DIR: dir, GIT_REMOTE_URL: url, ...sshd.clientEnv() });
    const child = cliAsync(['sync'], env);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const done = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)));
    let finished = false;
    void done.then(() => (finished = true));
    const leaks: string[] = [];
    let samples = 0;
    while (!finished) {
      for (const { pid, cmdline } of allCommandLines()) if (cmdline.includes(password)) leaks.push(`pid ${pid}: ${cmdline}`);
      samples++;
      await new Promise((r) => setTimeout(r, 5));
    }
    assert.equal(await done, 0, stderr);
    assert.ok(samples > 3, `${samples} samples`);
    assert.deepEqual(leaks, [], 'the password is on no command line');
    assert.match(stdout, /pushed to origin\/main/, 'the key still logs in');
    assert.match(stderr, /the password in the ssh:\/\/ URL is not used and is stored nowhere/);
    assert.ok(!stderr.includes(password) && !stdout.includes(password));
    assert.ok(!readFileSync(path.join(dir, '.git', 'config'), 'utf8').includes(password), '.git/config holds no password');
    assert.equal(git(dir, ['remote', 'get-url', 'origin']).trim(), sshd.url(repo));
  });
});
