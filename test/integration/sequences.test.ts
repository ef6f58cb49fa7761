/**
 * MariaDB SEQUENCE objects: definition and next value in sequences.sql, a commit when a sequence
 * moves, and restore (the tool's and the stock client's) giving the same NEXTVAL as the source.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { MariaDbServer } from '../support/mariadb-server.js';
import { bareRemote, computers, type Computer } from '../support/computers.js';
import { baseEnv, cli, commitCount, git, tempDir } from '../support/project.js';

describe('sequences', () => {
  let server: MariaDbServer;
  let repo: string;
  before(async () => {
    server = await MariaDbServer.start();
    const c = await server.connect('src');
    await c.query(`
      CREATE SEQUENCE s_inv START WITH 100 INCREMENT BY 5 NOCACHE;
      CREATE SEQUENCE s_cyc MINVALUE 1 MAXVALUE 3 NOCACHE CYCLE ENGINE=Aria;
      CREATE SEQUENCE s_cache START WITH -10 MINVALUE -10000 MAXVALUE 10 INCREMENT BY -2;
      CREATE TABLE inv (id INT PRIMARY KEY DEFAULT NEXTVAL(s_inv), note VARCHAR(20));
      INSERT INTO inv (note) VALUES ('a'), ('b');
      SELECT NEXTVAL(s_cyc), NEXTVAL(s_cyc), NEXTVAL(s_cyc), NEXTVAL(s_cyc);
      SELECT NEXTVAL(s_cache);`);
    await c.end();
    repo = tempDir();
  });
  after(async () => server?.destroy());

  const nextvals = async (db: string): Promise<string> => {
    const c = await server.connect(db);
    try {
      const [rows] = await c.query<import('mysql2').RowDataPacket[]>('SELECT NEXTVAL(s_inv) AS a, NEXTVAL(s_cyc) AS b, NEXTVAL(s_cyc) AS c');
      return JSON.stringify(rows[0]);
    } finally {
      await c.end();
    }
  };

  it('writes each sequence with its next value, commits when one moves, and restores the same NEXTVAL', async () => {
    const env = baseEnv({ ...server.env('src'), PROJECT_DIR: repo });
    const first = cli(['sync'], env);
    assert.equal(first.code, 0, first.stderr);
    const file = path.join(repo, 'database/sequences.sql');
    assert.equal(
      readFileSync(file, 'utf8'),
      [
        'CREATE SEQUENCE `s_cache` start with -10 minvalue -10000 maxvalue 10 increment by -2 cache 1000 nocycle ENGINE=InnoDB; SELECT SETVAL(`s_cache`, -2010, 0, 0);',
        'CREATE SEQUENCE `s_cyc` start with 1 minvalue 1 maxvalue 3 increment by 1 nocache cycle ENGINE=Aria; SELECT SETVAL(`s_cyc`, 2, 0, 1);',
        'CREATE SEQUENCE `s_inv` start with 100 minvalue 1 maxvalue 9223372036854775806 increment by 5 nocache nocycle ENGINE=InnoDB; SELECT SETVAL(`s_inv`, 110, 0, 0);',
        '',
      ].join('\n'),
    );
    assert.match(readFileSync(path.join(repo, 'database/data/inv.sql'), 'utf8'), /\(100,'a'\);\n.*\(105,'b'\);\n$/);
    const again = cli(['sync'], env);
    assert.equal(again.stdout.trim(), 'no changes', again.stderr);

    // NEXTVAL used (a row inserted with its DEFAULT): the sequence's line changes, in a commit.
    const c = await server.connect('src');
    await c.query("INSERT INTO inv (note) VALUES ('c')");
    await c.end();
    const moved = cli(['sync'], env);
    assert.equal(moved.code, 0, moved.stderr);
    assert.equal(commitCount(repo), 2, moved.stdout);
    assert.match(git(repo, ['show', '--format=', 'HEAD', '--', 'database/sequences.sql']), /^\+.*SETVAL\(`s_inv`, 115, 0, 0\);$/m);

    // The tool's restore into an empty database, and the stock client's load of the files.
    const admin = await server.connect();
    await admin.query('CREATE DATABASE copy1; CREATE DATABASE copy2');
    await admin.end();
    const restored = cli(['restore', '--yes'], baseEnv({ ...server.env('copy1'), PROJECT_DIR: repo }));
    assert.equal(restored.code, 0, restored.stderr + restored.stdout);
    execSync(
      `cat header.sql sequences.sql tables/*.sql data/*.sql routines.sql views.sql triggers.sql events.sql | mariadb --no-defaults --socket=${server.socket} -uroot --binary-mode copy2`,
      { cwd: path.join(repo, 'database'), shell: '/bin/bash' },
    );
    const show = (db: string) =>
      server
        .client('mariadb', ['-N', db, '-e', 'SHOW CREATE SEQUENCE s_cyc; SHOW CREATE SEQUENCE s_cache; SHOW CREATE TABLE inv'])
        .toString()
        .replaceAll(`\`${db}\`.`, '');
    assert.equal(show('copy1'), show('src'));
    assert.equal(show('copy2'), show('src'));
    const want = await nextvals('src');
    assert.equal(await nextvals('copy1'), want, 'NEXTVAL after the tool restore');
    assert.equal(await nextvals('copy2'), want, 'NEXTVAL after the stock-client load');
    assert.match(want, /"a":"?115"?/);
    // A cached sequence continues after the values the source server had cached (as after its restart).
    const cached = (db: string) => server.client('mariadb', ['-N', db, '-e', 'SELECT NEXTVAL(s_cache)']).toString().trim();
    assert.equal(cached('copy1'), '-2010');
    assert.equal(cached('copy2'), '-2010');

    // Restore over the source, which has moved on since: the sequence goes back to the snapshot's value.
    const back = cli(['restore', '--yes'], env);
    assert.equal(back.code, 0, back.stderr + back.stdout);
    assert.match(await nextvals('src'), /"a":"?115"?/);
  });

  it('refuses a sequences.sql line that is not in the form git-dbsync writes, before changing anything', async () => {
    const file = path.join(repo, 'database/sequences.sql');
    const text = readFileSync(file, 'utf8');
    writeFileSync(file, text.replace('SETVAL(`s_inv`, 115, 0, 0)', 'SETVAL(`s_inv`, 115, 0, 0); DROP TABLE inv'));
    git(repo, ['commit', '-qam', 'tampered']);
    const c = await server.connect();
    await c.query('CREATE DATABASE copy3');
    await c.end();
    const r = cli(['restore', '--yes'], baseEnv({ ...server.env('copy3'), PROJECT_DIR: repo }));
    assert.equal(r.code, 5, r.stderr);
    assert.match(r.stderr, /sequences\.sql line 3 .*not what git-dbsync writes/);
  });
});

describe('sequences in two-way mode', () => {
  const servers: MariaDbServer[] = [];
  let a: Computer;
  let b: Computer;
  before(async () => {
    servers.push(await MariaDbServer.start(), await MariaDbServer.start());
    const pair = await computers(servers, 'sq', bareRemote(), { DBSYNC_PROFILE: 'none' });
    a = pair[0]!;
    b = pair[1]!;
  });
  after(async () => {
    for (const c of [a, b]) await c?.close();
    for (const s of servers) await s.destroy();
  });

  const next = async (c: Computer) => String((await c.sql<Array<{ n: unknown }>>('SELECT NEXTVAL(s) AS n'))[0]!.n);

  it('a joining computer gets the sequence; a pull leaves each live sequence as it is', async () => {
    mkdirSync(a.dir, { recursive: true });
    await a.sql('CREATE SEQUENCE s START WITH 10 NOCACHE');
    await a.sql('CREATE TABLE items (id INT PRIMARY KEY DEFAULT NEXTVAL(s), name VARCHAR(40))');
    await a.sql("INSERT INTO items (name) VALUES ('one')");
    await a.sync();
    await b.sync(); // joins: the snapshot, sequence included, is loaded into b's database
    assert.deepEqual(await b.rows('items'), await a.rows('items'));
    await b.sql("INSERT INTO items (name) VALUES ('b')"); // id 11 on b
    await b.sync();
    await a.sql("INSERT INTO items (id, name) VALUES (100, 'a')");
    await a.sync(); // pulls b's row; a's sequence is not moved back or forward
    await b.sync();
    assert.deepEqual(await a.rows('items'), await b.rows('items'), 'the rows converged');
    assert.equal(await next(a), '11', "a's sequence stays where a left it");
    assert.equal(await next(b), '12', "b's sequence stays where b left it");
  });
});
