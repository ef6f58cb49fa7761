/**
 * The checksum change source on a server without a binary log: a one-row change in a chunked
 * table re-reads only its chunk; an unchanged database reads no row; boundary-row deletes, key
 * moves and bulk changes stay exact (a full `sync` afterwards finds nothing to commit); `status`
 * says which source and why. And the row hash itself: over random values of every column type
 * (the hostile-data generators), two rows get the same hash exactly when the snapshot would write
 * the same values (NULL vs '', charsets, float precision, fractions, binary bytes).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import type { Connection } from 'mysql2/promise';
import { MariaDbServer } from '../support/mariadb-server.js';
import { baseEnv, cli, git, lastSubject, tempDir } from '../support/project.js';
import { COLUMNS, qid } from '../support/hostile-values.js';
import { loadConfig } from '../../src/config/config.js';
import { openProject, type Project } from '../../src/project/project.js';
import { runPass } from '../../src/sync/sync-pass.js';
import { selectChangeSource } from '../../src/sync/select-source.js';
import { Database } from '../../src/db/database.js';
import { describeTables } from '../../src/snapshot/schema-reader.js';
import { columnFormat } from '../../src/snapshot/column-format.js';
import { rowHash, tableSums } from '../../src/detect/range-checksums.js';

const DB = 'cksdb';
const BIG_ROWS = 200_000;
const SEED = Number(process.env.DBSYNC_FC_SEED ?? 20261204);

describe('checksum change source (no binary log)', { timeout: 300_000 }, () => {
  let server: MariaDbServer;
  let c: Connection;

  before(async () => {
    server = await MariaDbServer.start(['--skip-log-bin']);
    c = await server.connect(DB);
    await c.query('CREATE TABLE big (id BIGINT UNSIGNED PRIMARY KEY, a VARCHAR(40), b INT) ENGINE=InnoDB');
    // Keys near 2^64: the range numbering (INTERVAL) must compare them exactly.
    await c.query(`INSERT INTO big SELECT 18446744073709000000 + seq * 2, CONCAT('row ', seq), seq % 1000 FROM seq_1_to_${BIG_ROWS}`);
    await c.query('CREATE TABLE small (id INT PRIMARY KEY, name VARCHAR(40)) ENGINE=MyISAM');
    await c.query("INSERT INTO small VALUES (1, 'one'), (2, 'two'), (3, 'three')");
    await c.query('CREATE TABLE nokey (v VARCHAR(10)) ENGINE=MyISAM');
    await c.query("INSERT INTO nokey VALUES ('a'), ('a'), ('b')");
  });

  after(async () => {
    await c?.end();
    await server?.destroy();
  });

  it('re-reads only the chunk of a one-row change, and nothing when nothing changed', async () => {
    const dir = tempDir('dbsync-checksum-');
    const env = baseEnv({ ...server.env(DB), PROJECT_DIR: dir });
    const project: Project = await openProject(loadConfig({ env, flags: {}, cwd: dir }), env);
    const choice = await selectChangeSource(project);
    assert.match(choice.line, /^change source: checksum \(binlog off: using chunk checksums; .*\); for the binary log, enable with --log-bin/);
    const first = await runPass(project, { push: false, changeSource: choice.source });
    assert.equal(first.rowsRead, BIG_ROWS + 6);
    const chunks = readdirSync(path.join(dir, 'database', 'data')).filter((f) => f.startsWith('big@')).length;
    assert.ok(chunks > 10, `the big table is split into chunks (${chunks})`);

    const idle = await runPass(project, { push: false, changeSource: choice.source });
    assert.deepEqual({ rowsRead: idle.rowsRead, kept: idle.read?.tablesKept, commit: idle.commit.commit }, { rowsRead: 0, kept: 3, commit: null });

    await c.query('UPDATE big SET b = -1 WHERE id = 18446744073709000000 + 2 * 123457');
    const one = await runPass(project, { push: false, changeSource: choice.source });
    assert.deepEqual(
      { byChunk: one.read?.tablesByChunk, chunksRead: one.read?.chunksRead, kept: one.read?.tablesKept, rows: one.rows },
      { byChunk: 1, chunksRead: 1, kept: 2, rows: BIG_ROWS + 6 },
    );
    const largest = Math.max(
      ...readdirSync(path.join(dir, 'database', 'data'))
        .filter((f) => f === 'big.sql' || f.startsWith('big@'))
        .map((f) => readFileSync(path.join(dir, 'database', 'data', f), 'utf8').split('\n').length - 1),
    );
    assert.ok((one.rowsRead ?? Infinity) <= largest, `a one-row change read ${one.rowsRead} rows (largest chunk ${largest})`);
    assert.match(lastSubject(dir), /big ~1/);

    // A boundary row deleted (the chunks merge), a key moved across the table, a bulk delete, a
    // duplicate row in a keyless table swapped for another (COUNT unchanged), a MyISAM update.
    const data = path.join(dir, 'database', 'data');
    const boundary = readFileSync(path.join(data, readdirSync(data).filter((f) => f.startsWith('big@'))[3]!), 'utf8').match(
      /^INSERT INTO `big` VALUES \((\d+),/,
    )![1]!;
    await c.query(`DELETE FROM big WHERE id = ${boundary}`);
    await c.query('UPDATE big SET id = 18446744073709551615 WHERE id = 18446744073709000000 + 2 * 17');
    await c.query('DELETE FROM big WHERE id BETWEEN 18446744073709000000 + 2 * 100000 AND 18446744073709000000 + 2 * 100400');
    await c.query("DELETE FROM nokey WHERE v = 'a'");
    await c.query("INSERT INTO nokey VALUES ('b'), ('c')");
    await c.query("UPDATE small SET name = 'TWO' WHERE id = 2");
    const many = await runPass(project, { push: false, changeSource: choice.source });
    assert.equal(many.read?.tablesByChunk, 1, JSON.stringify(many.read));
    assert.equal(many.rows, BIG_ROWS + 6 - 402);

    const commits = git(dir, ['rev-list', '--count', 'HEAD']).trim();
    const r = cli(['sync'], baseEnv({ ...env, DBSYNC_CHANGE_SOURCE: 'full' }));
    assert.equal(r.code, 0, r.stderr);
    assert.equal(git(dir, ['rev-list', '--count', 'HEAD']).trim(), commits, 'a full read finds nothing the checksum passes missed');

    const st = cli(['status'], env);
    assert.match(st.stdout, /change source: checksum \(binlog off: using chunk checksums/);
    const forced = cli(['sync'], { ...env, DBSYNC_CHANGE_SOURCE: 'checksum' });
    assert.equal(forced.code, 0, forced.stderr);
    assert.match(
      cli(['status'], { ...env, DBSYNC_CHANGE_SOURCE: 'checksum' }).stdout,
      /change source: checksum \(DBSYNC_CHANGE_SOURCE=checksum: using chunk checksums/,
    );
  });

  it('checksums the MyISAM tables under the lock and the InnoDB table after the unlock', async () => {
    const dir = tempDir('dbsync-checksum-lock-');
    const env = baseEnv({ ...server.env(DB), PROJECT_DIR: dir });
    const project: Project = await openProject(loadConfig({ env, flags: {}, cwd: dir }), env);
    const { source } = await selectChangeSource(project);
    await runPass(project, { push: false, changeSource: source });
    // The second pass records checksums over the chunk ranges the first one wrote.
    await runPass(project, { push: false, changeSource: source });
    await c.query("UPDATE small SET name = 'uno' WHERE id = 1");
    await c.query('UPDATE big SET b = -2 WHERE id = 18446744073709000000 + 2 * 777');
    // Every statement of every session the pass opens, in order (real sessions, only watched).
    const log: Array<{ session: number; sql: string }> = [];
    let sessions = 0;
    const connect = async () => {
      const db = await project.connect();
      const session = ++sessions;
      return new Proxy(db, {
        get(target, prop) {
          const v: unknown = Reflect.get(target, prop, target);
          if (typeof v !== 'function') return v;
          return (...args: unknown[]) => {
            if (typeof args[0] === 'string') log.push({ session, sql: args[0] });
            return (v as (...a: unknown[]) => unknown).apply(target, args);
          };
        },
      });
    };
    const pass = await runPass({ ...project, connect }, { push: false, changeSource: source });
    assert.deepEqual(
      { byChunk: pass.read?.tablesByChunk, chunksRead: pass.read?.chunksRead, kept: pass.read?.tablesKept },
      { byChunk: 1, chunksRead: 1, kept: 1 },
      JSON.stringify(pass.read),
    );
    assert.match(lastSubject(dir), /big ~1/);
    assert.match(lastSubject(dir), /small ~1/);

    const at = (re: RegExp) => log.findIndex((e) => re.test(e.sql));
    const lock = at(/^LOCK TABLES/);
    assert.ok(lock >= 0, 'the tables are locked (a MyISAM table is among them)');
    const unlock = log.findIndex((e, i) => i > lock && e.sql === 'UNLOCK TABLES' && e.session === log[lock]!.session);
    const smallSums = at(/CRC32C.* FROM `small`/);
    const bigSums = at(/CRC32C.* FROM `big`/);
    assert.ok(smallSums > lock && smallSums < unlock, `the MyISAM checksums are computed under the lock (${smallSums} in ${lock}..${unlock})`);
    assert.equal(log[smallSums]!.session, log[lock]!.session, 'on the locking session');
    assert.ok(bigSums > unlock, `the InnoDB checksums are computed after the unlock (${bigSums} after ${unlock}): writers do not wait for that scan`);

    const commits = git(dir, ['rev-list', '--count', 'HEAD']).trim();
    const full = cli(['sync'], baseEnv({ ...env, DBSYNC_CHANGE_SOURCE: 'full' }));
    assert.equal(full.code, 0, full.stderr);
    assert.equal(git(dir, ['rev-list', '--count', 'HEAD']).trim(), commits, 'a full read finds nothing the two-part pass missed');
  });

  it('hashes two values alike exactly when the snapshot reads the same bytes, for every column type', async () => {
    const db = await Database.connect({ host: '', port: 0, socket: server.socket, user: 'root', password: undefined, database: DB, connectTimeoutMs: 10_000 });
    try {
      for (const col of COLUMNS) {
        const name = `h_${col.name}`;
        await c.query(`CREATE TABLE ${qid(name)} (v ${col.def}) ENGINE=MyISAM`);
        const values = fc.sample(fc.option(col.arb, { nil: null, freq: 4 }), { numRuns: 40, seed: SEED });
        for (const v of values) {
          const lit = v === null ? 'NULL' : col.lit(v as never);
          await c.query(`INSERT IGNORE INTO ${qid(name)} VALUES (${lit})`).catch(() => undefined);
        }
        // Some values twice (one value, one hash), and '' where the type takes it (NULL vs '').
        await c.query(`INSERT IGNORE INTO ${qid(name)} SELECT v FROM ${qid(name)} LIMIT 5`).catch(() => undefined);
        await c.query(`INSERT IGNORE INTO ${qid(name)} VALUES ('')`).catch(() => undefined);
        const [table] = await describeTables(db, DB, [{ name, engine: 'MyISAM' }]);
        const sel = columnFormat(table!.columns[0]!).select!;
        const rows = await db.queryArrays(`SELECT HEX(CAST(${sel} AS BINARY)), ${sel} IS NULL, CAST(${rowHash(table!)} AS CHAR) FROM ${qid(name)}`);
        const byValue = new Map<string, string>();
        const byHash = new Map<string, string>();
        for (const [bytes, isNull, hash] of rows) {
          const value = `${isNull}:${bytes}`;
          assert.equal(byValue.get(value) ?? hash, hash, `${col.def}: one value, two hashes`);
          assert.equal(byHash.get(hash!) ?? value, value, `${col.def}: two values (${byHash.get(hash!)} and ${value}), one hash`);
          byValue.set(value, hash!);
          byHash.set(hash!, value);
        }
        assert.ok(byValue.size >= 2 || values.length < 2, `${col.def}: only ${byValue.size} distinct values`);
        // The range sums of the table agree with the row hashes.
        const sums = await tableSums(db, table!, []);
        assert.equal(sums.sums[0]!.rows, BigInt(rows.length));
        assert.equal(
          sums.sums[0]!.sum,
          rows.reduce((n, r) => n + BigInt(r[2]!), 0n),
        );
      }
    } finally {
      await db.close();
    }
  });
});
