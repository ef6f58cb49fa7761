/**
 * git-dbsync removes git lock files only when its own git command was killed (its marker is
 * left in .git/dbsync); a lock held by someone else, e.g. the user's `git commit` on the host of a
 * container, invisible in /proc, is never removed.
 */
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { MariaDbServer } from '../support/mariadb-server.js';
import { baseEnv, cli, commitCount, tempDir } from '../support/project.js';

let server: MariaDbServer;
before(async () => {
  server = await MariaDbServer.start();
});
after(async () => server?.destroy());

it('leaves a foreign index.lock alone and says so; removes one left by its own killed git', async () => {
  const c = await server.connect('fl');
  await c.query('CREATE TABLE t (id INT PRIMARY KEY) ENGINE=InnoDB; INSERT INTO t VALUES (1)');
  const dir = tempDir();
  const env = baseEnv({ ...server.env('fl'), PROJECT_DIR: dir });
  assert.equal(cli(['sync'], env).code, 0);

  const lock = path.join(dir, '.git', 'index.lock');
  writeFileSync(lock, '');
  const old = new Date(Date.now() - 60_000);
  utimesSync(lock, old, old);
  await c.query('INSERT INTO t VALUES (2)');
  const r = cli(['sync'], env);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stderr, /index\.lock/);
  assert.ok(existsSync(lock), 'a lock git-dbsync did not leave is never removed');
  assert.equal(commitCount(dir), 1);

  // The same lock with git-dbsync's marker (as a kill -9 during its commit leaves it) is removed.
  writeFileSync(path.join(dir, '.git', 'dbsync', 'git-in-progress'), '999999\n');
  const r2 = cli(['sync'], env);
  assert.equal(r2.code, 0, r2.stdout + r2.stderr);
  assert.ok(!existsSync(lock));
  assert.ok(!existsSync(path.join(dir, '.git', 'dbsync', 'git-in-progress')));
  assert.equal(commitCount(dir), 2);
  await c.end();
});
