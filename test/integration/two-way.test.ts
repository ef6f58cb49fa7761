/**
 * Two-way sync between computers (issue 6), through the public commands only: each computer is a
 * database on its own throwaway MariaDB server with its own project folder, all sharing one bare
 * remote. The oracle is the live databases (rows, CHECKSUM TABLE) and git's own view of history.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { background } from '../support/background.js';
import { freePort, MariaDbServer } from '../support/mariadb-server.js';
import { bareRemote, computers, type Computer } from '../support/computers.js';
import { git, waitFor } from '../support/project.js';

let servers: MariaDbServer[] = [];
const open: Computer[] = [];
let seq = 0;

/** Two computers sharing a new remote; computer 1 has `schema` and has pushed it, computer 2 has joined. */
async function pair(schema: string, extra: Record<string, string> = {}): Promise<[Computer, Computer]> {
  const [a, b] = await computers(servers.slice(0, 2), `tw${++seq}`, bareRemote(), extra);
  open.push(a!, b!);
  mkdirSync(a!.dir, { recursive: true });
  await a!.sql(schema);
  await a!.sync();
  const joined = await b!.sync();
  assert.match(joined, /^joined: cloned /m);
  return [a!, b!];
}

const ITEMS = `
CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(40) NOT NULL, qty INT NOT NULL, price DECIMAL(8,2)) ENGINE=InnoDB;
CREATE TABLE notes (id INT AUTO_INCREMENT PRIMARY KEY, body VARCHAR(80)) ENGINE=MyISAM;
INSERT INTO items VALUES (1,'apple',1,0.50),(2,'pear',2,0.70),(3,'plum',3,0.20),(4,'fig',4,1.10),(5,'kiwi',5,0.90);
INSERT INTO notes (body) VALUES ('first'),('second');
`;

/** Rows the server wrote, updated and deleted in (non-temporary) tables so far. */
async function handlerWrites(c: Computer): Promise<Record<string, number>> {
  const rows = await c.sql<Array<{ Variable_name: string; Value: string }>>(
    "SHOW GLOBAL STATUS WHERE Variable_name IN ('Handler_write','Handler_update','Handler_delete')",
  );
  return Object.fromEntries(rows.map((r) => [r.Variable_name.replace('Handler_', ''), Number(r.Value)]));
}

describe('two-way sync', () => {
  before(async () => {
    servers = await Promise.all([MariaDbServer.start(), MariaDbServer.start()]);
  });
  after(async () => {
    for (const c of open) await c.close();
    await Promise.all(servers.map((s) => s.destroy()));
  });

  it('a new computer joins: clone, restore, then nothing to commit', async () => {
    const [a, b] = await pair(ITEMS);
    assert.deepEqual(await b.rows('items'), await a.rows('items'));
    assert.deepEqual(await b.rows('notes'), await a.rows('notes'));
    assert.equal(b.head(), a.head(), 'the new computer is on the same commit');
    const again = await b.sync();
    assert.match(again, /up to date/);
    assert.equal(b.head(), a.head(), 'no commit of its own (no echo)');
    const status = await b.run(['status']);
    assert.match(status.stdout, /equals the last snapshot/);
    assert.match(status.stdout, /conflicts: none/);
  });

  it('fast-forward: only the differing rows are written, then no echo commit', async () => {
    const [a, b] = await pair(ITEMS);
    await a.sql(
      "UPDATE items SET qty = 9 WHERE id = 2; DELETE FROM items WHERE id = 5; INSERT INTO items VALUES (6,'lime',6,0.30); INSERT INTO notes (body) VALUES ('third')",
    );
    await a.sync();
    const before = await handlerWrites(b);
    const r = await b.run(['pull']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /pulled 1 commit\(s\) from origin\/main \(fast-forward to [0-9a-f]{12}\): items \+1 ~1 -1, notes \+1/);
    const now = await handlerWrites(b);
    // A reload would have written every row again: items 5, notes 3.
    assert.deepEqual(
      { write: now.write! - before.write!, update: now.update! - before.update!, delete: now.delete! - before.delete! },
      { write: 2, update: 1, delete: 1 },
    );
    assert.deepEqual(await b.rows('items'), await a.rows('items'));
    assert.deepEqual(await b.rows('notes'), await a.rows('notes'));
    assert.equal(b.head(), a.head());
    const n = b.commits();
    assert.match(await b.sync(), /up to date/);
    assert.equal(b.commits(), n, 'the next pass finds nothing to commit');
    // A pull's own pass reads only what changed, as sync's does: nothing here.
    const again = await b.run(['pull', '--json']);
    assert.equal(again.code, 0, again.stderr);
    const read = (JSON.parse(again.stdout) as { localRead: { changeSource: string | null; rowsRead: number; tablesKept: number } }).localRead;
    assert.notEqual(read.changeSource, null, again.stdout);
    assert.equal(read.rowsRead, 0, again.stdout);
    assert.ok(read.tablesKept >= 2, again.stdout);
  });

  it('diverged: different rows and different cells combine; the same cell and delete-vs-update are conflicts; resolve closes them', async () => {
    const [a, b] = await pair(ITEMS);
    // Computer 1 publishes first: its values are "theirs" for computer 2's merge (the default rule keeps them).
    await a.sql(
      "UPDATE items SET name = 'green apple' WHERE id = 1; UPDATE items SET qty = 10 WHERE id = 3; DELETE FROM items WHERE id = 4; INSERT INTO items VALUES (100,'cherry',7,2.00)",
    );
    await a.sync();
    await b.sql(
      "UPDATE items SET name = 'nashi' WHERE id = 2; UPDATE items SET price = 0.55 WHERE id = 1; UPDATE items SET qty = 20 WHERE id = 3; UPDATE items SET name = 'dried fig' WHERE id = 4; INSERT INTO items VALUES (200,'date',8,3.00)",
    );
    const r = await b.run(['sync']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^committed [0-9a-f]{12}: items/m, 'local changes committed first');
    assert.match(r.stdout, /merged 1 commit\(s\) from origin\/main as [0-9a-f]{12}: items .*; 2 conflict\(s\)/);
    assert.match(r.stdout, /pushed to origin\/main/);
    assert.equal(b.parents().length, 2, 'the merge is a two-parent commit');

    const row = async (c: Computer, id: number) => (await c.sql<Array<Record<string, unknown>>>('SELECT * FROM items WHERE id = ?', [id]))[0] ?? null;
    assert.deepEqual(await row(b, 1), { id: 1, name: 'green apple', qty: 1, price: '0.55' }, 'different cells of one row combine');
    assert.equal((await row(b, 2))!.name, 'nashi', 'different rows combine');
    assert.equal((await row(b, 3))!.qty, 10, 'same cell: the database keeps theirs (the value already pushed)');
    assert.equal(await row(b, 4), null, 'delete vs update: theirs (deleted) kept');
    assert.ok(await row(b, 100));
    assert.ok(await row(b, 200));

    const list = await b.run(['conflicts']);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /^2 open conflict\(s\)/);
    assert.match(
      list.stdout,
      /items \(id=3\) column qty: both computers changed this value; base 3, ours 20 \([0-9a-f]{12}\), theirs 10 \([0-9a-f]{12}\); the database kept theirs: 10/,
    );
    assert.match(
      list.stdout,
      /items \(id=4\): the merging computer changed the row, the other deleted it; base \(4, "fig", .*\), ours \(4, "dried fig", .*\), theirs \(no row\)/,
    );
    const status = await b.run(['status']);
    assert.match(status.stdout, /conflicts: 2 open in items/);
    // The daemon's metrics say the same (issue 13): dbsync_conflicts_open, scraped from a real `watch`.
    const port = await freePort();
    const watch = background(['watch'], { ...b.env, POLL_INTERVAL: '0.5', DBSYNC_METRICS_ADDR: `127.0.0.1:${port}` });
    try {
      await watch.waitForLog(/metrics at http/);
      const conflictsOpen = async () => {
        const families = parsePrometheusTextFormat(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text());
        return Number(families.find((f) => f.name === 'dbsync_conflicts_open')?.metrics[0]?.value ?? NaN);
      };
      await waitFor('dbsync_conflicts_open = 2', async () => (await conflictsOpen()) === 2, 30_000);
    } finally {
      watch.child.kill('SIGTERM');
      await watch.waitExit(30_000);
    }

    // The other computer fast-forwards to the merge: both databases are equal, no echo commits.
    const pa = await a.run(['pull']);
    assert.equal(pa.code, 0, pa.stderr);
    assert.match(pa.stdout, /fast-forward/);
    assert.deepEqual(await a.checksum(['items', 'notes']), await b.checksum(['items', 'notes']));
    const [na, nb] = [a.commits(), b.commits()];
    await a.sync();
    await b.sync();
    assert.deepEqual([a.commits(), b.commits()], [na, nb], 'no ping-pong: nothing to commit on either side');

    // resolve: the same cell, keeping ours (20); then the deleted row, bringing back ours.
    const r3 = await b.run(['resolve', 'items', '3', '--ours']);
    assert.equal(r3.code, 0, r3.stderr);
    assert.match(r3.stdout, /Resolve conflict in items \(3\) qty: ours; the database now has it; committed [0-9a-f]{12}; pushed/);
    assert.equal((await row(b, 3))!.qty, 20);
    assert.match((await b.run(['conflicts'])).stdout, /^1 open conflict\(s\)/);
    const r4 = await b.run(['resolve', 'items', '4', '--ours']);
    assert.equal(r4.code, 0, r4.stderr);
    assert.equal((await row(b, 4))!.name, 'dried fig');
    assert.match((await b.run(['conflicts'])).stdout, /^no open conflicts/);
    const bad = await b.run(['resolve', 'items', '4', '--ours']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /no open conflict in table items/);
    assert.match((await a.run(['pull'])).stdout, /fast-forward/);
    assert.equal((await row(a, 3))!.qty, 20);
    assert.equal((await row(a, 4))!.name, 'dried fig');
    assert.deepEqual(await a.checksum(['items', 'notes']), await b.checksum(['items', 'notes']));
    assert.match((await a.run(['conflicts'])).stdout, /^no open conflicts/);
  });

  it('resolve --value writes a value of its own', async () => {
    const [a, b] = await pair(ITEMS);
    await a.sql("UPDATE items SET name = 'A' WHERE id = 5");
    await a.sync();
    await b.sql("UPDATE items SET name = 'B' WHERE id = 5");
    await b.sync();
    const r = await b.run(['resolve', 'items', '5', '--value', 'kiwi (both)']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(await b.sql('SELECT name FROM items WHERE id = 5'), [{ name: 'kiwi (both)' }]);
    await a.sync();
    assert.deepEqual(await a.sql('SELECT name FROM items WHERE id = 5'), [{ name: 'kiwi (both)' }]);
  });

  it('insert-insert key collision: a conflict without offsets, none with auto_increment offsets (doctor tells them)', async () => {
    const [a, b] = await pair(ITEMS);
    // Without offsets both computers make note 3.
    await a.sql("INSERT INTO notes (body) VALUES ('from computer 1')");
    await b.sql("INSERT INTO notes (body) VALUES ('from computer 2')");
    await a.sync();
    const r = await b.run(['sync']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /auto_increment_increment=1/, 'two-way start-up warns about the spacing');
    assert.match(r.stdout, /1 conflict\(s\)/);
    assert.deepEqual(await b.sql('SELECT id, body FROM notes WHERE id = 3'), [{ id: 3, body: 'from computer 1' }], 'theirs kept');
    const list = (await b.run(['conflicts'])).stdout;
    assert.match(
      list,
      /notes \(id=3\): both computers added a row with this key; base \(no row\), ours \(3, "from computer 2"\)/,
      'the other row is recorded, not lost',
    );

    // doctor names the exact settings; with them, new ids never collide.
    const d1 = await a.run(['doctor', '--computers', '2', '--this', '1']);
    assert.equal(d1.code, 1);
    assert.match(d1.stdout, /computer 1 of 2 needs auto_increment_increment=2, auto_increment_offset=1/);
    assert.match(d1.stdout, /--auto-increment-increment=2 --auto-increment-offset=1/);
    try {
      await a.sql('SET GLOBAL auto_increment_increment = 2, GLOBAL auto_increment_offset = 1');
      await b.sql('SET GLOBAL auto_increment_increment = 2, GLOBAL auto_increment_offset = 2');
      const d2 = await b.run(['doctor', '--computers', '2', '--this', '2']);
      assert.equal(d2.code, 0, d2.stdout);
      assert.match(d2.stdout, /ok: auto_increment_increment=2, auto_increment_offset=2: right for computer 2 of 2/);
      // New sessions (the application's) get the global spacing.
      await a.close();
      await b.close();
      await a.sync();
      await a.sql("INSERT INTO notes (body) VALUES ('offset 1')");
      await b.sql("INSERT INTO notes (body) VALUES ('offset 2')");
      await a.sync();
      const r2 = await b.run(['sync']);
      assert.equal(r2.code, 0, r2.stderr);
      assert.match(r2.stdout, /merged 1 commit\(s\)/);
      assert.doesNotMatch(r2.stdout, /conflict/);
      await a.sync();
      const bodies = (rows: Array<{ body: string }>) => rows.map((x) => x.body);
      // Max id 3: computer 1 (offset 1) makes 5, computer 2 (offset 2) makes 4.
      assert.deepEqual(await b.sql('SELECT id, body FROM notes WHERE id > 3 ORDER BY id'), [
        { id: 4, body: 'offset 2' },
        { id: 5, body: 'offset 1' },
      ]);
      assert.deepEqual(bodies(await b.sql('SELECT body FROM notes ORDER BY id')), ['first', 'second', 'from computer 1', 'offset 2', 'offset 1']);
      assert.deepEqual(await a.checksum(['notes', 'items']), await b.checksum(['notes', 'items']));
    } finally {
      await a.sql('SET GLOBAL auto_increment_increment = 1, GLOBAL auto_increment_offset = 1');
      await b.sql('SET GLOBAL auto_increment_increment = 1, GLOBAL auto_increment_offset = 1');
      await a.close();
      await b.close();
    }
  });

  it('a schema change on one side is taken as a whole; a table changed on both sides in different ways is not merged, and reported', async () => {
    // The view that comes with the change is applied only when told (DBSYNC_PULL_OBJECTS, see hostile-repository.test.ts for the default).
    const [a, b] = await pair(ITEMS, { DBSYNC_PULL_OBJECTS: 'apply' });
    // One side: computer 1 adds a column; computer 2 changes rows of another table only.
    // It also adds a table and a view.
    await a.sql("ALTER TABLE items ADD COLUMN origin VARCHAR(20) NOT NULL DEFAULT 'here'; UPDATE items SET origin = 'spain' WHERE id = 2");
    await a.sql(
      "CREATE TABLE shops (id INT PRIMARY KEY, city VARCHAR(20)) ENGINE=Aria; INSERT INTO shops VALUES (1, 'Lyon'), (2, 'Porto'); CREATE VIEW spanish AS SELECT id, name FROM items WHERE origin = 'spain'",
    );
    await a.sync();
    await b.sql("INSERT INTO notes (body) VALUES ('b only')");
    const r = await b.run(['sync']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /merged 1 commit\(s\) from origin\/main as [0-9a-f]{12}: items \(schema\), shops \(new table\)/);
    assert.deepEqual(await b.sql('SELECT id, origin FROM items WHERE id IN (1, 2) ORDER BY id'), [
      { id: 1, origin: 'here' },
      { id: 2, origin: 'spain' },
    ]);
    assert.deepEqual(await b.sql('SELECT * FROM shops ORDER BY id'), [
      { id: 1, city: 'Lyon' },
      { id: 2, city: 'Porto' },
    ]);
    assert.deepEqual(await b.sql('SELECT * FROM spanish'), [{ id: 2, name: 'pear' }]);
    await a.sync();
    assert.deepEqual(await a.checksum(['items', 'notes', 'shops']), await b.checksum(['items', 'notes', 'shops']));
    const n = b.commits();
    assert.match(await b.sync(), /up to date/);
    assert.equal(b.commits(), n, 'no echo commit after taking a table as a whole');

    // Both sides: computer 1 changes the definition again, computer 2 changes rows of that table.
    await a.sql('ALTER TABLE items MODIFY qty BIGINT NOT NULL');
    await a.sync();
    await b.sql("UPDATE items SET name = 'changed on 2' WHERE id = 1");
    const r2 = await b.run(['sync']);
    assert.equal(r2.code, 0, r2.stderr);
    assert.match(
      r2.stderr,
      /table items was not merged: this computer changed its rows, the other computer changed its definition; the database has the other computer's table/,
    );
    assert.match(
      (
        await b.sql<Array<{ COLUMN_TYPE: string }>>(
          "SELECT COLUMN_TYPE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'items' AND COLUMN_NAME = 'qty'",
        )
      )[0]!.COLUMN_TYPE,
      /bigint/,
    );
    const list = (await b.run(['conflicts'])).stdout;
    assert.match(list, /table items not merged .*ours ([0-9a-f]{12})/);
    // Nothing is lost: this computer's row change is in its own commit, a parent of the merge.
    const mine = /ours ([0-9a-f]{12})/.exec(list)![1]!;
    assert.match(git(b.dir, ['show', `${mine}:database/data/items.sql`]), /'changed on 2'/);
    const closed = await b.run(['resolve', 'items', '--theirs']);
    assert.equal(closed.code, 0, closed.stderr);
    assert.match((await b.run(['conflicts'])).stdout, /^no open conflicts/);
    await a.sync();
    assert.deepEqual(await a.checksum(['items', 'notes']), await b.checksum(['items', 'notes']));
  });

  it('unrelated histories: exit 2 explaining the choices; --adopt-remote keeps the local history on a branch and takes the remote', async () => {
    const [a, b] = await pair(ITEMS);
    void b;
    const [c] = await computers(servers.slice(1, 2), `tw${++seq}`, a.env.GIT_REMOTE_URL!);
    open.push(c!);
    await c!.sql("CREATE TABLE mine (id INT PRIMARY KEY, v VARCHAR(10)); INSERT INTO mine VALUES (1, 'local')");
    mkdirSync(c!.dir, { recursive: true });
    const r = await c!.run(['sync']);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stderr, /history and origin\/main's are unrelated/);
    assert.match(r.stderr, /--adopt-remote/);
    assert.match(r.stderr, /--adopt-local .* only works with an empty remote/);
    const local = c!.head();
    const r2 = await c!.run(['sync', '--adopt-remote']);
    assert.equal(r2.code, 0, r2.stderr);
    assert.match(r2.stdout, /took origin\/main's history and data .*; this computer's own history is kept on branch dbsync\/local-/);
    assert.equal(c!.head(), a.head());
    assert.deepEqual(await c!.rows('items'), await a.rows('items'));
    assert.deepEqual(
      await c!.sql("SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'mine'"),
      [],
      "the remote's state: its tables only",
    );
    const kept = git(c!.dir, ['for-each-ref', '--format=%(refname:short) %(objectname)', 'refs/heads/dbsync/']).trim();
    assert.match(kept, new RegExp(`^dbsync/local-\\S+ ${local}$`));
  });

  it('backup mode (the default) refuses to pull', async () => {
    const [, b] = await pair(ITEMS);
    const r = await b.run(['pull'], { DBSYNC_MODE: 'backup' });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /DBSYNC_MODE is backup/);
  });
});
