/**
 * Remote-helper URLs (issue 13): `gcrypt::<address>` for an encrypted remote (git-remote-gcrypt,
 * installed by .ci/run, with a throwaway GnuPG key), and `<helper>::` addresses in general. The
 * remote holds only ciphertext (no row text in any of its objects); a clone through gcrypt with the
 * key gets the snapshot back; a scheme without a helper and a token in a helper address are refused
 * with one line (exit 2).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, chmodSync } from 'node:fs';
import path from 'node:path';
import { MariaDbServer } from '../support/mariadb-server.js';
import { baseEnv, cli, git, tempDir } from '../support/project.js';

const have = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const missing = ['git-remote-gcrypt', 'gpg'].filter((c) => !have(c));

describe('remote-helper URLs and an encrypted remote (issue 13)', {
  skip: missing.length ? `skipped: ${missing.join(', ')} not installed (.ci/run installs git-remote-gcrypt and gnupg)` : false,
}, () => {
  let server: MariaDbServer;
  let gnupg: string;
  before(async () => {
    gnupg = tempDir('dbsync-gnupg-');
    chmodSync(gnupg, 0o700);
    execFileSync('gpg', ['--batch', '--passphrase', '', '--quick-gen-key', 'git-dbsync test <test@example.invalid>', 'default', 'default', 'never'], {
      env: { ...process.env, GNUPGHOME: gnupg },
      stdio: 'ignore',
    });
    server = await MariaDbServer.start();
    const c = await server.connect('enc');
    await c.query("CREATE TABLE clients (id INT PRIMARY KEY, name VARCHAR(80)); INSERT INTO clients VALUES (1, 'Nordwind Trading Secretrow')");
    await c.end();
  });
  after(async () => {
    spawnSync('gpgconf', ['--kill', 'gpg-agent'], { env: { ...process.env, GNUPGHOME: gnupg } });
    await server?.destroy();
  });

  it('pushes only ciphertext to a gcrypt:: remote, and a clone with the key gets the snapshot back', async () => {
    const dir = tempDir();
    const bare = path.join(tempDir(), 'encrypted.git');
    git(path.dirname(bare), ['init', '-q', '--bare', bare]);
    const env = baseEnv({ ...server.env('enc'), PROJECT_DIR: dir, GNUPGHOME: gnupg, GIT_REMOTE_URL: `gcrypt::${bare}` });
    const first = cli(['sync'], env);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /pushed to origin\/main/);

    // Every object of the remote, decompressed by git itself: none holds the row's text.
    const objects = execFileSync('git', ['-C', bare, 'cat-file', '--batch-all-objects', '--batch'], { maxBuffer: 1 << 28 });
    assert.ok(objects.length > 0, 'the remote holds objects');
    assert.ok(!objects.includes(Buffer.from('Nordwind')), 'no row text on the remote');
    assert.ok(!objects.includes(Buffer.from('CREATE TABLE')), 'no schema text on the remote');

    const c = await server.connect('enc');
    await c.query("INSERT INTO clients VALUES (2, 'Cafe Zurich Secretrow')");
    await c.end();
    const second = cli(['sync'], env);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /pushed to origin\/main/);

    const clone = path.join(tempDir(), 'clone');
    execFileSync('git', ['clone', '-q', '-b', 'main', `gcrypt::${bare}`, clone], { env: { ...env, GNUPGHOME: gnupg }, stdio: 'pipe' });
    const data = readFileSync(path.join(clone, 'database', 'data', 'clients.sql'), 'utf8');
    assert.match(data, /Nordwind Trading Secretrow/);
    assert.match(data, /Cafe Zurich Secretrow/);
    assert.equal(git(clone, ['rev-parse', 'HEAD']).trim(), git(dir, ['rev-parse', 'HEAD']).trim());
  });

  it('refuses a scheme without a helper and a token inside a helper address, with one line', () => {
    const env = baseEnv({ ...server.env('enc'), PROJECT_DIR: tempDir() });
    const s3 = cli(['sync'], { ...env, GIT_REMOTE_URL: 's3://bucket/history' });
    assert.equal(s3.code, 2);
    assert.match(s3.stderr, /^git-dbsync: configuration: GIT_REMOTE_URL: unsupported scheme s3: \(no git-remote-s3 on PATH: install that remote helper/);
    const token = cli(['sync'], { ...env, GIT_REMOTE_URL: 'gcrypt::https://me:tok3n-XYZ@example.invalid/r.git' });
    assert.equal(token.code, 2);
    assert.match(token.stderr, /a password or token in a gcrypt:: address would be stored in \.git\/config; give it in DBSYNC_GIT_TOKEN instead/);
    assert.ok(!token.stderr.includes('tok3n-XYZ'), 'the token is not echoed');
  });

  it('names a missing helper when the remote is checked', () => {
    const r = cli(['remote', 'set', 'nosuchhelper::/tmp/x'], baseEnv({ PROJECT_DIR: tempDir() }));
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr.trim().split('\n').at(-1)!, /remote helper missing: git has no git-remote-nosuchhelper for this URL -- install it/);
  });
});
