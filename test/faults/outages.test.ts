/**
 * Outages (issue "Nothing lost, ever"): the database server stopped for a while and restarted
 * (also with another --server-id), the tool's connection cut in the middle of reading a big table
 * (KILL QUERY, KILL CONNECTION, server stop, server crash), and the git remote unreachable or
 * moved on by someone else -- all while `watch` runs. Every fault is injected for real; the
 * oracles are the live database (read with root, rendered independently of the tool), the
 * history of every commit, and a pre-receive hook on the remote that records every ref update.
 *
 * Default run: outages of 10 s and 20 s, one round per connection cut, a short remote outage.
 * DBSYNC_LONG_TESTS=1: outages of 10 s, 60 s and 5 min, three rounds per cut, a 60 s remote outage.
 */
import { after, before, describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync, chmodSync } from 'node:fs';
import path from 'node:path';
import type { Connection } from 'mysql2/promise';
import { MariaDbServer } from '../support/mariadb-server.js';
import { background, type Background } from '../support/background.js';
import { baseEnv, cli, commitCount, git, tempDir, waitFor } from '../support/project.js';

const LONG = process.env.DBSYNC_LONG_TESTS === '1';
/** The watched database's password: must never show up in any output, log or state file. */
const PASSWORD = `Pw-${randomBytes(12).toString('hex')}`;
const USER = 'dbsync_outage';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One throwaway server for the file (the tests run one after another; each stops and restarts it). */
let server: MariaDbServer;
before(async () => {
  server = await MariaDbServer.start();
});
after(async () => server?.destroy());

interface Status {
  lastSnapshot: { commit: string } | null;
  database: { reachable: boolean; differs: boolean | null; error: string | null };
  remote: { ahead: number | null; behind: number | null; error: string | null } | null;
  lastError: { at: string; operation: string; message: string; hint: string } | null;
  consecutiveFailures: number;
  lastPush: { status: string; message: string } | null;
  daemon: { pid: number; state: string } | null;
}

/** Everything the tool said, for the password check at the end of each test. */
const outputs: string[] = [];

/** The README's status exit codes: 1 database unreachable or failing passes, 4 commits not pushed, else 0. */
function expectedStatusCode(s: Status): number {
  const j = s as unknown as {
    database: { reachable: boolean };
    consecutiveFailures: number;
    mode: string;
    remote: { ahead: number | null; behind: number | null; error: string | null } | null;
  };
  if (!j.database.reachable || j.consecutiveFailures > 0) return 1;
  const r = j.remote;
  return r && ((r.ahead ?? 0) > 0 || r.error !== null || (j.mode === 'backup' && (r.behind ?? 0) > 0)) ? 4 : 0;
}

function statusJson(env: NodeJS.ProcessEnv): Status {
  const r = cli(['status', '--json'], env);
  outputs.push(r.stdout, r.stderr);
  const s = JSON.parse(r.stdout) as Status;
  assert.equal(r.code, expectedStatusCode(s), `status exit code for ${r.stdout}`);
  return s;
}

function statusText(env: NodeJS.ProcessEnv): string {
  const r = cli(['status'], env);
  outputs.push(r.stdout, r.stderr);
  assert.ok([0, 1, 4].includes(r.code), r.stderr);
  return r.stdout;
}

/** A user with a password and the documented snapshot grants, reachable over TCP. */
async function passwordUser(server: MariaDbServer, db: string): Promise<void> {
  const c = await server.connect(db);
  await c.query(`CREATE USER IF NOT EXISTS '${USER}'@'127.0.0.1' IDENTIFIED BY '${PASSWORD}'`);
  await c.query(`GRANT SELECT, LOCK TABLES, SHOW VIEW, TRIGGER, EVENT, EXECUTE ON \`${db}\`.* TO '${USER}'@'127.0.0.1'`);
  await c.end();
}

function watchEnv(server: MariaDbServer, db: string, dir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return baseEnv({
    DB_HOST: '127.0.0.1',
    DB_PORT: String(server.port),
    DB_USER: USER,
    DB_PASSWORD: PASSWORD,
    DB_NAME: db,
    PROJECT_DIR: dir,
    DBSYNC_CONNECT_TIMEOUT: '3',
    DBSYNC_LOG_LEVEL: 'debug',
    // One data file per table: the checks below read a table's whole history from data/<table>.sql
    // (chunked tables are tested in chunking.test.ts; a failed read discards chunks like any staged file).
    DBSYNC_CHUNK_SIZE: '1024MiB',
    ...extra,
  });
}

/** Open a root session, run `fn`, close it (sessions die with the server, so none is kept across outages). */
async function withRoot<T>(server: MariaDbServer, db: string, fn: (c: Connection) => Promise<T>): Promise<T> {
  const c = await server.connect(db);
  try {
    return await fn(c);
  } finally {
    await c.end().catch(() => undefined);
  }
}

async function rows<T>(c: Connection, sql: string, params: unknown[] = []): Promise<T[]> {
  const [r] = await c.query(sql, params);
  return r as T[];
}

function count(re: RegExp, text: string): number {
  return [...text.matchAll(new RegExp(re.source, re.flags.includes('g') ? re.flags : re.flags + 'g'))].length;
}

function head(repo: string, rev = 'HEAD'): string {
  return git(repo, ['rev-parse', rev]).trim();
}

function blob(repo: string, rev: string, file: string): Buffer {
  return execFileSync('git', ['cat-file', 'blob', `${rev}:${file}`], { cwd: repo, maxBuffer: 1 << 30 });
}

function isAncestor(repo: string, a: string, b: string): boolean {
  return spawnSync('git', ['merge-base', '--is-ancestor', a, b], { cwd: repo }).status === 0;
}

function lineCount(b: Buffer): number {
  let n = 0;
  for (let i = b.indexOf(10); i !== -1; i = b.indexOf(10, i + 1)) n++;
  return n;
}

/** Files anywhere under `dir` whose name matches. */
function findFiles(dir: string, re: RegExp): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (re.test(e.name)) out.push(path.join(e.parentPath ?? (e as unknown as { path: string }).path, e.name));
  }
  return out;
}

/** The password appears nowhere the tool wrote: its output, status output, state file, git config. */
function assertPasswordNowhere(dir: string, watch: Background): void {
  const texts = [watch.stdout(), watch.stderr(), ...outputs];
  for (const f of ['.git/dbsync/state.json', '.git/config']) {
    if (existsSync(path.join(dir, f))) texts.push(readFileSync(path.join(dir, f), 'utf8'));
  }
  for (const t of texts)
    assert.ok(!t.includes(PASSWORD), `the database password appears in output: ${t.slice(Math.max(0, t.indexOf(PASSWORD) - 200), t.indexOf(PASSWORD) + 50)}`);
  assert.ok(watch.stderr().length > 0, 'there was a log to check');
}

/** `(failure N, retrying in S s)` entries of a log, in order. */
function failures(log: string): Array<{ n: number; retry: number; level: string }> {
  return [...log.matchAll(/ (ERROR|WARN) .*\(failure (\d+), retrying in (\d+) s\)$/gm)].map((m) => ({ level: m[1]!, n: Number(m[2]), retry: Number(m[3]) }));
}

/** The retry waits the README promises: one interval, doubling, at most the cap. */
function expectedRetries(n: number, intervalS: number, capS: number): number[] {
  return Array.from({ length: n }, (_, i) => Math.min(capS, Math.max(intervalS, 1) * 2 ** i));
}

// ------------------------------------------------------------------------------------------------
// 1. Database outages
// ------------------------------------------------------------------------------------------------

/** Rendered exactly as the snapshot format says, from rows read by root: the independent oracle. */
function renderKv(table: string, rowsById: Map<number, string>): string {
  return [...rowsById.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([id, v]) => `INSERT INTO \`${table}\` VALUES (${id},'${v}');\n`)
    .join('');
}

async function liveKv(server: MariaDbServer, db: string, table: string): Promise<Map<number, string>> {
  return withRoot(
    server,
    db,
    async (c) => new Map((await rows<{ id: number; v: string }>(c, `SELECT id, v FROM \`${table}\` ORDER BY id`)).map((r) => [Number(r.id), r.v])),
  );
}

describe('database outages while watch runs', () => {
  it('keeps running, says what is wrong, backs off, recovers by itself and commits every change made around each outage', {
    timeout: LONG ? 30 * 60_000 : 15 * 60_000,
  }, async (t: TestContext) => {
    const db = 'outages';
    const INTERVAL = 2;
    const CAP = 8;
    const plan: Array<{ seconds: number; serverId: number | null }> = LONG
      ? [
          { seconds: 10, serverId: null },
          { seconds: 60, serverId: 2 },
          { seconds: 300, serverId: 3 },
        ]
      : [
          { seconds: 10, serverId: null },
          { seconds: 20, serverId: 2 },
        ];

    // Two engines: InnoDB (read from the consistent snapshot) and MyISAM (read under the table lock).
    const model = { items: new Map<number, string>(), notes: new Map<number, string>() };
    await withRoot(server, db, async (c) => {
      await c.query(
        'CREATE TABLE items (id INT PRIMARY KEY, v VARCHAR(100) NOT NULL) ENGINE=InnoDB; CREATE TABLE notes (id INT PRIMARY KEY, v VARCHAR(100) NOT NULL) ENGINE=MyISAM',
      );
      for (let id = 1; id <= 5; id++) {
        await c.query('INSERT INTO items VALUES (?, ?); INSERT INTO notes VALUES (?, ?)', [id, `initial-${id}`, id, `initial-${id}`]);
        model.items.set(id, `initial-${id}`);
        model.notes.set(id, `initial-${id}`);
      }
    });
    await passwordUser(server, db);

    let nextId = 100;
    let changesMade = 0;
    /** Inserts, updates and deletes in both tables; the model follows. */
    async function change(tag: string): Promise<void> {
      await withRoot(server, db, async (c) => {
        for (const table of ['items', 'notes'] as const) {
          const m = model[table];
          const a = nextId++;
          const b = nextId++;
          await c.query(`INSERT INTO ${table} VALUES (?, ?), (?, ?)`, [a, `${tag}-ins-${a}`, b, `${tag}-ins-${b}`]);
          m.set(a, `${tag}-ins-${a}`).set(b, `${tag}-ins-${b}`);
          const [upd, del] = [...m.keys()].sort((x, y) => x - y).slice(-4);
          await c.query(`UPDATE ${table} SET v = ? WHERE id = ?`, [`${tag}-upd-${upd}`, upd]);
          m.set(upd!, `${tag}-upd-${upd}`);
          await c.query(`DELETE FROM ${table} WHERE id = ?`, [del]);
          m.delete(del!);
          changesMade += 4;
        }
      });
    }
    const render = () => ({ items: renderKv('items', model.items), notes: renderKv('notes', model.notes) });
    const committed = (rev: string) => ({
      items: blob(dir, rev, 'database/data/items.sql').toString(),
      notes: blob(dir, rev, 'database/data/notes.sql').toString(),
    });

    const dir = tempDir();
    const env = watchEnv(server, db, dir, { POLL_INTERVAL: String(INTERVAL), DBSYNC_MAX_BACKOFF: String(CAP) });
    const watch = background(['watch'], env);
    const figures: string[] = [];
    try {
      await waitFor('the first snapshot', () => commitCount(dir) === 1, 60_000);
      assert.deepEqual(committed('HEAD'), render(), 'the first commit equals the oracle rendering');

      for (const [i, outage] of plan.entries()) {
        // Changes after the last pass, then the stop: holding the database's run lock (as another
        // git-dbsync would) from before the changes until the server goes down keeps any pass from
        // reading them in between, however slow this machine is.
        const holder = await server.connect(db);
        const lockName = 'git-dbsync:' + createHash('sha256').update(db).digest('hex').slice(0, 40);
        const [got] = await rows<{ got: number }>(holder, 'SELECT GET_LOCK(?, 60) AS got', [lockName]);
        assert.equal(Number(got?.got), 1, 'holding the run lock');
        const tipAtStop = head(dir);
        const commitsAtStop = commitCount(dir);
        await change(`pre${i}`);
        const stopState = render();
        const logFrom = watch.stderr().length;
        await server.stop();
        const stoppedAt = Date.now();
        holder.destroy();
        assert.equal(head(dir), tipAtStop);
        assert.notDeepEqual(committed(tipAtStop), stopState, 'the changes made just before the stop are not committed yet (else this outage tests nothing)');

        // While it is down: it keeps running, logs the cause, backs off, and status says what is wrong.
        await waitFor('two failed passes', () => failures(watch.stderr().slice(logFrom)).length >= 2, 60_000);
        assert.ok(watch.running(), 'watch keeps running while the database is away');
        const down = statusJson(env);
        assert.equal(down.database.reachable, false);
        assert.match(down.database.error ?? '', new RegExp(`connection refused at 127\\.0\\.0\\.1:${server.port}`));
        assert.ok(down.lastError, 'status has the last error');
        assert.equal(down.lastError.operation, 'connect to database');
        assert.match(down.lastError.message, new RegExp(`connection refused at 127\\.0\\.0\\.1:${server.port}`));
        assert.match(down.lastError.hint, /is the server running/);
        assert.ok(down.consecutiveFailures >= 2, `consecutiveFailures ${down.consecutiveFailures}`);
        assert.equal(down.daemon?.pid, watch.pid, 'status shows the daemon');
        assert.equal(down.lastSnapshot?.commit, tipAtStop);
        assert.match(statusText(env), /last error \(.*, \d+ in a row\): connect to database: connection refused at 127\.0\.0\.1:\d+ -- is the server running/);

        const remaining = outage.seconds * 1000 - (Date.now() - stoppedAt);
        if (remaining > 0) await sleep(remaining);
        assert.equal(commitCount(dir), commitsAtStop, 'nothing committed while the database was down');
        assert.ok(watch.running(), 'still running at the end of the outage');

        await server.restart(outage.serverId === null ? undefined : [`--server-id=${outage.serverId}`]);
        const downMs = Date.now() - stoppedAt;
        const restartedAt = Date.now();
        // Changes right after the restart, before or during the recovery pass.
        await change(`post${i}`);
        if (outage.serverId !== null) {
          const [sid] = await withRoot(server, db, (c) => rows<{ id: number }>(c, 'SELECT @@server_id AS id'));
          assert.equal(Number(sid?.id), outage.serverId, 'the server really came back with another server id');
        }

        await waitFor('a recovery logged for this outage', () => / INFO recovered after \d+ failed pass\(es\)/.test(watch.stderr().slice(logFrom)), 120_000);
        const finalState = render();
        await waitFor(
          'the commit holding every change',
          () => head(dir) !== tipAtStop && JSON.stringify(committed('HEAD')) === JSON.stringify(finalState),
          120_000,
        );
        const recoveredMs = Date.now() - restartedAt;

        // The log of this outage: first failure loud, then quieter; waits grow as promised, capped.
        const log = watch.stderr().slice(logFrom);
        const f = failures(log);
        assert.deepEqual(
          f.map((x) => x.n),
          f.map((_, k) => k + 1),
          'failures are counted 1, 2, 3, ...',
        );
        assert.deepEqual(
          f.map((x) => x.retry),
          expectedRetries(f.length, INTERVAL, CAP),
          `retry waits ${f.map((x) => x.retry).join(', ')}`,
        );
        assert.ok(f.length >= 2 && f[1]!.retry > f[0]!.retry, 'the retry interval grows');
        if (f.length >= 3) assert.equal(Math.max(...f.map((x) => x.retry)), CAP, 'capped by DBSYNC_MAX_BACKOFF');
        assert.ok(f.every((x) => x.retry <= CAP));
        assert.deepEqual(
          f.map((x) => x.level),
          f.map((x) => (x.n === 1 || x.n % 10 === 0 ? 'ERROR' : 'WARN')),
        );
        const rec = / INFO recovered after (\d+) failed pass\(es\)/.exec(log);
        assert.equal(Number(rec?.[1]), f.length, 'recovered after as many failures as were logged');
        assert.ok(watch.running(), 'still running after the recovery');

        // The first commit after the outage holds every change made before the stop (and maybe
        // those made after the restart already); the last equals the live database.
        const after = git(dir, ['rev-list', '--reverse', `${tipAtStop}..HEAD`])
          .trim()
          .split('\n');
        const first = committed(after[0]!);
        const firstHasAll = JSON.stringify(first) === JSON.stringify(finalState);
        assert.ok(
          firstHasAll || JSON.stringify(first) === JSON.stringify(stopState),
          'the first commit after the outage is the state at the stop, or the state after the restart',
        );
        const live = { items: renderKv('items', await liveKv(server, db, 'items')), notes: renderKv('notes', await liveKv(server, db, 'notes')) };
        assert.deepEqual(live, finalState, 'the oracle model equals the live database');
        assert.deepEqual(committed('HEAD'), live, 'the last commit equals the live database');

        const up = statusJson(env);
        assert.equal(up.lastError, null, 'a successful pass clears the error');
        assert.equal(up.consecutiveFailures, 0);
        assert.equal(up.database.differs, false);

        figures.push(
          `outage ${i + 1}: server down ${(downMs / 1000).toFixed(1)} s${outage.serverId ? ` (restarted with --server-id=${outage.serverId})` : ''}, ` +
            `${f.length} failed passes, waits ${f.map((x) => x.retry).join(',')} s, committed ${(recoveredMs / 1000).toFixed(1)} s after the restart ` +
            `in ${after.length} commit(s)${firstHasAll ? ' (the first already held the post-restart changes)' : ''}`,
        );
      }

      // Every state the history went through had complete files; nothing of the model is lost.
      assert.deepEqual(committed('HEAD'), render());
      watch.child.kill('SIGTERM');
      assert.equal(await watch.waitExit(30_000), 0, watch.stderr());
      assert.equal(git(dir, ['status', '--porcelain']), '', 'clean working tree');
      assertPasswordNowhere(dir, watch);
      figures.push(`${changesMade} row changes made around ${plan.length} outages, ${commitCount(dir)} commits, changes lost: 0`);
      for (const line of figures) t.diagnostic(line);
    } finally {
      await watch.kill();
    }
  });
});

// ------------------------------------------------------------------------------------------------
// 2. The connection cut in the middle of a snapshot
// ------------------------------------------------------------------------------------------------

describe('connection cut while a pass reads a big table', () => {
  const BIG = 200_000;
  const BIGM = 60_000;
  const bigRow = (id: number) =>
    `INSERT INTO \`big\` VALUES (${id},'row-${id}-${'a'.repeat(120)}','${id.toString(16).toUpperCase().padStart(8, '0')}',${id * 7});\n`;

  it('never commits an interrupted snapshot, leaves no partial file, and commits the full state next', {
    timeout: LONG ? 30 * 60_000 : 15 * 60_000,
  }, async (t: TestContext) => {
    const db = 'cut';
    await withRoot(server, db, async (c) => {
      await c.query('CREATE TABLE big (id INT PRIMARY KEY, a VARCHAR(200) NOT NULL, b CHAR(8) NOT NULL, n BIGINT NOT NULL) ENGINE=InnoDB');
      await c.query(`INSERT INTO big SELECT seq, CONCAT('row-', seq, '-', REPEAT('a', 120)), LPAD(HEX(seq), 8, '0'), seq * 7 FROM seq_1_to_${BIG}`);
      // A static MyISAM table: read by the locking session, under LOCK TABLES.
      await c.query('CREATE TABLE bigm (id INT PRIMARY KEY, a VARCHAR(200) NOT NULL) ENGINE=MyISAM');
      await c.query(`INSERT INTO bigm SELECT seq, CONCAT('static-', seq, '-', REPEAT('m', 100)) FROM seq_1_to_${BIGM}`);
      // marks and big change together, in one transaction: every commit must have big = BIG + marks.
      await c.query('CREATE TABLE marks (id INT PRIMARY KEY) ENGINE=InnoDB');
    });
    await passwordUser(server, db);

    const dir = tempDir();
    const staging = path.join(dir, '.git', 'dbsync', 'staging');
    // Every round needs a pass that reads the big tables whole: with a change source (the chunk
    // checksums on this server without binary log) an unchanged table is kept and never read, so
    // no pass would read bigm (MyISAM) at all. Cuts during the checksum source's own reads are
    // covered by crash.test.ts (kill -9 at any moment) and checksum-source.test.ts.
    const env = watchEnv(server, db, dir, { POLL_INTERVAL: '1', DBSYNC_MAX_BACKOFF: '3', DBSYNC_CHANGE_SOURCE: 'full' });
    const watch = background(['watch'], env);
    type Fault =
      | 'KILL QUERY (reader)'
      | 'KILL CONNECTION (reader)'
      | 'KILL CONNECTION (locker, MyISAM under LOCK TABLES)'
      | 'server stop'
      | 'server crash (SIGKILL)';
    const faults: Fault[] = [
      'KILL QUERY (reader)',
      'KILL CONNECTION (reader)',
      'KILL CONNECTION (locker, MyISAM under LOCK TABLES)',
      'server stop',
      'server crash (SIGKILL)',
    ];
    const rounds = LONG ? [...faults, ...faults, ...faults] : faults;
    const figures: string[] = [];
    let marks = 0;
    try {
      await waitFor('the first snapshot', () => commitCount(dir) >= 1, 120_000);

      for (const fault of rounds) {
        const table = fault.includes('MyISAM') ? 'bigm' : 'big';
        const total = table === 'big' ? BIG + marks + 1 : BIGM;
        let hit = false;
        for (let attempt = 1; attempt <= 5 && !hit; attempt++) {
          if (attempt === 1) {
            marks++;
            await withRoot(server, db, async (c) => {
              await c.query('START TRANSACTION');
              await c.query(
                `INSERT INTO big SELECT seq, CONCAT('row-', seq, '-', REPEAT('a', 120)), LPAD(HEX(seq), 8, '0'), seq * 7 FROM seq_${BIG + marks}_to_${BIG + marks}`,
              );
              await c.query('INSERT INTO marks VALUES (?)', [marks]);
              await c.query('COMMIT');
            });
          }
          // Catch a pass reading the table, with part of it already in the staging file.
          const logFrom = watch.stderr().length;
          let target: { ID: number } | undefined;
          let partial = 0;
          await waitFor(
            `a pass reading ${table}`,
            async () => {
              const found = await withRoot(server, db, (c) =>
                rows<{ ID: number }>(
                  c,
                  "SELECT ID FROM information_schema.PROCESSLIST WHERE USER = ? AND INFO LIKE CONCAT('SELECT % FROM `', ?, '` ORDER BY %')",
                  [USER, table],
                ),
              );
              if (found.length === 0) return false;
              try {
                partial = lineCount(readFileSync(path.join(staging, 'data', `${table}.sql`)));
              } catch {
                return false;
              }
              target = found[0];
              return partial > 0;
            },
            120_000,
          );
          assert.ok(target);
          const passesBefore = count(/ DEBUG pass done /, watch.stderr());

          if (fault.startsWith('KILL')) {
            const how = fault.startsWith('KILL QUERY') ? 'KILL QUERY' : 'KILL CONNECTION';
            try {
              await withRoot(server, db, (c) => c.query(`${how} ${Number(target!.ID)}`));
            } catch (err) {
              if (/Unknown thread id/.test(String(err))) continue; // the read finished first: try again
              throw err;
            }
            await waitFor(
              'the pass to fail, or to finish before the kill landed',
              () => failures(watch.stderr().slice(logFrom)).length > 0 || count(/ DEBUG pass done /, watch.stderr()) > passesBefore,
              120_000,
            ).catch(() =>
              assert.fail(
                `${fault}: watch neither failed nor finished the pass within 120 s of the kill (hung on the dead connection?); log:\n${watch.stderr().slice(-2000)}`,
              ),
            );
            if (failures(watch.stderr().slice(logFrom)).length === 0) continue;
            // The next read needs seconds before anything is written: the tree must be as HEAD has it now.
            assert.deepEqual(findFiles(path.join(dir, 'database'), /\.dbsync-tmp$/), [], 'no temporary files in the snapshot folder');
            assert.equal(git(dir, ['status', '--porcelain']), '', 'the working tree equals HEAD after the failed pass');
          } else {
            if (fault === 'server crash (SIGKILL)') process.kill(Number(readFileSync(path.join(server.dir, 'mysqld.pid'), 'utf8').trim()), 'SIGKILL');
            await server.stop();
            await waitFor('the pass to fail', () => failures(watch.stderr().slice(logFrom)).length > 0, 120_000);
            if (count(/ DEBUG pass done /, watch.stderr()) > passesBefore) {
              // The read finished (and the pass with it) before the shutdown closed its connection,
              // as a fast read can: the failure seen is the next poll's. Not a cut mid-read: try again.
              await server.restart();
              continue;
            }
            // Nothing runs while the server is down: everything must be as clean as before the pass.
            await sleep(500);
            assert.equal(existsSync(staging), false, 'the partial staging folder was removed');
            assert.deepEqual(findFiles(dir, /\.dbsync-tmp$/), [], 'no temporary files');
            assert.equal(git(dir, ['status', '--porcelain']), '', 'the working tree equals HEAD');
            assert.ok(watch.running());
            await server.restart();
          }
          hit = true;
          const failed = failures(watch.stderr().slice(logFrom))[0]!;
          assert.match(
            watch.stderr().slice(logFrom),
            fault.startsWith('server')
              ? /(connection to the database was lost|connection refused|server shutdown|Connection was killed)/i
              : /(interrupted|connection to the database was lost|Connection was killed)/i,
          );
          figures.push(`${fault}: cut reading ${table} at ${partial} of ${total} rows (failure ${failed.n}, retry in ${failed.retry} s)`);
        }
        assert.ok(hit, `${fault}: a pass was caught mid-read`);

        // The next pass commits the full state, mark included.
        await waitFor(
          'the full state committed',
          () => {
            try {
              return lineCount(blob(dir, 'HEAD', 'database/data/marks.sql')) === marks;
            } catch {
              return false;
            }
          },
          180_000,
        );
        assert.equal(lineCount(blob(dir, 'HEAD', 'database/data/big.sql')), BIG + marks);
        assert.ok(watch.running());
      }

      // Every commit of the history: complete files, consistent with each other.
      const commits = git(dir, ['rev-list', 'HEAD']).trim().split('\n');
      const bigmText = Array.from({ length: BIGM }, (_, k) => `INSERT INTO \`bigm\` VALUES (${k + 1},'static-${k + 1}-${'m'.repeat(100)}');\n`).join('');
      for (const c of commits) {
        const m = lineCount(blob(dir, c, 'database/data/marks.sql'));
        const big = blob(dir, c, 'database/data/big.sql');
        assert.equal(lineCount(big), BIG + m, `commit ${c.slice(0, 12)}: big has ${lineCount(big)} rows, the truth was ${BIG + m}`);
        assert.equal(big.subarray(big.lastIndexOf(10, big.length - 2) + 1).toString(), bigRow(BIG + m), `commit ${c.slice(0, 12)}: big ends with its last row`);
        assert.equal(blob(dir, c, 'database/data/bigm.sql').toString(), bigmText, `commit ${c.slice(0, 12)}: bigm complete`);
      }
      // The last commit equals the live database, rendered by this test from root's reads.
      const live = await withRoot(server, db, (c) => rows<{ id: number }>(c, 'SELECT id FROM big ORDER BY id'));
      const liveText = live.map((r) => bigRow(Number(r.id))).join('');
      assert.equal(blob(dir, 'HEAD', 'database/data/big.sql').toString() === liveText, true, 'HEAD big.sql equals the live table');
      const liveMarks = await withRoot(server, db, (c) => rows<{ n: number }>(c, 'SELECT COUNT(*) AS n FROM marks'));
      assert.equal(Number(liveMarks[0]!.n), marks);

      watch.child.kill('SIGTERM');
      assert.equal(await watch.waitExit(60_000), 0, watch.stderr());
      assert.equal(git(dir, ['status', '--porcelain']), '');
      assertPasswordNowhere(dir, watch);
      figures.push(`${rounds.length} cuts, ${commits.length} commits checked, every one complete (big = ${BIG} + marks, bigm = ${BIGM}); truncated commits: 0`);
      for (const line of figures) t.diagnostic(line);
    } finally {
      await watch.kill();
    }
  });
});

// ------------------------------------------------------------------------------------------------
// 3. Remote outages and a remote that moved on
// ------------------------------------------------------------------------------------------------

describe('remote outages while watch runs', () => {
  it('keeps committing while the remote is away, pushes everything in order without force, and never overwrites a remote that moved on', {
    timeout: LONG ? 20 * 60_000 : 15 * 60_000,
  }, async (t: TestContext) => {
    const db = 'remote';
    await withRoot(server, db, (c) =>
      c.query('CREATE TABLE items (id INT PRIMARY KEY, v VARCHAR(100) NOT NULL) ENGINE=InnoDB; INSERT INTO items VALUES (1, "one")'),
    );
    await passwordUser(server, db);
    let nextId = 2;
    const insert = () => withRoot(server, db, (c) => c.query('INSERT INTO items VALUES (?, ?)', [nextId, `row-${nextId++}`]));

    // The remote records every ref update it accepts (old new ref): the oracle for "never forced".
    const top = tempDir('dbsync-remote-');
    const bare = path.join(top, 'remote.git');
    const away = path.join(top, 'remote-away.git');
    const updates = path.join(top, 'updates.log');
    git(top, ['init', '-q', '--bare', '--initial-branch=main', bare]);
    mkdirSync(path.join(bare, 'hooks'), { recursive: true });
    writeFileSync(path.join(bare, 'hooks', 'pre-receive'), `#!/bin/sh\ncat >> '${updates}'\n`);
    chmodSync(path.join(bare, 'hooks', 'pre-receive'), 0o755);
    const remoteTip = () => execFileSync('git', ['rev-parse', 'refs/heads/main'], { cwd: existsSync(bare) ? bare : away, encoding: 'utf8' }).trim();

    const dir = tempDir();
    const CAP = 4;
    const env = watchEnv(server, db, dir, { POLL_INTERVAL: '0.5', DBSYNC_MAX_BACKOFF: String(CAP), GIT_REMOTE_URL: bare });
    const watch = background(['watch'], env);
    const figures: string[] = [];
    try {
      await waitFor(
        'the first snapshot pushed',
        () => commitCount(dir) === 1 && existsSync(path.join(bare, 'refs', 'heads', 'main')) && remoteTip() === head(dir),
        60_000,
      );
      const tipBefore = remoteTip();

      // --- the remote is unreachable for a while; watch keeps committing -------------------------
      renameSync(bare, away);
      const outageStart = Date.now();
      const logFrom = watch.stderr().length;
      const outageMs = LONG ? 60_000 : 0;
      let localCommits = 0;
      const pushFailures = () =>
        [
          ...watch
            .stderr()
            .slice(logFrom)
            .matchAll(/ WARN push to origin failed: .*\(push failure (\d+), next push attempt in (\d+) s\)$/gm),
        ].map((m) => ({ n: Number(m[1]), wait: Number(m[2]) }));
      while (localCommits < 3 || pushFailures().length < 3 || Date.now() - outageStart < outageMs) {
        const before = commitCount(dir);
        await insert();
        await waitFor('a commit while the remote is away', () => commitCount(dir) > before, 60_000);
        localCommits = commitCount(dir) - 1;
        await sleep(1000);
      }
      assert.ok(watch.running());
      assert.equal(execFileSync('git', ['rev-parse', 'refs/heads/main'], { cwd: away, encoding: 'utf8' }).trim(), tipBefore, 'the remote did not move');
      const pf = pushFailures();
      assert.deepEqual(
        pf.map((x) => x.n),
        pf.map((_, k) => k + 1),
      );
      assert.deepEqual(
        pf.map((x) => x.wait),
        expectedRetries(pf.length, 0.5, CAP),
        `push waits ${pf.map((x) => x.wait).join(', ')}`,
      );
      assert.ok(pf[1]!.wait > pf[0]!.wait && Math.max(...pf.map((x) => x.wait)) === CAP, 'push backoff grows up to the cap');
      assert.doesNotMatch(watch.stderr().slice(logFrom), /\(failure \d+, retrying/, 'a remote outage is not a failed pass: snapshots go on');
      const away1 = statusJson(env);
      assert.match(away1.remote?.error ?? '', /cannot reach the remote/);
      assert.equal(away1.remote?.ahead, commitCount(dir) - 1, 'status counts the commits waiting to be pushed');
      assert.equal(away1.lastPush?.status, 'failed');
      assert.equal(away1.lastError, null, 'the passes themselves succeed');

      // --- it comes back: everything is pushed, in order, fast-forward only -----------------------
      renameSync(away, bare);
      await waitFor('the waiting commits pushed', () => remoteTip() === head(dir), 60_000);
      const awayFor = Date.now() - outageStart;
      assert.deepEqual(git(bare, ['rev-list', 'refs/heads/main']), git(dir, ['rev-list', 'HEAD']), "the remote's history equals the local one, in order");
      assert.ok(isAncestor(bare, tipBefore, remoteTip()), 'the old tip is an ancestor of the new one');
      await watch.waitForLog(/ INFO .*pushed to origin\/main/, 30_000);
      figures.push(
        `remote away ${(awayFor / 1000).toFixed(1)} s: ${localCommits} commits made meanwhile, ${pf.length} failed pushes (waits ${pf.map((x) => x.wait).join(',')} s), all pushed in order afterwards`,
      );

      // --- someone else pushes: nothing of either side is overwritten -----------------------------
      const other = path.join(tempDir(), 'other');
      git(path.dirname(other), ['clone', '-q', bare, other]);
      mkdirSync(path.join(other, 'docs'));
      writeFileSync(path.join(other, 'docs', 'theirs.txt'), 'from elsewhere\n');
      git(other, ['add', 'docs/theirs.txt']);
      git(other, ['commit', '-q', '-m', 'their commit']);
      git(other, ['push', '-q', 'origin', 'main']);
      const theirs = head(other);
      const divergeLog = watch.stderr().length;
      const ours: string[] = [];
      for (let k = 0; k < 2; k++) {
        const before = commitCount(dir);
        await insert();
        await waitFor('a local commit while diverged', () => commitCount(dir) > before, 60_000);
        ours.push(head(dir));
      }
      await waitFor(
        'the refused push logged',
        () =>
          /has commits this computer lacks; nothing was overwritten\. Merge them \(git pull in .*\) and the next pass pushes again/.test(
            watch.stderr().slice(divergeLog),
          ),
        60_000,
      );
      assert.match(watch.stderr().slice(divergeLog), / WARN origin\/main has commits this computer lacks.*\(push failure 1, next push attempt in \d+ s\)/);
      assert.equal(remoteTip(), theirs, 'the remote tip is unchanged');
      const div = statusJson(env);
      assert.equal(div.remote?.behind, 1, 'status: one commit on the remote not here');
      assert.ok((div.remote?.ahead ?? 0) >= 2, 'status: our commits wait');
      assert.equal(div.lastPush?.status, 'diverged');
      assert.match(div.lastPush?.message ?? '', /git pull/);
      assert.match(statusText(env), /the remote has commits this computer lacks: nothing is overwritten; merge them \(git pull\) to push again/);
      for (const c of ours) assert.ok(isAncestor(dir, c, 'HEAD'), 'local commits kept');

      // --- the user merges; watch pushes again by itself ----------------------------------------
      for (let attempt = 1; ; attempt++) {
        try {
          git(dir, ['pull', '-q', '--no-rebase', '--no-edit', 'origin', 'main']);
          break;
        } catch (err) {
          // watch may hold the index lock for a moment.
          if (attempt >= 10) throw err;
          await sleep(500);
        }
      }
      const merged = head(dir);
      await waitFor(
        'the merge pushed by watch',
        () => {
          const tip = remoteTip();
          return tip === head(dir) && isAncestor(bare, merged, tip);
        },
        120_000,
      ).catch(() => assert.fail(`not pushed after the merge; log:\n${watch.stderr().slice(divergeLog)}`));
      for (const c of [...ours, theirs]) assert.ok(isAncestor(bare, c, 'refs/heads/main'), `${c.slice(0, 12)} is on the remote`);
      assert.equal(git(bare, ['show', 'refs/heads/main:docs/theirs.txt']), 'from elsewhere\n');

      // Every update the remote ever accepted was a fast-forward.
      const accepted = readFileSync(updates, 'utf8')
        .trim()
        .split('\n')
        .map((l) => l.split(' '));
      for (const [oldSha, newSha, ref] of accepted) {
        assert.equal(ref, 'refs/heads/main');
        if (/^0+$/.test(oldSha!)) continue;
        assert.ok(isAncestor(bare, oldSha!, newSha!), `forced update ${oldSha} -> ${newSha}`);
      }
      execFileSync('git', ['fsck', '--no-progress'], { cwd: bare, stdio: 'ignore' });

      // The live database is in the pushed history.
      const st = statusJson(env);
      assert.equal(st.database.differs, false);
      assert.equal(st.remote?.ahead, 0);
      assert.equal(st.remote?.behind, 0);
      const liveCount = await withRoot(server, db, (c) => rows<{ n: number }>(c, 'SELECT COUNT(*) AS n FROM items'));
      assert.equal(lineCount(execFileSync('git', ['cat-file', 'blob', 'refs/heads/main:database/data/items.sql'], { cwd: bare })), Number(liveCount[0]!.n));

      watch.child.kill('SIGTERM');
      assert.equal(await watch.waitExit(30_000), 0, watch.stderr());
      assertPasswordNowhere(dir, watch);
      figures.push(
        `diverged: remote tip kept, ${ours.length} local commits kept, pushed by watch after the user's merge; ${accepted.length} ref updates on the remote, all fast-forward`,
      );
      for (const line of figures) t.diagnostic(line);
    } finally {
      await watch.kill();
      if (existsSync(away) && !existsSync(bare)) renameSync(away, bare);
    }
  });
});
