/**
 * The repository is untrusted input (issue 11): a tampered snapshot, committed by hand for
 * `restore --yes` or pushed to the shared remote by a "second computer" for a two-way `pull`, is
 * refused with one line naming the file and the line, before anything in the database changed;
 * a neighbour database on the same server (`other`, which the attacks aim at) stays exactly as it
 * was (its tables and CHECKSUM TABLE). Real MariaDB, real git, the public commands only.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import type { Connection } from 'mysql2/promise';
import { LOAD_SETTINGS } from '../../src/db/mariadb/write-session.js';
import { LineSyntaxError, parseRowLine } from '../../src/snapshot/line-codec.js';
import { bareRemote, Computer } from '../support/computers.js';
import { MariaDbServer } from '../support/mariadb-server.js';
import { baseEnv, git, tempDir } from '../support/project.js';

let server: MariaDbServer;
let root: Connection;
let seq = 0;
const open: Computer[] = [];

const SCHEMA = `
CREATE TABLE t1 (id INT PRIMARY KEY, v VARCHAR(200)) ENGINE=InnoDB;
INSERT INTO t1 VALUES (1,'one'),(2,'two'),(3,'three');
CREATE VIEW v1 AS SELECT id, v FROM t1 WHERE id > 1;
`;

/** The neighbour database's tables and checksums: what no attack may change. */
async function neighbour(): Promise<string> {
  const [tables] = await root.query("SELECT TABLE_NAME AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'other' ORDER BY 1");
  const names = (tables as Array<{ n: string }>).map((r) => r.n);
  const sums: string[] = [];
  for (const n of names) {
    const [r] = await root.query(`CHECKSUM TABLE other.\`${n}\` EXTENDED`);
    sums.push(`${n}=${String((r as Array<{ Checksum: unknown }>)[0]?.Checksum)}`);
  }
  return sums.join(',');
}

/** Rewrite files of a working tree and commit them (what someone with write access could do). */
function tamper(dir: string, files: Record<string, (text: string) => string>, message = 'tampered'): void {
  for (const [rel, edit] of Object.entries(files)) {
    const file = path.join(dir, rel);
    writeFileSync(file, edit(readFileSync(file, 'utf8')));
  }
  git(dir, ['add', '-A']);
  git(dir, ['commit', '-q', '-m', message]);
}

const replaceLine = (n: number, line: string) => (text: string) => {
  const lines = text.split('\n');
  lines[n - 1] = line;
  return lines.join('\n');
};

/** The attacks of issue 11: files to change, and the file and line the refusal must name. */
const ATTACKS: ReadonlyArray<{ name: string; files: Record<string, (text: string) => string>; where: RegExp }> = [
  {
    name: 'a data line with a subquery into another database',
    files: { 'database/data/t1.sql': replaceLine(2, 'INSERT INTO `t1` VALUES (2,(SELECT GROUP_CONCAT(id) FROM other.keepme));') },
    where: /database\/data\/t1\.sql line 2 /,
  },
  {
    name: 'a second statement after ";"',
    files: { 'database/data/t1.sql': replaceLine(3, "INSERT INTO `t1` VALUES (3,'three'); DROP TABLE other.keepme;") },
    where: /database\/data\/t1\.sql line 3 /,
  },
  {
    name: 'an executable comment',
    files: { 'database/data/t1.sql': replaceLine(1, "INSERT INTO `t1` VALUES (1,/*!50000 (SELECT COUNT(*) FROM other.keepme)*/'one');") },
    where: /database\/data\/t1\.sql line 1 /,
  },
  {
    name: 'a string that swallows the line end',
    files: { 'database/data/t1.sql': replaceLine(1, "INSERT INTO `t1` VALUES (1,'one\\');") },
    where: /database\/data\/t1\.sql line 1 /,
  },
  {
    name: 'CREATE TABLE ... SELECT in a schema file',
    files: {
      'database/tables/t1.sql': () =>
        'CREATE TABLE `t1` (\n  `id` int(11) NOT NULL,\n  `v` varchar(200) DEFAULT NULL\n) ENGINE=InnoDB AS SELECT id, name AS v FROM other.keepme;\n',
    },
    where: /database\/tables\/t1\.sql line [0-9]+ /,
  },
  {
    name: 'a schema file naming another table',
    files: { 'database/tables/t1.sql': (t) => t.replace('CREATE TABLE `t1`', 'CREATE TABLE `t2`') },
    where: /database\/tables\/t1\.sql line 1 /,
  },
  {
    name: 'DROP DATABASE in views.sql',
    files: { 'database/views.sql': (t) => t.replace(/CREATE [^\n]*VIEW [^\n]*/, 'DROP DATABASE other') },
    where: /database\/views\.sql line 4 /,
  },
  {
    name: "a view block whose body is SET PASSWORD = PASSWORD('x');; DROP TABLE other.keepme",
    files: { 'database/views.sql': (t) => t.replace(/SET @@session[^\n]*\n[^\n]*/, "SET PASSWORD = PASSWORD('x');;\nDROP TABLE other.keepme") },
    where: /database\/views\.sql line 3 /,
  },
  {
    name: 'a view reading another database',
    files: { 'database/views.sql': (t) => t.replace(/from `t1`/i, 'from `other`.`keepme`') },
    where: /database\/views\.sql line 4 /,
  },
];

describe('hostile repository', () => {
  before(async () => {
    server = await MariaDbServer.start();
    root = await server.connect();
    await root.query('CREATE DATABASE other');
    await root.query('CREATE TABLE other.keepme (id INT PRIMARY KEY, secret VARCHAR(20)) ENGINE=InnoDB');
    await root.query("INSERT INTO other.keepme VALUES (10,'s1'),(20,'s2')");
  });
  after(async () => {
    for (const c of open) await c.close();
    await root?.end();
    await server?.destroy();
  });

  /** A computer (database `<prefix>N` on the shared server) with the schema, synced once. */
  async function computer(prefix: string, extra: Record<string, string> = {}): Promise<Computer> {
    const db = `${prefix}${++seq}`;
    await root.query(`CREATE DATABASE ${db}`);
    const dir = path.join(tempDir('dbsync-hostile-'), 'project');
    mkdirSync(dir, { recursive: true });
    const c = new Computer(db, server, db, dir, baseEnv({ ...server.env(db), PROJECT_DIR: dir, DBSYNC_PROFILE: 'none', ...extra }));
    open.push(c);
    return c;
  }

  for (const attack of ATTACKS) {
    it(`restore --yes refuses ${attack.name}`, async () => {
      const c = await computer('hr');
      await c.sql(SCHEMA);
      await c.sync();
      await c.sql("UPDATE t1 SET v = 'changed' WHERE id = 1");
      await c.sync();
      const first = git(c.dir, ['rev-list', '--max-parents=0', 'HEAD']).trim();
      // The attacker's commit: the first snapshot, tampered.
      git(c.dir, ['checkout', '-q', first, '--', 'database']);
      tamper(c.dir, attack.files);
      const rowsBefore = await c.rows('t1');
      const neighbourBefore = await neighbour();
      const r = await c.run(['restore', '--yes']);
      assert.equal(r.code, 5, r.stderr);
      assert.match(r.stderr, attack.where);
      assert.match(r.stderr, /is not what git-dbsync writes .*nothing was changed/);
      assert.equal(r.stderr.trim().split('\n').length, 1, 'one line');
      assert.equal(await neighbour(), neighbourBefore, 'the neighbour database is unchanged');
      assert.deepEqual(await c.rows('t1'), rowsBefore, 'the table is unchanged');
      assert.deepEqual(await c.sql('SELECT id FROM v1 ORDER BY id'), [{ id: 2 }, { id: 3 }], 'the view is unchanged');
      // Also the plan alone says so.
      const plan = await c.run(['restore']);
      assert.equal(plan.code, 5, plan.stderr);
    });
  }

  /** Computer 2 of a two-way pair; the attacker is a plain clone of the shared remote. */
  async function twoWay(extra: Record<string, string> = {}): Promise<{ b: Computer; attacker: string }> {
    const remote = bareRemote();
    const a = await computer('hwa', { GIT_REMOTE_URL: remote, DBSYNC_MODE: 'two-way', ...extra });
    await a.sql(SCHEMA);
    await a.sync();
    const b = await computer('hwb', { GIT_REMOTE_URL: remote, DBSYNC_MODE: 'two-way', ...extra });
    assert.match(await b.sync(), /^joined: cloned /m);
    const attacker = path.join(tempDir('dbsync-attacker-'), 'clone');
    git(path.dirname(attacker), ['clone', '-q', remote, attacker]);
    return { b, attacker };
  }

  for (const attack of ATTACKS) {
    it(`two-way pull refuses ${attack.name} pushed by another computer`, async () => {
      const { b, attacker } = await twoWay();
      tamper(attacker, attack.files);
      git(attacker, ['push', '-q', 'origin', 'HEAD:main']);
      const head = b.head();
      const rowsBefore = await b.rows('t1');
      const neighbourBefore = await neighbour();
      const r = await b.run(['pull']);
      assert.equal(r.code, 5, r.stderr);
      assert.match(r.stderr, attack.where);
      assert.match(r.stderr, /^git-dbsync: pull: /m);
      assert.equal(await neighbour(), neighbourBefore, 'the neighbour database is unchanged');
      assert.deepEqual(await b.rows('t1'), rowsBefore);
      assert.deepEqual(await b.sql('SELECT id FROM v1 ORDER BY id'), [{ id: 2 }, { id: 3 }]);
      assert.equal(b.head(), head, 'nothing merged or committed');
    });
  }

  it('a pulled view change is recorded as a conflict for review (conflicts lists it, resolve --theirs applies it, --ours keeps ours), and applied only with DBSYNC_PULL_OBJECTS=apply', async () => {
    const { b, attacker } = await twoWay();
    tamper(attacker, { 'database/views.sql': (t) => t.replace(/`id` > 1/, '`id` > 2') });
    git(attacker, ['push', '-q', 'origin', 'HEAD:main']);
    const r = await b.run(['pull']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /view v1 was changed on the other computer \([0-9a-f]{12}\) and NOT applied/);
    // The code to review, as a diff from this database's version.
    assert.match(
      r.stdout,
      /view v1, not applied \(this computer's version -> [0-9a-f]{12}\):\n(?: {4}[ +-] .*\n)*? {4}- .*`id` > 1.*\n {4}\+ .*`id` > 2/,
      r.stdout,
    );
    assert.deepEqual(await b.sql('SELECT id FROM v1 ORDER BY id'), [{ id: 2 }, { id: 3 }], 'the view is as it was');
    // Recorded as a conflict (conflicts/@objects.jsonl, committed): `conflicts` lists it, `resolve` settles it.
    assert.equal(git(b.dir, ['status', '--porcelain']).trim(), '', 'the record is committed');
    const listed = await b.run(['conflicts']);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /^- view v1: changed on the other computer \(theirs [0-9a-f]{12}\) and not applied/m, listed.stdout);
    assert.match(listed.stdout, /git-dbsync resolve view v1 --theirs \(apply theirs\) or --ours \(keep ours\)/);
    const theirs = await b.run(['resolve', 'view', 'v1', '--theirs']);
    assert.equal(theirs.code, 0, theirs.stderr);
    assert.match(theirs.stdout, /^Resolve definition conflict of view v1: theirs; the database now has it; committed [0-9a-f]{12}/);
    assert.deepEqual(await b.sql('SELECT id FROM v1 ORDER BY id'), [{ id: 3 }], 'theirs applied');
    assert.match((await b.run(['conflicts'])).stdout, /^no open conflicts$/m);
    assert.match(git(b.dir, ['show', 'HEAD:database/views.sql']), /`id` > 2/, 'the snapshot records the applied view');
    // Another change of theirs, kept out with --ours: nothing changes but the record.
    git(attacker, ['fetch', '-q', 'origin']);
    git(attacker, ['reset', '-q', '--hard', 'origin/main']);
    tamper(attacker, { 'database/views.sql': (t) => t.replace(/`id` > 2/, '`id` > 0') });
    git(attacker, ['push', '-q', 'origin', 'HEAD:main']);
    assert.equal((await b.run(['pull'])).code, 0);
    assert.match((await b.run(['conflicts'])).stdout, /^- view v1: changed on the other computer/m);
    const ours = await b.run(['resolve', 'view', 'v1', '--ours']);
    assert.equal(ours.code, 0, ours.stderr);
    assert.match(ours.stdout, /^Resolve definition conflict of view v1: ours; the database already had it/);
    assert.deepEqual(await b.sql('SELECT id FROM v1 ORDER BY id'), [{ id: 3 }], 'ours kept');
    assert.match((await b.run(['conflicts'])).stdout, /^no open conflicts$/m);
    // Diverged (a local row change too): the merge commit carries the record.
    await b.sql("UPDATE t1 SET v = 'local' WHERE id = 1");
    git(attacker, ['fetch', '-q', 'origin']);
    git(attacker, ['reset', '-q', '--hard', 'origin/main']);
    tamper(attacker, { 'database/views.sql': (t) => t.replace(/`id` > [0-9]/, '`id` > 1') });
    git(attacker, ['push', '-q', 'origin', 'HEAD:main']);
    const merged = await b.run(['pull']);
    assert.equal(merged.code, 0, merged.stderr);
    assert.equal(git(b.dir, ['rev-list', '--parents', '-n', '1', 'HEAD']).trim().split(' ').length, 3, 'a merge commit');
    assert.match(git(b.dir, ['show', 'HEAD:database/conflicts/@objects.jsonl']), /"object":"view v1","why":"review","kept":"ours"/);
    assert.equal((await b.run(['resolve', 'view', 'v1', '--theirs'])).code, 0);
    assert.deepEqual(await b.sql('SELECT id FROM v1 ORDER BY id'), [{ id: 2 }, { id: 3 }], 'theirs applied after the merge');

    const two = await twoWay({ DBSYNC_PULL_OBJECTS: 'apply' });
    tamper(two.attacker, { 'database/views.sql': (t) => t.replace(/`id` > 1/, '`id` > 2') });
    git(two.attacker, ['push', '-q', 'origin', 'HEAD:main']);
    const applied = await two.b.run(['pull']);
    assert.equal(applied.code, 0, applied.stderr);
    assert.deepEqual(await two.b.sql('SELECT id FROM v1 ORDER BY id'), [{ id: 3 }], 'applied when told to');
  });

  it('random mutations of a row line are read as a row of the table or refused, never executed as anything else', async () => {
    const c = await computer('hm');
    await c.sql('CREATE TABLE t1 (id INT PRIMARY KEY, v VARCHAR(200), b BLOB, d DOUBLE)');
    const conn = await server.connect(c.db);
    try {
      for (const s of LOAD_SETTINGS) await conn.query(s);
      const neighbourBefore = await neighbour();
      const line = "INSERT INTO `t1` VALUES (1,'it\\'s; a \\\\ (SELECT 1) -- x',0x27DEAD,-1.5e-7);";
      const expect = { table: 't1', columns: ['id', 'v', 'b', 'd'] };
      const pieces = [
        "'",
        '\\',
        ',',
        ')',
        ';',
        ' ',
        '(SELECT 1)',
        'DROP TABLE other.keepme',
        '/*',
        '*/',
        '-- ',
        '#',
        '0x',
        'NULL',
        '`',
        '\n',
        '_latin1 ',
        'e9',
      ];
      let accepted = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.tuple(fc.nat(), fc.nat(3), fc.oneof(fc.constantFrom(...pieces), fc.string({ maxLength: 2 }))), { minLength: 1, maxLength: 3 }),
          async (muts) => {
            let m = line;
            for (const [at, del, text] of muts) {
              const i = at % (m.length + 1);
              m = m.slice(0, i) + text + m.slice(i + del);
            }
            try {
              parseRowLine(m, expect);
            } catch (err) {
              assert.ok(err instanceof LineSyntaxError);
              return;
            }
            accepted++;
            // Accepted: running it inserts at most this one row of t1 and nothing else.
            await conn.query('DELETE FROM t1');
            try {
              await conn.query(m);
            } catch {
              // A value the column refuses (out of range) is an error of that one row.
            }
            const [rows] = await conn.query('SELECT COUNT(*) AS n FROM t1');
            assert.ok((rows as Array<{ n: number }>)[0]!.n <= 1, m);
          },
        ),
        { seed: 20261203, numRuns: process.env.DBSYNC_LONG_TESTS === '1' ? 3000 : 300 },
      );
      assert.equal(await neighbour(), neighbourBefore);
      assert.ok(accepted > 0, 'some mutations are still rows');
    } finally {
      await conn.end();
    }
  });
});
