/**
 * Restore what you need, one record (issue 13): `restore row TABLE KEY --at WHEN` brings one row
 * back as the snapshot of that moment has it (updated back, inserted again, or deleted when it did
 * not exist then), through the apply engine of two-way sync; without --yes it only prints the plan;
 * a change the application makes between the plan and the write is refused, never overwritten; a
 * key that never existed is one line and exit 2; hostile values come back byte for byte.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Connection } from 'mysql2/promise';
import { MariaDbServer } from '../support/mariadb-server.js';
import { baseEnv, cli, commitCount, git, lastSubject, tempDir } from '../support/project.js';
import { loadConfig } from '../../src/config/config.js';
import { DbsyncError } from '../../src/errors/dbsync-error.js';
import { openProject } from '../../src/project/project.js';
import { restoreRow } from '../../src/record/restore-row.js';

let server: MariaDbServer;
let c: Connection;
const DB = 'rowrestore';

/** Every row of a table, each cell as its bytes in hex (exact, whatever the type). */
async function exact(table: string): Promise<string[]> {
  const [r] = (await c.query(
    table === 't' ? 'SELECT id, HEX(name) AS n, HEX(note) AS no, HEX(bin) AS b, amount FROM t ORDER BY id' : 'SELECT HEX(a) AS a, b, v FROM k ORDER BY a, b',
  )) as unknown as [Array<Record<string, unknown>>];
  return r.map((x) => JSON.stringify(x));
}

async function row(id: number): Promise<string | null> {
  return (await exact('t')).find((r) => r.startsWith(`{"id":${id},`)) ?? null;
}

function ok(args: string[], env: NodeJS.ProcessEnv): string {
  const r = cli(args, env);
  assert.equal(r.code, 0, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
  return r.stdout;
}

/** Commit dates have one-second resolution: let a second pass between snapshots that --at must tell apart. */
const nextSecond = () => new Promise((r) => setTimeout(r, 1100));

describe('restore row (issue 13)', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let moment: string;
  let atA: Map<number, string | null>;
  let kA: string[];

  before(async () => {
    server = await MariaDbServer.start();
    c = await server.connect(DB);
    await c.query(`
      CREATE TABLE t (id INT PRIMARY KEY, name VARCHAR(50) NOT NULL, note TEXT, bin VARBINARY(20), amount DECIMAL(10,2)) ENGINE=InnoDB;
      CREATE TABLE k (a VARCHAR(10), b DATE, v INT, PRIMARY KEY (a, b)) ENGINE=MyISAM;
      INSERT INTO t VALUES (1, 'Ada', 'first', NULL, 10.00), (2, 'Bob', NULL, 0x00, 20.50);
      INSERT INTO t VALUES (3, 'O''Brien \\\\ "q"', CONCAT('a', CHAR(0), 'b\\nc\\rd', CHAR(26), 'é€'), 0x00FF275C0A0D1A22, -0.01);
      INSERT INTO k VALUES ('x,y', '2026-01-01', 1), ('z', '2026-01-02', 2);
      CREATE TABLE l (id INT PRIMARY KEY, name VARCHAR(20) CHARACTER SET latin1);
      INSERT INTO l VALUES (1, 'Ada'), (2, 'Bob');`);
    dir = tempDir();
    env = baseEnv({ ...server.env(DB), PROJECT_DIR: dir });
    ok(['sync'], env);
    moment = git(dir, ['log', '-1', '--format=%cI']).trim();
    atA = new Map([1, 2, 3, 4].map((id) => [id, null]));
    for (const id of atA.keys()) atA.set(id, await row(id));
    kA = await exact('k');
    await nextSecond();
    await c.query(`
      UPDATE t SET name = 'Ada Lovelace', amount = 11.00 WHERE id = 1;
      DELETE FROM t WHERE id = 2;
      UPDATE t SET name = 'plain', note = 'plain', bin = NULL, amount = 0 WHERE id = 3;
      INSERT INTO t VALUES (4, 'New', 'after the moment', NULL, 1.00);
      UPDATE k SET v = 99 WHERE a = 'x,y';`);
    ok(['sync'], env);
  });
  after(async () => {
    await c?.end();
    await server?.destroy();
  });

  it('without --yes prints the plan by column name and changes nothing', async () => {
    const before = [await exact('t'), commitCount(dir)];
    const plan = ok(['restore', 'row', 't', '1', '--at', moment], env).split('\n');
    assert.match(plan[0]!, /^the snapshot as of then: commit [0-9a-f]{12} of /);
    assert.equal(plan[1], 't id=1');
    assert.equal(plan[2], "  now:          name='Ada Lovelace', note='first', bin=NULL, amount=11.00");
    assert.equal(plan[3], "  would become: name='Ada', note='first', bin=NULL, amount=10.00");
    assert.equal(plan[4], "  cells:        name 'Ada Lovelace' -> 'Ada', amount 11.00 -> 10.00");
    assert.equal(plan[5], 'Run again with --yes to do it.');
    const gone = ok(['restore', 'row', 't', '2', '--at', moment], env);
    assert.match(gone, /\n {2}now: {10}absent\n {2}would become: name='Bob', note=NULL, bin=0x00, amount=20\.50\n/);
    const added = ok(['restore', 'row', 't', '4', '--at', moment], env);
    assert.match(added, /\n {2}would become: would be deleted \(it did not exist then\)\n/);
    const json = JSON.parse(ok(['restore', 'row', 't', '1', '--at', moment, '--json'], env)) as Record<string, unknown>;
    assert.equal(json.applied, false);
    assert.deepEqual(json.key, { id: '1' });
    assert.deepEqual(json.cells, [
      { column: 'name', now: "'Ada Lovelace'", was: "'Ada'" },
      { column: 'amount', now: '11.00', was: '10.00' },
    ]);
    const hostile = JSON.parse(ok(['restore', 'row', 't', '3', '--at', moment, '--json'], env)) as { was: Record<string, string> };
    assert.equal(hostile.was.bin, '0x00FF275C0A0D1A22', 'the exact literal of the snapshot');
    assert.match(ok(['restore', 'row', 't', '3', '--at', moment], env), /\n {2}cells: .*bin NULL -> 0x00FF275C0A0D1A22/);
    assert.deepEqual([await exact('t'), commitCount(dir)], before, 'a plan changes neither the database nor the repository');
  });

  it('with --yes brings back a changed, a deleted and a hostile row, and removes a row added after the moment', async () => {
    for (const id of [1, 2, 3, 4]) {
      const out = ok(['restore', 'row', 't', String(id), '--at', moment, '--yes'], env);
      assert.match(out, /\nrestored; committed [0-9a-f]{12}: Restore of t \(\d\) from [0-9a-f]{12}:/, out);
      assert.equal(await row(id), atA.get(id), `row ${id} is as it was at the moment, byte for byte`);
      assert.match(lastSubject(dir), new RegExp(`^Restore of t \\(${id}\\) from `));
    }
    // A second time: nothing to do, nothing committed.
    const n = commitCount(dir);
    assert.match(ok(['restore', 'row', 't', '3', '--at', moment, '--yes'], env), /t id=3 is already as it was then; nothing to do/);
    assert.equal(commitCount(dir), n);
    // A key of two columns with a comma inside a value (MyISAM: LOCK TABLES instead of a transaction).
    ok(['restore', 'row', 'k', "'x,y',2026-01-01", '--at', moment, '--yes'], env);
    assert.deepEqual(await exact('k'), kA);
  });

  it('refuses a key that never existed, in one line, exit 2', () => {
    for (const args of [
      ['restore', 'row', 't', '99', '--at', moment],
      ['restore', 'row', 't', '1,2', '--at', moment],
      ['restore', 'row', 'nope', '1', '--at', moment],
      ['restore', 'row', 't', '1', 'no-such-rev'],
    ]) {
      const r = cli(args, env);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    }
    // A schema-only table has no rows in the snapshot: every row would read as "did not exist then".
    const schemaOnly = cli(['restore', 'row', 'k', "'z',2026-01-02", '--at', moment], { ...env, DBSYNC_SCHEMA_ONLY_TABLES: 'k' });
    assert.equal(schemaOnly.code, 2, schemaOnly.stdout + schemaOnly.stderr);
    assert.match(schemaOnly.stderr, /table k is kept as its definition only/);
    assert.match(
      cli(['restore', 'row', 't', '99', '--at', moment], env).stderr,
      /^git-dbsync: restore row: t has no row with the key 99, neither in the snapshot of [0-9a-f]{12} /,
    );
  });

  it('refuses, and overwrites nothing, when the application changes the row between the plan and the write', async () => {
    await c.query("UPDATE t SET name = 'edited again' WHERE id = 1");
    const project = await openProject(loadConfig({ env, flags: {}, cwd: dir }), env);
    const n = commitCount(dir);
    await assert.rejects(
      restoreRow(project, {
        table: 't',
        key: '1',
        at: Date.parse(moment),
        apply: true,
        beforeApply: async (plan) => {
          assert.equal(plan.now?.name, "'edited again'");
          await c.query("UPDATE t SET name = 'written meanwhile' WHERE id = 1");
        },
      }),
      (err: unknown) =>
        err instanceof DbsyncError && err.exitCode === 1 && /t id=1 changed in the database after the plan was made .*; nothing was written/.test(err.message),
    );
    assert.match((await row(1))!, new RegExp(`"n":"${Buffer.from('written meanwhile').toString('hex').toUpperCase()}"`), 'the concurrent write is kept');
    assert.equal(commitCount(dir), n + 1, 'only the save before the plan was committed');
    // Run again: the new plan, and the write.
    ok(['restore', 'row', 't', '1', '--at', moment, '--yes'], env);
    assert.equal(await row(1), atA.get(1));

    // A row of then does not fit a table whose columns changed since: refused, the whole table is the way.
    await c.query('ALTER TABLE t ADD COLUMN extra INT');
    const r = cli(['restore', 'row', 't', '1', 'HEAD~1'], env);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(
      r.stderr,
      /the columns or the key of table t changed since [0-9a-f]{12} .* -- bring the whole table back instead: git-dbsync restore [0-9a-f]{12} --tables t\n$/,
    );
  });
  it('reads a row written in an older form (ASCII latin1 text as hex, as before 2026-12-04) as the same bytes', async () => {
    const file = git(dir, ['ls-files', '*data/l.sql']).trim();
    const text = readFileSync(path.join(dir, file), 'utf8');
    assert.match(text, /'Ada'/);
    writeFileSync(path.join(dir, file), text.replace("'Ada'", '_latin1 0x416461'));
    git(dir, ['commit', '-qam', 'l in an older form']);
    const older = git(dir, ['rev-parse', 'HEAD']).trim();
    assert.match(ok(['restore', 'row', 'l', '1', older], env), /l id=1 is already as it was then; nothing to do/);
    await c.query("UPDATE l SET name = 'Ann' WHERE id = 1");
    ok(['restore', 'row', 'l', '1', older, '--yes'], env);
    const [r] = (await c.query('SELECT HEX(name) AS n FROM l WHERE id = 1')) as unknown as [Array<{ n: string }>];
    assert.equal(r[0]!.n, '416461');
  });
});
