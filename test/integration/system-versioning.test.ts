/**
 * System-versioned tables (WITH SYSTEM VERSIONING): every version of their rows in
 * history/<table>.sql beside the unchanged data files, restored exactly (current and history
 * rows with their own row start and end) into a fresh database and over the live one; a tampered
 * history file refused with file and line; the incremental change sources (checksum, binlog) see
 * history-only changes; two-way mode versions current rows only. See src/snapshot/system-versioning.ts.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { MariaDbServer } from '../support/mariadb-server.js';
import { bareRemote, computers, type Computer } from '../support/computers.js';
import { baseEnv, cli, commitCount, git, lastSubject, tempDir } from '../support/project.js';

/** Every version of each table's rows, row start and end included, in a fixed order. */
const VERSIONS: Record<string, string> = {
  imp: 'SELECT *, ROW_START, ROW_END FROM imp FOR SYSTEM_TIME ALL ORDER BY id, ROW_END',
  expl: 'SELECT *, rs, re FROM expl FOR SYSTEM_TIME ALL ORDER BY id, re',
  expl2: 'SELECT * FROM expl2 FOR SYSTEM_TIME ALL ORDER BY id, re',
  nokey: 'SELECT *, ROW_START, ROW_END FROM nokey FOR SYSTEM_TIME ALL ORDER BY v, ROW_END',
};

describe('system-versioned tables', () => {
  let server: MariaDbServer;
  let repo: string;
  let env: NodeJS.ProcessEnv;
  before(async () => {
    server = await MariaDbServer.start(['--log-bin=mysql-bin', '--binlog-format=ROW', '--server-id=1']);
    const c = await server.connect('src');
    await c.query(`
      CREATE TABLE imp (id INT PRIMARY KEY, v VARCHAR(20), n DECIMAL(8,2)) WITH SYSTEM VERSIONING;
      CREATE TABLE expl (id INT PRIMARY KEY, v VARCHAR(20),
        rs TIMESTAMP(6) GENERATED ALWAYS AS ROW START INVISIBLE, re TIMESTAMP(6) GENERATED ALWAYS AS ROW END INVISIBLE,
        PERIOD FOR SYSTEM_TIME(rs, re)) WITH SYSTEM VERSIONING;
      CREATE TABLE expl2 (id INT PRIMARY KEY, v VARCHAR(20), twice INT AS (id * 2) VIRTUAL,
        rs TIMESTAMP(6) GENERATED ALWAYS AS ROW START, re TIMESTAMP(6) GENERATED ALWAYS AS ROW END,
        PERIOD FOR SYSTEM_TIME(rs, re)) WITH SYSTEM VERSIONING;
      CREATE TABLE nokey (v VARCHAR(20)) WITH SYSTEM VERSIONING;
      CREATE TABLE plain (id INT PRIMARY KEY, v VARCHAR(20));
      INSERT INTO plain VALUES (1, 'p');`);
    for (const t of ['imp', 'expl', 'expl2']) {
      await c.query(`INSERT INTO ${t} (id, v) VALUES (1, 'one'), (2, 'two'), (3, 'it''s')`);
      await c.query(`UPDATE ${t} SET v = 'uno' WHERE id = 1`);
      await c.query(`UPDATE ${t} SET v = 'eins' WHERE id = 1`);
      await c.query(`DELETE FROM ${t} WHERE id = 2`);
    }
    await c.query("INSERT INTO nokey VALUES ('x'), ('y'), ('y'); UPDATE nokey SET v = 'z' WHERE v = 'x'; DELETE FROM nokey WHERE v = 'y' LIMIT 1");
    await c.end();
    repo = tempDir();
    env = baseEnv({ ...server.env('src'), PROJECT_DIR: repo, DBSYNC_PROFILE: 'none' });
  });
  after(async () => server?.destroy());

  const versions = async (db: string): Promise<Record<string, unknown[]>> => {
    const c = await server.connect(db);
    try {
      const out: Record<string, unknown[]> = {};
      for (const [t, sql] of Object.entries(VERSIONS)) out[t] = (await c.query(sql))[0] as unknown[];
      return out;
    } finally {
      await c.end();
    }
  };
  const sql = async (db: string, text: string) => {
    const c = await server.connect(db);
    try {
      return (await c.query(text))[0];
    } finally {
      await c.end();
    }
  };

  let first: Record<string, unknown[]>;
  let firstCommit: string;

  it('keeps every version in history/<table>.sql and the data files as they were', async () => {
    const r = cli(['sync'], env);
    assert.equal(r.code, 0, r.stderr);
    const db = path.join(repo, 'database');
    // The data files: current rows only, as for any table (period columns declared in the table are generated: DEFAULT).
    assert.equal(
      readFileSync(path.join(db, 'data/imp.sql'), 'utf8'),
      "INSERT INTO `imp` VALUES (1,'eins',NULL);\nINSERT INTO `imp` VALUES (3,'it\\'s',NULL);\n",
    );
    assert.equal(
      readFileSync(path.join(db, 'data/expl.sql'), 'utf8'),
      "INSERT INTO `expl` (`id`,`v`,`rs`,`re`) VALUES (1,'eins',DEFAULT,DEFAULT);\nINSERT INTO `expl` (`id`,`v`,`rs`,`re`) VALUES (3,'it\\'s',DEFAULT,DEFAULT);\n",
    );
    const history = readFileSync(path.join(db, 'history/imp.sql'), 'utf8').split('\n').filter(Boolean);
    assert.equal(history.length, 5);
    const ts = "'\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{6}'";
    const head = 'INSERT INTO `imp` \\(`id`,`v`,`n`,`ROW_START`,`ROW_END`\\) VALUES ';
    assert.match(history[0]!, new RegExp(`^${head}\\(1,'one',NULL,${ts},${ts}\\);$`));
    assert.match(history[1]!, new RegExp(`^${head}\\(1,'uno',NULL,${ts},${ts}\\);$`));
    assert.match(history[2]!, new RegExp(`^${head}\\(1,'eins',NULL,${ts},DEFAULT\\);$`));
    assert.match(history[3]!, new RegExp(`^${head}\\(2,'two',NULL,${ts},${ts}\\);$`));
    assert.match(history[4]!, new RegExp(`^${head}\\(3,'it\\\\'s',NULL,${ts},DEFAULT\\);$`));
    assert.match(readFileSync(path.join(db, 'history/expl2.sql'), 'utf8'), /^INSERT INTO `expl2` \(`id`,`v`,`twice`,`rs`,`re`\) VALUES \(1,'one',DEFAULT,'/);
    assert.equal(readFileSync(path.join(db, 'history/nokey.sql'), 'utf8').split('\n').filter(Boolean).length, 4);
    assert.ok(!existsSync(path.join(db, 'history/plain.sql')), 'no history file for a table without versioning');
    // The commit describes the current rows, not the history rows.
    assert.match(git(repo, ['log', '-1', '--format=%B']), /imp: new table, 2 added/);
    first = await versions('src');
    firstCommit = git(repo, ['rev-parse', 'HEAD']).trim();
    assert.equal(cli(['sync'], env).stdout.trim(), 'no changes');
  });

  it('restores current and history rows exactly into a fresh database, and versions later updates', async () => {
    await sql('', 'CREATE DATABASE fresh');
    const r = cli(['restore', '--yes'], baseEnv({ ...env, DB_NAME: 'fresh' }));
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.doesNotMatch(r.stdout, /not restored/);
    assert.deepEqual(await versions('fresh'), first);
    assert.deepEqual(await sql('fresh', 'SELECT * FROM plain'), [{ id: 1, v: 'p' }]);
    // The restored table versions as before: an update closes the restored current row and opens a new one.
    await sql('fresh', "UPDATE imp SET v = 'one again' WHERE id = 1");
    const after = (await sql('fresh', VERSIONS.imp!)) as Array<Record<string, string>>;
    assert.equal(after.length, first.imp!.length + 1);
    const was = first.imp![2] as Record<string, string>;
    const closed = after.find((row) => row.v === 'eins')!;
    assert.equal(closed.ROW_START, was.ROW_START);
    assert.notEqual(closed.ROW_END, was.ROW_END);
    const open = after.find((row) => row.v === 'one again')!;
    assert.equal(open.ROW_START, closed.ROW_END);
    assert.equal(open.ROW_END, was.ROW_END);
    // --into: a scratch database, the same versions.
    const into = cli(['restore', '--into', 'scratch', '--yes'], env);
    assert.equal(into.code, 0, into.stderr + into.stdout);
    assert.deepEqual(await versions('scratch'), first);
  });

  it('sees history-only changes with the checksum and the binlog sources', async () => {
    for (const source of ['checksum', 'binlog']) {
      const e = baseEnv({ ...env, DBSYNC_CHANGE_SOURCE: source });
      // Two passes: the second reads with the position recorded by the first.
      assert.equal(cli(['sync'], e).code, 0);
      const before = commitCount(repo);
      // An UPDATE that changes no value still adds a history row; no current row changes.
      await sql('src', "UPDATE imp SET v = 'eins' WHERE id = 1");
      const r = cli(['sync'], e);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(commitCount(repo), before + 1, `${source}: ${r.stdout}`);
      assert.deepEqual(git(repo, ['show', '--name-only', '--format=', 'HEAD']).trim().split('\n'), ['database/history/imp.sql']);
      // No current row changed: the message says so instead of counting history rows as edits.
      assert.equal(lastSubject(repo), 'imp: history rows only, no current row changed');
      const v = await versions('src');
      assert.equal(readFileSync(path.join(repo, 'database/history/imp.sql'), 'utf8').split('\n').filter(Boolean).length, v.imp!.length);
    }
    // DELETE HISTORY changes no current row either.
    const e = baseEnv({ ...env, DBSYNC_CHANGE_SOURCE: 'checksum' });
    await sql('src', 'DELETE HISTORY FROM expl');
    assert.equal(cli(['sync'], e).code, 0);
    assert.equal(readFileSync(path.join(repo, 'database/history/expl.sql'), 'utf8').split('\n').filter(Boolean).length, 2);
  });

  it('restores an earlier snapshot over the live database exactly', async () => {
    await sql('src', "UPDATE imp SET v = 'later' WHERE id = 3; DELETE FROM expl2 WHERE id = 1; INSERT INTO nokey VALUES ('new')");
    const r = cli(['restore', firstCommit, '--yes'], env);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.deepEqual(await versions('src'), first);
    // Restored back to the first snapshot: its history files again.
    assert.equal(git(repo, ['diff', firstCommit, 'HEAD', '--', 'database/history', 'database/data']), '');
  });

  it('refuses a tampered history file, naming the file and the line, before changing anything', async () => {
    const clone = tempDir();
    git(clone, ['clone', '-q', repo, '.']);
    git(clone, ['config', 'user.email', 't@example.com']);
    git(clone, ['config', 'user.name', 't']);
    const file = path.join(clone, 'database/history/imp.sql');
    const good = readFileSync(file, 'utf8');
    const lines = good.split('\n');
    const tamper = async (text: string, want: RegExp, db: string) => {
      writeFileSync(file, text);
      git(clone, ['commit', '-qam', 'tampered']);
      const r = cli(['restore', '--into', db, '--yes'], baseEnv({ ...env, PROJECT_DIR: clone }));
      assert.equal(r.code, 5, r.stderr + r.stdout);
      assert.match(r.stderr, want);
      const rows = (await sql('', `SELECT COUNT(*) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = '${db}'`)) as Array<{ n: unknown }>;
      assert.equal(Number(rows[0]?.n), 0, 'nothing created');
    };
    // Not a literal: never passed to the server.
    await tamper(
      [lines[0], lines[1]!.replace(/'[^']*',('[^']*'\);)$/, 'NOW(),$1'), ...lines.slice(2)].join('\n'),
      /database\/history\/imp\.sql line 2 of commit \w+ is not what git-dbsync writes \(expected a literal/,
      't1',
    );
    // A column the table does not have.
    await tamper(good.replace('`ROW_END`', '`evil`'), /database\/history\/imp\.sql line 1 .*a column list other than the table's columns/, 't2');
    // A current row the data files do not hold.
    await tamper(
      good.replace("(3,'it\\'s',NULL,", "(3,'changed',NULL,"),
      /database\/history\/imp\.sql line 5 .*a current row \(row end DEFAULT\) that the data files do not hold/,
      't3',
    );
    // A history file for a table that is not versioned.
    writeFileSync(file, good);
    mkdirSync(path.join(clone, 'database/history'), { recursive: true });
    writeFileSync(path.join(clone, 'database/history/plain.sql'), "INSERT INTO `plain` (`id`,`v`) VALUES (1,'p');\n");
    git(clone, ['add', '-A']);
    await tamper(good, /database\/history\/plain\.sql line 1 .*not system-versioned/, 't4');
  });

  it('restores current rows only, and says so in one line, where the server cannot insert history', async () => {
    await server.restart(['--log-bin=mysql-bin', '--binlog-format=ROW', '--server-id=1', '--secure-timestamp=YES']);
    try {
      const r = cli(['restore', firstCommit, '--into', 'nohistory', '--yes'], env);
      assert.equal(r.code, 0, r.stderr + r.stdout);
      assert.match(r.stdout, /history rows of system-versioned table\(s\) expl, expl2, imp, nokey were not restored \(only their current rows\)/);
      const current = (db: string) => sql(db, 'SELECT * FROM imp ORDER BY id');
      assert.deepEqual(await current('nohistory'), [
        { id: 1, v: 'eins', n: null },
        { id: 3, v: "it's", n: null },
      ]);
      assert.equal(((await sql('nohistory', VERSIONS.imp!)) as unknown[]).length, 2);
    } finally {
      await server.restart(['--log-bin=mysql-bin', '--binlog-format=ROW', '--server-id=1']);
    }
  });
});

describe('system-versioned tables in two-way mode', () => {
  const servers: MariaDbServer[] = [];
  let a: Computer;
  let b: Computer;
  before(async () => {
    servers.push(await MariaDbServer.start(), await MariaDbServer.start());
    const pair = await computers(servers, 'sv', bareRemote(), { DBSYNC_PROFILE: 'none' });
    a = pair[0]!;
    b = pair[1]!;
  });
  after(async () => {
    for (const c of [a, b]) await c?.close();
    for (const s of servers) await s.destroy();
  });

  it('merges current rows only; each computer keeps its own history', async () => {
    mkdirSync(a.dir, { recursive: true });
    await a.sql('CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(40)) WITH SYSTEM VERSIONING');
    await a.sql("INSERT INTO items VALUES (1, 'one'), (2, 'two')");
    await a.sql("UPDATE items SET name = 'uno' WHERE id = 1");
    await a.sync();
    assert.ok(!existsSync(path.join(a.dir, 'database/history')), 'no history files in two-way mode');
    await b.sync(); // joins
    assert.deepEqual(await b.rows('items'), await a.rows('items'));
    await b.sql("UPDATE items SET name = 'dos' WHERE id = 2");
    await b.sync();
    await a.sync();
    assert.deepEqual(await a.rows('items'), await b.rows('items'));
    // a's history: its own versions plus the pulled change, written by its own server.
    const versions = await a.sql<Array<{ n: unknown }>>('SELECT COUNT(*) AS n FROM items FOR SYSTEM_TIME ALL');
    assert.equal(Number(versions[0]!.n), 4);
  });
});
