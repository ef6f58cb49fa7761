/**
 * The apply engine (src/apply) against a real server: row-level changes built from real snapshot
 * lines are written into live tables (InnoDB in a transaction, MyISAM under a table lock), and a
 * fresh snapshot afterwards gives exactly the wanted lines (no echo). Local writes made since the
 * snapshot are never overwritten: the whole table is refused instead. Every column type goes
 * through UPDATE, INSERT and DELETE (also in a table without key); secrets are decrypted with the
 * key and never overwritten by a placeholder.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createSecretKey, randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { Connection } from 'mysql2/promise';
import { applyRowChanges, type ApplyOptions, type ApplyResult } from '../../src/apply/apply-row-changes.js';
import { Database, type DatabaseOptions } from '../../src/db/database.js';
import { DbsyncError } from '../../src/errors/dbsync-error.js';
import type { RowChange } from '../../src/merge/row-change.js';
import { SecretCipher, secretContext } from '../../src/secrets/secret-cipher.js';
import { REDACTED, REDACTED_LITERAL } from '../../src/secrets/secret-literal.js';
import { secretsSettings, type SecretPolicy, type SecretsSettings } from '../../src/secrets/secret-policy.js';
import { NO_POLICY, PassPolicy, policyDecider } from '../../src/policy/pass-policy.js';
import { encodeTableFileName } from '../../src/snapshot/layout.js';
import { cellsOf, prefixOf } from '../../src/snapshot/row-line.js';
import { quoteString } from '../../src/snapshot/sql-text.js';
import type { TableInfo } from '../../src/snapshot/table-info.js';
import { takeSnapshot } from '../../src/snapshot/take-snapshot.js';
import { MariaDbServer } from '../support/mariadb-server.js';
import { tempDir } from '../support/project.js';

const DB = 'app';
let server: MariaDbServer;
/** The "application": writes directly, like the real one would. */
let app: Connection;

function options(): DatabaseOptions {
  return { host: 'localhost', port: 0, socket: server.socket, user: 'root', password: undefined, database: DB, connectTimeoutMs: 5000 };
}

interface Snap {
  readonly info: TableInfo;
  /** The table's data lines (without line break), sorted. */
  readonly lines: string[];
}

/** The real snapshot pipeline (takeSnapshot), for one table: its TableInfo and data lines. */
async function snapshot(table: string, secrets?: SecretsSettings): Promise<Snap> {
  const dir = tempDir('dbsync-apply-snap-');
  try {
    const staged = await takeSnapshot({
      connect: () => Database.connect(options()),
      schema: DB,
      filter: { include: [table], exclude: [] },
      stagingDir: dir,
      policy: policyDecider({ ...NO_POLICY, ...(secrets ? { secrets } : {}) }),
    });
    const info = staged.tables.find((t) => t.name === table)!;
    const stem = `data/${encodeTableFileName(table)}`;
    const files = staged.files.filter((f) => f === `${stem}.sql` || f.startsWith(`${stem}@`));
    assert.ok(files.length > 0, `data file of ${table}`);
    const lines = files.flatMap((f) => readFileSync(path.join(dir, f), 'utf8').split('\n')).filter((l) => l.length > 0);
    return { info, lines: lines.sort() };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function apply(info: TableInfo, changes: RowChange[], opts: ApplyOptions = {}): Promise<ApplyResult> {
  const db = await Database.connect(options());
  try {
    return await applyRowChanges(db, info, changes, opts);
  } finally {
    await db.close();
  }
}

/** The changes that turn `from` into `to` (the way a fast-forward computes them): by key, or as whole lines for a table without key. */
function changesBetween(info: TableInfo, from: readonly string[], to: readonly string[]): RowChange[] {
  const keyIdx = info.orderKey.map((k) => info.columns.findIndex((c) => c.name === k));
  if (keyIdx.length === 0) {
    const count = new Map<string, number>();
    for (const l of from) count.set(l, (count.get(l) ?? 0) + 1);
    const inserts: RowChange[] = [];
    for (const l of to) {
      const n = count.get(l) ?? 0;
      if (n > 0) count.set(l, n - 1);
      else inserts.push({ keyCells: cellsOf(l), before: null, after: l });
    }
    const deletes: RowChange[] = [];
    for (const [l, n] of count) for (let i = 0; i < n; i++) deletes.push({ keyCells: cellsOf(l), before: l, after: null });
    return [...deletes, ...inserts];
  }
  const keyOf = (l: string) => JSON.stringify(keyIdx.map((i) => cellsOf(l)[i]));
  const a = new Map(from.map((l) => [keyOf(l), l]));
  const b = new Map(to.map((l) => [keyOf(l), l]));
  const out: RowChange[] = [];
  for (const k of new Set([...a.keys(), ...b.keys()])) {
    const before = a.get(k) ?? null;
    const after = b.get(k) ?? null;
    if (before !== after) out.push({ keyCells: JSON.parse(k) as string[], before, after });
  }
  return out;
}

/** A line with some cells replaced. */
function edit(line: string, cells: Record<number, string>): string {
  const c = cellsOf(line);
  for (const [i, v] of Object.entries(cells)) c[Number(i)] = v;
  return `${prefixOf(line)}(${c.join(',')});`;
}

const rowOf = (lines: readonly string[], id: number) => lines.find((l) => cellsOf(l)[0] === String(id))!;
/** Lines of another table with the same columns, as lines of `table`. */
const renamed = (lines: readonly string[], from: string, to: string) => lines.map((l) => l.replace(`INSERT INTO \`${from}\``, `INSERT INTO \`${to}\``)).sort();

async function one<T>(sql: string, params: unknown[] = []): Promise<T> {
  const [rows] = await app.query(sql, params);
  return (rows as T[])[0]!;
}

describe('applying row changes to the live database', () => {
  before(async () => {
    server = await MariaDbServer.start();
    app = await server.connect(DB);
    // Like an old application: no strict mode, invalid dates allowed; UTC for the TIMESTAMP values.
    await app.query("SET SESSION sql_mode = 'ALLOW_INVALID_DATES', time_zone = '+00:00'");
  });
  after(async () => {
    await app?.end();
    await server?.destroy();
  });

  for (const engine of ['InnoDB', 'MyISAM']) {
    describe(engine, () => {
      const t = `items_${engine.toLowerCase()}`;
      const setUp = async () => {
        await app.query(`DROP TABLE IF EXISTS ${t}`);
        await app.query(`CREATE TABLE ${t} (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(50) NOT NULL, qty INT, email VARCHAR(50) UNIQUE,
          changed TIMESTAMP NOT NULL DEFAULT '2020-01-01 00:00:00' ON UPDATE CURRENT_TIMESTAMP) ENGINE=${engine}`);
        await app.query(
          `INSERT INTO ${t} (id, name, qty, email) VALUES (1,'one',1,'1@x'),(2,'two',2,'2@x'),(3,'three',3,'3@x'),(4,'four',4,NULL),(5,'five',5,NULL)`,
        );
        return snapshot(t);
      };

      it('inserts, updates and deletes; the next snapshot gives exactly the wanted lines', async () => {
        const s = await setUp();
        const want = [
          ...s.lines.filter((l) => !['2', '3'].includes(cellsOf(l)[0]!)),
          // Only `name` changes: the ON UPDATE CURRENT_TIMESTAMP column must keep its value, not become now.
          edit(rowOf(s.lines, 2), { 1: quoteString("two, it's \\ new") }),
          edit(rowOf(s.lines, 1), { 0: '10', 1: "'ten'", 3: "'10@x'" }),
        ].sort();
        const r = await apply(s.info, changesBetween(s.info, s.lines, want));
        assert.deepEqual(r.refused, []);
        assert.equal(r.refusedBecause, null);
        assert.deepEqual([r.inserted, r.updated, r.deleted], [1, 1, 1]);
        assert.deepEqual((await snapshot(t)).lines, want, 'a fresh snapshot equals the wanted lines (no echo)');
      });

      it('a local write to a changed row since the snapshot: the whole table is refused, the local write survives', async () => {
        const s = await setUp();
        await app.query(`UPDATE ${t} SET qty = 42 WHERE id = 2`);
        const local = await snapshot(t);
        const want = [
          edit(rowOf(s.lines, 2), { 1: "'theirs'" }),
          edit(rowOf(s.lines, 1), { 2: '100' }),
          ...s.lines.filter((l) => !['1', '2', '4'].includes(cellsOf(l)[0]!)),
        ].sort();
        const changes = changesBetween(s.info, s.lines, want);
        assert.equal(changes.length, 3);
        const r = await apply(s.info, changes);
        assert.equal(r.refused.length, changes.length, 'every change of the table comes back');
        assert.match(r.refusedBecause ?? '', /1 row\(s\) .* changed here since the last snapshot \(key \(2\)\)/);
        assert.deepEqual([r.inserted, r.updated, r.deleted], [0, 0, 0]);
        assert.deepEqual((await snapshot(t)).lines, local.lines, 'nothing was applied; the local write is there');
      });

      it('a local write to another row: the changes are applied and the local write survives', async () => {
        const s = await setUp();
        await app.query(`UPDATE ${t} SET qty = 42 WHERE id = 5`);
        const local = await snapshot(t);
        const want = [edit(rowOf(s.lines, 2), { 1: "'theirs'" }), ...s.lines.filter((l) => !['2', '3'].includes(cellsOf(l)[0]!))].sort();
        const r = await apply(s.info, changesBetween(s.info, s.lines, want));
        assert.deepEqual(r.refused, []);
        assert.deepEqual([r.inserted, r.updated, r.deleted], [0, 1, 1]);
        assert.deepEqual((await snapshot(t)).lines, [...want.filter((l) => cellsOf(l)[0] !== '5'), rowOf(local.lines, 5)].sort());
        assert.equal(cellsOf(rowOf(local.lines, 5))[2], '42');
      });

      it('a lock the application holds: the table is refused as busy within the lock wait, nothing written', async () => {
        const s = await setUp();
        const holder = await server.connect(DB);
        try {
          if (engine === 'InnoDB') {
            await holder.query('START TRANSACTION');
            await holder.query(`UPDATE ${t} SET qty = 7 WHERE id = 2`);
          } else await holder.query(`LOCK TABLES ${t} READ`);
          const want = [edit(rowOf(s.lines, 2), { 1: "'theirs'" }), ...s.lines.filter((l) => cellsOf(l)[0] !== '2')].sort();
          const started = Date.now();
          const r = await apply(s.info, changesBetween(s.info, s.lines, want), { lockWaitSeconds: 1 });
          assert.ok(Date.now() - started < 5000, 'gives up after about the lock wait');
          assert.equal(r.refused.length, 1);
          assert.match(r.refusedBecause ?? '', /busy .*Lock wait timeout/);
          if (engine === 'InnoDB') await holder.query('COMMIT');
          else await holder.query('UNLOCK TABLES');
          const now = await snapshot(t);
          assert.equal(cellsOf(rowOf(now.lines, 2))[1], "'two'", 'our change was not written');
          assert.equal(cellsOf(rowOf(now.lines, 2))[2], engine === 'InnoDB' ? '7' : '2', "the application's write is there");
        } finally {
          await holder.end();
        }
      });

      it('two rows swapping a unique value fail clearly and leave the table as it was', async () => {
        const s = await setUp();
        // Row 5 is deleted first (deletes come before updates): it must be back afterwards.
        const want = [
          edit(rowOf(s.lines, 1), { 3: "'2@x'" }),
          edit(rowOf(s.lines, 2), { 3: "'1@x'" }),
          ...s.lines.filter((l) => !['1', '2', '5'].includes(cellsOf(l)[0]!)),
        ].sort();
        await assert.rejects(apply(s.info, changesBetween(s.info, s.lines, want)), (err: unknown) => {
          assert.ok(err instanceof DbsyncError);
          assert.match(err.message, /Duplicate entry/);
          assert.match(err.message, engine === 'InnoDB' ? /nothing was changed \(rolled back\)/ : /nothing was changed \(the rows were put back\)/);
          assert.match(err.hint, /unique key/);
          return true;
        });
        assert.deepEqual((await snapshot(t)).lines, s.lines, 'the table is as before');
      });
    });
  }

  it('a trigger can skip writes of git-dbsync (@dbsync_apply); one that changes the written row makes the apply fail and roll back', async () => {
    await app.query('DROP TABLE IF EXISTS trig');
    await app.query('CREATE TABLE trig (id INT PRIMARY KEY, v INT, note VARCHAR(20)) ENGINE=InnoDB');
    await app.query("INSERT INTO trig VALUES (1, 1, 'x'), (2, 2, 'x')");
    await app.query("CREATE TRIGGER trig_bu BEFORE UPDATE ON trig FOR EACH ROW BEGIN IF @dbsync_apply IS NULL THEN SET NEW.note = 'app'; END IF; END");
    const s = await snapshot('trig');
    const want = [edit(rowOf(s.lines, 1), { 1: '10' }), rowOf(s.lines, 2)].sort();
    const r = await apply(s.info, changesBetween(s.info, s.lines, want));
    assert.deepEqual([r.updated, r.refused.length], [1, 0]);
    assert.deepEqual((await snapshot('trig')).lines, want, 'the guarded trigger did not touch our write');
    await app.query('DROP TRIGGER trig_bu');
    await app.query("CREATE TRIGGER trig_bu BEFORE UPDATE ON trig FOR EACH ROW SET NEW.note = 'app'");
    const s2 = await snapshot('trig');
    const want2 = [edit(rowOf(s2.lines, 2), { 1: '20' }), rowOf(s2.lines, 1)].sort();
    await assert.rejects(
      apply(s2.info, changesBetween(s2.info, s2.lines, want2)),
      /row \(2\) reads back different from the incoming snapshot in column\(s\) note; nothing was changed \(rolled back\)/,
    );
    assert.deepEqual((await snapshot('trig')).lines, s2.lines);
  });

  describe('every column type', () => {
    /** Columns with two non-NULL values each (SQL expressions in the application's session). */
    const COLUMNS: ReadonlyArray<readonly [string, string, string, string]> = [
      ['ti', 'TINYINT', '-128', '127'],
      ['biu', 'BIGINT UNSIGNED', '18446744073709551615', '0'],
      ['d', 'DECIMAL(65,30)', '-12345678901234567890123456789012345.123456789012345678901234567890', '0.000000000000000000000000000001'],
      ['fl', 'FLOAT', '3.4028234e38', '-1e-50'],
      ['db', 'DOUBLE', '1e308', '-2.2250738585072014e-308'],
      ['b1', 'BIT(1)', "b'1'", "b'0'"],
      ['b64', 'BIT(64)', "b'1111111111111111111111111111111111111111111111111111111111111111'", "b'101'"],
      ['ch', 'CHAR(10)', "'a''b\\\\c'", "_utf8mb4 x'f09f988020c3a9'"],
      ['vc', 'VARCHAR(200)', "_utf8mb4 x'78007917270a0d1a5c'", "''"],
      ['tx', 'TEXT', "REPEAT('it''s long, ', 300)", "'\\\\N'"],
      ['l1', 'VARCHAR(50) CHARACTER SET latin1', "_latin1 x'e9ff00'", "_latin1 x'41'"],
      ['ac', 'VARCHAR(20) CHARACTER SET ascii', "_ascii x'41ff'", "'plain'"],
      ['cy', 'VARCHAR(20) CHARACTER SET cp1251', "_cp1251 x'c0c1'", "''"],
      ['u16', 'VARCHAR(20) CHARACTER SET utf16', "'Жж'", "_utf8mb4 x'f09d849e'"],
      ['en', "ENUM('a','b','','x y')", "'x y'", '0'],
      ['st', "SET('a','b','c')", "'a,c'", "''"],
      ['bn', 'BINARY(4)', "x'00ff0001'", "x'41'"],
      ['vb', 'VARBINARY(20)', "''", "x'5c27'"],
      ['bl', 'BLOB', "x'0001020327'", "x'ff'"],
      ['dt', 'DATE', "'2021-02-31'", "'0000-00-00'"],
      ['dtm', 'DATETIME(6)', "'9999-12-31 23:59:59.999999'", "'1000-01-01 00:00:00.000001'"],
      ['ts', 'TIMESTAMP(3) NULL DEFAULT NULL', "'2038-01-19 03:14:07.999'", "'1970-01-01 00:00:01.000'"],
      ['tm', 'TIME(2)', "'-838:59:59.00'", "'00:00:00.01'"],
      ['yr', 'YEAR', '2155', '0'],
      ['js', 'JSON', `'{"a":[1,2.50,"x\\\\"y"],"b":null}'`, "'[]'"],
      ['uu', 'UUID', "'123e4567-e89b-12d3-a456-426614174000'", "'00000000-0000-0000-0000-000000000000'"],
      ['i6', 'INET6', "'::1'", "'ffff::'"],
      ['i4', 'INET4', "'127.0.0.1'", "'0.0.0.0'"],
      ['g', 'GEOMETRY', "ST_GeomFromText('POINT(1.5 -2)', 4326)", "ST_GeomFromText('LINESTRING(0 0,1 1)')"],
    ];
    const definition = (name: string, key: boolean, engine: string) =>
      `CREATE TABLE ${name} (id INT NOT NULL${key ? ' PRIMARY KEY' : ''}, ${COLUMNS.map(([c, type]) => `${c} ${type}`).join(', ')}, gen BIGINT AS (id * 2) VIRTUAL) ENGINE=${engine}`;
    const row = (id: number, which: 'a' | 'b' | 'null') =>
      `(${id}, ${COLUMNS.map((c) => (which === 'null' ? 'NULL' : which === 'a' ? c[2] : c[3])).join(', ')}, DEFAULT)`;
    const fill = async (name: string, rows: Array<[number, 'a' | 'b' | 'null']>) => {
      await app.query(`INSERT INTO ${name} VALUES ${rows.map(([id, w]) => row(id, w)).join(', ')}`);
    };
    const checksum = async (name: string) => (await one<{ Checksum: string }>(`CHECKSUM TABLE ${name} EXTENDED`)).Checksum;

    it('through UPDATE, INSERT and DELETE by key (InnoDB): the table then equals one filled directly', async () => {
      for (const n of ['ty', 'ty_ref']) {
        await app.query(`DROP TABLE IF EXISTS ${n}`);
        await app.query(definition(n, true, 'InnoDB'));
      }
      await fill('ty', [
        [1, 'a'],
        [2, 'b'],
        [3, 'null'],
        [4, 'a'],
        [6, 'a'],
      ]);
      await fill('ty_ref', [
        [1, 'b'],
        [2, 'a'],
        [3, 'a'],
        [4, 'null'],
        [5, 'b'],
      ]);
      const s = await snapshot('ty');
      const want = renamed((await snapshot('ty_ref')).lines, 'ty_ref', 'ty');
      const r = await apply(s.info, changesBetween(s.info, s.lines, want));
      assert.deepEqual([r.inserted, r.updated, r.deleted, r.refused.length], [1, 4, 1, 0]);
      assert.deepEqual((await snapshot('ty')).lines, want, 'a fresh snapshot equals the wanted lines');
      assert.equal(await checksum('ty'), await checksum('ty_ref'), 'CHECKSUM TABLE equals that of the table filled directly');
    });

    for (const engine of ['MyISAM', 'InnoDB'])
      it(`in a table without key (${engine}), duplicate rows included: rows are found by their exact values`, async () => {
        for (const n of ['loose', 'loose_ref']) {
          await app.query(`DROP TABLE IF EXISTS ${n}`);
          await app.query(definition(n, false, engine));
        }
        await fill('loose', [
          [1, 'a'],
          [1, 'a'],
          [2, 'b'],
          [3, 'null'],
          [4, 'b'],
          [6, 'a'],
          [7, 'null'],
        ]);
        await fill('loose_ref', [
          [1, 'a'],
          [3, 'null'],
          [5, 'b'],
          [5, 'b'],
          [6, 'a'],
        ]);
        const s = await snapshot('loose');
        assert.deepEqual(s.info.orderKey, []);
        const want = renamed((await snapshot('loose_ref')).lines, 'loose_ref', 'loose');
        const changes = changesBetween(s.info, s.lines, want);
        const r = await apply(s.info, changes);
        assert.deepEqual([r.inserted, r.deleted, r.refused.length], [2, 4, 0]);
        assert.deepEqual((await snapshot('loose')).lines, want);
        // A row already gone: the whole table is refused.
        await app.query('DELETE FROM loose WHERE id = 6');
        const gone = changesBetween(
          s.info,
          want,
          want.filter((l) => !['1', '6'].includes(cellsOf(l)[0]!)),
        );
        const r2 = await apply(s.info, gone);
        assert.equal(r2.refused.length, 2);
        assert.equal(Number((await one<{ n: string }>('SELECT COUNT(*) AS n FROM loose WHERE id = 1')).n), 1, 'nothing was deleted');
      });
  });

  describe('secrets', () => {
    const KEY = createSecretKey(randomBytes(32));
    const settings = (policy: SecretPolicy, withKey: boolean): SecretsSettings =>
      secretsSettings({ mode: 'auto', overrides: new Map([['users.pw', policy]]), key: withKey ? KEY : undefined, keyFile: undefined });
    const setUp = async () => {
      await app.query('DROP TABLE IF EXISTS users');
      await app.query('CREATE TABLE users (id INT PRIMARY KEY, name VARCHAR(20), pw VARCHAR(200)) ENGINE=InnoDB');
      await app.query("INSERT INTO users VALUES (1, 'ann', 'hash1'), (2, 'bob', ''), (3, 'cy', 'hash3')");
    };
    const pw = async (id: number) => (await one<{ pw: string | null } | undefined>('SELECT pw FROM users WHERE id = ?', [id]))?.pw;

    it('a redacted placeholder never overwrites the live secret; a new row gets the placeholder; both are reported', async () => {
      await setUp();
      const redact = settings('redact', false);
      const s = await snapshot('users', redact);
      assert.equal(cellsOf(rowOf(s.lines, 1))[2], REDACTED_LITERAL);
      const want = [
        edit(rowOf(s.lines, 1), { 1: "'anne'" }),
        edit(rowOf(s.lines, 2), { 2: REDACTED_LITERAL }),
        rowOf(s.lines, 3),
        edit(rowOf(s.lines, 1), { 0: '4', 1: "'dee'" }),
      ].sort();
      const r = await apply(s.info, changesBetween(s.info, s.lines, want), { policy: PassPolicy.decide({ ...NO_POLICY, secrets: redact }, []) });
      assert.deepEqual([r.inserted, r.updated, r.refused.length], [1, 1, 0]);
      assert.equal(await pw(1), 'hash1', 'the live secret of the updated row is kept');
      assert.equal((await one<{ name: string }>('SELECT name FROM users WHERE id = 1')).name, 'anne');
      assert.equal(await pw(2), '', 'a placeholder is not written over the live value');
      assert.equal(await pw(4), REDACTED, 'a new row gets the placeholder');
      assert.equal(r.secretsNotApplied.length, 2, r.secretsNotApplied.join('\n'));
      assert.ok(
        r.secretsNotApplied.some((l) => /^users\.pw .*1 value\(s\) redacted.*local value was kept/.test(l)),
        r.secretsNotApplied.join('\n'),
      );
      assert.ok(
        r.secretsNotApplied.some((l) => /1 value\(s\) redacted.*new row got the placeholder/.test(l)),
        r.secretsNotApplied.join('\n'),
      );
    });

    it('encrypted secrets are decrypted with the key: the live value is the original, the next snapshot gives the same tokens', async () => {
      await setUp();
      const enc = settings('encrypt', true);
      const s = await snapshot('users', enc);
      const cipher = new SecretCipher(KEY);
      const token = (plain: string) => quoteString(cipher.encrypt(secretContext('users', 'pw'), quoteString(plain)));
      assert.equal(cellsOf(rowOf(s.lines, 1))[2], token('hash1'), 'the snapshot holds the token');
      const want = [
        edit(rowOf(s.lines, 1), { 2: token("new'hash") }),
        rowOf(s.lines, 2),
        rowOf(s.lines, 3),
        edit(rowOf(s.lines, 3), { 0: '5', 2: token('h5') }),
      ].sort();
      const r = await apply(s.info, changesBetween(s.info, s.lines, want), { policy: PassPolicy.decide({ ...NO_POLICY, secrets: enc }, []) });
      assert.deepEqual([r.inserted, r.updated, r.refused.length, r.secretsNotApplied.length], [1, 1, 0, 0]);
      assert.equal(await pw(1), "new'hash");
      assert.equal(await pw(5), 'h5');
      assert.deepEqual((await snapshot('users', enc)).lines, want, 'no echo: the snapshot encrypts them to the same tokens');
    });

    it('a token without the key here keeps the live value and is reported', async () => {
      await setUp();
      const redact = settings('redact', false);
      const s = await snapshot('users', redact);
      const other = new SecretCipher(randomBytes(32));
      const want = [
        edit(rowOf(s.lines, 3), { 2: quoteString(other.encrypt(secretContext('users', 'pw'), "'x'")) }),
        rowOf(s.lines, 1),
        rowOf(s.lines, 2),
      ].sort();
      const r = await apply(s.info, changesBetween(s.info, s.lines, want), { policy: PassPolicy.decide({ ...NO_POLICY, secrets: redact }, []) });
      assert.deepEqual([r.updated, r.refused.length], [0, 0]);
      assert.equal(await pw(3), 'hash3');
      assert.match(r.secretsNotApplied.join('\n'), /users\.pw .*1 value\(s\) encrypted, and DBSYNC_SECRET_KEY_FILE is not set here; the local value was kept/);
    });
  });
});
