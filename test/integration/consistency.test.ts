/**
 * Consistency under concurrent writes: money moves between a MyISAM table and an InnoDB table
 * (in transactions and under LOCK TABLES) while passes run; every commit must show the total
 * unchanged, i.e. both tables read at one point in time although only one of them has MVCC.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Connection } from 'mysql2/promise';
import { MariaDbServer } from '../support/mariadb-server.js';
import { baseEnv, git, runCli, tempDir, type CliResult } from '../support/project.js';

const ROWS = 20;
const START_BALANCE = 1000;
const TOTAL = 2 * ROWS * START_BALANCE;
const WRITE_MS = 9_000;
const MAX_TRANSFERS_PER_WRITER = 20_000;

/** id -> balance from a data file (`INSERT INTO `t` VALUES (id,balance);` per row). */
function parseBalances(text: string, table: string): Map<number, number> {
  const out = new Map<number, number>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const m = new RegExp('^INSERT INTO `' + table + '` VALUES \\((\\d+),(-?\\d+)\\);$').exec(line);
    assert.ok(m, `unexpected line in ${table}: ${line}`);
    out.set(Number(m[1]), Number(m[2]));
  }
  return out;
}

function sum(m: Map<number, number>): number {
  let s = 0;
  for (const v of m.values()) s += v;
  return s;
}

function isRetryable(err: unknown): boolean {
  const code = (err as { code?: string }).code;
  return code === 'ER_LOCK_DEADLOCK' || code === 'ER_LOCK_WAIT_TIMEOUT';
}

const pick = (n: number) => 1 + Math.floor(Math.random() * n);

/**
 * Moves random amounts between acct_a and acct_b until the deadline. Even writers use a
 * transaction (InnoDB part first: a failure before the MyISAM update rolls everything back);
 * odd writers use LOCK TABLES ... WRITE. Returns the number of completed transfers.
 */
async function writer(conn: Connection, n: number, deadline: () => number): Promise<number> {
  let done = 0;
  for (let i = 0; Date.now() < deadline() && i < MAX_TRANSFERS_PER_WRITER; i++) {
    const amount = pick(200) - 100;
    const a = pick(ROWS);
    const b = pick(ROWS);
    const useLock = (n + i) % 2 === 1;
    try {
      if (useLock) {
        await conn.query('LOCK TABLES acct_a WRITE, acct_b WRITE');
        try {
          await conn.query('UPDATE acct_a SET balance = balance - ? WHERE id = ?', [amount, a]);
          // A pause inside the critical section makes half-done transfers visible to a bad reader.
          if (i % 7 === 0) await new Promise((r) => setTimeout(r, 2));
          await conn.query('UPDATE acct_b SET balance = balance + ? WHERE id = ?', [amount, b]);
        } finally {
          await conn.query('UNLOCK TABLES');
        }
      } else {
        await conn.query('START TRANSACTION');
        try {
          await conn.query('UPDATE acct_b SET balance = balance - ? WHERE id = ?', [amount, b]);
          if (i % 7 === 0) await new Promise((r) => setTimeout(r, 2));
          await conn.query('UPDATE acct_a SET balance = balance + ? WHERE id = ?', [amount, a]);
          await conn.query('COMMIT');
        } catch (err) {
          await conn.query('ROLLBACK');
          throw err;
        }
      }
      done++;
    } catch (err) {
      // A deadlock with the snapshot's LOCK TABLES picks the writer as victim: nothing was applied, retry.
      if (!isRetryable(err)) throw err;
    }
  }
  return done;
}

describe('consistent snapshots under concurrent writes', () => {
  let server: MariaDbServer;
  before(async () => {
    server = await MariaDbServer.start();
  });
  after(async () => server?.destroy());

  it('every commit keeps SUM(acct_a)+SUM(acct_b) constant while MyISAM and InnoDB rows change together', async (t) => {
    const db = 'bank';
    const setup = await server.connect(db);
    const values = Array.from({ length: ROWS }, (_, i) => `(${i + 1}, ${START_BALANCE})`).join(',');
    await setup.query(`
      CREATE TABLE acct_a (id INT NOT NULL PRIMARY KEY, balance BIGINT NOT NULL) ENGINE=MyISAM;
      CREATE TABLE acct_b (id INT NOT NULL PRIMARY KEY, balance BIGINT NOT NULL) ENGINE=InnoDB;
      INSERT INTO acct_a VALUES ${values};
      INSERT INTO acct_b VALUES ${values};
      CREATE VIEW v_total AS SELECT (SELECT SUM(balance) FROM acct_a) + (SELECT SUM(balance) FROM acct_b) AS total;
      CREATE TRIGGER acct_a_bu BEFORE UPDATE ON acct_a FOR EACH ROW SET NEW.balance = NEW.balance;
    `);
    const repo = tempDir();
    const env = baseEnv({ ...server.env(db), PROJECT_DIR: repo });

    const first = await runCli(['sync'], env);
    assert.equal(first.code, 0, first.stderr);

    const writers = await Promise.all([0, 1, 2].map(() => server.connect(db)));
    // Writes go on for WRITE_MS and until 6 passes ran during them, however slow the machine (a
    // pass under a load average of 4+ takes several seconds); 10 minutes only for a stuck run.
    const started = Date.now();
    let deadline = Number.POSITIVE_INFINITY;
    const writing = Promise.all(writers.map((c, n) => writer(c, n, () => deadline)));
    let stopped = false;
    void writing.finally(() => (stopped = true)).catch(() => undefined);

    const passes: CliResult[] = [];
    while (!stopped) {
      const r = await runCli(['sync'], env);
      passes.push(r);
      assert.equal(r.code, 0, `pass ${passes.length} failed: ${r.stderr}${r.stdout}`);
      const elapsed = Date.now() - started;
      if ((passes.length >= 6 && elapsed >= WRITE_MS) || elapsed > 600_000) deadline = Math.min(deadline, Date.now());
    }
    const transfers = await writing;
    await Promise.all(writers.map((c) => c.end()));

    // One more pass after the writers stopped: the last snapshot must equal the live database.
    const last = await runCli(['sync'], env);
    assert.equal(last.code, 0, last.stderr);

    const total = transfers.reduce((x, y) => x + y, 0);
    const commitsDuring = passes.filter((p) => p.stdout.startsWith('committed ')).length;
    t.diagnostic(`${passes.length} passes during the writes (${commitsDuring} committed), ${total} transfers (${transfers.join(' + ')})`);
    assert.ok(total > 200, `the writers made only ${total} transfers`);
    assert.ok(
      transfers.every((t) => t > 0),
      `every writer made transfers: ${transfers.join(', ')}`,
    );

    const commits = git(repo, ['rev-list', 'HEAD']).trim().split('\n');
    assert.ok(commits.length >= 5, `only ${commits.length} commits from ${passes.length} passes: the check would be vacuous`);
    assert.ok(commitsDuring >= 4, `only ${commitsDuring} of ${passes.length} passes during the writes committed`);

    for (const c of commits) {
      const a = parseBalances(git(repo, ['show', `${c}:database/data/acct_a.sql`]), 'acct_a');
      const b = parseBalances(git(repo, ['show', `${c}:database/data/acct_b.sql`]), 'acct_b');
      assert.equal(a.size, ROWS, `acct_a rows at ${c}`);
      assert.equal(b.size, ROWS, `acct_b rows at ${c}`);
      assert.equal(sum(a) + sum(b), TOTAL, `invariant broken at commit ${c} (acct_a ${sum(a)}, acct_b ${sum(b)})`);
    }
    // The balances really moved, in both tables, between commits.
    const firstA = parseBalances(git(repo, ['show', `${commits[commits.length - 1]}:database/data/acct_a.sql`]), 'acct_a');
    const lastA = parseBalances(git(repo, ['show', 'HEAD:database/data/acct_a.sql']), 'acct_a');
    assert.notDeepEqual(lastA, firstA);
    for (const c of commits.slice(0, -1)) {
      const subject = git(repo, ['log', '-1', '--format=%s', c]).trim();
      assert.match(subject, /^(acct_a ~\d+(, acct_b ~\d+)?|acct_b ~\d+)$/, `subject of ${c}`);
    }

    const [rowsA] = await setup.query('SELECT id, balance FROM acct_a ORDER BY id');
    const [rowsB] = await setup.query('SELECT id, balance FROM acct_b ORDER BY id');
    const live = (rows: unknown) => new Map((rows as Array<{ id: number; balance: string | number }>).map((r) => [Number(r.id), Number(r.balance)]));
    assert.deepEqual(parseBalances(git(repo, ['show', 'HEAD:database/data/acct_a.sql']), 'acct_a'), live(rowsA));
    assert.deepEqual(parseBalances(git(repo, ['show', 'HEAD:database/data/acct_b.sql']), 'acct_b'), live(rowsB));
    assert.equal(sum(live(rowsA)) + sum(live(rowsB)), TOTAL, 'the writers themselves kept the invariant');
    assert.equal(git(repo, ['status', '--porcelain', '--', 'database']), '');
    // Definitions were read under the same contention and never changed.
    assert.equal(git(repo, ['log', '--format=%H', '--', 'database/views.sql', 'database/triggers.sql', 'database/tables']).trim(), commits[commits.length - 1]);
    assert.match(git(repo, ['show', 'HEAD:database/views.sql']), /v_total/);
    await setup.end();
  });
});
