/**
 * The binlog change source on the outside: a change to a small table does not read (or touch) a
 * 200,000-row table; a change to the big table reads it; `status` and the start-up log say which
 * source is in use and why not (binlog off, REPLICATION SLAVE missing); DBSYNC_CHANGE_SOURCE=binlog
 * on a server without it refuses to run; with the binlog off everything still works (full reads).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Connection } from 'mysql2/promise';
import { MariaDbServer } from '../support/mariadb-server.js';
import { baseEnv, cli, commitCount, git, lastSubject, tempDir, waitFor } from '../support/project.js';
import { background } from '../support/background.js';
import { loadConfig } from '../../src/config/config.js';
import { openProject, type Project } from '../../src/project/project.js';
import { runPass } from '../../src/sync/sync-pass.js';
import { selectChangeSource } from '../../src/sync/select-source.js';
import { withCascades } from '../../src/sync/read-plan.js';

const DB = 'skipdb';
const BIG_ROWS = 200_000;

/** inode and mtime of every data file of a table: unchanged means not rewritten. */
function fileIds(dir: string, table: string): string[] {
  const data = path.join(dir, 'database', 'data');
  return readdirSync(data)
    .filter((f) => f === `${table}.sql` || f.startsWith(`${table}@`))
    .sort()
    .map((f) => {
      const st = statSync(path.join(data, f));
      return `${f}:${st.ino}:${st.mtimeMs}`;
    });
}

describe('binlog change source: what it reads and what it says', { timeout: 300_000 }, () => {
  let server: MariaDbServer;
  let c: Connection;

  before(async () => {
    server = await MariaDbServer.start(['--log-bin=mysql-bin', '--binlog-format=ROW', '--server-id=1']);
    c = await server.connect(DB);
    await c.query('CREATE TABLE big (id INT PRIMARY KEY, a VARCHAR(40), b INT) ENGINE=InnoDB');
    await c.query(`INSERT INTO big SELECT seq, CONCAT('row ', seq), seq % 1000 FROM seq_1_to_${BIG_ROWS}`);
    await c.query('CREATE TABLE small (id INT PRIMARY KEY, name VARCHAR(40)) ENGINE=MyISAM');
    await c.query("INSERT INTO small VALUES (1, 'one'), (2, 'two'), (3, 'three')");
  });

  after(async () => {
    await c?.end();
    await server?.destroy();
  });

  it('skips an unchanged 200,000-row table and reads it once it changes', async () => {
    const dir = tempDir('dbsync-binlog-skip-');
    const env = baseEnv({ ...server.env(DB), PROJECT_DIR: dir });
    const project: Project = await openProject(loadConfig({ env, flags: {}, cwd: dir }), env);
    const choice = await selectChangeSource(project);
    assert.match(choice.line, /^change source: binlog \(mysql-bin\.\d+\)$/);
    const first = await runPass(project, { push: false, changeSource: choice.source });
    assert.equal(first.rowsRead, BIG_ROWS + 3);
    const before = fileIds(dir, 'big');
    assert.ok(before.length > 1, 'the big table is split into chunks');

    await c.query("UPDATE small SET name = 'TWO' WHERE id = 2");
    const small = await runPass(project, { push: false, changeSource: choice.source });
    assert.deepEqual(
      { read: small.read?.tablesRead, kept: small.read?.tablesKept, rowsRead: small.rowsRead, rows: small.rows },
      { read: 1, kept: 1, rowsRead: 3, rows: BIG_ROWS + 3 },
    );
    assert.deepEqual(fileIds(dir, 'big'), before, 'the big table files were not rewritten');
    assert.match(lastSubject(dir), /small ~1/);
    assert.equal(git(dir, ['status', '--porcelain']).trim(), '', 'everything committed');

    // Chunk granularity: a one-row change in the integer-keyed big table re-reads the one or two
    // chunks its key falls in (rowsRead, as `pass done` logs it), and rewrites only those files.
    const chunkFiles = before.length;
    await c.query('UPDATE big SET b = -1 WHERE id = 123456');
    const big = await runPass(project, { push: false, changeSource: choice.source });
    assert.deepEqual({ read: big.read?.tablesRead, kept: big.read?.tablesKept, byChunk: big.read?.tablesByChunk }, { read: 1, kept: 1, byChunk: 1 });
    assert.ok((big.read?.chunksRead ?? 0) >= 1 && (big.read?.chunksRead ?? 0) <= 2, `chunks read: ${big.read?.chunksRead}`);
    // Chunk sizes are content-defined (geometric): bound by the two largest chunks, and far below the table.
    const lineCounts = readdirSync(path.join(dir, 'database', 'data'))
      .filter((f) => f === 'big.sql' || f.startsWith('big@'))
      .map((f) => readFileSync(path.join(dir, 'database', 'data', f), 'utf8').split('\n').length - 1)
      .sort((a, b) => b - a);
    const rowsRead = big.rowsRead ?? Infinity;
    assert.ok(
      rowsRead <= lineCounts[0]! + lineCounts[1]! && rowsRead < BIG_ROWS / 5,
      `a one-row change read ${rowsRead} of ${BIG_ROWS} rows (${chunkFiles} chunks)`,
    );
    assert.equal(big.rows, BIG_ROWS + 3);
    const after = fileIds(dir, 'big');
    assert.ok(after.filter((f) => !before.includes(f)).length <= 2, 'at most two chunk files rewritten');
    assert.match(lastSubject(dir), /big ~1/);

    // A key moved across the table (two chunks), a boundary row deleted and a bulk change: still exact (checked by the full sync below).
    await c.query('UPDATE big SET id = 250000 WHERE id = 17');
    await c.query('DELETE FROM big WHERE id BETWEEN 100000 AND 100400');
    const moved = await runPass(project, { push: false, changeSource: choice.source });
    assert.equal(moved.read?.tablesByChunk, 1);
    assert.equal(moved.rows, BIG_ROWS + 3 - 401);

    // A later `sync` with full reads (another process, no change source) finds nothing to commit: the kept files were exact.
    const commits = git(dir, ['rev-list', '--count', 'HEAD']).trim();
    const r = cli(['sync'], baseEnv({ ...env, DBSYNC_CHANGE_SOURCE: 'full' }));
    assert.equal(r.code, 0, r.stderr);
    assert.equal(git(dir, ['rev-list', '--count', 'HEAD']).trim(), commits);

    // The CLI's sync uses the binlog too, and status names it.
    await c.query("INSERT INTO small VALUES (4, 'four')");
    const s = cli(['sync', '--log-level', 'debug'], env);
    assert.equal(s.code, 0, s.stderr);
    assert.match(s.stderr, /change source: binlog/);
    assert.match(lastSubject(dir), /small \+1/);
    const st = cli(['status'], env);
    assert.match(st.stdout, /change source: binlog \(mysql-bin\.\d+\)/);
  });

  it('reads the child tables of a changed table when a foreign key action may have changed them (cascades are not in the binlog)', async () => {
    await c.query('CREATE TABLE fk_parent (id INT PRIMARY KEY) ENGINE=InnoDB');
    await c.query('CREATE TABLE fk_child (id INT PRIMARY KEY, parent INT, FOREIGN KEY (parent) REFERENCES fk_parent (id) ON DELETE CASCADE) ENGINE=InnoDB');
    await c.query('CREATE TABLE fk_grandchild (id INT PRIMARY KEY, child INT, FOREIGN KEY (child) REFERENCES fk_child (id) ON DELETE SET NULL) ENGINE=InnoDB');
    await c.query('INSERT INTO fk_parent VALUES (1), (2)');
    await c.query('INSERT INTO fk_child VALUES (10, 1), (20, 2)');
    await c.query('INSERT INTO fk_grandchild VALUES (100, 10), (200, 20)');
    try {
      const dir = tempDir('dbsync-binlog-fk-');
      const env = baseEnv({ ...server.env(DB), PROJECT_DIR: dir });
      const project: Project = await openProject(loadConfig({ env, flags: {}, cwd: dir }), env);
      const choice = await selectChangeSource(project);
      await runPass(project, { push: false, changeSource: choice.source });
      await c.query('DELETE FROM fk_parent WHERE id = 1');
      const r = await runPass(project, { push: false, changeSource: choice.source });
      assert.ok(r.read && r.read.tablesKept > 0, 'the unrelated tables were kept');
      const data = (t: string) => git(dir, ['show', `HEAD:database/data/${t}.sql`]);
      assert.doesNotMatch(data('fk_child'), /\(10,1\)/, 'the cascaded delete of fk_child is committed');
      assert.match(data('fk_grandchild'), /\(100,NULL\)/, 'the SET NULL of fk_grandchild is committed');
      assert.match(data('fk_grandchild'), /\(200,20\)/);
      // MariaDB 10.11 happens to write table maps of the child tables with the parent's delete, so
      // the end-to-end check above passes on it either way; the closure itself is checked here, as
      // the server documents cascaded rows as absent from the binary log.
      const db = await project.connect();
      try {
        assert.deepEqual([...(await withCascades(db, DB, new Set(['fk_parent'])))].sort(), ['fk_child', 'fk_grandchild', 'fk_parent']);
        assert.deepEqual([...(await withCascades(db, DB, new Set(['fk_child'])))].sort(), ['fk_child', 'fk_grandchild']);
        assert.deepEqual([...(await withCascades(db, DB, new Set(['small'])))], ['small']);
      } finally {
        await db.close();
      }
    } finally {
      await c.query('DROP TABLE fk_grandchild, fk_child, fk_parent');
    }
  });

  it('watch: the start-up pass reads everything, a change reads one table, DDL reads everything with one warning', async () => {
    const dir = tempDir('dbsync-binlog-watch-');
    const env = baseEnv({
      ...server.env(DB),
      PROJECT_DIR: dir,
      POLL_INTERVAL: '0.2',
      DBSYNC_VERIFY_INTERVAL: '3600',
      DBSYNC_QUIET_PERIOD: '0.1',
      DBSYNC_LOG_LEVEL: 'debug',
    });
    const watch = background(['watch'], env);
    try {
      await watch.waitForLog(/INFO change source: binlog \(mysql-bin\.\d+\)/, 60_000);
      await watch.waitForLog(/pass done [^\n]*tablesRead=2 trigger=start/, 120_000);
      await waitFor('the first commit', () => commitCount(dir) >= 1, 30_000);
      const before = commitCount(dir);
      await c.query("UPDATE small SET name = 'from watch' WHERE id = 1");
      await watch.waitForLog(/pass done [^\n]*rowsRead=\d+ tablesRead=1 trigger=change/, 60_000);
      await waitFor('the change committed', () => commitCount(dir) > before, 30_000);
      assert.match(lastSubject(dir), /small ~1/);
      await c.query('ALTER TABLE small ADD COLUMN note VARCHAR(10)');
      await watch.waitForLog(/WARN change source binlog: read every table: a statement in the binary log may have changed skipdb \(ALTER TABLE small/, 120_000);
      assert.equal((watch.stderr().match(/WARN change source/g) ?? []).length, 1, 'one warning line');
    } finally {
      await watch.kill();
    }
  });

  it('watch is woken by the binary log: a change is committed long before the next poll', async () => {
    const dir = tempDir('dbsync-binlog-wake-');
    // A poll every 10 minutes: without waking, nothing after the first pass would be committed within this test.
    const env = baseEnv({ ...server.env(DB), PROJECT_DIR: dir, POLL_INTERVAL: '600', DBSYNC_QUIET_PERIOD: '0.1', DBSYNC_LOG_LEVEL: 'debug' });
    const watch = background(['watch'], env);
    try {
      await watch.waitForLog(/INFO change source: binlog \(mysql-bin\.\d+\)/, 60_000);
      await waitFor('the first commit', () => commitCount(dir) >= 1, 120_000);
      await watch.waitForLog(/pass done [^\n]*trigger=start/, 60_000);
      const before = commitCount(dir);
      await c.query("UPDATE small SET name = 'woken' WHERE id = 3");
      await waitFor('the change committed without a poll', () => commitCount(dir) > before, 60_000);
      assert.match(lastSubject(dir), /small ~1/);
      // A write to another database makes no commit here.
      const other = await server.connect('wake_other');
      await other.query('CREATE TABLE t (id INT PRIMARY KEY); INSERT INTO t VALUES (1)');
      await other.end();
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal(commitCount(dir), before + 1);
      await c.query("UPDATE small SET name = 'woken twice' WHERE id = 3");
      await waitFor('the second change committed', () => commitCount(dir) > before + 1, 60_000);
      assert.doesNotMatch(watch.stderr(), /not woken by the binary log/);
    } finally {
      await watch.kill();
    }
  });

  it('falls back to chunk checksums without REPLICATION SLAVE, and says why', async () => {
    await c.query("CREATE USER 'norepl'@'localhost' IDENTIFIED BY 'pw'");
    await c.query(`GRANT SELECT, LOCK TABLES, SHOW VIEW, TRIGGER, EVENT, EXECUTE ON \`${DB}\`.* TO 'norepl'@'localhost'`);
    const dir = tempDir('dbsync-binlog-norepl-');
    const env = baseEnv({ ...server.env(DB), DB_USER: 'norepl', DB_PASSWORD: 'pw', PROJECT_DIR: dir });
    const r = cli(['sync'], env);
    assert.equal(r.code, 0, r.stderr);
    const st = cli(['status'], env);
    assert.match(
      st.stdout,
      /change source: checksum \(the user lacks REPLICATION SLAVE: using chunk checksums; .*\); for the binary log, enable with .*GRANT REPLICATION SLAVE ON \*\.\* TO norepl/,
    );
    const forced = cli(['sync'], { ...env, DBSYNC_CHANGE_SOURCE: 'binlog' });
    assert.equal(forced.code, 2, forced.stderr);
    assert.match(forced.stderr, /DBSYNC_CHANGE_SOURCE=binlog, but the user lacks REPLICATION SLAVE/);
  });

  it('works with the binlog off (chunk checksums) and says how to turn it on', async () => {
    const plain = await MariaDbServer.start(['--skip-log-bin']);
    try {
      const pc = await plain.connect('plain');
      await pc.query('CREATE TABLE t (id INT PRIMARY KEY, v INT)');
      await pc.query('INSERT INTO t VALUES (1, 1)');
      const dir = tempDir('dbsync-binlog-off-');
      const env = baseEnv({ ...plain.env('plain'), PROJECT_DIR: dir });
      assert.equal(cli(['sync'], env).code, 0);
      await pc.query('UPDATE t SET v = 2');
      const r = cli(['sync'], env);
      assert.equal(r.code, 0, r.stderr);
      assert.match(lastSubject(dir), /t ~1/);
      const st = cli(['status'], env);
      assert.match(
        st.stdout,
        /change source: checksum \(binlog off: using chunk checksums; .*\); for the binary log, enable with --log-bin --binlog-format=ROW and GRANT REPLICATION SLAVE/,
      );
      const forced = cli(['sync'], { ...env, DBSYNC_CHANGE_SOURCE: 'binlog' });
      assert.equal(forced.code, 2);
      assert.match(forced.stderr, /DBSYNC_CHANGE_SOURCE=binlog, but binlog off/);
      await pc.end();
    } finally {
      await plain.destroy();
    }
  });
});
