/**
 * Issue 11, "push only where told": git-dbsync pushes only to a remote named by GIT_REMOTE_URL or
 * `remote set` (recorded as dbsync.remote in .git/config), never to an `origin` that merely exists;
 * and with PROJECT_DIR unset it refuses to take over the repository of the current folder when that
 * holds other files. Oracles: the bare remotes' refs (git's own view) and the clone's history.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { MariaDbServer } from '../support/mariadb-server.js';
import { bareRemote } from '../support/computers.js';
import { baseEnv, cli, commitCount, git, tempDir } from '../support/project.js';

let server: MariaDbServer;
let seq = 0;

async function database(): Promise<string> {
  const db = `push${++seq}`;
  const c = await server.connect();
  await c.query(`CREATE DATABASE \`${db}\``);
  await c.query(`CREATE TABLE \`${db}\`.invoices (id INT PRIMARY KEY, total DECIMAL(8,2)); INSERT INTO \`${db}\`.invoices VALUES (1, 10.00)`);
  await c.end();
  return db;
}

/** Every ref of a (bare) repository: equal before and after, nothing was pushed there. */
function refs(repo: string): string {
  return git(repo, ['for-each-ref', '--format=%(refname) %(objectname)']);
}

/** A bare remote holding someone's code, and a clone of it (origin = that remote). */
function codeClone(): { remote: string; clone: string } {
  const remote = bareRemote();
  const seed = path.join(tempDir('dbsync-seed-'), 'seed');
  git(path.dirname(seed), ['clone', '-q', remote, seed]);
  mkdirSync(path.join(seed, 'src'));
  writeFileSync(path.join(seed, 'src', 'app.ts'), 'export const app = 1;\n');
  writeFileSync(path.join(seed, 'README.md'), '# app\n');
  git(seed, ['add', '-A']);
  git(seed, ['commit', '-qm', 'code']);
  git(seed, ['push', '-q', 'origin', 'HEAD:main']);
  const clone = path.join(tempDir('dbsync-clone-'), 'app');
  git(path.dirname(clone), ['clone', '-q', remote, clone]);
  return { remote, clone };
}

describe('push only where told (issue 11)', () => {
  before(async () => {
    server = await MariaDbServer.start();
  });
  after(async () => server?.destroy());

  it('PROJECT_DIR unset inside a clone of a code repository: refused, nothing committed or pushed', async () => {
    const db = await database();
    const { remote, clone } = codeClone();
    const before = refs(remote);
    const r = cli(['sync'], baseEnv(server.env(db)), { cwd: path.join(clone, 'src') });
    assert.equal(r.code, 2, r.stderr);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(
      lines[0]!,
      /^git-dbsync: open project: PROJECT_DIR is not set, and the current folder is inside the git repository .*app, which holds other files \(README\.md, src\/app\.ts\); git-dbsync would commit the database into it -- set PROJECT_DIR .* run `git-dbsync hook install` here first$/,
    );
    assert.equal(commitCount(clone), 1, 'nothing committed');
    assert.equal(git(clone, ['status', '--porcelain', '--untracked-files=all']), '', 'nothing written');
    assert.equal(refs(remote), before, 'nothing pushed');
    // `status` is refused the same way (it would fetch from that origin).
    assert.equal(cli(['status'], baseEnv(server.env(db)), { cwd: clone }).code, 2);
  });

  it('after `hook install` it runs there, but still never pushes to the origin it was not told about', async () => {
    const db = await database();
    const { remote, clone } = codeClone();
    const before = refs(remote);
    const env = baseEnv(server.env(db));
    const hook = cli(['hook', 'install'], env, { cwd: clone });
    assert.equal(hook.code, 0, hook.stderr);
    const r = cli(['sync'], env, { cwd: clone });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^committed [0-9a-f]{12}/);
    assert.doesNotMatch(r.stdout, /pushed/);
    assert.match(
      r.stderr,
      /remote origin was not named to git-dbsync .* nothing is pushed to it or pulled from it -- to back up there, run `git-dbsync remote set`/,
    );
    assert.equal(refs(remote), before, "nothing pushed to the clone's origin");
  });

  it('a remote named by `remote set` is recorded (dbsync.remote) and pushed to without GIT_REMOTE_URL', async () => {
    const db = await database();
    const remote = bareRemote();
    const dir = path.join(tempDir('dbsync-project-'), 'p');
    // A clone of an empty remote: origin exists, but nobody named it to git-dbsync.
    git(path.dirname(dir), ['clone', '-q', remote, dir]);
    const env = baseEnv({ ...server.env(db), PROJECT_DIR: dir });
    const first = cli(['sync'], env);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(refs(remote), '', 'not pushed to an origin nobody named');
    const set = cli(['remote', 'set', remote], env);
    assert.equal(set.code, 0, set.stderr);
    assert.equal(git(dir, ['config', '--get', 'dbsync.remote']).trim(), 'origin');
    const second = cli(['sync'], env);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /pushed to origin\/main/);
    assert.match(refs(remote), /^refs\/heads\/main /);
  });

  it('migration: a repository whose origin an earlier version made from GIT_REMOTE_URL keeps pushing without it', async () => {
    const db = await database();
    const remote = bareRemote();
    const dir = path.join(tempDir('dbsync-project-'), 'p');
    const env = baseEnv({ ...server.env(db), PROJECT_DIR: dir });
    mkdirSync(dir);
    assert.equal(cli(['sync'], { ...env, GIT_REMOTE_URL: remote }).code, 0);
    assert.equal(git(dir, ['config', '--get', 'dbsync.remote']).trim(), 'origin');
    // What an earlier version left: origin and its snapshot commits, no key.
    git(dir, ['config', '--unset', 'dbsync.remote']);
    const c = await server.connect(db);
    await c.query('INSERT INTO invoices VALUES (2, 20.00)');
    await c.end();
    const r = cli(['sync'], env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /pushed to origin\/main/);
    assert.doesNotMatch(r.stderr, /was not named/, "no notice: the remote already had git-dbsync's commits");
    assert.equal(git(dir, ['config', '--get', 'dbsync.remote']).trim(), 'origin', 'the key is recorded');
    assert.equal(git(remote, ['rev-parse', 'main']).trim(), git(dir, ['rev-parse', 'HEAD']).trim());
  });

  it('migration: PROJECT_DIR unset in a repository with other files where git-dbsync ran before keeps working', async () => {
    const db = await database();
    const dir = path.join(tempDir('dbsync-project-'), 'p');
    mkdirSync(dir);
    const env = baseEnv(server.env(db));
    // An earlier version ran here with PROJECT_DIR unset, then the user added a README.
    assert.equal(cli(['sync'], { ...env, PROJECT_DIR: dir }).code, 0);
    writeFileSync(path.join(dir, 'README.md'), 'my invoices\n');
    git(dir, ['add', 'README.md']);
    git(dir, ['commit', '-qm', 'readme']);
    const r = cli(['sync'], env, { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
  });
});
