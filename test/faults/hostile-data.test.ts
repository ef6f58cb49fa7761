/**
 * Fault injection, "hostile and odd data": random values of every column type, random table and
 * column names, empty and huge tables, 16 MB values, rows larger than max_allowed_packet, and
 * tables renamed or dropped while a pass reads them. Each case either round-trips exactly (checked
 * against CHECKSUM TABLE and mariadb-dump of the original and the restored database, for the
 * tool's restore and for the README's stock-client command) or is refused with a clear one-line
 * message; never a silently wrong snapshot.
 *
 * Property tests use fast-check with a fixed seed, printed at the start; DBSYNC_FC_SEED (and
 * DBSYNC_FC_PATH from a failure report) replay a run. DBSYNC_LONG_TESTS=1 runs more cases and the
 * million-row table.
 */
import { after, before, describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execSync } from 'node:child_process';
import { createReadStream, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import type { Connection } from 'mysql2/promise';
import { encodeTableFileName, LOAD_ORDER } from '../../src/snapshot/layout.js';
import { MariaDbServer } from '../support/mariadb-server.js';
import { assertSameText, baseEnv, cli, cliAsync, commitCount, git, tempDir, type CliResult } from '../support/project.js';
import { dumpOracle as sharedDumpOracle } from '../support/oracle.js';
import { COLUMNS, hex, nameArb, qid, rowsArb, utf8, valuesSql } from '../support/hostile-values.js';

const LONG = process.env.DBSYNC_LONG_TESTS === '1';
const SEED = Number(process.env.DBSYNC_FC_SEED ?? 20261127);
const FC_PATH = process.env.DBSYNC_FC_PATH;
const TYPE_RUNS = LONG ? 100 : 10;
const NAME_RUNS = LONG ? 80 : 8;
const BIG_ROWS = LONG ? 1_000_000 : 100_000;

/** Shrinking repeats whole sync/restore cycles: it stops after 10 minutes with the smallest counterexample found so far (DBSYNC_FC_QUICK=1: no shrinking). */
const fcParams = (numRuns: number) => ({
  seed: SEED,
  numRuns,
  ...(FC_PATH ? { path: FC_PATH } : {}),
  endOnFailure: process.env.DBSYNC_FC_QUICK === '1',
  interruptAfterTimeLimit: 600_000,
});

/** The first failure of a property, printed at once (shrinking it may take minutes). */
function reportFirstFailure<A extends unknown[]>(label: string, body: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  let reported = false;
  return async (...args: A) => {
    try {
      await body(...args);
    } catch (err) {
      if (!reported) {
        reported = true;
        const where = (err as Error).stack?.split('\n').find((l) => l.includes('hostile-data.test.ts')) ?? '';
        console.log(`hostile-data: ${label}: first failure (now shrinking): ${(err as Error).message.slice(0, 1500)}\n${where.trim()}`);
      }
      throw err;
    }
  };
}

// ---------------------------------------------------------------- oracles

let server: MariaDbServer;
let root: Connection;
let dbCounter = 0;
const freshName = (prefix: string) => `${prefix}_${++dbCounter}`;

async function baseTables(db: string): Promise<string[]> {
  const [rows] = await root.query(`SELECT TABLE_NAME AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'BASE TABLE'`, [db]);
  return (rows as Array<{ n: string }>).map((r) => r.n).sort();
}

/**
 * CHECKSUM TABLE of every table. Not for MyISAM/Aria tables with VIRTUAL columns: there the
 * checksum depends on how the row was inserted (`INSERT (a) VALUES (1)` and `INSERT VALUES (1,
 * DEFAULT)` store the same values with different checksums), so those rely on mariadb-dump.
 */
async function checksums(db: string): Promise<string> {
  const names = await baseTables(db);
  if (names.length === 0) return '';
  const [virtual] = await root.query(
    `SELECT DISTINCT c.TABLE_NAME AS n FROM information_schema.COLUMNS c JOIN information_schema.TABLES t ON t.TABLE_SCHEMA = c.TABLE_SCHEMA AND t.TABLE_NAME = c.TABLE_NAME
      WHERE c.TABLE_SCHEMA = ? AND c.EXTRA LIKE '%VIRTUAL%' AND t.ENGINE <> 'InnoDB'`,
    [db],
  );
  const skip = new Set((virtual as Array<{ n: string }>).map((r) => r.n));
  const [rows] = await root.query(`CHECKSUM TABLE ${names.map((n) => `${qid(db)}.${qid(n)}`).join(', ')} EXTENDED`);
  return (rows as Array<{ Table: string; Checksum: string | number | null }>)
    .map((r) => {
      const name = r.Table.slice(db.length + 1);
      return `${name}\t${skip.has(name) ? '(MyISAM/Aria with VIRTUAL columns)' : r.Checksum}`;
    })
    .join('\n');
}

function dumpOracle(db: string): string {
  return sharedDumpOracle(server, db);
}

interface DatabaseOracles {
  tables: string[];
  checksums: string;
  dump: string;
}

/** What a copy of a database is compared by: its tables, CHECKSUM TABLE and (sorted) mariadb-dump. */
async function oracles(db: string): Promise<DatabaseOracles> {
  return { tables: await baseTables(db), checksums: await checksums(db), dump: dumpOracle(db) };
}

/** The database `copy` equals the source whose oracles are `src`: same tables, CHECKSUM TABLE and (sorted) mariadb-dump. */
async function assertSameDatabase(copy: string, src: DatabaseOracles, label: string): Promise<void> {
  assert.deepEqual(await baseTables(copy), src.tables, `${label}: tables`);
  assert.equal(await checksums(copy), src.checksums, `${label}: CHECKSUM TABLE`);
  assertSameText(dumpOracle(copy), src.dump, `${label}: mariadb-dump`);
}

function envFor(db: string, repo: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return baseEnv({ ...server.env(db), PROJECT_DIR: repo, ...extra });
}

function ok(r: CliResult, what: string): void {
  assert.equal(r.code, 0, `${what} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr.slice(0, 2000)}`);
}

/** A refusal: exit 1, one line `git-dbsync: <what>: <why> -- <hint>`, not an "unexpected error". */
function assertClearFailure(r: CliResult, what: string, pattern?: RegExp): void {
  assert.equal(r.code, 1, `${what}: expected exit 1, got ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `${what}: one line on stderr, got:\n${r.stderr}`);
  // Names may hold U+2028 and the like, which `.` does not match: any character but a line feed.
  assert.match(lines[0]!, /^git-dbsync: [^\n]+: [^\n]+ -- [^\n]+$/, `${what}: message format: ${JSON.stringify(lines[0])}`);
  assert.doesNotMatch(lines[0]!, /unexpected error/, `${what}: an expected failure must not be an "unexpected error"`);
  if (pattern) assert.match(lines[0]!, pattern, what);
}

/** Restore the repository's snapshot into a new empty database with the tool and with the stock client; both must equal `src`. */
async function restoreBothWaysAndCompare(src: string, repo: string, label: string): Promise<void> {
  const viaTool = freshName('rt');
  const viaClient = freshName('rc');
  await root.query(`CREATE DATABASE ${qid(viaTool)}; CREATE DATABASE ${qid(viaClient)}`);
  try {
    const commits = commitCount(repo);
    const r = cli(['restore', '--yes'], envFor(viaTool, repo));
    ok(r, `${label}: restore`);
    assert.equal(commitCount(repo), commits, `${label}: restoring into an empty database makes no commit`);
    execSync(`cat ${LOAD_ORDER.join(' ')} | mariadb --no-defaults --socket=${server.socket} -uroot --binary-mode ${viaClient}`, {
      cwd: path.join(repo, 'database'),
      shell: '/bin/bash',
      stdio: ['ignore', 'ignore', 'pipe'],
      maxBuffer: 1 << 30,
    });
    // The source is read once for both comparisons (nothing writes to it meanwhile).
    const expected = await oracles(src);
    await assertSameDatabase(viaTool, expected, `${label} (tool restore)`);
    await assertSameDatabase(viaClient, expected, `${label} (stock client)`);
  } finally {
    await root.query(`DROP DATABASE IF EXISTS ${qid(viaTool)}; DROP DATABASE IF EXISTS ${qid(viaClient)}`);
  }
}

/** Snapshot file names: distinct, distinct even on a case-insensitive file system, and usable on any file system. */
function assertGoodFileNames(repo: string, tableCount: number, label: string): void {
  for (const dir of ['tables', 'data']) {
    const files = tableCount === 0 ? [] : readdirSync(path.join(repo, 'database', dir));
    assert.equal(files.length, tableCount, `${label}: one ${dir}/ file per table`);
    assert.equal(new Set(files.map((f) => f.toLowerCase())).size, files.length, `${label}: ${dir}/ names distinct ignoring case`);
    for (const f of files) {
      assert.match(f, /^[a-z0-9_%~A-F-]+\.sql$/, `${label}: ${dir}/${f}: only portable characters`);
      assert.ok(Buffer.byteLength(f) <= 255, `${label}: ${dir}/${f}: at most 255 bytes`);
    }
  }
}

const swapCase = (s: string) => [...s].map((c) => (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase())).join('');

interface TableSpec {
  name: string;
  engine: 'InnoDB' | 'MyISAM';
  keyed: boolean;
  columns: Array<{ name: string; type: 'INT' | 'VARCHAR(40)' | 'BLOB'; invisible: boolean }>;
  generated: string | null;
  rows: number;
}
const tableSpecArb = (name: string): fc.Arbitrary<TableSpec> =>
  fc.record({
    name: fc.constant(name),
    engine: fc.constantFrom('InnoDB' as const, 'MyISAM' as const),
    keyed: fc.boolean(),
    columns: fc.array(fc.record({ name: nameArb, type: fc.constantFrom('INT' as const, 'VARCHAR(40)' as const, 'BLOB' as const), invisible: fc.boolean() }), {
      minLength: 1,
      maxLength: 3,
    }),
    generated: fc.option(nameArb, { nil: null, freq: 3 }),
    rows: fc.constantFrom(0, 1, 3),
  });
const schemaArb = fc
  .tuple(fc.uniqueArray(nameArb, { minLength: 1, maxLength: 4 }), fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }), fc.option(nameArb, { nil: null }))
  .chain(([names, flips, view]) => {
    const all = [...names];
    names.forEach((n, i) => {
      if (flips[i] && swapCase(n) !== n && !all.includes(swapCase(n))) all.push(swapCase(n));
    });
    return fc.tuple(fc.tuple(...all.map(tableSpecArb)), fc.constant(view));
  });

/** The statements creating one table spec, or null when the spec's column names clash (the server compares them case-insensitively). */
function createTableSql(t: TableSpec): string {
  const cols = t.columns.map(
    (c, i) =>
      `${qid(c.name)} ${i === 0 && t.keyed ? (c.type === 'BLOB' ? 'VARCHAR(40)' : c.type) + ' NOT NULL' : c.type}${i > 0 && c.invisible ? ' INVISIBLE' : ''}`,
  );
  if (t.generated !== null) cols.push(`${qid(t.generated)} INT AS (LENGTH(${qid(t.columns[0]!.name)})) VIRTUAL`);
  if (t.keyed) cols.push(`PRIMARY KEY (${qid(t.columns[0]!.name)})`);
  return `CREATE TABLE ${qid(t.name)} (${cols.join(', ')}) ENGINE=${t.engine} DEFAULT CHARSET=utf8mb4`;
}
function insertSql(t: TableSpec): string | null {
  if (t.rows === 0) return null;
  const tuples: string[] = [];
  for (let r = 0; r < t.rows; r++) {
    tuples.push(`(${t.columns.map((c) => (c.type === 'INT' ? String(r) : utf8(`${r}${t.name}`.slice(0, 40)))).join(',')})`);
  }
  return `INSERT INTO ${qid(t.name)} (${t.columns.map((c) => qid(c.name)).join(',')}) VALUES ${tuples.join(',')}`;
}

// ---------------------------------------------------------------- tests

let serverTmp: string;
before(async () => {
  // The server's own temporary folder: other tests may clean up /tmp while this one runs.
  serverTmp = tempDir('dbsync-mariadb-tmp-');
  server = await MariaDbServer.start([`--tmpdir=${serverTmp}`]);
  root = await server.connect();
});
after(async () => {
  await root?.end();
  await server?.destroy();
  if (serverTmp) rmSync(serverTmp, { recursive: true, force: true });
});

describe('hostile and odd data', () => {
  it(`random values of every column type round-trip (${TYPE_RUNS} fast-check runs)`, async (t: TestContext) => {
    t.diagnostic(`fast-check seed ${SEED}${FC_PATH ? ` path ${FC_PATH}` : ''} (replay with DBSYNC_FC_SEED=${SEED})`);
    console.log(`hostile-data: column types: fast-check seed ${SEED}, ${TYPE_RUNS} runs`);
    const src = freshName('types');
    const defs = COLUMNS.map((c) => `${qid(c.name)} ${c.def}`).join(',\n  ');
    await root.query(
      `CREATE DATABASE ${src} CHARACTER SET utf8mb4; USE ${src};
       CREATE TABLE inno (id INT NOT NULL PRIMARY KEY,\n  ${defs}) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
       CREATE TABLE myi (id INT NOT NULL PRIMARY KEY,\n  ${defs}) ENGINE=MyISAM DEFAULT CHARSET=utf8mb4;`,
    );
    const repo = tempDir();
    let rowsTried = 0;
    try {
      await fc.assert(
        fc.asyncProperty(
          rowsArb,
          reportFirstFailure('column types', async (rows) => {
            rowsTried += rows.length;
            // Non-strict, like old data: invalid ENUM values become the error value; invalid dates are allowed.
            await root.query(
              `USE ${src}; SET SESSION sql_mode = 'ALLOW_INVALID_DATES'; SET SESSION time_zone = '+00:00';
             TRUNCATE TABLE inno; TRUNCATE TABLE myi;
             INSERT INTO inno VALUES ${valuesSql(rows)};
             INSERT INTO myi SELECT * FROM inno;`,
            );
            ok(cli(['sync'], envFor(src, repo)), 'sync');
            await restoreBothWaysAndCompare(src, repo, `${rows.length} row(s)`);
          }),
        ),
        fcParams(TYPE_RUNS),
      );
    } finally {
      rmSync(repo, { recursive: true, force: true });
    }
    t.diagnostic(`${TYPE_RUNS} runs, ${rowsTried} rows of ${COLUMNS.length} columns in an InnoDB and a MyISAM table`);
  });

  it('fixed hostile values: -0 FLOAT, ENUM error value next to an empty label, SET empty member, non-ASCII bytes in ASCII text, invalid dates', async () => {
    const src = freshName('fixed');
    await root.query(
      `CREATE DATABASE ${src} CHARACTER SET utf8mb4; USE ${src}; SET SESSION sql_mode = '';
       CREATE TABLE v (id INT PRIMARY KEY, f FLOAT, fm FLOAT(7,3), d DOUBLE, e ENUM('a','','0'), e2 ENUM('a','b'), s SET('a','','b'), asc1 VARCHAR(10) CHARACTER SET ascii, asc2 TEXT CHARACTER SET ascii, ascc CHAR(3) CHARACTER SET ascii, dt DATE, dtm DATETIME(2)) ENGINE=InnoDB;
       INSERT INTO v (id, f, fm, d) VALUES (1, -1e-50, -1e-50, -1e-320), (2, 1e-45, 0.0005, 5e-324), (3, -3.4028234663852886e38, 9999.999, -1.7976931348623157e308);
       INSERT INTO v (id, e, e2, s) VALUES (4, 'zzz', 'zzz', 2), (5, '', '', ''), (6, 0, 0, 0), (7, '0', 'b', 'a,'), (8, 3, NULL, 7), (9, 2, 1, 5);
       INSERT INTO v (id, asc1, asc2, ascc) VALUES (10, _ascii x'ff80', _ascii x'00ff5c27', _ascii x'e9'), (11, 'plain', 'x', 'abc'), (12, '', '', '');
       SET SESSION sql_mode = 'ALLOW_INVALID_DATES';
       INSERT INTO v (id, dt, dtm) VALUES (13, '2021-02-31', '2021-04-31 12:34:56.78'), (14, '2020-00-15', '0000-01-00 00:00:00.01');`,
    );
    const [neg] = await root.query(`SELECT id FROM ${src}.v WHERE f = 0 AND ATAN2(f, -1) < 0`);
    assert.equal((neg as unknown[]).length, 1, 'the source holds a negative-zero FLOAT');
    const repo = tempDir();
    try {
      ok(cli(['sync'], envFor(src, repo)), 'sync');
      await restoreBothWaysAndCompare(src, repo, 'fixed hostile values');
      const data = readFileSync(path.join(repo, 'database', 'data', 'v.sql'), 'utf8');
      assert.match(data, /VALUES \(11,NULL,NULL,NULL,NULL,NULL,NULL,'plain','x','abc'/, 'ASCII text stays readable');
    } finally {
      rmSync(repo, { recursive: true, force: true });
    }
  });

  it(`random table and column names round-trip or are refused clearly (${NAME_RUNS} fast-check runs)`, async (t: TestContext) => {
    t.diagnostic(`fast-check seed ${SEED}`);
    console.log(`hostile-data: names: fast-check seed ${SEED}, ${NAME_RUNS} runs`);
    const stats = { tables: 0, serverRefused: 0, toolRefused: 0, views: 0, roundTripped: 0 };
    const refusedNames: string[] = [];
    await fc.assert(
      fc.asyncProperty(
        schemaArb,
        reportFirstFailure('names', async ([specs, viewName]) => {
          const src = freshName('names');
          await root.query(`CREATE DATABASE ${src} CHARACTER SET utf8mb4`);
          const c = await server.connect(src);
          const repo = tempDir();
          try {
            await c.query("SET SESSION sql_mode = 'STRICT_ALL_TABLES'");
            const created: TableSpec[] = [];
            for (const spec of specs) {
              try {
                await c.query(createTableSql(spec));
              } catch (err) {
                // The server refuses some names itself (too long, 4-byte characters, trailing space, duplicate columns): not the tool's business.
                stats.serverRefused++;
                if (refusedNames.length < 8) refusedNames.push(`${JSON.stringify(spec.name)}: ${(err as Error).message.slice(0, 80)}`);
                continue;
              }
              const ins = insertSql(spec);
              if (ins) await c.query(ins);
              created.push(spec);
            }
            let hasView = false;
            if (viewName !== null && created.length > 0) {
              try {
                await c.query(`CREATE VIEW ${qid(viewName)} AS SELECT * FROM ${qid(created[0]!.name)}`);
                hasView = true;
                stats.views++;
              } catch {
                /* a name the server refuses, or the name of a table */
              }
            }
            stats.tables += created.length;
            let r = cli(['sync'], envFor(src, repo));
            // Line breaks cannot live in a one-row-per-line file: in a table name, and in column names
            // when the row lines name the columns (tables with INVISIBLE columns); nor "*/" with a line
            // break in a view name (it would end the view's marker comment).
            const breaks = (n: string) => /[\r\n]/.test(n);
            const refusedTable = (t: TableSpec) =>
              breaks(t.name) || (t.columns.some((col, i) => i > 0 && col.invisible) && [...t.columns.map((col) => col.name), t.generated ?? ''].some(breaks));
            const refusedView = hasView && breaks(viewName!) && viewName!.includes('*/');
            if (created.some(refusedTable) || refusedView) {
              assertClearFailure(r, 'sync of a name with a line break', /line break/);
              assert.equal(commitCount(repo), 0, 'a refused snapshot commits nothing');
              stats.toolRefused++;
              // Without the refused tables (and a view of one of them), the rest must round-trip.
              if (hasView && (refusedView || refusedTable(created[0]!))) {
                await c.query(`DROP VIEW ${qid(viewName!)}`);
                hasView = false;
              }
              for (const t of created.filter(refusedTable)) await c.query(`DROP TABLE ${qid(t.name)}`);
              created.splice(0, created.length, ...created.filter((t) => !refusedTable(t)));
              r = cli(['sync'], envFor(src, repo));
            }
            ok(r, `sync of tables ${JSON.stringify(created.map((s) => s.name))}`);
            if (created.length === 0) return; // the server refused every name: nothing to restore
            assertGoodFileNames(repo, created.length, 'snapshot');
            for (const spec of created) {
              const file = path.join(repo, 'database', 'tables', encodeTableFileName(spec.name) + '.sql');
              assert.ok(readFileSync(file, 'utf8').startsWith(`CREATE TABLE ${qid(spec.name)} (`), `tables/ file of ${JSON.stringify(spec.name)} names it`);
            }
            await restoreBothWaysAndCompare(src, repo, `tables ${JSON.stringify(created.map((s) => s.name))}`);
            stats.roundTripped += created.length;
          } finally {
            await c.end();
            await root.query(`DROP DATABASE IF EXISTS ${qid(src)}`);
            rmSync(repo, { recursive: true, force: true });
          }
        }),
      ),
      fcParams(NAME_RUNS),
    );
    t.diagnostic(
      `${NAME_RUNS} runs: ${stats.tables} tables created (${stats.roundTripped} round-tripped), ${stats.views} views, ${stats.serverRefused} refused by the server, ${stats.toolRefused} snapshots refused by the tool (line breaks; the rest then round-tripped)`,
    );
    if (refusedNames.length) t.diagnostic(`server refusals, e.g. ${refusedNames.join('; ')}`);
  });

  it('names differing only in case, reserved words, 64-character multibyte names and a line break', async () => {
    const src = freshName('casenames');
    const long = 'Ж'.repeat(64);
    const names = [
      'Foo',
      'foo',
      'FOO',
      'select',
      'order',
      long,
      'é'.repeat(63) + 'x',
      '%46oo',
      'a b',
      'x`y',
      'q\'"',
      'back\\slash',
      'dot.dot',
      'sl/ash',
      'tab\tx',
    ];
    await root.query(`CREATE DATABASE ${src} CHARACTER SET utf8mb4`);
    const c = await server.connect(src);
    const repo = tempDir();
    try {
      for (const [i, n] of names.entries())
        await c.query(
          `CREATE TABLE ${qid(n)} (${qid('Key')} INT PRIMARY KEY, ${qid(n)} VARCHAR(100)) ENGINE=${i % 2 ? 'MyISAM' : 'InnoDB'}; INSERT INTO ${qid(n)} VALUES (${i}, ${utf8(n)})`,
        );
      await c.query(`CREATE TABLE empty_innodb (id INT PRIMARY KEY) ENGINE=InnoDB; CREATE TABLE empty_myisam (a INT, b BLOB) ENGINE=MyISAM`);
      // Objects whose names would end a /* comment */ or look like a delimiter or a -- comment.
      await c.query('CREATE VIEW `v*/y` AS SELECT * FROM `Foo`; CREATE VIEW `v\nnl` AS SELECT 1 AS `a\nb`');
      await c.query('CREATE TRIGGER `tr*/z` BEFORE INSERT ON `foo` FOR EACH ROW SET @a = 1');
      await c.query('CREATE PROCEDURE `p*/;; --x`() SELECT 1');
      ok(cli(['sync'], envFor(src, repo)), 'sync');
      assertGoodFileNames(repo, names.length + 2, 'snapshot');
      for (const f of ['empty_innodb', 'empty_myisam'])
        assert.equal(readFileSync(path.join(repo, 'database', 'data', `${f}.sql`), 'utf8'), '', `${f}: an empty data file`);
      await restoreBothWaysAndCompare(src, repo, 'odd names');

      // A line break in a table name cannot be written one row per line: refused, naming the table; nothing committed, the working tree untouched.
      await c.query('CREATE TABLE `line\nbreak` (id INT PRIMARY KEY); INSERT INTO `line\nbreak` VALUES (1)');
      const before = git(repo, ['rev-parse', 'HEAD']);
      const r = cli(['sync'], envFor(src, repo));
      assertClearFailure(r, 'sync with a line break in a table name', /"line\\nbreak".*line break/);
      assert.equal(git(repo, ['rev-parse', 'HEAD']), before, 'no commit');
      assert.equal(git(repo, ['status', '--porcelain']), '', 'working tree untouched');
      // Leaving it out with DBSYNC_EXCLUDE_TABLES works.
      const excluded = cli(['sync'], envFor(src, repo, { DBSYNC_EXCLUDE_TABLES: 'line*' }));
      ok(excluded, 'sync excluding the table');
      assert.equal(excluded.stdout.trim(), 'no changes');

      // An object name with both "*/" and a line break cannot be marked in its file: refused, naming it.
      await c.query('CREATE VIEW `v*/\nz` AS SELECT 1 AS a');
      const view = cli(['sync'], envFor(src, repo, { DBSYNC_EXCLUDE_TABLES: 'line*' }));
      assertClearFailure(view, 'sync with a view named "v*/\\nz"', /view "v\*\/\\nz".*line break/);
      assert.equal(git(repo, ['rev-parse', 'HEAD']), before, 'no commit');
    } finally {
      await c.end();
      rmSync(repo, { recursive: true, force: true });
    }
  });

  it(`a table of ${BIG_ROWS.toLocaleString('en')} rows round-trips with one line per row`, async (t: TestContext) => {
    const src = freshName('big');
    const started = Date.now();
    await root.query(
      `CREATE DATABASE ${src} CHARACTER SET utf8mb4; USE ${src};
       CREATE TABLE many (id INT NOT NULL PRIMARY KEY, v VARCHAR(40), d DECIMAL(12,2), b VARBINARY(8)) ENGINE=InnoDB;
       INSERT INTO many SELECT seq, CONCAT('row ', seq, IF(seq % 7 = 0, '\\'\\n', '')), seq / 100, IF(seq % 3 = 0, NULL, UNHEX(HEX(seq))) FROM seq_1_to_${BIG_ROWS};
       CREATE TABLE many_nokey (a INT, b VARCHAR(10)) ENGINE=MyISAM;
       INSERT INTO many_nokey SELECT seq % 1000, IF(seq % 2 = 0, 'x', NULL) FROM seq_1_to_${Math.min(BIG_ROWS, 100_000)};`,
    );
    const repo = tempDir();
    try {
      const s0 = Date.now();
      ok(cli(['sync'], envFor(src, repo), { timeoutMs: 600_000 }), 'sync');
      const syncMs = Date.now() - s0;
      assert.equal(await tableLines(repo, 'many'), BIG_ROWS, 'one line per row');
      assert.equal(await tableLines(repo, 'many_nokey'), Math.min(BIG_ROWS, 100_000), 'one line per row (no key)');
      const dst = freshName('bigcopy');
      await root.query(`CREATE DATABASE ${dst}`);
      const r0 = Date.now();
      ok(cli(['restore', '--yes'], envFor(dst, repo), { timeoutMs: 600_000 }), 'restore');
      const restoreMs = Date.now() - r0;
      assert.equal(await checksums(dst), await checksums(src), 'CHECKSUM TABLE');
      await root.query(`DROP DATABASE ${dst}`);
      t.diagnostic(`${BIG_ROWS} rows: sync ${syncMs} ms, restore ${restoreMs} ms, total ${Date.now() - started} ms`);
    } finally {
      await root.query(`DROP DATABASE IF EXISTS ${src}`);
      rmSync(repo, { recursive: true, force: true });
    }
  });

  it('16 MB values round-trip; a row larger than max_allowed_packet is a clear error on restore and a skipped table (named, files kept) on snapshot, never a missing value', async (t: TestContext) => {
    const src = freshName('huge');
    const MB16 = 16 * 1024 * 1024;
    const blob = Buffer.alloc(MB16);
    for (let i = 0; i < blob.length; i++) blob[i] = Math.imul(i, 2654435761) >>> 24;
    const text = "quote ' backslash \\ newline \n emoji 😀 NULL é ".repeat(Math.ceil(MB16 / 40)).slice(0, MB16 / 2);
    const latin = Buffer.alloc(MB16 / 2, 0xe9);
    await root.query(`CREATE DATABASE ${src} CHARACTER SET utf8mb4`);
    const c = await server.connect(src);
    const repo = tempDir();
    try {
      await c.query(`CREATE TABLE huge (id INT PRIMARY KEY, lb LONGBLOB, lt LONGTEXT, l1 LONGTEXT CHARACTER SET latin1) ENGINE=InnoDB`);
      await c.query(`CREATE TABLE small (id INT PRIMARY KEY) ENGINE=InnoDB; INSERT INTO small VALUES (1)`);
      await c.query('INSERT INTO huge (id, lb) VALUES (1, ?)', [blob]);
      await c.query('INSERT INTO huge (id, lt) VALUES (2, ?)', [text]);
      await c.query(`INSERT INTO huge (id, l1) VALUES (3, _latin1 ${hex(latin)})`);
      await c.query(`INSERT INTO huge (id, lb, lt) VALUES (4, 'x', 'y')`);
      // Many rows of 3-byte characters: batches must be measured in bytes, not characters, to fit a small packet.
      await c.query(`CREATE TABLE cjk (id INT PRIMARY KEY, t VARCHAR(300)) ENGINE=InnoDB; INSERT INTO cjk SELECT seq, REPEAT('中文', 125) FROM seq_1_to_20000`);
      const [sizes] = await c.query('SELECT id, LENGTH(lb) AS lb, LENGTH(lt) AS lt, LENGTH(l1) AS l1 FROM huge ORDER BY id');
      t.diagnostic(`value sizes: ${JSON.stringify(sizes)}`);
      const s0 = Date.now();
      ok(cli(['sync'], envFor(src, repo)), 'sync');
      t.diagnostic(`sync ${Date.now() - s0} ms`);
      const dst = freshName('hugecopy');
      await root.query(`CREATE DATABASE ${dst}`);
      const r0 = Date.now();
      ok(cli(['restore', '--yes'], envFor(dst, repo)), 'restore of rows up to 32 MB with max_allowed_packet 64M');
      t.diagnostic(`restore ${Date.now() - r0} ms`);
      assert.equal(await checksums(dst), await checksums(src), 'CHECKSUM TABLE');
      await root.query(`DROP DATABASE ${dst}`);

      // A server with max_allowed_packet=4M (new sessions see the new global value).
      await root.query('SET GLOBAL max_allowed_packet = 4194304');
      try {
        const small = freshName('smallpacket');
        await root.query(`CREATE DATABASE ${small}`);
        const r = cli(['restore', '--yes'], envFor(small, repo));
        assertClearFailure(r, 'restore of a 32 MB row into a server with max_allowed_packet=4M', /huge.*max_allowed_packet/);
        const [loaded] = await root.query(`SELECT COUNT(*) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 'huge'`, [small]);
        t.diagnostic(`after the refused restore: ${r.stderr.trim()} (table present: ${(loaded as Array<{ n: number }>)[0]!.n})`);
        await root.query(`DROP DATABASE ${small}`);

        // Without the huge table, the rest restores into the small-packet server.
        const rest = freshName('smallpacket');
        await root.query(`CREATE DATABASE ${rest}`);
        ok(
          cli(['restore', '--yes'], envFor(rest, repo, { DBSYNC_EXCLUDE_TABLES: 'huge' })),
          'restore of 15 MB of 3-byte characters with max_allowed_packet=4M',
        );
        const [restSums] = await root.query(`CHECKSUM TABLE ${rest}.cjk, ${rest}.small EXTENDED`);
        const [srcSums] = await root.query(`CHECKSUM TABLE ${src}.cjk, ${src}.small EXTENDED`);
        const sums = (rows: unknown) => (rows as Array<{ Checksum: unknown }>).map((x) => x.Checksum);
        assert.deepEqual(sums(restSums), sums(srcSums), 'CHECKSUM TABLE of cjk and small');
        await root.query(`DROP DATABASE ${rest}`);

        // Reading: rows larger than max_allowed_packet (which restore could not load here) are not
        // read at all: the table is skipped with one line naming it and its largest row, its
        // committed files stay, and the other tables are still backed up (nothing changed in them here).
        const head = git(repo, ['rev-parse', 'HEAD']);
        const again = cli(['sync'], envFor(src, repo));
        assert.equal(again.code, 0, `sync with rows over max_allowed_packet: ${again.stderr}`);
        assert.match(again.stderr, /table huge not backed up: its row id=1 holds 1677\d+ bytes, more than the 4194304/, 'names the table and the key');
        assert.equal(again.stderr.trim().split('\n').length, 1, `one line: ${again.stderr}`);
        assert.equal(git(repo, ['rev-parse', 'HEAD']), head, 'no commit (nothing else changed)');
        assert.equal(git(repo, ['status', '--porcelain']), '', 'working tree untouched: the committed files of huge are kept');
        const status = cli(['status'], envFor(src, repo));
        assert.equal(status.code, 1, `status exits 1 while a table is not backed up: ${status.stdout}`);
        assert.match(status.stdout, /^FAILING: 1 table\(s\) not backed up: table huge/, status.stdout);
      } finally {
        await root.query('SET GLOBAL max_allowed_packet = 67108864');
      }
    } finally {
      await c.end();
      await root.query(`DROP DATABASE IF EXISTS ${src}`);
      rmSync(repo, { recursive: true, force: true });
    }
  });
});

/** Lines of all of a table's data files (a large table is split into chunks: data/<table>.sql, data/<table>@<e>-<hash>.sql). */
async function tableLines(repo: string, table: string): Promise<number> {
  const data = path.join(repo, 'database', 'data');
  let n = 0;
  for (const f of readdirSync(data)) if (f === `${table}.sql` || f.startsWith(`${table}@`)) n += await countLines(path.join(data, f));
  return n;
}

async function countLines(file: string): Promise<number> {
  let n = 0;
  for await (const chunk of createReadStream(file)) for (const b of chunk as Buffer) if (b === 10) n++;
  return n;
}

// ---------------------------------------------------------------- DDL during a pass

interface DdlScenario {
  readonly label: string;
  /** Tables besides `big`; `big` gets the engine given here. */
  readonly bigEngine: 'InnoDB' | 'MyISAM';
  readonly setup: string;
  /** Statements run while the pass reads `big` (or, with `whileLockWaits`, while its LOCK TABLES waits). */
  readonly ddl: string;
  readonly whileLockWaits?: boolean;
  /**
   * A table read after `big` and before the DDL's tables: locked (WRITE) by the test from the moment
   * the pass reads `big` until the DDL is done, so the DDL lands between the unlock and the read of
   * its tables, whatever the machine's speed.
   */
  readonly gate?: string;
  readonly exclude?: string;
}

const SMALL_TABLES = `
  CREATE TABLE inno (id INT PRIMARY KEY, v VARCHAR(20)) ENGINE=InnoDB; INSERT INTO inno VALUES (1, 'inno'), (2, 'two');
  CREATE TABLE myi (id INT PRIMARY KEY, v VARCHAR(20)) ENGINE=MyISAM; INSERT INTO myi VALUES (1, 'myi');
  CREATE TABLE zinno (id INT PRIMARY KEY, v BLOB) ENGINE=InnoDB; INSERT INTO zinno VALUES (1, 'z');`;

const DDL_SCENARIOS: DdlScenario[] = [
  {
    label: 'RENAME another InnoDB table while a MyISAM table is read under the lock',
    bigEngine: 'MyISAM',
    setup: SMALL_TABLES,
    ddl: 'RENAME TABLE inno TO inno2',
  },
  { label: 'DROP another MyISAM table while a MyISAM table is read under the lock', bigEngine: 'MyISAM', setup: SMALL_TABLES, ddl: 'DROP TABLE myi' },
  { label: 'RENAME the MyISAM table being read', bigEngine: 'MyISAM', setup: SMALL_TABLES, ddl: 'RENAME TABLE big TO big2' },
  { label: 'DROP the MyISAM table being read', bigEngine: 'MyISAM', setup: SMALL_TABLES, ddl: 'DROP TABLE big' },
  { label: 'swap two MyISAM tables while one is read', bigEngine: 'MyISAM', setup: SMALL_TABLES, ddl: 'RENAME TABLE big TO tmp, myi TO big, tmp TO myi' },
  {
    label: 'RENAME an InnoDB table not yet read while an InnoDB table is read',
    bigEngine: 'InnoDB',
    setup: SMALL_TABLES,
    ddl: 'RENAME TABLE zinno TO zinno2',
    gate: 'inno',
  },
  { label: 'DROP the InnoDB table being read', bigEngine: 'InnoDB', setup: SMALL_TABLES, ddl: 'DROP TABLE big' },
  {
    label: 'swap two InnoDB tables of different definitions (read and not yet read)',
    bigEngine: 'InnoDB',
    setup: SMALL_TABLES,
    ddl: 'RENAME TABLE big TO tmp, zinno TO big, tmp TO zinno',
  },
  {
    label: 'online schema change: swap in an excluded shadow table before the table is read',
    bigEngine: 'InnoDB',
    setup:
      SMALL_TABLES + `CREATE TABLE _zinno_new (id INT PRIMARY KEY, v TEXT, w INT) ENGINE=InnoDB; INSERT INTO _zinno_new VALUES (1, 'new z', 5), (2, 'two', 6);`,
    ddl: 'RENAME TABLE zinno TO _zinno_old, _zinno_new TO zinno',
    exclude: '_zinno_*',
    gate: 'inno',
  },
  {
    label: 'a table created (and another written) while the lock waits',
    bigEngine: 'InnoDB',
    setup: SMALL_TABLES,
    ddl: `CREATE TABLE late (id INT PRIMARY KEY) ENGINE=InnoDB; INSERT INTO late VALUES (1); INSERT INTO inno VALUES (3, 'after late')`,
    whileLockWaits: true,
  },
];

describe('tables renamed or dropped while a pass reads them', () => {
  const DDL_ROWS = LONG ? 300_000 : 60_000;
  for (const sc of DDL_SCENARIOS) {
    it(sc.label, async (t: TestContext) => {
      const db = freshName('ddl');
      await root.query(
        `CREATE DATABASE ${db} CHARACTER SET utf8mb4; USE ${db};
         CREATE TABLE big (id INT PRIMARY KEY, v VARCHAR(60)) ENGINE=${sc.bigEngine};
         INSERT INTO big SELECT seq, REPEAT('x', 50) FROM seq_1_to_${DDL_ROWS};
         ${sc.setup}`,
      );
      const repo = tempDir();
      const extra: Record<string, string> = sc.exclude ? { DBSYNC_EXCLUDE_TABLES: sc.exclude } : {};
      const env = envFor(db, repo, extra);
      const watcher = await server.connect(db);
      const holder = await server.connect(db);
      try {
        ok(cli(['sync'], env), 'first pass');
        const treeBefore = git(repo, ['rev-parse', 'HEAD:database']).trim();
        const headBefore = git(repo, ['rev-parse', 'HEAD']).trim();
        if (sc.whileLockWaits) await holder.query('LOCK TABLES big WRITE');
        const child = cliAsync(['sync'], env);
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d: Buffer) => (stdout += d));
        child.stderr.on('data', (d: Buffer) => (stderr += d));
        const exited = new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? -1)));
        let done = false;
        void exited.then(() => (done = true));
        const pattern = sc.whileLockWaits ? 'LOCK TABLES %' : 'SELECT %FROM `big`%';
        let hit = false;
        for (const deadline = Date.now() + 60_000; !done && Date.now() < deadline; ) {
          const [rows] = await watcher.query(
            `SELECT ID FROM information_schema.PROCESSLIST WHERE INFO LIKE ? AND ID <> CONNECTION_ID()${sc.whileLockWaits ? " AND STATE LIKE 'Waiting%'" : ''}`,
            [pattern],
          );
          if ((rows as unknown[]).length > 0) {
            hit = true;
            break;
          }
          await new Promise((r) => setTimeout(r, 2));
        }
        if (sc.gate && hit) await holder.query(`LOCK TABLES ${sc.gate} WRITE`);
        const ddlDone = watcher.query(sc.ddl).then(
          () => null,
          (err: Error) => err,
        );
        if (sc.whileLockWaits || (sc.gate && hit)) {
          assert.equal(await ddlDone, null, 'the DDL');
          await holder.query('UNLOCK TABLES');
        }
        const code = await exited;
        assert.equal(await ddlDone, null, 'the DDL');
        t.diagnostic(
          `${hit ? 'DDL ran during the pass' : 'the pass ended before the DDL (window missed)'}; pass exit ${code}: ${(stdout + stderr).trim().slice(0, 300)}`,
        );
        let treeMid: string;
        if (code === 0) {
          treeMid = git(repo, ['rev-parse', 'HEAD:database']).trim();
        } else {
          assertClearFailure({ code, stdout, stderr }, 'pass disturbed by DDL');
          assert.equal(git(repo, ['rev-parse', 'HEAD']).trim(), headBefore, 'a failed pass commits nothing');
          assert.equal(git(repo, ['status', '--porcelain']), '', 'a failed pass leaves the working tree alone');
          treeMid = treeBefore;
        }
        // The retry sees the database after the DDL.
        ok(cli(['sync'], env), 'retried pass');
        const treeAfter = git(repo, ['rev-parse', 'HEAD:database']).trim();
        assert.ok(
          treeMid === treeBefore || treeMid === treeAfter,
          `the disturbed pass wrote a snapshot that is neither the state before the DDL nor after it:\n${git(repo, ['diff', '--stat', treeMid, treeAfter])}\n${git(repo, ['diff', treeMid, treeAfter, '--', 'database/tables', 'database/data/zinno.sql', 'database/data/inno.sql']).slice(0, 3000)}`,
        );
        // And the state after is the live database: same tables, same definitions, same rows.
        const dst = freshName('ddlcopy');
        await root.query(`CREATE DATABASE ${dst}`);
        ok(cli(['restore', '--yes'], envFor(dst, repo, extra)), 'restore');
        const live = (await baseTables(db)).filter((n) => !sc.exclude || !n.startsWith(sc.exclude.replace('*', '')));
        assert.deepEqual(await baseTables(dst), live, 'tables after the retry');
        const [sums] = await root.query(`CHECKSUM TABLE ${live.map((n) => `${db}.${qid(n)}`).join(', ')} EXTENDED`);
        const [copySums] = await root.query(`CHECKSUM TABLE ${live.map((n) => `${dst}.${qid(n)}`).join(', ')} EXTENDED`);
        const strip = (rows: unknown, name: string) =>
          (rows as Array<{ Table: string; Checksum: unknown }>).map((r) => `${r.Table.slice(name.length + 1)} ${r.Checksum}`);
        assert.deepEqual(strip(copySums, dst), strip(sums, db), 'CHECKSUM TABLE after the retry');
        await root.query(`DROP DATABASE ${dst}`);
      } finally {
        await holder.query('UNLOCK TABLES').catch(() => undefined);
        await holder.end();
        await watcher.end();
        await root.query(`DROP DATABASE IF EXISTS ${db}`);
        rmSync(repo, { recursive: true, force: true });
      }
    });
  }
});
