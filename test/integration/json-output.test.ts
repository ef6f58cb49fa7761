/**
 * `restore --json` and `pull --json` (issue 13): one JSON object on stdout saying what was planned
 * or done (tables, rows, commits; for pull what came in, what was applied, the conflicts), and a
 * revision read from the reflog (`main@{yesterday}`, `HEAD@{1}`) refused with the `--at` form.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import type { Connection } from 'mysql2/promise';
import { MariaDbServer } from '../support/mariadb-server.js';
import { bareRemote, computers, type Computer } from '../support/computers.js';
import { baseEnv, cli, git, tempDir } from '../support/project.js';

/** stdout must be exactly one JSON document: no line before or after it. */
// biome-ignore lint/suspicious/noExplicitAny: the test reads fields of the parsed object freely
function oneObject(stdout: string): Record<string, any> {
  assert.equal(stdout.trim().split('\n').length, 1, `one line of JSON, got:\n${stdout}`);
  return JSON.parse(stdout);
}

describe('restore --json, pull --json, reflog revisions (issue 13)', () => {
  let servers: MariaDbServer[] = [];
  const open: Computer[] = [];
  let c: Connection;
  before(async () => {
    servers = await Promise.all([MariaDbServer.start(), MariaDbServer.start()]);
    c = await servers[0]!.connect('rj');
    await c.query(`
      CREATE TABLE clients (id INT PRIMARY KEY, name VARCHAR(50) NOT NULL);
      CREATE TABLE invoices (id INT PRIMARY KEY, client INT NOT NULL, status INT NOT NULL);
      INSERT INTO clients VALUES (1, 'Ada'), (2, 'Bob');
      INSERT INTO invoices VALUES (10, 1, 1), (11, 2, 1), (12, 2, 1);`);
  });
  after(async () => {
    await c?.end();
    for (const x of open) await x.close();
    await Promise.all(servers.map((s) => s.destroy()));
  });

  it('restore --json: the plan, what was done, --into; a reflog revision is refused', async () => {
    const dir = tempDir();
    const env = baseEnv({ ...servers[0]!.env('rj'), PROJECT_DIR: dir });
    assert.equal(cli(['sync'], env).code, 0);
    const first = git(dir, ['rev-parse', 'HEAD']).trim();
    await c.query('UPDATE invoices SET status = 2 WHERE id = 10; DELETE FROM invoices WHERE id = 12');
    assert.equal(cli(['sync'], env).code, 0);
    await c.query("INSERT INTO clients VALUES (3, 'Cy')"); // unsaved: committed first by the restore

    const plan = cli(['restore', first, '--json'], env);
    assert.equal(plan.code, 0, plan.stderr);
    const p = oneObject(plan.stdout);
    assert.equal(p.applied, false);
    assert.equal(p.commit, first);
    assert.equal(p.saveFirst, 'commit');
    assert.deepEqual(p.tables.replace.sort(), ['clients', 'invoices']);
    assert.deepEqual(p.rows, { clients: 2, invoices: 3 }, "the snapshot's rows of each table it would load");
    assert.deepEqual([p.saved, p.after, p.into], [null, null, null]);
    assert.equal(git(dir, ['rev-list', '--count', 'HEAD']).trim(), '2', 'the plan commits nothing');

    const done = oneObject(cli(['restore', first, '--json', '--yes'], env).stdout);
    assert.equal(done.applied, true);
    assert.match(done.saved.subject, /clients \+1/, 'the unsaved row was committed first');
    assert.equal(done.after.commit, git(dir, ['rev-parse', 'HEAD']).trim());
    assert.match(done.after.subject, /^Restore of [0-9a-f]{12}:/);
    const [inv] = (await c.query('SELECT id, status FROM invoices ORDER BY id')) as unknown as [Array<{ id: number; status: number }>];
    assert.deepEqual(
      inv.map((r) => [r.id, r.status]),
      [
        [10, 1],
        [11, 1],
        [12, 1],
      ],
    );

    const into = oneObject(cli(['restore', '--into', 'rj_copy', '--tables', 'invoices', '--json', '--yes'], env).stdout);
    assert.deepEqual([into.applied, into.into, into.tables.create, into.rows], [true, 'rj_copy', ['invoices'], { invoices: 3 }]);

    // HEAD@{1} resolves here (this repository has a reflog), yet it is refused: a clone would not have it.
    assert.notEqual(git(dir, ['rev-parse', 'HEAD@{1}']).trim(), '');
    const head = git(dir, ['rev-parse', 'HEAD']).trim();
    for (const [rev, hint] of [
      ['main@{yesterday}', /-- for the snapshot as of that moment, from commit dates: git-dbsync restore --at "yesterday"$/],
      ['HEAD@{1}', /-- name the commit \(see `git-dbsync log`\), or a moment with --at "2026-12-01 17:00"$/],
    ] as const) {
      const r = cli(['restore', rev, '--yes'], env);
      assert.equal(r.code, 2, `${rev}: ${r.stdout}${r.stderr}`);
      const lines = r.stderr.trim().split('\n');
      assert.equal(lines.length, 1, r.stderr);
      assert.match(lines[0]!, new RegExp(`^git-dbsync: restore: "${rev.replace(/[{}@]/g, '\\$&')}" is read from this computer's reflog`));
      assert.match(lines[0]!, hint);
    }
    assert.equal(git(dir, ['rev-parse', 'HEAD']).trim(), head, 'nothing was restored or committed');
  });

  it('pull --json: what came in, the tables applied, the conflicts', async () => {
    const [a, b] = await computers(servers, 'pj', bareRemote());
    open.push(a!, b!);
    mkdirSync(a!.dir, { recursive: true });
    await a!.sql(
      'CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(40) NOT NULL, qty INT NOT NULL); INSERT INTO items VALUES (1,"apple",1),(2,"pear",2),(3,"plum",3)',
    );
    await a!.sync();
    const joined = await b!.run(['pull', '--json']);
    assert.equal(joined.code, 0, joined.stderr);
    const j = oneObject(joined.stdout);
    assert.match(j.joined, /^joined: cloned /, 'the join line goes into the object');

    await a!.sql('UPDATE items SET qty = 10 WHERE id = 3; INSERT INTO items VALUES (4,"fig",4)');
    await a!.sync();
    await b!.sql("UPDATE items SET qty = 20 WHERE id = 3; UPDATE items SET name = 'nashi' WHERE id = 2");
    const r = await b!.run(['pull', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const o = oneObject(r.stdout);
    assert.equal(o.outcome, 'merged');
    assert.equal(o.from, 'origin/main');
    assert.equal(o.incoming, 1);
    assert.equal(o.commit, b!.head(), 'the merge commit');
    assert.match(o.local.subject, /^items ~2/, "this computer's changes, committed first");
    // Row 4 came in; row 3's conflicting cell got theirs (the default rule), an update here.
    assert.deepEqual(o.tables, [{ table: 'items', how: 'rows', inserted: 1, updated: 1, deleted: 0 }]);
    assert.deepEqual(o.conflicts, [{ table: 'items', keyCells: ['3'], kind: 'cell', column: 'qty', base: '3', ours: '20', theirs: '10', kept: 'theirs' }]);
    assert.equal(o.push.status, 'pushed');
    assert.match(o.summary.join('\n'), /1 conflict\(s\)/);
    assert.equal(o.joined, null);

    // sync in two-way mode is a pull: the same object.
    const s = oneObject((await b!.run(['sync', '--json'])).stdout);
    assert.equal(s.outcome, 'up-to-date');
    assert.deepEqual([s.tables, s.conflicts], [[], []]);
  });
});
