/**
 * The restore plan shows the code it would create (issue 11): views, routines, triggers and events
 * whose definition a restore changes or adds are printed as a diff before anything runs.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Connection } from 'mysql2/promise';
import { MariaDbServer } from '../support/mariadb-server.js';
import { baseEnv, cli, git, tempDir } from '../support/project.js';

let server: MariaDbServer;
let root: Connection;

describe('definition diffs', () => {
  before(async () => {
    server = await MariaDbServer.start();
    root = await server.connect();
  });
  after(async () => {
    await root?.end();
    await server?.destroy();
  });

  it('the restore plan shows the diff of each view and routine it would change or add', async () => {
    const c = await server.connect('dd');
    const repo = tempDir();
    const env = baseEnv({ ...server.env('dd'), PROJECT_DIR: repo });
    await c.query(`CREATE TABLE t (id INT PRIMARY KEY); INSERT INTO t VALUES (1), (2), (3);
      CREATE VIEW v AS SELECT id FROM t WHERE id > 1;
      CREATE PROCEDURE p() BEGIN
        SELECT 1;
        SELECT 2;
      END`);
    assert.equal(cli(['sync'], env).code, 0);
    const old = git(repo, ['rev-parse', 'HEAD']).trim();
    await c.query(`CREATE OR REPLACE VIEW v AS SELECT id FROM t WHERE id > 2; DROP PROCEDURE p; CREATE PROCEDURE p() BEGIN
        SELECT 1;
        SELECT 3;
      END; CREATE VIEW w AS SELECT 1 AS one`);
    assert.equal(cli(['sync'], env).code, 0);

    const plan = cli(['restore', old], env);
    assert.equal(plan.code, 0, plan.stderr);
    assert.match(plan.stdout, /^Restore plan for snapshot/);
    // The view: its one line, old (the database now) and new (the snapshot).
    assert.match(plan.stdout, /\n {2}view v changes:\n(?: {4}[ +-] .*\n)*? {4}- .*`id` > 2\n {4}\+ .*`id` > 1\n/, plan.stdout);
    // The routine: only the changed line and its neighbours.
    assert.match(plan.stdout, /\n {2}procedure p changes:\n(?: {4}[ +-] .*\n)*? {4}- +SELECT 3;\n {4}\+ +SELECT 2;\n/, plan.stdout);
    assert.doesNotMatch(plan.stdout, /view w (changes|is new)/, 'a view the snapshot lacks is not created');
    // Nothing was run.
    const [rows] = await c.query('SELECT id FROM v ORDER BY id');
    assert.deepEqual(JSON.parse(JSON.stringify(rows)), [{ id: 3 }]);
    await c.end();
  });
});
