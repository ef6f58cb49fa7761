/**
 * DBSYNC_TRUSTED_SIGNERS (issue 11): two computers in two-way mode sign their commits with their
 * own ssh keys (DBSYNC_SIGNING_KEY) and trust each other's (an allowed-signers file); a third
 * party with write access to the remote pushes an unsigned commit, then one signed by a key nobody
 * trusts. Each is refused (exit 5, one line naming the commit) before anything reaches the
 * database, on a pull and on a join; the trusted computers keep syncing with each other.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { MariaDbServer } from '../support/mariadb-server.js';
import { bareRemote, computers, type Computer } from '../support/computers.js';
import { baseEnv, cli, git, tempDir } from '../support/project.js';

function sshKey(dir: string, name: string): { key: string; pub: string } {
  const key = path.join(dir, name);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', key]);
  return { key, pub: readFileSync(`${key}.pub`, 'utf8').trim() };
}

describe('trusted signers (issue 11)', () => {
  const servers: MariaDbServer[] = [];
  let a: Computer;
  let b: Computer;
  let remote: string;
  let keys: string;
  let allowed: string;

  before(async () => {
    servers.push(await MariaDbServer.start(), await MariaDbServer.start());
    keys = tempDir('dbsync-keys-');
    const ka = sshKey(keys, 'computer-a');
    const kb = sshKey(keys, 'computer-b');
    allowed = path.join(keys, 'allowed_signers');
    writeFileSync(allowed, `computer-a namespaces="git" ${ka.pub}\ncomputer-b namespaces="git" ${kb.pub}\n`);
    remote = bareRemote();
    const pair = await computers(servers, 'sig', remote, { DBSYNC_TRUSTED_SIGNERS: allowed });
    a = pair[0]!;
    b = pair[1]!;
    a.env = { ...a.env, DBSYNC_SIGNING_KEY: ka.key };
    b.env = { ...b.env, DBSYNC_SIGNING_KEY: kb.key };
  });
  after(async () => {
    for (const c of [a, b]) await c?.close();
    for (const s of servers) await s.destroy();
  });

  it('signs every commit, accepts the trusted computers, refuses unsigned and untrusted commits before the database', async () => {
    mkdirSync(a.dir, { recursive: true }); // the first computer starts the history in its own folder
    await a.sql('CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(40))');
    await a.sql("INSERT INTO items VALUES (1, 'from a')");
    await a.sync();
    await b.sync(); // joins: clone, check every commit, restore
    assert.deepEqual(await b.rows('items'), await a.rows('items'));
    await b.sql("INSERT INTO items VALUES (2, 'from b')");
    await b.sync();
    await a.sync();
    assert.deepEqual(await a.rows('items'), await b.rows('items'));
    const sigs = git(a.dir, ['-c', `gpg.ssh.allowedSignersFile=${allowed}`, 'log', '--format=%G? %GS'])
      .trim()
      .split('\n');
    assert.ok(
      sigs.every((l) => /^G computer-[ab]$/.test(l)),
      `every commit signed by a trusted computer:\n${sigs.join('\n')}`,
    );

    // A third party with write access pushes an unsigned commit that changes a row.
    const intruder = path.join(tempDir(), 'intruder');
    git(path.dirname(intruder), ['clone', '-q', remote, intruder]);
    const data = path.join(intruder, 'database', 'data', 'items.sql');
    writeFileSync(data, readFileSync(data, 'utf8').replace("'from a'", "'tampered'"));
    git(intruder, ['-c', 'user.name=x', '-c', 'user.email=x@example.invalid', 'commit', '-q', '-am', 'items ~1']);
    const unsigned = git(intruder, ['rev-parse', 'HEAD']).trim();
    git(intruder, ['push', '-q', 'origin', 'HEAD:main']);
    const before = await a.rows('items');
    const r = await a.run(['sync']);
    assert.equal(r.code, 5, r.stderr);
    const line = r.stderr.trim().split('\n').at(-1)!;
    assert.match(
      line,
      new RegExp(
        `^git-dbsync: pull: commit ${unsigned.slice(0, 12)} from origin/main is not signed; nothing was merged into the database -- find out who pushed it`,
      ),
    );
    assert.deepEqual(await a.rows('items'), before, 'the database is untouched');

    // Signed, but by a key nobody trusts.
    const stranger = sshKey(keys, 'stranger');
    writeFileSync(data, readFileSync(data, 'utf8').replace("'tampered'", "'tampered again'"));
    git(intruder, [
      '-c',
      'user.name=x',
      '-c',
      'user.email=x@example.invalid',
      '-c',
      'gpg.format=ssh',
      '-c',
      `user.signingKey=${stranger.key}`,
      'commit',
      '-q',
      '-S',
      '-am',
      'items ~1',
    ]);
    git(intruder, ['push', '-q', 'origin', 'HEAD:main']);
    const r2 = await b.run(['sync']);
    assert.equal(r2.code, 5, r2.stderr);
    assert.match(r2.stderr, /is not signed \(and 1 more of the 2 incoming commit\(s\)|signed by a key that is not in DBSYNC_TRUSTED_SIGNERS/);
    assert.ok(!(await b.rows('items')).some((row) => row.includes('tampered')), 'b untouched');

    // A new computer joining that remote refuses it too, and its database stays empty.
    const c3 = (await computers([servers[1]!], 'sig_new', remote, { DBSYNC_TRUSTED_SIGNERS: allowed, DBSYNC_SIGNING_KEY: path.join(keys, 'computer-b') }))[0]!;
    const j = await c3.run(['sync']);
    assert.equal(j.code, 5, j.stderr);
    assert.match(j.stderr, /^git-dbsync: join: commit [0-9a-f]{12} from the cloned remote is (not signed|signed by a key)/m);
    assert.deepEqual(await c3.sql<unknown[]>("SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'sig_new'"), [], 'nothing restored');
    await c3.close();
  });

  it('refuses trusted signers without a signing key (exit 2)', () => {
    const r = cli(['sync'], baseEnv({ ...servers[0]!.env('sig'), PROJECT_DIR: tempDir(), DBSYNC_MODE: 'two-way', DBSYNC_TRUSTED_SIGNERS: allowed }));
    assert.equal(r.code, 2);
    assert.match(r.stderr, /DBSYNC_TRUSTED_SIGNERS is set but DBSYNC_SIGNING_KEY is not/);
  });
});
