/**
 * The change probe against a real server (started with --userstat=1 to count rows read per
 * table): idle polls of `watch` read no rows and make no pass; every kind of change is still
 * committed, including a transaction that commits after a pass without writing again (the trap
 * of write-time counters); a server restart is noticed; a burst lands in one commit, and a stream
 * that never goes quiet is committed anyway.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import type { Connection } from 'mysql2/promise';
import { MariaDbServer } from '../support/mariadb-server.js';
import { background, type Background } from '../support/background.js';
import { baseEnv, commitCount, tempDir, waitFor } from '../support/project.js';
import { Database } from '../../src/db/database.js';
import { ChangeProbe, sameReading } from '../../src/detect/change-probe.js';

/** Does the snapshot in HEAD contain `text` (in any file: robust to the layout of data files)? */
function headHas(dir: string, text: string): boolean {
  const r = spawnSync('git', ['grep', '-q', '-F', '-e', text, 'HEAD', '--'], { cwd: dir, encoding: 'utf8' });
  if (r.status !== 0 && r.status !== 1) throw new Error(`git grep failed (${r.status}): ${r.stderr}`);
  return r.status === 0;
}

function count(text: string, re: RegExp): number {
  return text.match(new RegExp(re.source, 'gm'))?.length ?? 0;
}

interface Counters {
  /** Rows read from the test database's tables (userstat). */
  rowsRead: number;
  /** Handler_read_* (also counts reads of the server's internal temporary tables). */
  handlerReads: number;
  questions: number;
}

async function counters(c: Connection, db: string): Promise<Counters> {
  const [[t]] = (await c.query('SELECT COALESCE(SUM(ROWS_READ), 0) AS n FROM information_schema.TABLE_STATISTICS WHERE TABLE_SCHEMA = ?', [db])) as unknown as [
    [{ n: string }],
  ];
  const [status] = (await c.query("SHOW GLOBAL STATUS WHERE Variable_name = 'Questions' OR Variable_name LIKE 'Handler\\_read\\_%'")) as unknown as [
    Array<{ Variable_name: string; Value: string }>,
  ];
  let handlerReads = 0;
  let questions = 0;
  for (const r of status) {
    if (r.Variable_name === 'Questions') questions = Number(r.Value);
    else handlerReads += Number(r.Value);
  }
  return { rowsRead: Number(t.n), handlerReads, questions };
}

const minus = (a: Counters, b: Counters): Counters => ({
  rowsRead: a.rowsRead - b.rowsRead,
  handlerReads: a.handlerReads - b.handlerReads,
  questions: a.questions - b.questions,
});

async function status(c: Connection, names: string[]): Promise<Record<string, string>> {
  const [rows] = (await c.query(`SHOW GLOBAL STATUS WHERE Variable_name IN (${names.map(() => '?').join(', ')})`, names)) as unknown as [
    Array<{ Variable_name: string; Value: string }>,
  ];
  return Object.fromEntries(rows.map((r) => [r.Variable_name, r.Value]));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('change probe', () => {
  let server: MariaDbServer;
  let root: Connection;
  const DB = 'probe_db';

  before(async () => {
    server = await MariaDbServer.start(['--userstat=1']);
    root = await server.connect(DB);
    await root.query(`
      CREATE TABLE inv (id INT PRIMARY KEY, note VARCHAR(100)) ENGINE=InnoDB;
      CREATE TABLE items (id INT PRIMARY KEY, note VARCHAR(100)) ENGINE=MyISAM;
      CREATE TABLE mem (id INT PRIMARY KEY, note VARCHAR(100)) ENGINE=MEMORY;
      INSERT INTO inv SELECT seq, CONCAT('invoice ', seq) FROM seq_1_to_2000;
      INSERT INTO items SELECT seq, CONCAT('item ', seq) FROM seq_1_to_500;
      INSERT INTO mem (id, note) VALUES (1, 'mem-marker');
      -- Only the grants the README asks for: the probe needs no further privilege.
      CREATE USER 'prober'@'localhost' IDENTIFIED BY 'prober-pw';
      GRANT SELECT, LOCK TABLES, SHOW VIEW, TRIGGER, EVENT, EXECUTE ON \`${DB}\`.* TO 'prober'@'localhost';
      GRANT SELECT ON mysql.proc TO 'prober'@'localhost';
    `);
  });
  after(async () => {
    await Promise.all(started.map((w) => w.kill()));
    await root?.end().catch(() => undefined);
    await server?.destroy();
  });

  function watchEnv(dir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    return baseEnv({
      DB_SOCKET: server.socket,
      DB_USER: 'prober',
      DB_PASSWORD: 'prober-pw',
      DB_NAME: DB,
      PROJECT_DIR: dir,
      POLL_INTERVAL: '0.2',
      DBSYNC_VERIFY_INTERVAL: '3600',
      DBSYNC_QUIET_PERIOD: '0.1',
      DBSYNC_MAX_BACKOFF: '1',
      DBSYNC_LOG_LEVEL: 'debug',
      ...extra,
    });
  }

  /** Every watch started, killed at the end whatever happened (a live one would hold the database's run lock). */
  const started: Background[] = [];

  async function startWatch(dir: string, extra: Record<string, string> = {}): Promise<Background> {
    const before = commitCount(dir);
    const watch = background(['watch'], watchEnv(dir, extra));
    started.push(watch);
    await watch.waitForLog(/DEBUG pass done [^\n]*trigger=(start|every-poll)/, 30_000);
    await waitFor('the start pass to be committed', () => commitCount(dir) >= Math.max(1, before), 10_000);
    return watch;
  }

  async function stopWatch(watch: Background): Promise<void> {
    watch.child.kill('SIGTERM');
    try {
      assert.equal(await watch.waitExit(15_000), 0, watch.stderr());
    } finally {
      await watch.kill();
    }
  }

  async function committed(_dir: string, what: string, cond: () => boolean, watch: Background, timeoutMs = 10_000): Promise<void> {
    try {
      await waitFor(what, cond, timeoutMs);
    } catch (err) {
      throw new Error(`${(err as Error).message}; watch log:\n${watch.stderr().slice(-3000)}`);
    }
  }

  it('idle polls read no rows, send one query each and make no pass; without the probe every poll reads every row', async (t) => {
    const dir = tempDir();
    const watch = await startWatch(dir);
    let idle: Counters;
    let polls: number;
    try {
      await watch.waitForLog(/poll skipped: no change/, 5_000);
      const overhead = minus(await counters(root, DB), await counters(root, DB));
      // Both readings right after a poll's log line: the window holds whole polls.
      const afterNextPoll = async () => {
        const n = count(watch.stderr(), /poll skipped: no change/);
        await waitFor('the next poll', () => count(watch.stderr(), /poll skipped: no change/) > n, 5_000);
        return { n: count(watch.stderr(), /poll skipped: no change/), c: await counters(root, DB) };
      };
      const a = await afterNextPoll();
      await sleep(3_000);
      const b = await afterNextPoll();
      polls = b.n - a.n;
      idle = minus(minus(b.c, a.c), overhead);
      assert.ok(polls >= 8, `${polls} polls in 3 s at POLL_INTERVAL=0.2`);
      assert.equal(count(watch.stderr(), /pass done/), 1, 'only the start pass ran');
      assert.equal(idle.rowsRead, 0, `rows of ${DB}'s tables read during ${polls} idle polls`);
      // One SHOW GLOBAL STATUS per poll (measured: Com_show_status moves by one per poll); the log-based poll count may be one short.
      assert.ok(idle.questions / polls <= 1.5, `${idle.questions} statements for ${polls} polls: one each`);
    } finally {
      await stopWatch(watch);
    }

    // The old behaviour, for comparison (and to show the measurement does see reads).
    const oldDir = tempDir();
    const old = await startWatch(oldDir, { DBSYNC_VERIFY_INTERVAL: '0' });
    try {
      await old.waitForLog(/pass done [^\n]*trigger=every-poll/, 5_000);
      const passes0 = count(old.stderr(), /pass done/);
      const a = await counters(root, DB);
      await sleep(2_000);
      const b = await counters(root, DB);
      const passes = count(old.stderr(), /pass done/) - passes0;
      const d = minus(b, a);
      assert.ok(passes >= 1, 'passes ran');
      assert.ok(d.rowsRead / passes >= 2_500, `a full pass reads every row (${d.rowsRead / passes} per pass)`);
      t.diagnostic(
        `idle poll with the probe: ${idle.rowsRead / polls} rows read, ${(idle.handlerReads / polls).toFixed(1)} handler reads (the status rows' temporary table), ${(idle.questions / polls).toFixed(2)} statements; ` +
          `without it (DBSYNC_VERIFY_INTERVAL=0): ${Math.round(d.rowsRead / passes)} rows read, ${Math.round(d.handlerReads / passes)} handler reads, ${Math.round(d.questions / passes)} statements per poll`,
      );
    } finally {
      await stopWatch(old);
    }
  });

  it('commits every kind of change: rows of InnoDB and MyISAM tables, TRUNCATE, DDL, views, triggers, routines', async () => {
    const dir = tempDir();
    const watch = await startWatch(dir);
    try {
      const steps: Array<[string, string, () => boolean]> = [
        ['INSERT INTO inv (id, note) VALUES (5001, "ins-marker")', 'an InnoDB insert', () => headHas(dir, 'ins-marker')],
        ['UPDATE inv SET note = "upd-marker" WHERE id = 5001', 'an InnoDB update', () => headHas(dir, 'upd-marker') && !headHas(dir, 'ins-marker')],
        ['DELETE FROM inv WHERE id = 5001', 'an InnoDB delete', () => !headHas(dir, 'upd-marker')],
        ['INSERT INTO items (id, note) VALUES (5001, "myisam-marker")', 'a MyISAM insert', () => headHas(dir, 'myisam-marker')],
        ['TRUNCATE TABLE items', 'TRUNCATE of a MyISAM table (no row counter moves)', () => !headHas(dir, 'myisam-marker') && !headHas(dir, "'item 1'")],
        ['ALTER TABLE inv ADD COLUMN added_col INT', 'ALTER TABLE', () => headHas(dir, 'added_col')],
        ['ALTER TABLE items ADD INDEX note_idx (note)', 'an index added to a MyISAM table', () => headHas(dir, 'note_idx')],
        ['CREATE VIEW v_marker AS SELECT "view-v1" AS x', 'CREATE VIEW', () => headHas(dir, 'view-v1')],
        ['CREATE OR REPLACE VIEW v_marker AS SELECT "view-v2" AS x', 'a replaced view', () => headHas(dir, 'view-v2') && !headHas(dir, 'view-v1')],
        ['CREATE TRIGGER trg_marker BEFORE INSERT ON inv FOR EACH ROW SET NEW.note = NEW.note', 'CREATE TRIGGER', () => headHas(dir, 'trg_marker')],
        ['CREATE PROCEDURE proc_marker() SELECT 1', 'CREATE PROCEDURE', () => headHas(dir, 'proc_marker')],
      ];
      for (const [sql, what, cond] of steps) {
        await root.query(sql);
        await committed(dir, what, cond, watch);
      }
      await sleep(300);
      assert.equal(
        count(watch.stderr(), /pass done [^\n]*trigger=(verify|every-poll|retry|restart)/),
        0,
        'all of it seen by the probe, none by a verification or a failure',
      );
    } finally {
      await stopWatch(watch);
    }
  });

  it('commits a transaction that commits after a pass without writing again (XA PREPARE, then XA COMMIT)', async () => {
    const dir = tempDir();
    const watch = await startWatch(dir);
    try {
      // Written and prepared, not committed; the session ends, the prepared transaction stays
      // (and holds no lock that would stop a pass).
      const x = await server.connect(DB);
      await x.query("XA START 'trap'");
      await x.query('INSERT INTO inv (id, note) VALUES (7001, "prepared-row-marker")');
      await x.query("XA END 'trap'");
      await x.query("XA PREPARE 'trap'");
      await x.end();
      // A pass after the write: it cannot see the prepared row.
      await root.query('INSERT INTO items (id, note) VALUES (7002, "later-change-marker")');
      await committed(dir, 'a pass after the prepared write', () => headHas(dir, 'later-change-marker'), watch);
      assert.equal(headHas(dir, 'prepared-row-marker'), false, 'the prepared row is not committed yet');
      await sleep(1_000);
      const changePasses = count(watch.stderr(), /pass done [^\n]*trigger=change/);

      // The commit moves no write counter: only Innodb_max_trx_id (InnoDB's commit number).
      const names = ['Handler_write', 'Handler_update', 'Handler_delete', 'Innodb_max_trx_id'];
      const s0 = await status(root, names);
      await root.query("XA COMMIT 'trap'");
      const s1 = await status(root, names);
      assert.deepEqual(
        [s1.Handler_write, s1.Handler_update, s1.Handler_delete],
        [s0.Handler_write, s0.Handler_update, s0.Handler_delete],
        'a commit does not move the write counters',
      );
      assert.notEqual(s1.Innodb_max_trx_id, s0.Innodb_max_trx_id, 'the commit moves Innodb_max_trx_id');

      await committed(dir, 'the XA COMMIT (verification interval: 1 hour)', () => headHas(dir, 'prepared-row-marker'), watch);
      await waitFor('the log of that pass', () => count(watch.stderr(), /pass done [^\n]*trigger=change/) > changePasses, 5_000);
      assert.equal(
        count(watch.stderr(), /pass done [^\n]*trigger=(verify|retry|restart|every-poll)/),
        0,
        'seen by the probe, not by a verification or a failure',
      );
    } finally {
      await stopWatch(watch);
    }
  });

  it('moves for every statement that can change a snapshot, and not for what a pass does', async (t) => {
    const db = 'probe_moves';
    const c = await server.connect(db);
    await c.query(
      'CREATE TABLE m (id INT PRIMARY KEY, note VARCHAR(20)) ENGINE=MyISAM; CREATE TABLE i (id INT PRIMARY KEY, note VARCHAR(20)) ENGINE=InnoDB; CREATE TABLE a (id INT PRIMARY KEY) ENGINE=Aria',
    );
    const probe = new ChangeProbe(() =>
      Database.connect({ host: '', port: 0, socket: server.socket, user: 'prober', password: 'prober-pw', database: DB, connectTimeoutMs: 5_000 }),
    );
    const moved = async (sql: string): Promise<string[]> => {
      const r0 = await probe.read();
      await c.query(sql);
      const r1 = await probe.read();
      return Object.keys(r1.counters).filter((k) => r1.counters[k] !== r0.counters[k]);
    };
    try {
      const changes = [
        'INSERT INTO m VALUES (1, "x")',
        'INSERT INTO i VALUES (1, "x")',
        'INSERT INTO a VALUES (1)',
        'UPDATE m SET note = "y"',
        'DELETE FROM i',
        'TRUNCATE TABLE m',
        'TRUNCATE TABLE i',
        'ALTER TABLE m ADD COLUMN c INT',
        'ALTER TABLE i ADD COLUMN c INT, ALGORITHM=INSTANT',
        'RENAME TABLE a TO a2',
        'CREATE VIEW v AS SELECT 1 AS x',
        'ALTER VIEW v AS SELECT 2 AS x',
        'DROP VIEW v',
        'CREATE TRIGGER tr BEFORE INSERT ON m FOR EACH ROW SET NEW.note = NEW.note',
        'DROP TRIGGER tr',
        'CREATE PROCEDURE p() SELECT 1',
        'DROP PROCEDURE p',
        'CREATE EVENT e ON SCHEDULE EVERY 1 DAY DISABLE DO SELECT 1',
        'DROP EVENT e',
        'DROP TABLE a2',
      ];
      const seen: string[] = [];
      for (const sql of changes) {
        const m = await moved(sql);
        assert.ok(m.length > 0, `${sql} moved the probe`);
        seen.push(`${sql.split(' ').slice(0, 2).join(' ')}: ${m.join('+')}`);
      }
      t.diagnostic(seen.join('; '));
      // What a pass does: none of it moves the probe.
      const pass = [
        "SET SESSION sql_mode = ''",
        'LOCK TABLES m READ, i READ',
        'SELECT * FROM m',
        'UNLOCK TABLES',
        'START TRANSACTION WITH CONSISTENT SNAPSHOT',
        'SELECT * FROM i',
        'SHOW CREATE TABLE i',
        "SELECT * FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = 'probe_moves'",
        'SHOW WARNINGS',
        'COMMIT',
        "SELECT GET_LOCK('x', 0), RELEASE_LOCK('x')",
      ];
      for (const sql of pass) assert.deepEqual(await moved(sql), [], `${sql} does not move the probe`);
    } finally {
      await probe.close();
      await c.end();
    }
  });

  it('moves when a long ALTER of a MyISAM table ends after a pass read the old table under its lock', async () => {
    // A pass's `LOCK TABLES ... READ` is compatible with the ALTER's copy and index build, so the
    // pass reads the old table with a baseline that holds every write of the copy; the ALTER's
    // rename comes after the unlock and moves nothing but Syncs. The probe must still move.
    const db = 'probe_alter';
    const c = await server.connect(db);
    await c.query(`CREATE TABLE big (id INT PRIMARY KEY, v INT, s VARCHAR(40)) ENGINE=MyISAM;
      INSERT INTO big SELECT seq, seq MOD 997, REPEAT('x', 30) FROM seq_1_to_200000`);
    const locker = await server.connect(db);
    const alterer = await server.connect(db);
    const probe = new ChangeProbe(() =>
      Database.connect({ host: '', port: 0, socket: server.socket, user: 'prober', password: 'prober-pw', database: DB, connectTimeoutMs: 5_000 }),
    );
    try {
      await locker.query('LOCK TABLES big READ');
      const alter = alterer.query('ALTER TABLE big ADD INDEX slow_idx (v, s)');
      await waitFor(
        'the ALTER to wait for the read lock (rows copied, index built)',
        async () => {
          const [rows] = (await c.query("SELECT STATE FROM information_schema.PROCESSLIST WHERE INFO LIKE 'ALTER TABLE big%'")) as unknown as [
            Array<{ STATE: string }>,
          ];
          return rows[0]?.STATE === 'Waiting for table metadata lock';
        },
        20_000,
      );
      const [[{ n }]] = (await locker.query(
        "SELECT COUNT(*) AS n FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = 'probe_alter' AND INDEX_NAME = 'slow_idx'",
      )) as unknown as [[{ n: number }]];
      assert.equal(Number(n), 0, 'under the lock, the old table (no index) is what a pass reads');
      const duringPass = await probe.read();
      await locker.query('UNLOCK TABLES');
      await alter;
      const after = await probe.read();
      assert.equal(sameReading(duringPass, after), false, 'the end of the ALTER moved the probe');
      const moved = Object.keys(after.counters).filter((k) => after.counters[k] !== duringPass.counters[k]);
      assert.deepEqual(moved, ['syncs'], 'only Syncs tells the end of this ALTER');
    } finally {
      await probe.close();
      await Promise.all([c.end(), locker.end(), alterer.end()]);
    }
  });

  it('a burst of statements 200 ms apart lands in one commit; a stream that never goes quiet is committed anyway', async () => {
    const dir = tempDir();
    let watch = await startWatch(dir, { DBSYNC_QUIET_PERIOD: '0.5', DBSYNC_MAX_DELAY: '5' });
    try {
      await watch.waitForLog(/poll skipped/, 5_000);
      const before = commitCount(dir);
      for (let k = 1; k <= 5; k++) {
        await root.query(k % 2 ? 'INSERT INTO inv (id, note) VALUES (?, ?)' : 'INSERT INTO items (id, note) VALUES (?, ?)', [8000 + k, `burst-${k}`]);
        if (k < 5) await sleep(200);
      }
      await committed(dir, 'the burst', () => headHas(dir, 'burst-5'), watch);
      await sleep(1_000);
      assert.equal(commitCount(dir), before + 1, 'one commit for the burst');
      for (let k = 1; k <= 5; k++) assert.ok(headHas(dir, `burst-${k}`), `burst-${k} committed`);
    } finally {
      await stopWatch(watch);
    }

    watch = await startWatch(dir, { DBSYNC_QUIET_PERIOD: '0.5', DBSYNC_MAX_DELAY: '1' });
    try {
      await watch.waitForLog(/poll skipped/, 5_000);
      const before = commitCount(dir);
      const streamStart = Date.now();
      let firstCommitMs = -1;
      let n = 0;
      // A write every 100 ms for 5 s: never quiet for 0.5 s.
      while (Date.now() - streamStart < 5_000) {
        await root.query('INSERT INTO inv (id, note) VALUES (?, ?)', [9000 + ++n, `stream-${n}`]);
        if (firstCommitMs < 0 && commitCount(dir) > before) firstCommitMs = Date.now() - streamStart;
        await sleep(100);
      }
      const during = commitCount(dir) - before;
      assert.ok(during >= 2, `${during} commits during a 5 s stream with DBSYNC_MAX_DELAY=1`);
      // DBSYNC_MAX_DELAY=1 plus a poll and the pass itself; a loaded machine's slower passes are allowed for (twice the longest seen).
      const longestPass = Math.max(0, ...[...watch.stderr().matchAll(/pass done ms=(\d+)/g)].map((m) => Number(m[1])));
      const limit = 3_500 + 2 * longestPass;
      assert.ok(firstCommitMs > 0 && firstCommitMs < limit, `first commit ${firstCommitMs} ms after the stream began (limit ${limit} ms)`);
      await committed(dir, 'the end of the stream', () => headHas(dir, `stream-${n}`), watch);
    } finally {
      await stopWatch(watch);
    }
  });

  it('notices a server restart (a MEMORY table emptied, no counter to see it) and changes made while watch was stopped', async () => {
    const dir = tempDir();
    const watch = await startWatch(dir);
    try {
      assert.ok(headHas(dir, 'mem-marker'), 'the MEMORY table row is in the first snapshot');
      await root.end();
      await server.restart();
      root = await server.connect(DB);
      await committed(dir, 'the emptied MEMORY table', () => !headHas(dir, 'mem-marker'), watch, 20_000);
      // The log arrives through a pipe, possibly after the commit is visible.
      await watch.waitForLog(/pass done [^\n]*trigger=(every-poll|retry|restart)/, 5_000);
      assert.equal(count(watch.stderr(), /pass done [^\n]*trigger=verify/), 0);
    } finally {
      await stopWatch(watch);
    }

    // Stopped watch, a change, a restart: the next start passes whatever the counters say.
    await root.query('INSERT INTO mem (id, note) VALUES (2, "offline-marker")');
    await root.query('INSERT INTO inv (id, note) VALUES (9999, "offline-inv-marker")');
    const again = await startWatch(dir);
    try {
      assert.ok(headHas(dir, 'offline-marker') && headHas(dir, 'offline-inv-marker'), 'committed by the start pass');
    } finally {
      await stopWatch(again);
    }
  });
});
