/**
 * `restore`: a dry run changes nothing; restoring an older revision first commits unsaved changes
 * (nothing is ever lost), then makes the database equal to the snapshot and records that; an empty
 * database (a new computer) makes no "everything deleted" commit; tables the snapshot lacks are
 * left alone unless --drop-extra; an unknown revision is a usage error.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Connection } from 'mysql2/promise';
import { MariaDbServer } from '../support/mariadb-server.js';
import { baseEnv, cli, commitCount, git, lastSubject, tempDir } from '../support/project.js';

let server: MariaDbServer;
let seq = 0;

/** A fresh database (name, root connection) and an empty project folder. */
async function fresh(): Promise<{ db: string; dir: string; c: Connection; env: NodeJS.ProcessEnv }> {
  const db = `r${++seq}`;
  const c = await server.connect(db);
  const dir = tempDir();
  return { db, dir, c, env: baseEnv({ ...server.env(db), PROJECT_DIR: dir }) };
}

const SCHEMA = `
CREATE TABLE customers (id INT PRIMARY KEY, name VARCHAR(50) NOT NULL, credit DECIMAL(10,2)) ENGINE=InnoDB;
CREATE TABLE orders (id INT PRIMARY KEY, customer INT NOT NULL, note TEXT) ENGINE=InnoDB;
CREATE TABLE log (line VARCHAR(100)) ENGINE=MyISAM;
CREATE VIEW big_customers AS SELECT id, name FROM customers WHERE credit > 100;
INSERT INTO customers VALUES (1, 'Ada', 150.00), (2, 'Bob', 20.50);
INSERT INTO orders VALUES (10, 1, 'first order'), (11, 2, NULL);
INSERT INTO log VALUES ('a'), ('b');
`;

/** Every table's rows (and the table list), as comparable text. */
async function contents(c: Connection, db: string): Promise<Record<string, unknown>> {
  const [tables] = (await c.query(`SELECT TABLE_NAME AS t, TABLE_TYPE AS y FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME`, [
    db,
  ])) as unknown as [Array<{ t: string; y: string }>];
  const out: Record<string, unknown> = {};
  for (const { t, y } of tables) {
    const [rows] = (await c.query(`SELECT * FROM \`${db}\`.\`${t}\``)) as unknown as [Array<Record<string, unknown>>];
    out[`${y} ${t}`] = rows.map((r) => JSON.stringify(r)).sort();
  }
  return out;
}

function sync(env: NodeJS.ProcessEnv): string {
  const r = cli(['sync'], env);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trim();
}

function head(dir: string): string {
  return git(dir, ['rev-parse', 'HEAD']).trim();
}

function restore(args: string[], env: NodeJS.ProcessEnv): { code: number; stdout: string; stderr: string } {
  return cli(['restore', ...args], env);
}

describe('restore', () => {
  before(async () => {
    server = await MariaDbServer.start();
  });
  after(async () => server?.destroy());

  it('without --yes prints the plan and changes nothing', async () => {
    const { db, dir, c, env } = await fresh();
    try {
      await c.query(SCHEMA);
      sync(env);
      const snap = head(dir);
      await c.query("UPDATE customers SET name = 'Ada Lovelace' WHERE id = 1; INSERT INTO orders VALUES (12, 1, 'unsaved'); CREATE TABLE scratch (x INT)");
      const dbBefore = await contents(c, db);
      const refsBefore = git(dir, ['for-each-ref']);

      const r = restore([], env);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stderr, '');
      assert.match(r.stdout, new RegExp(`^Restore plan for snapshot ${snap.slice(0, 12)}:`));
      assert.match(r.stdout, /- would commit the database's unsaved changes first/);
      assert.match(r.stdout, /- would replace 2 table\(s\): customers, orders/);
      assert.match(r.stdout, /- leave alone tables the snapshot lacks: scratch \(--drop-extra drops them\)/);
      assert.match(r.stdout, /Run again with --yes to do it\.\n$/);

      const withDrop = restore(['--drop-extra'], env);
      assert.equal(withDrop.code, 0, withDrop.stderr);
      assert.match(withDrop.stdout, /- would drop tables the snapshot lacks: scratch/);

      assert.deepEqual(await contents(c, db), dbBefore, 'the database is unchanged');
      assert.equal(head(dir), snap, 'no commit');
      assert.equal(commitCount(dir), 1);
      assert.equal(git(dir, ['for-each-ref']), refsBefore);
      assert.equal(git(dir, ['status', '--porcelain']), '', 'the snapshot folder is untouched');
      assert.equal(existsSync(path.join(dir, '.git', 'dbsync', 'staging')), false);

      // When the database equals the snapshot, the plan says so.
      await c.query("UPDATE customers SET name = 'Ada' WHERE id = 1; DELETE FROM orders WHERE id = 12; DROP TABLE scratch");
      const same = restore([], env);
      assert.equal(same.code, 0, same.stderr);
      assert.match(same.stdout, /- the database holds no unsaved changes/);
      assert.match(same.stdout, /- the database already equals this snapshot/);
    } finally {
      await c.end();
    }
  });

  it('restoring an older revision saves unsaved changes first, then equals the old snapshot and records it', async () => {
    const { db, dir, c, env } = await fresh();
    try {
      await c.query(SCHEMA);
      sync(env);
      const a = head(dir);
      const stateA = await contents(c, db);

      await c.query(
        "UPDATE customers SET credit = 999.99 WHERE id = 2; DELETE FROM orders WHERE id = 10; INSERT INTO log VALUES ('c'); DROP VIEW big_customers",
      );
      assert.match(sync(env), /^committed /);
      const b = head(dir);

      // C: not yet synced.
      await c.query("INSERT INTO customers VALUES (3, 'Unsaved Carol', 5.00); ALTER TABLE orders ADD COLUMN shipped TINYINT NOT NULL DEFAULT 0");
      const stateC = await contents(c, db);

      const r = restore([a.slice(0, 10), '--yes'], env);
      assert.equal(r.code, 0, r.stderr + r.stdout);
      assert.match(r.stdout, new RegExp(`^Restoring snapshot ${a.slice(0, 12)}:`));
      assert.match(r.stdout, /saved unsaved changes first: committed [0-9a-f]{12}: /);
      assert.match(r.stdout, new RegExp(`restored; committed [0-9a-f]{12}: Restore of ${a.slice(0, 12)}:`));

      // History: A, B, the saved C, the restore.
      assert.equal(commitCount(dir), 4);
      const saved = git(dir, ['rev-parse', 'HEAD~1']).trim();
      assert.equal(git(dir, ['rev-parse', 'HEAD~2']).trim(), b);
      const savedDiff = git(dir, ['show', saved]);
      assert.match(savedDiff, /^\+INSERT INTO `customers` VALUES \(3,'Unsaved Carol',5\.00\);$/m);
      assert.match(savedDiff, /`shipped` tinyint\(4\) NOT NULL DEFAULT 0/);
      assert.match(lastSubject(dir), new RegExp(`^Restore of ${a.slice(0, 12)}: `));

      // The database equals A, and so does the recorded snapshot.
      assert.deepEqual(await contents(c, db), stateA);
      assert.equal(git(dir, ['diff', '--stat', a, 'HEAD', '--', 'database']), '', 'HEAD records exactly snapshot A');
      assert.equal(git(dir, ['status', '--porcelain']), '');
      const st = JSON.parse(cli(['status', '--json'], env).stdout) as { database: { differs: boolean } };
      assert.equal(st.database.differs, false);

      // Nothing was lost: C can be restored in turn.
      const back = restore([saved, '--yes', '--drop-extra'], env);
      assert.equal(back.code, 0, back.stderr + back.stdout);
      assert.deepEqual(await contents(c, db), stateC);
      assert.equal(commitCount(dir), 5, 'no save commit: the database equalled HEAD');
    } finally {
      await c.end();
    }
  });

  it('into an empty database (a new computer) makes no "everything deleted" commit and equals the snapshot', async () => {
    const { db, dir, c, env } = await fresh();
    try {
      await c.query(SCHEMA);
      sync(env);
      await c.query("INSERT INTO orders VALUES (12, 2, 'second snapshot')");
      sync(env);
      const want = await contents(c, db);

      // The new computer: a clone of the repository and a newly created, empty database.
      const clone = path.join(tempDir(), 'clone');
      git(path.dirname(clone), ['clone', '-q', dir, clone]);
      const newDb = `${db}_new`;
      await c.query(`CREATE DATABASE \`${newDb}\``);
      const newEnv = baseEnv({ ...server.env(newDb), PROJECT_DIR: clone });
      const before = commitCount(clone);
      const headBefore = head(clone);

      // A pass (sync or watch) on the empty database refuses to record "everything deleted".
      const pass = cli(['sync'], newEnv);
      assert.equal(pass.code, 1, pass.stdout + pass.stderr);
      assert.match(
        pass.stderr,
        /holds no rows, but the last snapshot has data in 3 table\(s\); nothing was committed -- load the snapshot with `git-dbsync restore --yes`/,
      );
      assert.equal(pass.stderr.trim().split('\n').length, 1);
      assert.equal(commitCount(clone), before);
      assert.equal(git(clone, ['status', '--porcelain']).trim(), '', 'the working tree is untouched');

      const plan = restore([], newEnv);
      assert.equal(plan.code, 0, plan.stderr);
      assert.match(plan.stdout, /- the database holds no rows: nothing to save first/);
      assert.match(plan.stdout, /- would create 3 table\(s\): customers, log, orders/);

      const r = restore(['--yes'], newEnv);
      assert.equal(r.code, 0, r.stderr + r.stdout);
      assert.doesNotMatch(r.stdout, /saved unsaved changes/);
      assert.match(r.stdout, /restored; the database equals the snapshot/);
      assert.equal(commitCount(clone), before, 'no commit at all');
      assert.equal(head(clone), headBefore);
      assert.equal(git(clone, ['log', '--format=%s', '--diff-filter=D']), '', 'no commit deletes anything');
      assert.equal(git(clone, ['status', '--porcelain']), '');

      const got = await contents(c, newDb);
      assert.deepEqual(got, want);

      // Empty tables (e.g. created by an application installer) count as empty too.
      const emptyDb = `${db}_tables`;
      await c.query(
        `CREATE DATABASE \`${emptyDb}\`; CREATE TABLE \`${emptyDb}\`.customers (id INT PRIMARY KEY, name VARCHAR(50) NOT NULL, credit DECIMAL(10,2))`,
      );
      const r2 = restore(['--yes'], baseEnv({ ...server.env(emptyDb), PROJECT_DIR: clone }));
      assert.equal(r2.code, 0, r2.stderr + r2.stdout);
      assert.equal(commitCount(clone), before);
      assert.deepEqual(await contents(c, emptyDb), want);
    } finally {
      await c.end();
    }
  });

  it('leaves tables the snapshot lacks alone, and drops them with --drop-extra', async () => {
    const { db, dir, c, env } = await fresh();
    try {
      await c.query(SCHEMA);
      sync(env);
      const a = head(dir);
      const stateA = await contents(c, db);
      await c.query(
        "CREATE TABLE extra_t (id INT PRIMARY KEY, v VARCHAR(10)); INSERT INTO extra_t VALUES (1, 'keep me'); CREATE VIEW extra_v AS SELECT id FROM orders",
      );

      const keep = restore([a, '--yes'], env);
      assert.equal(keep.code, 0, keep.stderr + keep.stdout);
      assert.match(keep.stdout, /- leave alone tables the snapshot lacks: extra_t \(--drop-extra drops them\)/);
      assert.match(keep.stdout, /- leave alone: view extra_v \(--drop-extra drops them\)/);
      assert.match(keep.stdout, /saved unsaved changes first: committed /);
      const [[row]] = (await c.query('SELECT v FROM extra_t WHERE id = 1')) as unknown as [[{ v: string }]];
      assert.equal(row.v, 'keep me');
      const [[view]] = (await c.query("SELECT COUNT(*) AS n FROM information_schema.VIEWS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 'extra_v'", [
        db,
      ])) as unknown as [[{ n: number }]];
      assert.equal(Number(view.n), 1);
      // The extra table is part of the recorded state, since it is still in the database.
      assert.ok(git(dir, ['ls-tree', '-r', '--name-only', 'HEAD', 'database']).includes('database/data/extra_t.sql'));
      const count = commitCount(dir);

      const drop = restore([a, '--yes', '--drop-extra'], env);
      assert.equal(drop.code, 0, drop.stderr + drop.stdout);
      assert.match(drop.stdout, /- drop tables the snapshot lacks: extra_t/);
      assert.match(drop.stdout, /- drop: view extra_v/);
      assert.doesNotMatch(drop.stdout, /saved unsaved changes/);
      assert.deepEqual(await contents(c, db), stateA);
      assert.equal(commitCount(dir), count + 1, 'one commit records the drop');
      assert.match(lastSubject(dir), new RegExp(`^Restore of ${a.slice(0, 12)}: `));
      assert.equal(git(dir, ['diff', '--stat', a, 'HEAD', '--', 'database']), '');
      // The dropped table's data is still in history.
      assert.match(git(dir, ['show', 'HEAD~1:database/data/extra_t.sql']), /'keep me'/);
    } finally {
      await c.end();
    }
  });

  it('an unknown revision exits 2 with one line and changes nothing', async () => {
    const { db, dir, c, env } = await fresh();
    try {
      await c.query(SCHEMA);
      sync(env);
      await c.query("INSERT INTO log VALUES ('unsaved')");
      const before = await contents(c, db);
      for (const rev of ['no-such-branch', 'deadbeefdeadbeef', 'HEAD~5']) {
        const r = restore([rev, '--yes'], env);
        assert.equal(r.code, 2, r.stderr);
        const lines = r.stderr.split('\n').filter(Boolean);
        assert.equal(lines.length, 1, r.stderr);
        assert.equal(
          lines[0],
          `git-dbsync: restore: unknown revision ${JSON.stringify(rev)} -- name a commit, tag or branch (see \`git log\`), or a moment with --at`,
        );
        assert.equal(r.stdout, '');
      }
      assert.deepEqual(await contents(c, db), before);
      assert.equal(commitCount(dir), 1);
      assert.equal(git(dir, ['status', '--porcelain']), '');

      // In a repository without snapshots there is nothing to restore.
      const empty = tempDir();
      git(empty, ['init', '-q']);
      const none = restore(['--yes'], baseEnv({ ...server.env(db), PROJECT_DIR: empty }));
      assert.equal(none.code, 2, none.stderr);
      assert.match(none.stderr, /^git-dbsync: restore: the repository has no snapshot yet -- run `git-dbsync sync` first/);
      assert.deepEqual(await contents(c, db), before);
    } finally {
      await c.end();
    }
  });

  it('saves schema-only changes of a database without rows before restoring', async () => {
    const { dir, c, env } = await fresh();
    try {
      await c.query('CREATE TABLE a (id INT PRIMARY KEY) ENGINE=InnoDB');
      sync(env);
      await c.query('ALTER TABLE a ADD COLUMN important_col INT; CREATE TABLE newt (x INT); CREATE PROCEDURE p() SELECT 1');
      const before = commitCount(dir);
      const r = restore(['--yes', '--drop-extra'], env);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /saved unsaved changes first/);
      assert.equal(commitCount(dir), before + 2, 'one commit saving the changes, one recording the restore');
      const saved = git(dir, ['show', 'HEAD~1', '--', 'database']);
      assert.match(saved, /important_col/);
      assert.match(saved, /CREATE TABLE `newt`/);
      assert.match(saved, /PROCEDURE `p`/);
    } finally {
      await c.end();
    }
  });

  it('never touches tables that DBSYNC_EXCLUDE_TABLES now leaves out', async () => {
    const { c, env } = await fresh();
    try {
      await c.query(
        "CREATE TABLE sess (id INT PRIMARY KEY, v VARCHAR(20)); INSERT INTO sess VALUES (1, 'old'); CREATE TABLE keep (id INT PRIMARY KEY); INSERT INTO keep VALUES (1)",
      );
      sync(env);
      const excluded = { ...env, DBSYNC_EXCLUDE_TABLES: 'sess' };
      await c.query('INSERT INTO keep VALUES (2)');
      sync(excluded);
      await c.query("INSERT INTO sess VALUES (2, 'live-only')");
      const plan = restore(['HEAD~1'], excluded);
      assert.match(plan.stdout, /leave alone tables outside DBSYNC_INCLUDE_TABLES\/DBSYNC_EXCLUDE_TABLES: sess/);
      const r = restore(['HEAD~1', '--yes'], excluded);
      assert.equal(r.code, 0, r.stderr + r.stdout);
      const [rows] = (await c.query('SELECT id, v FROM sess ORDER BY id')) as unknown as [Array<{ id: number; v: string }>];
      assert.deepEqual(
        rows.map((x) => x.v),
        ['old', 'live-only'],
        'the excluded table keeps its live rows',
      );
      const [keep] = (await c.query('SELECT id FROM keep ORDER BY id')) as unknown as [Array<{ id: number }>];
      assert.deepEqual(
        keep.map((x) => x.id),
        [1],
        'the included table is restored',
      );
    } finally {
      await c.end();
    }
  });

  it('restores rows larger than one batch, and refuses rows larger than max_allowed_packet before changing anything', async () => {
    const { c, env } = await fresh();
    try {
      await c.query('CREATE TABLE b (id INT PRIMARY KEY, data LONGBLOB) ENGINE=InnoDB');
      await c.query('INSERT INTO b VALUES (1, ?), (2, ?)', [Buffer.alloc(6 * 1024 * 1024, 0xab), Buffer.from('small')]);
      sync(env);
      await c.query('DELETE FROM b WHERE id = 1');
      const r = restore(['HEAD', '--yes'], env);
      assert.equal(r.code, 0, r.stderr + r.stdout);
      const [rows] = (await c.query('SELECT id, LENGTH(data) AS n FROM b ORDER BY id')) as unknown as [Array<{ id: number; n: number }>];
      assert.deepEqual(
        rows.map((x) => [x.id, Number(x.n)]),
        [
          [1, 6 * 1024 * 1024],
          [2, 5],
        ],
      );

      // With a packet smaller than the row, nothing is dropped.
      await c.query('DELETE FROM b WHERE id = 2');
      sync(env);
      await c.query('SET GLOBAL max_allowed_packet = 4194304');
      try {
        const refused = restore(['HEAD~1', '--yes'], env);
        assert.equal(refused.code, 1, refused.stdout + refused.stderr);
        assert.match(
          refused.stderr,
          /table b has a row of \d+ bytes, more than the server's max_allowed_packet \(4194304\); nothing was changed -- raise max_allowed_packet/,
        );
        const [left] = (await c.query('SELECT id FROM b ORDER BY id')) as unknown as [Array<{ id: number }>];
        assert.deepEqual(
          left.map((x) => x.id),
          [1],
          'the table was not dropped',
        );
      } finally {
        await c.query('SET GLOBAL max_allowed_packet = 67108864');
      }
    } finally {
      await c.end();
    }
  });
});
