/**
 * Views in a snapshot must load into a database of any name (issue 11): a view the server cannot
 * open (its DEFINER account is gone) comes back with every name qualified by its database; the
 * snapshot removes those qualifiers. A view that reads another database is refused at snapshot
 * time with one line naming the view and the database.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Connection } from 'mysql2/promise';
import { MariaDbServer } from '../support/mariadb-server.js';
import { baseEnv, cli, commitCount, tempDir } from '../support/project.js';

let server: MariaDbServer;
let root: Connection;
const envFor = (db: string, repo: string, extra: Record<string, string> = {}) => baseEnv({ ...server.env(db), PROJECT_DIR: repo, ...extra });

describe('portable views', () => {
  before(async () => {
    server = await MariaDbServer.start();
    root = await server.connect();
  });
  after(async () => {
    await root?.end();
    await server?.destroy();
  });

  it('a view whose DEFINER is gone is stored without its database name and restores under another name', async () => {
    const c = await server.connect('vshop');
    await c.query(`CREATE TABLE t (id INT PRIMARY KEY, v INT); CREATE TABLE u (id INT PRIMARY KEY);
      INSERT INTO t VALUES (1, 10), (2, 20); INSERT INTO u VALUES (2);
      CREATE DEFINER=\`ghost\`@\`localhost\` SQL SECURITY INVOKER VIEW vg AS SELECT t.id, t.v + 1 AS w, 'vshop.t' AS label FROM t JOIN u ON u.id = t.id;`);
    const repo = tempDir();
    const r = cli(['sync'], envFor('vshop', repo));
    assert.equal(r.code, 0, r.stderr);
    const views = readFileSync(path.join(repo, 'database', 'views.sql'), 'utf8');
    // The server gave `vshop`.`t`.`id`...: the qualifier is gone, the string literal is left as it is.
    assert.doesNotMatch(views, /`vshop`\./, views);
    assert.match(views, /select `t`\.`id` AS `id`,`t`\.`v` \+ 1 AS `w`,'vshop\.t' AS `label`/, views);
    assert.doesNotMatch(views, /DEFINER=/, views);

    await root.query('CREATE DATABASE vcopy');
    const restored = cli(['restore', '--yes'], envFor('vcopy', repo));
    assert.equal(restored.code, 0, restored.stderr);
    const [rows] = await root.query('SELECT id, w, label FROM vcopy.vg');
    assert.deepEqual(JSON.parse(JSON.stringify(rows)), [{ id: 2, w: '21', label: 'vshop.t' }]);
    // It reads the copy's tables, not the original's.
    await root.query('UPDATE vcopy.t SET v = 100 WHERE id = 2');
    const [after] = await root.query('SELECT w FROM vcopy.vg');
    assert.deepEqual(JSON.parse(JSON.stringify(after)), [{ w: '101' }]);
    await c.end();
  });

  it('a view that reads another database is refused at snapshot time, naming the view and the database', async () => {
    const c = await server.connect('vmain');
    await c.query(`CREATE DATABASE IF NOT EXISTS vother; CREATE TABLE vother.o (id INT); CREATE TABLE t (id INT PRIMARY KEY);
      CREATE VIEW vx AS SELECT o.id FROM vother.o AS o;`);
    const repo = tempDir();
    const r = cli(['sync'], envFor('vmain', repo));
    assert.equal(r.code, 1, r.stderr);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(
      lines[0]!,
      /view vx of database vmain: it reads another database \(`vother`\), so its snapshot would not load into a database of another name; nothing was written -- rewrite the view .* DBSYNC_EXCLUDE_TABLES=vx/,
    );
    assert.equal(commitCount(repo), 0, 'nothing committed');
    // Left out, the rest is backed up.
    const without = cli(['sync'], envFor('vmain', repo, { DBSYNC_EXCLUDE_TABLES: 'vx' }));
    assert.equal(without.code, 0, without.stderr);
    await c.end();
  });
});
