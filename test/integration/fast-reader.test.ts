/**
 * The fast reader (Database.streamRows + RowEncoder + ChunkWriter.addLine, and the same writing a
 * row in parts as it does a huge one: RowEncoder.encodeInParts + ChunkWriter.sink) against the reference
 * (Database.streamRaw + RowWriter + ChunkWriter.write): a snapshot taken both ways from the same
 * database must be the same files, byte for byte (data chunks, their names, schema files), with
 * the same row counts. Over random values of every column type (the hostile-data generators),
 * hostile fixed values, large values, keys of every shape (non-ASCII, several columns out of
 * order, binary, none), chunked tables, and random table and column names.
 * Every line of every reference snapshot also goes through the strict reader unchanged (issue 11).
 * Plus: an all-InnoDB pass takes no LOCK TABLES (writers never wait), a MyISAM table still does.
 *
 * fast-check with a fixed seed (DBSYNC_FC_SEED replays); DBSYNC_LONG_TESTS=1 runs more cases.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import type { Connection } from 'mysql2/promise';
import { Database } from '../../src/db/database.js';
import { takeSnapshot, type RowReader, type StagedSnapshot } from '../../src/snapshot/take-snapshot.js';
import { COLUMNS, nameArb, qid, rowsArb, valuesSql } from '../support/hostile-values.js';
import { NO_POLICY, policyDecider } from '../../src/policy/pass-policy.js';
import { MariaDbServer } from '../support/mariadb-server.js';
import { tempDir } from '../support/project.js';
import { ANY_ROW, parseRowLine } from '../../src/snapshot/line-codec.js';

const LONG = process.env.DBSYNC_LONG_TESTS === '1';
const SEED = Number(process.env.DBSYNC_FC_SEED ?? 20261203);
const TYPE_RUNS = LONG ? 60 : 8;
const NAME_RUNS = LONG ? 60 : 10;
/** Small chunks, so that a few thousand rows make many files and the key texts decide their names. */
const CHUNK_BYTES = 2048;

let server: MariaDbServer;
let root: Connection;
let counter = 0;
const freshName = (prefix: string) => `${prefix}_${++counter}`;

before(async () => {
  server = await MariaDbServer.start();
  root = await server.connect();
});
after(async () => {
  await root?.end();
  await server?.destroy();
});

async function snapshot(db: string, reader: RowReader): Promise<{ dir: string; staged: StagedSnapshot | null; error: string | null }> {
  const dir = tempDir('dbsync-fast-reader-');
  const connect = () =>
    Database.connect({ host: '', port: 0, socket: server.socket, user: 'root', password: undefined, database: db, connectTimeoutMs: 10_000 });
  try {
    const staged = await takeSnapshot({
      connect,
      schema: db,
      filter: { include: [], exclude: [] },
      stagingDir: path.join(dir, 'staging'),
      policy: policyDecider(NO_POLICY),
      chunkBytes: CHUNK_BYTES,
      reader,
    });
    return { dir, staged, error: null };
  } catch (err) {
    return { dir, staged: null, error: (err as Error).message };
  }
}

/** The first line where two files differ, for the failure message. */
function firstDifference(a: Buffer, b: Buffer): string {
  const la = a.toString('latin1').split('\n');
  const lb = b.toString('latin1').split('\n');
  for (let i = 0; i < Math.max(la.length, lb.length); i++) {
    if (la[i] !== lb[i]) return `line ${i + 1}:\n  reference: ${JSON.stringify(la[i]?.slice(0, 400))}\n  fast:      ${JSON.stringify(lb[i]?.slice(0, 400))}`;
  }
  return '(same lines, different bytes)';
}

/**
 * Snapshot `db` with the reference and with the fast reader, whole lines and in parts (the way a
 * huge row is written, here with parts of 64 bytes so that most values are cut into slices);
 * every file must be identical. Returns the number of data files compared.
 */
async function assertSameBothWays(db: string, label: string): Promise<number> {
  const ref = await snapshot(db, 'reference');
  const others = [await snapshot(db, 'fast'), await snapshot(db, 'parts')];
  try {
    for (const [i, fast] of others.entries()) {
      const how = `${label} (${i === 0 ? 'fast' : 'in parts'})`;
      assert.equal(fast.error, ref.error, `${how}: both readers fail alike (or neither does)`);
      if (ref.staged === null || fast.staged === null) return 0;
      assert.deepEqual(fast.staged.files, ref.staged.files, `${how}: the same files (chunk names included)`);
      assert.deepEqual([...fast.staged.rowCounts], [...ref.staged.rowCounts], `${how}: the same row counts`);
      for (const rel of ref.staged.files) {
        const a: Buffer = readFileSync(path.join(ref.staged.dir, rel));
        const b: Buffer = readFileSync(path.join(fast.staged.dir, rel));
        if (!a.equals(b)) assert.fail(`${how}: ${rel} differs (${a.length} vs ${b.length} bytes), ${firstDifference(a, b)}`);
      }
    }
    // Issue 11's property: a valid snapshot goes through the strict reader unchanged (every line of
    // every data file is read as a row of its table, with its columns, and put back as it was).
    const tables = new Map(ref.staged!.tables.map((t) => [t.name, t]));
    for (const rel of ref.staged!.files.filter((f) => f.startsWith('data/'))) {
      for (const line of readFileSync(path.join(ref.staged!.dir, rel), 'utf8').split('\n')) {
        if (line === '') continue;
        const info = tables.get(parseRowLine(line, ANY_ROW).table);
        assert.ok(info, `${label}: ${rel} holds rows of a table of the snapshot`);
        const p = parseRowLine(line, { table: info.name, columns: info.columns.map((c) => c.name) });
        assert.equal(`${p.prefix}(${p.cells.join(',')});`, line, `${label}: ${rel} read strictly and put back`);
      }
    }
    return ref.staged!.files.filter((f) => f.startsWith('data/')).length;
  } finally {
    for (const s of [ref, ...others]) rmSync(s.dir, { recursive: true, force: true });
  }
}

/** Tables that take their rows from `inno` (the table of every column type): keys of every shape, other character sets, generated and invisible columns. */
const DERIVED_TABLES = `
  CREATE TABLE textkey (k VARCHAR(200) NOT NULL PRIMARY KEY, id INT, bl BLOB) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE utf8mb4_bin;
  INSERT IGNORE INTO textkey SELECT vc, id, bl FROM inno WHERE vc IS NOT NULL;
  CREATE TABLE outoforder (a INT NOT NULL, b TEXT, c VARCHAR(200) NOT NULL, d BLOB, PRIMARY KEY (c, a)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE utf8mb4_bin;
  INSERT IGNORE INTO outoforder SELECT id, tx, COALESCE(vc, ''), bl FROM inno;
  CREATE TABLE binkey (k VARBINARY(100) NOT NULL, n INT NOT NULL, v TEXT, PRIMARY KEY (k, n)) ENGINE=InnoDB;
  INSERT IGNORE INTO binkey SELECT COALESCE(vb, ''), id, js FROM inno;
  CREATE TABLE wide (id INT NOT NULL PRIMARY KEY, a VARCHAR(200) CHARACTER SET ucs2, b VARCHAR(200) CHARACTER SET utf16, c VARCHAR(200) CHARACTER SET utf32,
    d VARCHAR(200) CHARACTER SET utf16le, e TEXT CHARACTER SET latin1, f VARCHAR(200) CHARACTER SET ascii, g VARCHAR(200) CHARACTER SET sjis) ENGINE=InnoDB;
  INSERT INTO wide SELECT id, vc, vc, vc, vc, vc, vc, vc FROM inno;
  CREATE TABLE gen (id INT NOT NULL PRIMARY KEY, v VARCHAR(200), g INT AS (LENGTH(v)) VIRTUAL, s VARCHAR(220) AS (CONCAT('<', v, '>')) STORED, h BLOB INVISIBLE) ENGINE=InnoDB;
  INSERT INTO gen (id, v, h) SELECT id, vc, bl FROM inno;
  CREATE TABLE nokey (v VARCHAR(200), b BLOB) ENGINE=InnoDB;
  INSERT INTO nokey SELECT vc, bl FROM inno; INSERT INTO nokey SELECT vc, bl FROM inno;`;

describe('the fast reader writes what the reference writes', () => {
  it(`random values of every column type, InnoDB and MyISAM, keys of every shape (${TYPE_RUNS} fast-check runs)`, async (t) => {
    t.diagnostic(`fast-check seed ${SEED} (replay with DBSYNC_FC_SEED=${SEED})`);
    const db = freshName('types');
    const defs = COLUMNS.map((c) => `${qid(c.name)} ${c.def}`).join(',\n  ');
    let files = 0;
    await fc.assert(
      fc.asyncProperty(rowsArb, async (rows) => {
        await root.query(
          `DROP DATABASE IF EXISTS ${db}; CREATE DATABASE ${db} CHARACTER SET utf8mb4; USE ${db};
           SET SESSION sql_mode = 'ALLOW_INVALID_DATES'; SET SESSION time_zone = '+00:00';
           CREATE TABLE inno (id INT NOT NULL PRIMARY KEY,\n  ${defs}) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
           CREATE TABLE myi (id INT NOT NULL PRIMARY KEY,\n  ${defs}) ENGINE=MyISAM DEFAULT CHARSET=utf8mb4;
           INSERT INTO inno VALUES ${valuesSql(rows)};
           INSERT INTO myi SELECT * FROM inno;
           SET SESSION sql_mode = '';
           ${DERIVED_TABLES}`,
        );
        try {
          files += await assertSameBothWays(db, `${rows.length} row(s)`);
        } catch (err) {
          // fast-check's own report names the values but not why they failed (seen once under load, not reproduced).
          t.diagnostic(`failed: ${(err as Error).message.slice(0, 2000)}`);
          throw err;
        }
      }),
      { seed: SEED, numRuns: TYPE_RUNS, endOnFailure: true },
    );
    t.diagnostic(`${files} data files compared`);
  });

  it('hostile fixed values: quotes, backslashes, NUL, line breaks, invalid UTF-8, -0, zero dates, ENUM/SET numbers, bit, geometry, huge values', async () => {
    const db = freshName('fixed');
    await root.query(
      `CREATE DATABASE ${db} CHARACTER SET utf8mb4; USE ${db}; SET SESSION sql_mode = 'ALLOW_INVALID_DATES';
       CREATE TABLE v (id INT PRIMARY KEY, s VARCHAR(100), t TEXT, b BLOB, l1 VARCHAR(50) CHARACTER SET latin1, bn VARBINARY(50),
         d DECIMAL(10,2), f FLOAT, fm FLOAT(7,3), dbl DOUBLE, dt DATE, dtm DATETIME(6), tm TIME(3), e ENUM('a','','0','9'), st SET('a','','b'),
         bt BIT(9), g GEOMETRY, j JSON, a VARCHAR(20) CHARACTER SET ascii, y YEAR) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
       INSERT INTO v (id, s, t, b, l1, bn) VALUES
         (1, 'it''s', 'back\\\\slash \\\\'' quote', x'00275c0a0d1a22', x'e9ff00', x'c3'),
         (2, CONCAT('nul', CHAR(0), 'in', CHAR(10), 'line', CHAR(13), 'cr', CHAR(26)), 'é ß Ж 中 😀', '', '', ''),
         (3, '', '\\\\N', NULL, x'27', x'5c'),
         (4, 'NULL', 'null', x'ff', x'80', x'');
       INSERT INTO v (id, d, f, fm, dbl) VALUES (5, -0.00, -1e-50, -1e-50, -1e-320), (6, '-0', 1e-45, 0.0005, 5e-324), (7, -99999999.99, -3.4028234663852886e38, 9999.999, -1.7976931348623157e308);
       INSERT INTO v (id, dt, dtm, tm) VALUES (8, '0000-00-00', '0000-00-00 00:00:00', '-838:59:59.999'), (9, '2021-02-31', '2021-04-31 12:34:56.000001', '-00:00:00.001'), (10, '2020-00-15', '0000-01-00 00:00:00.5', '00:00:00');
       SET SESSION sql_mode = '';
       INSERT INTO v (id, e, st, bt, a, y) VALUES (11, 'zzz', 2, b'101010101', _ascii x'ff80', 0), (12, '', '', b'0', 'plain', 1901), (13, 0, 0, 0, '', 2155), (14, 3, 7, 511, _ascii x'00275c', NULL);
       INSERT INTO v (id, g, j) VALUES (15, ST_GeomFromText('POLYGON((0 0,1 0,1 1,0 0))', 4326), '{"a":"x\\\\"y","b":[1,2.50,null]}'), (16, ST_GeomFromText('POINT(-0 1e300)'), '"\\\\u0000"');
       INSERT INTO v (id, s, t, b) VALUES (17, REPEAT('é', 100), REPEAT(CONCAT('a''b\\\\c', CHAR(10)), 300000), REPEAT(x'00ff27', 1000000));`,
    );
    await assertSameBothWays(db, 'fixed hostile values');
  });

  it('chunked tables: the same chunk boundaries and names for integer, non-ASCII, composite and binary keys', async () => {
    const db = freshName('chunks');
    await root.query(
      `CREATE DATABASE ${db} CHARACTER SET utf8mb4; USE ${db};
       CREATE TABLE ints (id BIGINT PRIMARY KEY, s VARCHAR(40)) ENGINE=InnoDB; INSERT INTO ints SELECT CAST(seq AS SIGNED) * 7 - 20000, CONCAT('row ', seq) FROM seq_1_to_6000;
       CREATE TABLE words (k VARCHAR(30) PRIMARY KEY, v INT) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE utf8mb4_bin; INSERT INTO words SELECT CONCAT(ELT(1 + seq % 5, 'é', 'Ж', '中', 'a', '😀'), seq), seq FROM seq_1_to_4000;
       CREATE TABLE pairs (a INT, b VARCHAR(10), c DATE, PRIMARY KEY (a, b)) ENGINE=InnoDB; INSERT INTO pairs SELECT seq % 97, seq, '2020-01-01' + INTERVAL seq DAY FROM seq_1_to_4000;
       CREATE TABLE blobs (k VARBINARY(16) PRIMARY KEY, v BLOB) ENGINE=MyISAM; INSERT INTO blobs SELECT UNHEX(SHA1(seq)), REPEAT(CHAR(seq % 256), seq % 50) FROM seq_1_to_3000;`,
    );
    const files = await assertSameBothWays(db, 'chunked tables');
    assert.ok(files > 20, `the tables were split into chunks (${files} data files)`);
  });

  it(`random table and column names, with invisible and generated columns (${NAME_RUNS} fast-check runs)`, async () => {
    const spec = fc.record({
      table: nameArb,
      columns: fc.uniqueArray(nameArb, { minLength: 2, maxLength: 3, selector: (n) => n.toLowerCase() }),
      invisible: fc.boolean(),
      generated: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(spec, async ({ table, columns, invisible, generated }) => {
        const db = freshName('names');
        await root.query(`CREATE DATABASE ${db} CHARACTER SET utf8mb4`);
        const c = await server.connect(db);
        try {
          const cols = [
            `${qid(columns[0]!)} INT NOT NULL PRIMARY KEY`,
            `${qid(columns[1]!)} VARCHAR(40)${invisible ? ' INVISIBLE' : ''}`,
            ...columns.slice(2).map((n) => `${qid(n)} BLOB`),
          ];
          if (generated) cols.push(`${qid(`${columns[0]!}_g`)} INT AS (${qid(columns[0]!)} + 1) VIRTUAL`);
          try {
            await c.query(`CREATE TABLE ${qid(table)} (${cols.join(', ')}) ENGINE=InnoDB`);
          } catch {
            return; // A name the server refuses is not the reader's business.
          }
          const names = columns.map(qid).join(',');
          await c.query(
            `INSERT INTO ${qid(table)} (${names}) VALUES ${[1, 2, 3].map((i) => `(${i}, ${root.escape(`${i}${table}`.slice(0, 40))}${columns.length > 2 ? `, ${root.escape(table)}` : ''})`).join(',')}`,
          );
          await assertSameBothWays(db, `table ${JSON.stringify(table)} columns ${JSON.stringify(columns)}`);
        } finally {
          await c.end();
          await root.query(`DROP DATABASE ${qid(db)}`);
        }
      }),
      { seed: SEED, numRuns: NAME_RUNS, endOnFailure: true },
    );
  });

  it('a VECTOR column, where the server has the type', async (t) => {
    const db = freshName('vector');
    await root.query(`CREATE DATABASE ${db}`);
    try {
      await root.query(`CREATE TABLE ${db}.vec (id INT PRIMARY KEY, v VECTOR(3) NOT NULL) ENGINE=InnoDB`);
    } catch (err) {
      t.skip(`no VECTOR type on this server (${(err as Error).message.slice(0, 60)})`);
      return;
    }
    await root.query(`INSERT INTO ${db}.vec VALUES (1, VEC_FromText('[1,-0,3.5]')), (2, VEC_FromText('[0,0,1e-30]'))`);
    await assertSameBothWays(db, 'vector');
  });
});

describe('locks of the consistent snapshot', () => {
  async function statementsOf(db: string, reader: RowReader): Promise<string[]> {
    await root.query("SET GLOBAL log_output = 'TABLE'; TRUNCATE TABLE mysql.general_log; SET GLOBAL general_log = 1");
    try {
      const r = await snapshot(db, reader);
      rmSync(r.dir, { recursive: true, force: true });
      assert.equal(r.error, null);
    } finally {
      await root.query('SET GLOBAL general_log = 0');
    }
    const [rows] = await root.query("SELECT CONVERT(argument USING utf8mb4) AS a FROM mysql.general_log WHERE command_type = 'Query'");
    return (rows as Array<{ a: string }>).map((r) => r.a);
  }

  it('every table InnoDB: no LOCK TABLES, and a writer with an open transaction does not make the pass wait', async () => {
    const db = freshName('mvcc');
    await root.query(
      `CREATE DATABASE ${db}; USE ${db}; CREATE TABLE a (id INT PRIMARY KEY) ENGINE=InnoDB; CREATE TABLE b (id INT PRIMARY KEY) ENGINE=InnoDB; INSERT INTO a VALUES (1), (2);`,
    );
    const statements = await statementsOf(db, 'fast');
    assert.deepEqual(
      statements.filter((s) => /LOCK TABLES/i.test(s)),
      [],
      'no LOCK TABLES',
    );
    assert.ok(
      statements.some((s) => /^SELECT 1 FROM `a` WHERE 0 UNION ALL SELECT 1 FROM `b` WHERE 0$/.test(s)),
      'the DDL fence opened every table',
    );
    // LOCK TABLES ... READ would wait for this transaction's metadata lock (lock_wait_timeout 5 s, then fail).
    const writer = await server.connect(db);
    try {
      await writer.query('START TRANSACTION');
      await writer.query('INSERT INTO a VALUES (3)');
      const started = Date.now();
      const r = await snapshot(db, 'fast');
      try {
        assert.equal(r.error, null);
        assert.ok(Date.now() - started < 4000, `the pass did not wait for the writer (${Date.now() - started} ms)`);
        assert.equal(r.staged!.lockMs, 0);
        assert.equal(
          readFileSync(path.join(r.staged!.dir, 'data', 'a.sql'), 'utf8'),
          'INSERT INTO `a` VALUES (1);\nINSERT INTO `a` VALUES (2);\n',
          'the uncommitted row is not in the snapshot',
        );
      } finally {
        rmSync(r.dir, { recursive: true, force: true });
      }
    } finally {
      await writer.query('ROLLBACK');
      await writer.end();
    }
  });

  it('every table InnoDB, without LOCK TABLES: each snapshot taken under concurrent transfers shows a constant total', async (t) => {
    const db = freshName('bank');
    await root.query(
      `CREATE DATABASE ${db}; USE ${db};
       CREATE TABLE acct_a (id INT PRIMARY KEY, balance BIGINT NOT NULL) ENGINE=InnoDB;
       CREATE TABLE acct_b (id INT PRIMARY KEY, balance BIGINT NOT NULL) ENGINE=InnoDB;
       INSERT INTO acct_a SELECT seq, 1000 FROM seq_1_to_2000; INSERT INTO acct_b SELECT seq, 1000 FROM seq_1_to_2000;`,
    );
    const writer = await server.connect(db);
    let stop = false;
    let transfers = 0;
    // Transfers between the two tables, each in one transaction: any point in time has the same total.
    const writing = (async () => {
      while (!stop) {
        const id = 1 + Math.floor(Math.random() * 2000);
        const amount = Math.floor(Math.random() * 100);
        await writer.query('START TRANSACTION');
        await writer.query('UPDATE acct_a SET balance = balance - ? WHERE id = ?', [amount, id]);
        await writer.query('UPDATE acct_b SET balance = balance + ? WHERE id = ?', [amount, 2001 - id]);
        await writer.query('COMMIT');
        transfers++;
      }
    })();
    const total = (text: string) => [...text.matchAll(/VALUES \(\d+,(-?\d+)\);/g)].reduce((n, m) => n + Number(m[1]), 0);
    try {
      for (let i = 0; i < 8; i++) {
        const r = await snapshot(db, 'fast');
        try {
          assert.equal(r.error, null);
          assert.equal(r.staged!.lockMs, 0, 'no LOCK TABLES');
          // Every data file of both tables (small chunks: several files each).
          const files = r.staged!.files.filter((f) => /^data\/acct_[ab](@.*)?\.sql$/.test(f));
          const sum = files.reduce((n, f) => n + total(readFileSync(path.join(r.staged!.dir, f), 'utf8')), 0);
          assert.equal(sum, 4_000_000, `snapshot ${i + 1}: the total of both tables`);
        } finally {
          rmSync(r.dir, { recursive: true, force: true });
        }
      }
    } finally {
      stop = true;
      await writing;
      await writer.end();
    }
    t.diagnostic(`${transfers} transfers committed during 8 snapshots`);
    assert.ok(transfers > 0, 'the writer ran during the snapshots');
  });

  it('a fence holds off DDL but not writes', async () => {
    // What the fence statement does, shown directly (the pass holds it only for a few milliseconds).
    const db = freshName('fence');
    await root.query(`CREATE DATABASE ${db}; USE ${db}; CREATE TABLE a (id INT PRIMARY KEY) ENGINE=InnoDB;`);
    const fence = await server.connect(db);
    const other = await server.connect(db);
    try {
      await fence.query('START TRANSACTION');
      await fence.query('SELECT 1 FROM `a` WHERE 0');
      await other.query('INSERT INTO a VALUES (1)');
      await other.query('SET SESSION lock_wait_timeout = 1');
      await assert.rejects(other.query('ALTER TABLE a ADD COLUMN c INT, ALGORITHM=INSTANT'), /Lock wait timeout/);
      await fence.query('COMMIT');
      await other.query('ALTER TABLE a ADD COLUMN c INT, ALGORITHM=INSTANT');
    } finally {
      await Promise.all([fence.end(), other.end()]);
    }
  });

  it('a MyISAM table among them: LOCK TABLES as before', async () => {
    const db = freshName('mixed');
    await root.query(
      `CREATE DATABASE ${db}; USE ${db}; CREATE TABLE a (id INT PRIMARY KEY) ENGINE=InnoDB; CREATE TABLE m (id INT PRIMARY KEY) ENGINE=MyISAM; INSERT INTO m VALUES (1);`,
    );
    const statements = await statementsOf(db, 'fast');
    assert.deepEqual(
      statements.filter((s) => /LOCK TABLES/i.test(s)),
      ['LOCK TABLES `a` READ, `m` READ', 'UNLOCK TABLES'],
    );
  });
});
