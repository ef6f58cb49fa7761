/**
 * Exactness: every column type and edge value survives snapshot -> restore, checked against
 * independent oracles (CHECKSUM TABLE and mariadb-dump of both databases), for the tool's own
 * restore and for the README's stock-client command.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { MariaDbServer } from '../support/mariadb-server.js';
import { assertSameText, baseEnv, cli, commitCount, tempDir } from '../support/project.js';
import { dumpOracle } from '../support/oracle.js';
import { ASCII_SINGLE_BYTE_CHARSETS } from '../../src/db/mariadb/charsets.js';

const SCHEMA = `
SET SESSION sql_mode = '';
CREATE TABLE everything (
  id INT NOT NULL PRIMARY KEY,
  vc VARCHAR(100) NULL, tx TEXT, ch CHAR(5), lt LONGTEXT,
  bin VARBINARY(300), bl BLOB, fixedbin BINARY(4),
  dec65 DECIMAL(65,30), dneg DECIMAL(10,2), fl FLOAT, db DOUBLE,
  bu BIGINT UNSIGNED, bs BIGINT, ti TINYINT, mi MEDIUMINT UNSIGNED,
  bt BIT(10), b1 BIT(1), b64 BIT(64),
  en ENUM('1','-1','a b',''), st SET('x','y','z'),
  js JSON,
  d DATE, dt DATETIME(6), ts TIMESTAMP(3) NULL DEFAULT NULL, tm TIME(6), yr YEAR,
  g GEOMETRY, pt POINT,
  gen INT AS (id * 2) VIRTUAL, gens VARCHAR(200) AS (CONCAT(IFNULL(vc,'-'),'!')) STORED,
  lat VARCHAR(300) CHARACTER SET latin1, cyr VARCHAR(50) CHARACTER SET cp1251,
  u UUID, i6 INET6
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
CREATE TABLE nokey (a INT, b VARCHAR(20), c BLOB) ENGINE=MyISAM;
CREATE TABLE uniq (a INT NOT NULL, b VARCHAR(10) NOT NULL, c INT, UNIQUE KEY ab (a, b)) ENGINE=InnoDB;
CREATE TABLE hidden (id INT PRIMARY KEY, secret INT INVISIBLE DEFAULT 7, v INT) ENGINE=InnoDB;
CREATE TABLE \`odd name; \`\`quoted\`\` ü\` (\`select\` INT PRIMARY KEY, \`key with space\` VARCHAR(10)) ENGINE=MyISAM;
CREATE TABLE Upper (id INT PRIMARY KEY) ENGINE=InnoDB;
CREATE TABLE upper (id INT PRIMARY KEY) ENGINE=InnoDB;
CREATE TABLE emptytable (id INT PRIMARY KEY) ENGINE=InnoDB;
CREATE TABLE singlebyte (id INT PRIMARY KEY, l1 VARCHAR(50) CHARACTER SET latin1, cy VARCHAR(50) CHARACTER SET cp1251,
  l2 CHAR(20) CHARACTER SET latin2, a VARCHAR(50) CHARACTER SET ascii, sw VARCHAR(50) CHARACTER SET swe7) ENGINE=InnoDB;
CREATE VIEW v_base AS SELECT id, vc FROM everything;
CREATE VIEW v_top AS SELECT id FROM v_base WHERE id > 1;
`;

const ALL_BYTES = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
const LATIN1 = Buffer.from(Array.from({ length: 224 }, (_, i) => i + 32).filter((b) => ![0x81, 0x8d, 0x8f, 0x90, 0x9d].includes(b)));

export async function fill(c: import('mysql2/promise').Connection): Promise<void> {
  await c.query(SCHEMA);
  await c.query("SET SESSION sql_mode = ''");
  await c.query('INSERT INTO everything (id) VALUES (1)');
  await c.query(
    `INSERT INTO everything (id, vc, tx, ch, lt, bin, bl, fixedbin, en, st, js, lat, cyr) VALUES (2, '', '', '', '', '', '', '', '', '', '[]', '', '')`,
  );
  await c.query(
    `INSERT INTO everything (id, vc, tx, ch, lt, bin, bl, dec65, dneg, fl, db, bu, bs, ti, mi, bt, b1, b64, en, st, js, d, dt, ts, tm, yr, g, pt, lat, cyr, u, i6)
     VALUES (3, 'NULL', ?, 'a\\\\b', ?, ?, ?, '12345678901234567890123456789012345.123456789012345678901234567890', -0.01,
       0.1, 0.1, 18446744073709551615, -9223372036854775808, -128, 16777215, b'1010101010', b'1', b'1111111111111111111111111111111111111111111111111111111111111111',
       '-1', 'x,z', '{"a": [1, 2.50, "x\\\\"y"], "b": null}', '0000-00-00', '0000-00-00 00:00:00', '1970-01-01 00:00:01.001', '-838:59:59.000000', 0,
       ST_GeomFromText('POLYGON((0 0,10 0,10 10,0 0))'), ST_PointFromText('POINT(1.5 -2.25)', 4326), ?, _cp1251 x'c0c1c2e0e1e2', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '2001:db8::ff00:42:8329')`,
    [
      'quote \' double " backslash \\ nul \0 newline \n cr \r tab \t ctrl-z \x1a emoji 😀 end',
      'x'.repeat(70000) + '\n' + 'é'.repeat(1000),
      ALL_BYTES,
      Buffer.concat([ALL_BYTES, Buffer.from("\\'\n")]),
      LATIN1.toString('latin1'),
    ],
  );
  await c.query(
    `INSERT INTO everything (id, vc, dec65, fl, db, bu, d, dt, tm, yr, ts, en, st) VALUES
      (4, 'max', '-99999999999999999999999999999999999.999999999999999999999999999999', 3.4028234e38, 1.7976931348623157e308, 0, '9999-12-31', '9999-12-31 23:59:59.999999', '838:59:59.999999', 2155, '2038-01-19 03:14:07.999', 'a b', 'x,y,z'),
      (5, 'min', 0.000000000000000000000000000001, -1.17549435e-38, 4.9406564584124654e-324, 1, '1000-01-01', '1000-01-01 00:00:00', '00:00:00', 1901, NULL, '1', ''),
      (6, 'pi', 3.14159, 3.1415927, 3.141592653589793, 9007199254740993, '2024-02-29', '2024-02-29 12:34:56.5', '-00:00:01', 2000, '2024-02-29 12:34:56.5', NULL, NULL)`,
  );
  // ASCII in single-byte character sets (written as plain strings) next to bytes above 0x7F (hex);
  // swe7's [ ] are Swedish letters, so swe7 always stays in hex.
  await c.query(
    `INSERT INTO singlebyte VALUES (1, 'Marketing', 'Sales', 'Support', 'ascii', _swe7 x'5B6162635D'),
      (2, ?, ?, ?, ?, ?), (3, _latin1 x'4DFC6C6C6572', _cp1251 x'c0c1c2', _latin2 x'b1', _ascii x'ff', ''), (4, '', '', '', '', NULL)`,
    ['q \' d " b \\ nul \0 nl \n cr \r tab \t z \x1a del \x7f', 'x\\y', 'trailing  ', '\0', 'plain'],
  );
  await c.query(`INSERT INTO nokey VALUES (1,'a',NULL),(1,'a',NULL),(NULL,NULL,''),(2,'b',x'00ff'),(0,'',NULL)`);
  await c.query(`INSERT INTO uniq VALUES (2,'b',NULL),(1,'z',1),(1,'a',2)`);
  await c.query(`INSERT INTO hidden (id, secret, v) VALUES (1, 42, 1), (2, 7, NULL)`);
  await c.query("INSERT INTO `odd name; ``quoted`` ü` VALUES (1, 'x'), (2, NULL)");
  await c.query('INSERT INTO Upper VALUES (1); INSERT INTO upper VALUES (2)');
  await c.query('CREATE TRIGGER trg_bi BEFORE INSERT ON uniq FOR EACH ROW BEGIN IF NEW.c IS NULL THEN SET NEW.c = 0; END IF; END');
  await c.query('CREATE PROCEDURE p_count(OUT n INT) BEGIN SELECT COUNT(*) INTO n FROM everything; SELECT n; END');
  await c.query('CREATE FUNCTION f_twice(x INT) RETURNS INT DETERMINISTIC RETURN x * 2');
  // A view that calls a stored function: routines must load before views.
  await c.query('CREATE VIEW v_fn AS SELECT id, f_twice(id) AS twice FROM everything');
  await c.query("CREATE EVENT ev_noop ON SCHEDULE EVERY 1 DAY STARTS '2030-01-01 00:00:00' DISABLE DO SELECT 1");
}

function tables(server: MariaDbServer, db: string): string[] {
  return server
    .client('mariadb', [
      '-N',
      '-e',
      `SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA='${db}' AND TABLE_TYPE='BASE TABLE' ORDER BY BINARY TABLE_NAME`,
    ])
    .toString('utf8')
    .trim()
    .split('\n');
}

function checksums(server: MariaDbServer, db: string): string {
  const list = tables(server, db)
    .map((t) => '`' + t.replaceAll('`', '``') + '`')
    .join(', ');
  return server
    .client('mariadb', ['-N', db, '-e', `CHECKSUM TABLE ${list} EXTENDED`])
    .toString('utf8')
    .replaceAll(`${db}.`, '');
}

describe('round trip of every type and edge value', () => {
  let server: MariaDbServer;
  let repo: string;
  before(async () => {
    server = await MariaDbServer.start();
    const c = await server.connect('src');
    await fill(c);
    await c.end();
    repo = tempDir();
  });
  after(async () => server?.destroy());

  it('writes ASCII as plain strings only for the single-byte character sets whose lower half is ASCII (all but swe7)', async () => {
    const c = await server.connect();
    const [rows] = await c.query<import('mysql2').RowDataPacket[]>(
      "SELECT CHARACTER_SET_NAME AS n FROM information_schema.CHARACTER_SETS WHERE MAXLEN = 1 AND CHARACTER_SET_NAME <> 'binary' ORDER BY 1",
    );
    const ascii = Buffer.from(Array.from({ length: 128 }, (_, i) => i)).toString('hex');
    const compatible: string[] = [];
    for (const { n } of rows) {
      const [r] = await c.query<import('mysql2').RowDataPacket[]>(
        `SELECT HEX(CAST(CONVERT(CONVERT(UNHEX(?) USING utf8mb4) USING ${n}) AS BINARY)) AS there, HEX(CONVERT(CONVERT(UNHEX(?) USING ${n}) USING utf8mb4)) AS back`,
        [ascii, ascii],
      );
      if (r[0]!.there.toLowerCase() === ascii && r[0]!.back.toLowerCase() === ascii) compatible.push(n);
    }
    await c.end();
    assert.deepEqual([...ASCII_SINGLE_BYTE_CHARSETS].sort(), compatible.sort());
  });

  it('snapshots, restores with the tool and with the stock client, and both equal the original', async () => {
    const env = baseEnv({ ...server.env('src'), PROJECT_DIR: repo });
    const first = cli(['sync'], env);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /^committed [0-9a-f]{12}: /);

    // Determinism: a second pass over the unchanged database makes no commit.
    const second = cli(['sync'], env);
    assert.equal(second.code, 0, second.stderr);
    assert.equal(second.stdout.trim(), 'no changes');
    assert.equal(commitCount(repo), 1);

    // The tool's restore into an empty database of another name.
    const c = await server.connect();
    await c.query('CREATE DATABASE copy1; CREATE DATABASE copy2');
    await c.end();
    const restored = cli(['restore', '--yes'], baseEnv({ ...server.env('copy1'), PROJECT_DIR: repo }));
    assert.equal(restored.code, 0, restored.stderr + restored.stdout);
    assert.equal(commitCount(repo), 1, 'restoring into an empty database makes no commit');

    // The README's stock-client command.
    execSync(
      `cat header.sql sequences.sql tables/*.sql data/*.sql routines.sql views.sql triggers.sql events.sql | mariadb --no-defaults --socket=${server.socket} -uroot --binary-mode copy2`,
      {
        cwd: path.join(repo, 'database'),
        shell: '/bin/bash',
      },
    );

    const want = checksums(server, 'src');
    assert.match(want, /everything\t\d+/);
    assert.equal(checksums(server, 'copy1'), want, 'CHECKSUM TABLE after the tool restore');
    assert.equal(checksums(server, 'copy2'), want, 'CHECKSUM TABLE after the stock-client restore');
    const dump = dumpOracle(server, 'src');
    assertSameText(dumpOracle(server, 'copy1'), dump, 'mariadb-dump after the tool restore');
    assertSameText(dumpOracle(server, 'copy2'), dump, 'mariadb-dump after the stock-client restore');

    // FLOAT and DOUBLE exactly (mariadb-dump itself prints FLOAT with 6 digits, so compare bit patterns too).
    const bits = (db: string) =>
      server.client('mariadb', ['-N', db, '-e', 'SELECT id, HEX(CAST(fl AS DOUBLE)), HEX(db), HEX(CAST(db AS CHAR)) FROM everything ORDER BY id']).toString();
    assert.equal(bits('copy1'), bits('src'));
    // ASCII values of single-byte character sets are plain strings; other bytes hex with their character set.
    const singlebyte = readFileSync(path.join(repo, 'database/data/singlebyte.sql'), 'utf8');
    assert.equal(
      singlebyte,
      [
        "INSERT INTO `singlebyte` VALUES (1,'Marketing','Sales','Support','ascii',_swe7 0x5B6162635D);",
        "INSERT INTO `singlebyte` VALUES (2,'q \\' d \" b \\\\ nul \\0 nl \\n cr \\r tab \t z \\Z del \x7f','x\\\\y','trailing','\\0',_swe7 0x706C61696E);",
        "INSERT INTO `singlebyte` VALUES (3,_latin1 0x4DFC6C6C6572,_cp1251 0xC0C1C2,_latin2 0xB1,_ascii 0xFF,'');",
        "INSERT INTO `singlebyte` VALUES (4,'','','','',NULL);",
        '',
      ].join('\n'),
    );
    // The snapshot names no database.
    assert.doesNotMatch(execSync(`cat ${repo}/database/*.sql ${repo}/database/*/*.sql`, { shell: '/bin/bash' }).toString(), /`src`\./);
  });
});
