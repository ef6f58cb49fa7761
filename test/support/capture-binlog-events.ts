/**
 * Captures the Table_map and rows events of a few known writes from a real MariaDB server into
 * test/fixtures/binlog-rows-events.json, for the keys-only decoder's unit test
 * (test/unit/binlog-rows.test.ts), which then needs no server. Run again after a server upgrade:
 *   node --import tsx test/support/capture-binlog-events.ts
 * Each case: the SQL that ran, the server's version, the events (type, body as hex) and the keys
 * the decoder must find (as the SQL says), or that it must refuse.
 */
import { writeFileSync } from 'node:fs';
import { MariaDbServer } from './mariadb-server.js';
import { readBinlog } from '../../src/db/binlog-stream.js';

const DB = 'cap';

interface Case {
  readonly name: string;
  readonly setup: readonly string[];
  readonly writes: readonly string[];
  /** Keys, as decimal text tuples, per rows event image in order; or the error the decoder must throw. */
  readonly expect: ReadonlyArray<readonly string[]> | { readonly refuse: string };
  readonly spec: { columns: number; key: Array<{ index: number; type: number; unsigned: boolean }> };
}

const TYPED = `CREATE TABLE typed (t1 VARCHAR(300), t2 TEXT, t3 DATETIME(3), t4 ENUM('x','y','z'), t5 SET('a','b','c'), t6 BIT(10), t7 DOUBLE, t8 FLOAT, t9 CHAR(10),
  k MEDIUMINT NOT NULL, t10 BLOB, t11 DATE, t12 TIME(2), t13 TIMESTAMP(6) NULL, t14 YEAR, t15 JSON, t16 SMALLINT UNSIGNED, t17 CHAR(200) CHARACTER SET utf8mb4, t18 DECIMAL(30,7),
  t19 TINYTEXT, t20 MEDIUMBLOB, t21 VARCHAR(20), t22 POINT, gen INT AS (k * 2) VIRTUAL, inv INT INVISIBLE DEFAULT 5, PRIMARY KEY (k)) ENGINE=InnoDB`;

const CASES: Case[] = [
  {
    name: 'every column type around a MEDIUMINT key: insert, update of other columns, delete; NULLs',
    setup: [TYPED],
    writes: [
      "INSERT INTO typed (t1, t2, t3, t4, t5, t6, t7, t8, t9, k, t10, t11, t12, t13, t14, t15, t16, t17, t18, t19, t20, t21, t22) VALUES (REPEAT('x', 280), 'text', '2020-01-01 00:00:00.123', 'y', 'a,c', b'1010101010', 1.5, 2.5, 'c', -8388608, 0x00FF, '2021-02-03', '-12:34:56.78', '2022-01-01 00:00:00.000001', 1999, '{\"a\":1}', 65535, REPEAT('é', 200), 12345678901234567890.1234567, 'tiny', REPEAT('m', 300), 'v', POINT(1, 2))",
      'INSERT INTO typed (k) VALUES (8388607)',
      "UPDATE typed SET t1 = 'short', t2 = NULL, t17 = 'ü' WHERE k = -8388608",
      'DELETE FROM typed WHERE k = 8388607',
    ],
    expect: [['-8388608'], ['8388607'], ['-8388608'], ['-8388608'], ['8388607']],
    spec: { columns: 25, key: [{ index: 9, type: 9, unsigned: false }] },
  },
  {
    name: 'composite key (TINYINT signed, BIGINT UNSIGNED): a key update gives both keys; a multi-row event',
    setup: ['CREATE TABLE comp (g TINYINT NOT NULL, h BIGINT UNSIGNED NOT NULL, v VARCHAR(10), PRIMARY KEY (g, h)) ENGINE=InnoDB'],
    writes: [
      "INSERT INTO comp VALUES (-128, 18446744073709551615, 'a'), (127, 0, 'b'), (0, 9223372036854775808, NULL)",
      'UPDATE comp SET g = 5, h = 6 WHERE g = -128',
    ],
    expect: [
      ['-128', '18446744073709551615'],
      ['127', '0'],
      ['0', '9223372036854775808'],
      ['-128', '18446744073709551615'],
      ['5', '6'],
    ],
    spec: {
      columns: 3,
      key: [
        { index: 0, type: 1, unsigned: false },
        { index: 1, type: 8, unsigned: true },
      ],
    },
  },
  {
    name: 'INT UNSIGNED and SMALLINT keys at full width',
    setup: ['CREATE TABLE wide (a INT UNSIGNED NOT NULL, b SMALLINT NOT NULL, c INT, PRIMARY KEY (a, b)) ENGINE=MyISAM'],
    writes: ['INSERT INTO wide VALUES (4294967295, -32768, NULL), (0, 32767, 1)'],
    expect: [
      ['4294967295', '-32768'],
      ['0', '32767'],
    ],
    spec: {
      columns: 3,
      key: [
        { index: 0, type: 3, unsigned: true },
        { index: 1, type: 2, unsigned: false },
      ],
    },
  },
  {
    name: 'binlog_row_image=MINIMAL: the after image of an update lacks the key, so the decoder refuses',
    setup: ['CREATE TABLE minimal (id INT PRIMARY KEY, v VARCHAR(10)) ENGINE=InnoDB', "INSERT INTO minimal VALUES (1, 'a')"],
    writes: ['SET SESSION binlog_row_image = MINIMAL', "UPDATE minimal SET v = 'b' WHERE id = 1", 'SET SESSION binlog_row_image = FULL'],
    expect: { refuse: 'without key column' },
    spec: { columns: 2, key: [{ index: 0, type: 3, unsigned: false }] },
  },
];

async function main(): Promise<void> {
  const server = await MariaDbServer.start(['--log-bin=mysql-bin', '--binlog-format=ROW', '--server-id=1']);
  try {
    const c = await server.connect(DB);
    const [[{ v: version }]] = (await c.query('SELECT VERSION() AS v')) as unknown as [[{ v: string }]];
    const out: unknown[] = [];
    for (const k of CASES) {
      for (const sql of k.setup) await c.query(sql);
      const [[status]] = (await c.query('SHOW MASTER STATUS')) as unknown as [[{ File: string; Position: number }]];
      for (const sql of k.writes) await c.query(sql);
      const events: Array<{ type: number; body: string }> = [];
      const opts = { host: '', port: 0, socket: server.socket, user: 'root', password: undefined, database: undefined, connectTimeoutMs: 10_000 };
      await readBinlog(opts, { file: status.File, position: Number(status.Position) }, (e) => {
        if (e.type === 19 || [23, 24, 25, 30, 31, 32].includes(e.type)) events.push({ type: e.type, body: e.body.toString('hex') });
        return 'continue';
      });
      out.push({ name: k.name, server: version, writes: k.writes, spec: k.spec, expect: k.expect, events });
    }
    await c.end();
    writeFileSync(new URL('../fixtures/binlog-rows-events.json', import.meta.url), JSON.stringify(out, null, 1) + '\n');
    console.log(`captured ${out.length} cases from MariaDB ${version}`);
  } finally {
    await server.destroy();
  }
}

await main();
