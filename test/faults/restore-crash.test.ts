/**
 * kill -9 during `restore --yes` at random moments (issue 11): every table holds either its old
 * rows or its new ones, never none or a mix; while a restore is unfinished `sync` refuses to commit
 * (exit 6), and `restore --resume` gives a database equal to the snapshot (CHECKSUM TABLE, triggers,
 * foreign keys), `restore --abort` the one before. Tables: InnoDB with a foreign key between them
 * (and a trigger, a view), MyISAM, Aria, one whose definition differs between the two snapshots.
 * DBSYNC_LONG_TESTS=1: 20 trials; DBSYNC_CRASH_SEED replays a run.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Connection } from 'mysql2/promise';
import { MariaDbServer } from '../support/mariadb-server.js';
import { baseEnv, cli, cliAsync, git, tempDir } from '../support/project.js';
import { seededRandom } from '../support/seeded-random.js';

const LONG = process.env.DBSYNC_LONG_TESTS === '1';
const TRIALS = LONG ? 20 : 3;
const SEED = Number(process.env.DBSYNC_CRASH_SEED ?? Date.now() % 100000);
const TABLES = ['p', 'c', 'm', 'a', 'w'] as const;
const ROWS = { old: 4000, new: 3000 };

/** The kill moments of a run can be replayed from its seed. */
const random = seededRandom;

let server: MariaDbServer;
let conn: Connection;
const DB = 'crashdb';

async function fill(tag: 'old' | 'new'): Promise<void> {
  const n = ROWS[tag];
  await conn.query('SET foreign_key_checks = 0');
  for (const t of TABLES) await conn.query(`DELETE FROM \`${t}\``);
  const values = (f: (i: number) => string) => Array.from({ length: n }, (_, i) => f(i + 1)).join(',');
  await conn.query(`INSERT INTO p (id, tag, v) VALUES ${values((i) => `(${i},'${tag}','p${i}')`)}`);
  await conn.query(`INSERT INTO c (id, pid, tag) VALUES ${values((i) => `(${i},${((i - 1) % n) + 1},'${tag}')`)}`);
  await conn.query(`INSERT INTO m (id, tag, body) VALUES ${values((i) => `(${i},'${tag}',REPEAT('m',200))`)}`);
  await conn.query(`INSERT INTO a (id, tag, body) VALUES ${values((i) => `(${i},'${tag}',REPEAT('a',200))`)}`);
  await conn.query(`INSERT INTO w (id, tag) VALUES ${values((i) => `(${i},'${tag}')`)}`);
  await conn.query('SET foreign_key_checks = 1');
}

async function checksums(): Promise<string> {
  const out: string[] = [];
  for (const t of TABLES) {
    const [r] = await conn.query(`CHECKSUM TABLE \`${t}\` EXTENDED`);
    out.push(`${t}=${String((r as Array<{ Checksum: unknown }>)[0]?.Checksum)}`);
  }
  const [trg] = await conn.query('SELECT TRIGGER_NAME AS n FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()');
  const [fk] = await conn.query(
    'SELECT TABLE_NAME AS t, REFERENCED_TABLE_NAME AS r FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE()',
  );
  const [views] = await conn.query('SELECT COUNT(*) AS n FROM v');
  return `${out.join(',')} triggers=${JSON.stringify(trg)} fks=${JSON.stringify(fk)} view=${JSON.stringify(views)}`;
}

/** Which state each table is in: 'old', 'new', or a description of anything else. */
async function tableStates(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const t of TABLES) {
    const [rows] = await conn.query(`SELECT tag, COUNT(*) AS n FROM \`${t}\` GROUP BY tag`);
    const list = rows as Array<{ tag: string; n: number }>;
    const one = list.length === 1 ? list[0]! : null;
    out[t] = one && Number(one.n) === ROWS[one.tag as 'old' | 'new'] ? one.tag : `mixed/empty: ${JSON.stringify(list)}`;
  }
  return out;
}

describe('kill -9 during restore', () => {
  let env: NodeJS.ProcessEnv;
  let dir: string;
  before(async () => {
    server = await MariaDbServer.start();
    conn = await server.connect();
    await conn.query(`CREATE DATABASE ${DB}`);
    await conn.query(`USE ${DB}`);
    await conn.query('CREATE TABLE p (id INT PRIMARY KEY, tag VARCHAR(3) NOT NULL, v VARCHAR(20)) ENGINE=InnoDB');
    await conn.query(
      'CREATE TABLE c (id INT PRIMARY KEY, pid INT NOT NULL, tag VARCHAR(3) NOT NULL, CONSTRAINT c_parent FOREIGN KEY (pid) REFERENCES p (id)) ENGINE=InnoDB',
    );
    await conn.query('CREATE TABLE m (id INT PRIMARY KEY, tag VARCHAR(3) NOT NULL, body TEXT) ENGINE=MyISAM');
    await conn.query('CREATE TABLE a (id INT PRIMARY KEY, tag VARCHAR(3) NOT NULL, body TEXT) ENGINE=Aria');
    await conn.query('CREATE TABLE w (id INT PRIMARY KEY, tag VARCHAR(3) NOT NULL) ENGINE=InnoDB');
    await conn.query("CREATE TRIGGER p_bi BEFORE INSERT ON p FOR EACH ROW SET NEW.v = IFNULL(NEW.v, 'x')");
    await conn.query('CREATE VIEW v AS SELECT c.id, p.v FROM c JOIN p ON p.id = c.pid');
    dir = path.join(tempDir('dbsync-restore-crash-'), 'project');
    mkdirSync(dir, { recursive: true });
    env = baseEnv({ ...server.env(DB), PROJECT_DIR: dir, DBSYNC_PROFILE: 'none' });
  });
  after(async () => {
    await conn?.end();
    await server?.destroy();
  });

  it(`every table is old or new after a kill, sync refuses, resume/abort finish (${TRIALS} trials, seed ${SEED})`, async () => {
    const rand = random(SEED);
    await fill('old');
    assert.equal(cli(['sync'], env).code, 0);
    const oldCommit = git(dir, ['rev-parse', 'HEAD']).trim();
    const oldSums = await checksums();
    await fill('new');
    // A definition change too: that table is replaced by the swap with another definition.
    await conn.query('ALTER TABLE w ADD COLUMN extra INT NULL');
    assert.equal(cli(['sync'], env).code, 0);
    const newCommit = git(dir, ['rev-parse', 'HEAD']).trim();
    const newSums = await checksums();

    // How long an uninterrupted restore takes: the kills land inside it.
    const t0 = Date.now();
    let r = cli(['restore', oldCommit, '--yes'], env);
    assert.equal(r.code, 0, r.stderr);
    const duration = Date.now() - t0;
    assert.equal(await checksums(), oldSums, 'an uninterrupted restore gives the snapshot');
    const seen: Record<string, number> = {};
    for (let trial = 0; trial < TRIALS; trial++) {
      r = cli(['restore', newCommit, '--yes'], env);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(await checksums(), newSums);
      // Most trials kill at a random moment after the restore began changing the database (its
      // marker appeared: loading shadows, swapping, repairing, recreating objects, committing);
      // every third at a random moment of the whole command.
      const fromMarker = trial % 3 !== 1;
      const delay = Math.round(fromMarker ? duration * 0.5 * rand() : duration * (0.1 + 0.9 * rand()));
      const markerFile = path.join(dir, '.git', 'dbsync', 'restore.json');
      const child = cliAsync(['restore', oldCommit, '--yes'], env);
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      let timer: NodeJS.Timeout | undefined;
      const poll = fromMarker
        ? setInterval(() => {
            if (timer === undefined && existsSync(markerFile)) timer = setTimeout(() => child.kill('SIGKILL'), delay);
          }, 5)
        : undefined;
      if (!fromMarker) timer = setTimeout(() => child.kill('SIGKILL'), delay);
      const code = await exited;
      clearInterval(poll);
      clearTimeout(timer);
      const states = await tableStates();
      for (const [t, s] of Object.entries(states))
        assert.ok(
          s === 'old' || s === 'new',
          `trial ${trial} (kill ${delay} ms after ${fromMarker ? 'the marker appeared' : 'the start'}): table ${t} is ${s}`,
        );
      const marker = existsSync(path.join(dir, '.git', 'dbsync', 'restore.json'));
      const label = code === 0 ? 'finished' : marker ? 'interrupted' : 'killed before the restore began';
      seen[label] = (seen[label] ?? 0) + 1;
      if (marker) {
        const refused = cli(['sync'], env);
        assert.equal(refused.code, 6, refused.stderr);
        assert.match(refused.stderr, /a restore was interrupted .*run `git-dbsync restore --resume` to finish it or `git-dbsync restore --abort` to go back/);
        // status leads with it and exits 6 (a monitoring check sees it), naming both ways out.
        const status = cli(['status'], env);
        assert.equal(status.code, 6, status.stdout);
        assert.match(
          status.stdout,
          /^RESTORE INTERRUPTED: a restore of [0-9a-f]{12} \(started [^)]+\) was interrupted; nothing is committed until `git-dbsync restore --resume` or `git-dbsync restore --abort`/,
        );
        assert.match(status.stdout, /\nrestore: interrupted \(of [0-9a-f]{12}, started .+, phase (load|swapping|swapped)\)/);
        const abort = trial % 3 === 2;
        const cont = cli(['restore', abort ? '--abort' : '--resume'], env);
        assert.equal(cont.code, 0, cont.stderr);
        assert.equal(await checksums(), abort ? newSums : oldSums, `trial ${trial}: --${abort ? 'abort' : 'resume'} gives its snapshot`);
        assert.ok(!existsSync(path.join(dir, '.git', 'dbsync', 'restore.json')), 'the marker is gone');
      } else if (code !== 0) {
        // Killed before the marker: nothing was changed; the restore simply runs again.
        r = cli(['restore', oldCommit, '--yes'], env);
        assert.equal(r.code, 0, r.stderr);
        assert.equal(await checksums(), oldSums);
      } else assert.equal(await checksums(), oldSums);
      const [left] = await conn.query("SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME LIKE '\\_dbsync\\_%'");
      assert.deepEqual(left, [], 'no shadow or old table is left');
      const sync = cli(['sync'], env);
      assert.equal(sync.code, 0, sync.stderr);
    }
    console.log(`restore-crash: seed ${SEED}, ${TRIALS} trials, restore ${duration} ms: ${JSON.stringify(seen)}`);
  });
});

/**
 * The swap above is atomic only on MariaDB 10.6+ (src/db/mariadb/server-version.ts). On a server
 * that reports an older MariaDB or MySQL (the throwaway server started with --version=...), restore
 * refuses with one line and exit 2, before it commits or changes anything.
 */
describe('restore on a server without the atomic multi-table RENAME TABLE', () => {
  for (const reported of ['10.5.27-MariaDB', '8.0.36']) {
    it(`refuses on a server that reports ${reported}: one line, exit 2, nothing committed or changed`, async () => {
      const s = await MariaDbServer.start([`--version=${reported}`]);
      try {
        const c = await s.connect();
        await c.query('CREATE DATABASE oldsrv');
        await c.query('CREATE TABLE oldsrv.t (id INT PRIMARY KEY, v VARCHAR(10)) ENGINE=MyISAM');
        await c.query("INSERT INTO oldsrv.t VALUES (1,'old')");
        const [[v]] = (await c.query('SELECT VERSION() AS v')) as unknown as [[{ v: string }]];
        assert.equal(v.v, reported, 'the server reports the version under test');
        const repo = path.join(tempDir('dbsync-old-server-'), 'project');
        mkdirSync(repo, { recursive: true });
        const e = baseEnv({ ...s.env('oldsrv'), PROJECT_DIR: repo, DBSYNC_PROFILE: 'none' });
        assert.equal(cli(['sync'], e).code, 0, 'backing up works on any server');
        const first = git(repo, ['rev-parse', 'HEAD']).trim();
        await c.query("UPDATE oldsrv.t SET v = 'new'");
        const r = cli(['restore', first, '--yes'], e);
        assert.equal(r.code, 2, r.stderr);
        assert.equal(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
        assert.match(r.stderr, /restore swaps the restored tables in with one atomic RENAME TABLE, which needs MariaDB 10\.6 or later; nothing was changed/);
        assert.match(r.stderr, reported.includes('MariaDB') ? /the server is MariaDB 10\.5 / : /the server is not MariaDB \(VERSION\(\) is "8\.0\.36"\)/);
        assert.equal(git(repo, ['rev-parse', 'HEAD']).trim(), first, 'nothing committed');
        const [rows] = await c.query('SELECT v FROM oldsrv.t');
        assert.deepEqual(rows, [{ v: 'new' }], 'the table is as it was');
        await c.end();
      } finally {
        await s.destroy();
      }
    });
  }
});
