/**
 * Issue 11, "no symlinks, no escapes": the snapshot folder is written and deleted in with plain
 * file system calls, so a symlink in it (made locally, or arriving in a pulled commit) must be
 * refused before anything is written, and nothing outside PROJECT_DIR may change. The oracle is a
 * checksum of a neighbour folder the links point at, git's own view of HEAD, and the database.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { MariaDbServer } from '../support/mariadb-server.js';
import { bareRemote, Computer } from '../support/computers.js';
import { baseEnv, git, tempDir } from '../support/project.js';

let server: MariaDbServer;
const open: Computer[] = [];
let seq = 0;

/** Every file under `dir` by relative path and content hash: equal sums, nothing changed there. */
function folderSum(dir: string): string {
  const h = createHash('sha256');
  const visit = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const p = path.join(d, name);
      const st = statSync(p);
      h.update(path.relative(dir, p) + '\0');
      if (st.isDirectory()) visit(p);
      else h.update(readFileSync(p));
    }
  };
  visit(dir);
  return h.digest('hex');
}

/** A folder outside every project, with files named like snapshot files (what a pass would delete or overwrite). */
function neighbour(): string {
  const dir = path.join(tempDir('dbsync-neighbour-'), 'precious');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'items.sql'), 'not yours\n');
  writeFileSync(path.join(dir, 'stranger.sql'), 'keep me\n');
  writeFileSync(path.join(dir, 'notes.txt'), 'keep me too\n');
  return dir;
}

async function computer(extra: Record<string, string> = {}, dir?: string): Promise<Computer> {
  const db = `esc${++seq}`;
  const c = await server.connect();
  await c.query(`CREATE DATABASE \`${db}\``);
  await c.end();
  const project = dir ?? path.join(tempDir('dbsync-escape-'), 'project');
  const env = baseEnv({ ...server.env(db), PROJECT_DIR: project, DBSYNC_PROFILE: 'none', ...extra });
  const out = new Computer(`computer ${seq}`, server, db, project, env);
  open.push(out);
  return out;
}

const SCHEMA = "CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(20)); INSERT INTO items VALUES (1,'a'),(2,'b')";

/** Refused with exit 5 in one line that names the link. */
function assertRefused(r: { code: number; stdout: string; stderr: string }, names: RegExp): void {
  assert.equal(r.code, 5, `exit 5 expected\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  // One error line (a two-way start-up warning may come before it).
  const lines = r.stderr
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('git-dbsync:'));
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0]!, /^git-dbsync: check snapshot folder: /);
  assert.match(lines[0]!, names);
}

describe('no symlinks, no escapes (issue 11)', () => {
  before(async () => {
    server = await MariaDbServer.start();
  });
  after(async () => {
    for (const c of open) await c.close();
    await server.destroy();
  });

  it('a symlink made locally in the snapshot folder is refused before anything is written', async () => {
    const a = await computer();
    mkdirSync(a.dir, { recursive: true });
    await a.sql(SCHEMA);
    await a.sync();
    const outside = neighbour();
    const sum = folderSum(outside);
    const head = a.head();
    rmSync(path.join(a.dir, 'database', 'data'), { recursive: true });
    symlinkSync(outside, path.join(a.dir, 'database', 'data'));
    await a.sql("INSERT INTO items VALUES (3,'c')");
    for (const cmd of [['sync'], ['status']]) {
      const r = await a.run(cmd);
      assertRefused(r, /database\/data is a symbolic link/);
    }
    assert.equal(folderSum(outside), sum, 'nothing outside PROJECT_DIR changed');
    assert.equal(a.head(), head, 'nothing committed');

    // The whole snapshot folder as a link, and a link to a file inside it: the same.
    rmSync(path.join(a.dir, 'database'), { recursive: true });
    symlinkSync(outside, path.join(a.dir, 'database'));
    assertRefused(await a.run(['sync']), /^git-dbsync: check snapshot folder: database is a symbolic link/);
    rmSync(path.join(a.dir, 'database'));
    git(a.dir, ['checkout', '--', 'database']);
    symlinkSync(path.join(outside, 'items.sql'), path.join(a.dir, 'database', 'tables', 'zz.sql'));
    assertRefused(await a.run(['sync']), /database\/tables\/zz\.sql is a symbolic link/);
    rmSync(path.join(a.dir, 'database', 'tables', 'zz.sql'));
    execFileSync('mkfifo', [path.join(a.dir, 'database', 'pipe')]);
    assertRefused(await a.run(['sync']), /database\/pipe is a FIFO/);
    rmSync(path.join(a.dir, 'database', 'pipe'));
    assert.equal(folderSum(outside), sum, 'nothing outside PROJECT_DIR changed');

    // Removed: the next pass works again and commits the change made meanwhile.
    assert.match(await a.sync(), /committed/);
    assert.match(git(a.dir, ['show', 'HEAD:database/data/items.sql']), /VALUES \(3,/);
  });

  it('a pulled commit that turns the snapshot folder into a symlink is refused before the database, the working tree or anything outside changes', async () => {
    const remote = bareRemote();
    const a = await computer({ GIT_REMOTE_URL: remote, DBSYNC_MODE: 'two-way' });
    mkdirSync(a.dir, { recursive: true });
    await a.sql(SCHEMA);
    await a.sync();
    const outside = neighbour();
    const sum = folderSum(outside);

    // Someone with push access (a second clone) replaces database/data with a link and changes a row.
    const evil = path.join(tempDir('dbsync-evil-'), 'clone');
    git(path.dirname(evil), ['clone', '-q', remote, evil]);
    rmSync(path.join(evil, 'database', 'data'), { recursive: true });
    symlinkSync(outside, path.join(evil, 'database', 'data'));
    git(evil, ['add', '-A']);
    git(evil, ['commit', '-qm', 'innocent']);
    git(evil, ['push', '-q', 'origin', 'HEAD:main']);

    const head = a.head();
    const rowsBefore = await a.rows('items');
    for (const cmd of [['pull'], ['sync']]) {
      const r = await a.run(cmd);
      assertRefused(r, /database\/data in commit [0-9a-f]{12} is a symbolic link/);
    }
    // restore of that commit (fetched as origin/main by the pull) is refused the same way.
    assertRefused(await a.run(['restore', 'origin/main', '--yes']), /database\/data in commit [0-9a-f]{12} is a symbolic link/);
    assert.equal(a.head(), head, 'HEAD did not move');
    assert.equal(statSync(path.join(a.dir, 'database', 'data')).isDirectory(), true);
    assert.equal(git(a.dir, ['status', '--porcelain']).trim(), '', 'working tree untouched');
    assert.deepEqual(await a.rows('items'), rowsBefore, 'database untouched');
    // A local change is still committed by a backup-mode pass (it does not fetch).
    await a.sql("INSERT INTO items VALUES (3,'c')");
    const local = await a.run(['sync'], { DBSYNC_MODE: 'backup' });
    assert.equal(local.code, 4, `committed, not pushed (the remote moved on): ${local.stderr}`);
    assert.equal(folderSum(outside), sum, 'nothing outside PROJECT_DIR changed');

    // A new computer joining from that remote: refused after the clone, before the restore.
    const b = await computer({ GIT_REMOTE_URL: remote, DBSYNC_MODE: 'two-way' });
    const joined = await b.run(['sync']);
    assertRefused(joined, /database\/data is a symbolic link/);
    assert.deepEqual(await b.sql('SHOW TABLES'), [], 'nothing restored');
    assert.equal(folderSum(outside), sum, 'nothing outside PROJECT_DIR changed');
  });

  it('a pulled commit with a gitlink or a link to a folder on the way is refused too', async () => {
    const remote = bareRemote();
    const a = await computer({ GIT_REMOTE_URL: remote, DBSYNC_MODE: 'two-way' });
    mkdirSync(a.dir, { recursive: true });
    await a.sql(SCHEMA);
    await a.sync();
    const evil = path.join(tempDir('dbsync-evil-'), 'clone');
    git(path.dirname(evil), ['clone', '-q', remote, evil]);
    // A gitlink: an index entry of mode 160000 (no submodule needed to make one).
    git(evil, ['update-index', '--add', '--cacheinfo', `160000,${git(evil, ['rev-parse', 'HEAD']).trim()},database/data/sub`]);
    git(evil, ['commit', '-qm', 'gitlink']);
    git(evil, ['push', '-q', 'origin', 'HEAD:main']);
    const head = a.head();
    assertRefused(await a.run(['pull']), /database\/data\/sub in commit [0-9a-f]{12} is a submodule/);
    assert.equal(a.head(), head);
  });

  it('PROJECT_DIR given as a symlink works on every run', async () => {
    const real = path.join(tempDir('dbsync-real-'), 'project');
    mkdirSync(real);
    const link = path.join(path.dirname(real), 'link');
    symlinkSync(real, link);
    const a = await computer({}, link);
    await a.sql(SCHEMA);
    for (let i = 3; i < 6; i++) {
      await a.sql(`INSERT INTO items VALUES (${i},'x')`);
      assert.match(await a.sync(), /committed/, `run ${i - 2}`);
    }
    const status = await a.run(['status']);
    assert.equal(status.code, 0, status.stderr);
    assert.equal(Number(git(real, ['rev-list', '--count', 'HEAD']).trim()), 3);
    const files = git(real, ['ls-files']).trim().split('\n');
    assert.ok(files.length > 0 && files.every((f) => f.startsWith('database/')), files.join(' '));
  });
});
