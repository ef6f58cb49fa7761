/**
 * Configuration and first-contact failures: every bad setting is refused with exit 2 and one line
 * naming the variable or flag and how to fix it, before anything is written; operational failures
 * (wrong password, no server, unknown database, missing privileges) exit 1 with a one-line cause
 * and hint, and never show the password.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import mysql from 'mysql2/promise';
import { freePort, MariaDbServer } from '../support/mariadb-server.js';
import { baseEnv, cli, commitCount, tempDir, type CliResult } from '../support/project.js';

let server: MariaDbServer;
let seq = 0;

/** A fresh database with one table and a row, and an empty project folder. */
async function fresh(): Promise<{ db: string; dir: string }> {
  const db = `cfg${++seq}`;
  const c = await server.connect(db);
  await c.query('CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(20)) ENGINE=InnoDB; INSERT INTO t VALUES (1, "one")');
  await c.end();
  return { db, dir: tempDir() };
}

/** A database user known from every host the tests connect from (socket and TCP). */
async function createUser(name: string, password: string, grants: string, db: string): Promise<void> {
  const c = await server.connect();
  for (const host of ['localhost', '127.0.0.1', '%']) {
    await c.query(`CREATE OR REPLACE USER '${name}'@'${host}' IDENTIFIED BY '${password}'`);
    await c.query(`GRANT ${grants} ON \`${db}\`.* TO '${name}'@'${host}'`);
  }
  await c.end();
}

/** The single line written to stderr (fails when there is none or more than one). */
function oneLine(r: CliResult): string {
  const lines = r.stderr.split('\n').filter((l) => l.length > 0);
  assert.equal(lines.length, 1, `expected one line on stderr, got:\n${r.stderr}`);
  assert.ok(r.stderr.endsWith('\n'), 'the line ends with a newline');
  return lines[0]!;
}

function assertUntouched(dir: string): void {
  assert.ok(existsSync(dir), `${dir} still exists`);
  assert.deepEqual(readdirSync(dir), [], `nothing was written to ${dir}`);
}

/** Exit 2, one line naming `name`, a fix hint, nothing on stdout, nothing written. */
function assertConfigError(r: CliResult, name: string | RegExp, dir: string): string {
  assert.equal(r.code, 2, `exit code (stderr: ${r.stderr})`);
  const line = oneLine(r);
  assert.match(line, /^git-dbsync: /);
  if (typeof name === 'string') assert.ok(line.includes(name), `"${line}" names ${name}`);
  else assert.match(line, name);
  assert.match(line, /fix the setting|set |create it|see git-dbsync --help/, 'the line says how to fix it');
  assert.equal(r.stdout, '');
  assertUntouched(dir);
  return line;
}

describe('configuration errors', () => {
  before(async () => {
    server = await MariaDbServer.start();
  });
  after(async () => server?.destroy());

  it('POLL_INTERVAL must be a positive number of seconds (0, -1, abc)', async () => {
    const { db, dir } = await fresh();
    for (const bad of ['0', '-1', 'abc']) {
      const r = cli(['watch'], baseEnv({ ...server.env(db), PROJECT_DIR: dir, POLL_INTERVAL: bad }), { timeoutMs: 30_000 });
      const line = assertConfigError(r, `POLL_INTERVAL=${JSON.stringify(bad)}`, dir);
      assert.match(line, bad === 'abc' ? /must be a number of seconds/ : /must be at least 0\.1/);
    }
  });

  it('durations have upper bounds: POLL_INTERVAL=1e9 and DBSYNC_LOCK_TIMEOUT=31536000 are refused before anything starts (issue 11)', async () => {
    const { db, dir } = await fresh();
    const watch = cli(['watch'], baseEnv({ ...server.env(db), PROJECT_DIR: dir, POLL_INTERVAL: '1e9' }), { timeoutMs: 30_000 });
    assert.match(assertConfigError(watch, 'POLL_INTERVAL="1e9"', dir), /must be at most 86400 seconds \(1 day\)/);
    const sync = cli(['sync'], baseEnv({ ...server.env(db), PROJECT_DIR: dir, DBSYNC_LOCK_TIMEOUT: '31536000' }), { timeoutMs: 30_000 });
    assert.match(assertConfigError(sync, 'DBSYNC_LOCK_TIMEOUT="31536000"', dir), /must be at most 86400 seconds/);
  });

  it('DB_PORT must be a port number (70000, x)', async () => {
    const { db, dir } = await fresh();
    for (const bad of ['70000', 'x']) {
      const r = cli(['sync'], baseEnv({ DB_HOST: '127.0.0.1', DB_PORT: bad, DB_USER: 'root', DB_NAME: db, PROJECT_DIR: dir }));
      const line = assertConfigError(r, `DB_PORT=${JSON.stringify(bad)}`, dir);
      assert.match(line, bad === 'x' ? /must be a number/ : /between 1 and 65535/);
    }
  });

  it('DB_USER and DB_NAME are required', async () => {
    const { db, dir } = await fresh();
    const noUser = cli(['sync'], baseEnv({ DB_SOCKET: server.socket, DB_NAME: db, PROJECT_DIR: dir }));
    const l1 = assertConfigError(noUser, 'DB_USER is not set', dir);
    assert.match(l1, /--db-user/);
    assert.doesNotMatch(l1, /DB_NAME/);

    const noName = cli(['sync'], baseEnv({ DB_SOCKET: server.socket, DB_USER: 'root', PROJECT_DIR: dir }));
    const l2 = assertConfigError(noName, 'DB_NAME is not set', dir);
    assert.match(l2, /--db-name/);

    // Both missing: still one line, naming both.
    const neither = cli(['sync'], baseEnv({ DB_SOCKET: server.socket, PROJECT_DIR: dir }));
    const l3 = assertConfigError(neither, 'DB_USER', dir);
    assert.match(l3, /DB_NAME/);
  });

  it('a missing PROJECT_DIR is created when only its last part is missing; a deeper missing path, a file or an unreachable database create nothing (issue 13)', async () => {
    const { db } = await fresh();
    const parent = tempDir();
    const missing = path.join(parent, 'no', 'such', 'folder');
    const r = cli(['sync'], baseEnv({ ...server.env(db), PROJECT_DIR: missing }));
    assert.equal(r.code, 2, r.stderr);
    const line = oneLine(r);
    assert.ok(line.includes(`PROJECT_DIR ${missing} does not exist, nor does its parent folder ${path.dirname(missing)}`), line);
    assert.match(line, /create the parent folder, or fix PROJECT_DIR/);
    assert.deepEqual(readdirSync(parent), []);
    // A file is not a folder either.
    const file = path.join(parent, 'file');
    writeFileSync(file, 'x');
    const r2 = cli(['sync'], baseEnv({ ...server.env(db), PROJECT_DIR: file }));
    assert.equal(r2.code, 2, r2.stderr);
    assert.match(oneLine(r2), /not a folder/);
    assert.deepEqual(readdirSync(parent), ['file']);
    // The database cannot be reached: nothing is created.
    const history = path.join(parent, 'invoices-history');
    const down = cli(['sync'], baseEnv({ ...server.env(db), DB_SOCKET: undefined, DB_HOST: '127.0.0.1', DB_PORT: '1', PROJECT_DIR: history }));
    assert.equal(down.code, 1, down.stderr);
    assert.deepEqual(readdirSync(parent), ['file']);
    // The README's own command: the folder is created, with the repository and the first snapshot in it.
    const ok = cli(['sync'], baseEnv({ ...server.env(db), PROJECT_DIR: history }));
    assert.equal(ok.code, 0, ok.stderr);
    assert.ok(existsSync(path.join(history, '.git')), 'a repository in the new folder');
    assert.deepEqual(readdirSync(parent).sort(), ['file', 'invoices-history']);
    // Commands that never create (status) still refuse a missing folder.
    const st = cli(['status'], baseEnv({ ...server.env(db), PROJECT_DIR: path.join(parent, 'other') }));
    assert.equal(st.code, 2, st.stderr);
    assert.equal(existsSync(path.join(parent, 'other')), false);
  });

  it('DBSYNC_DIR must be a relative folder inside PROJECT_DIR (/abs, ../out)', async () => {
    const { db } = await fresh();
    const parent = tempDir();
    const dir = path.join(parent, 'project');
    mkdirSync(dir);
    const abs = path.join(parent, 'abs');
    const r1 = cli(['sync'], baseEnv({ ...server.env(db), PROJECT_DIR: dir, DBSYNC_DIR: abs }));
    const l1 = assertConfigError(r1, `DBSYNC_DIR=${JSON.stringify(abs)}`, dir);
    assert.match(l1, /not an absolute path/);

    const r2 = cli(['sync'], baseEnv({ ...server.env(db), PROJECT_DIR: dir, DBSYNC_DIR: '../out' }));
    const l2 = assertConfigError(r2, 'DBSYNC_DIR="../out"', dir);
    assert.match(l2, /inside PROJECT_DIR/);

    const r3 = cli(['sync'], baseEnv({ ...server.env(db), PROJECT_DIR: dir, DBSYNC_DIR: 'x/../../out' }));
    assertConfigError(r3, 'DBSYNC_DIR', dir);

    const r4 = cli(['sync'], baseEnv({ ...server.env(db), PROJECT_DIR: dir, DBSYNC_DIR: '.git/db' }));
    assert.match(assertConfigError(r4, 'DBSYNC_DIR', dir), /inside \.git/);
    // Nothing was created next to the project either.
    assert.deepEqual(readdirSync(parent), ['project']);
  });

  it('a flag wins over the environment and is named as the flag', async () => {
    const { db, dir } = await fresh();
    const bad = cli(['watch', '--poll-interval', 'abc'], baseEnv({ ...server.env(db), PROJECT_DIR: dir, POLL_INTERVAL: '5' }), { timeoutMs: 30_000 });
    const line = assertConfigError(bad, '--poll-interval="abc"', dir);
    assert.doesNotMatch(line, /POLL_INTERVAL/);

    // And the other way round: a valid flag makes a bad environment value irrelevant.
    const good = cli(['sync', '--poll-interval', '1', '--db-name', db], baseEnv({ ...server.env('no_such_db'), PROJECT_DIR: dir, POLL_INTERVAL: 'abc' }));
    assert.equal(good.code, 0, good.stderr);
    assert.match(good.stdout, /^committed [0-9a-f]{12}: /);
    assert.equal(commitCount(dir), 1);
  });

  it('unknown options, unknown commands and missing option values exit 2 with one line', async () => {
    const { db, dir } = await fresh();
    const env = baseEnv({ ...server.env(db), PROJECT_DIR: dir });
    const unknown = cli(['sync', '--bogus'], env);
    assert.equal(unknown.code, 2, unknown.stderr);
    assert.match(oneLine(unknown), /unknown option '--bogus'.*--help/);
    assert.equal(unknown.stdout, '');

    const command = cli(['frobnicate'], env);
    assert.equal(command.code, 2, command.stderr);
    assert.match(oneLine(command), /unknown command 'frobnicate'/);

    const noValue = cli(['sync', '--poll-interval'], env);
    assert.equal(noValue.code, 2, noValue.stderr);
    assert.match(oneLine(noValue), /--poll-interval/);

    // The password has no flag (it would show in `ps`).
    const pwFlag = cli(['sync', '--db-password', 'x'], env);
    assert.equal(pwFlag.code, 2, pwFlag.stderr);
    assert.match(oneLine(pwFlag), /unknown option '--db-password'/);
    assertUntouched(dir);
  });

  it('a DB_PASSWORD_FILE that cannot be read is a configuration error', async () => {
    const { db, dir } = await fresh();
    const missing = path.join(tempDir(), 'secret');
    const r = cli(['sync'], baseEnv({ ...server.env(db), PROJECT_DIR: dir, DB_PASSWORD_FILE: missing }));
    const line = assertConfigError(r, `DB_PASSWORD_FILE=${JSON.stringify(missing)}`, dir);
    assert.match(line, /cannot read the file \(ENOENT\)/);
  });

  it('DB_PASSWORD_FILE works (Docker secrets) and wins over DB_PASSWORD', async () => {
    const { db, dir } = await fresh();
    const password = 'file-secret-Q7v2';
    await createUser('fileuser', password, 'ALL', db);
    const file = path.join(tempDir(), 'db_password');
    writeFileSync(file, password + '\n');
    const env = baseEnv({
      DB_HOST: '127.0.0.1',
      DB_PORT: String(server.port),
      DB_USER: 'fileuser',
      DB_NAME: db,
      PROJECT_DIR: dir,
      DB_PASSWORD_FILE: file,
      DB_PASSWORD: 'wrong',
    });
    const r = cli(['sync'], env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^committed [0-9a-f]{12}: /);
    assert.equal(commitCount(dir), 1);
    assert.ok(existsSync(path.join(dir, 'database', 'data', 't.sql')));
    // A relative DB_PASSWORD_FILE is relative to the working directory.
    const rel = cli(['sync'], { ...env, DB_PASSWORD_FILE: 'db_password' }, { cwd: path.dirname(file) });
    assert.equal(rel.code, 0, rel.stderr);
    assert.equal(rel.stdout.trim(), 'no changes');
  });

  it('a wrong password exits 1, names DB_USER/DB_PASSWORD and never shows the password', async () => {
    const { db, dir } = await fresh();
    await createUser('pwuser', 'right-Password-81', 'ALL', db);
    const wrong = 'wrong-Password-5150';
    for (const transport of [{ DB_SOCKET: server.socket }, { DB_HOST: '127.0.0.1', DB_PORT: String(server.port) }]) {
      const r = cli(['sync'], baseEnv({ ...transport, DB_USER: 'pwuser', DB_PASSWORD: wrong, DB_NAME: db, PROJECT_DIR: dir }));
      assert.equal(r.code, 1, r.stderr);
      const line = oneLine(r);
      assert.match(line, /access denied for user "pwuser"/);
      assert.match(line, /DB_USER and DB_PASSWORD/);
      assert.ok(!(r.stdout + r.stderr).includes(wrong), 'the password is not shown');
      assert.ok(!(r.stdout + r.stderr).includes('right-Password-81'));
      assertUntouched(dir);
    }
    // Also when it comes from a file.
    const file = path.join(tempDir(), 'pw');
    writeFileSync(file, wrong);
    const r = cli(['sync'], baseEnv({ DB_SOCKET: server.socket, DB_USER: 'pwuser', DB_PASSWORD_FILE: file, DB_NAME: db, PROJECT_DIR: dir }));
    assert.equal(r.code, 1, r.stderr);
    assert.match(oneLine(r), /DB_PASSWORD_FILE/);
    assert.ok(!(r.stdout + r.stderr).includes(wrong));
    assertUntouched(dir);
  });

  it('nothing listening on DB_PORT exits 1 with "connection refused" and what to check', async () => {
    const { db, dir } = await fresh();
    const port = await freePort();
    const r = cli(['sync'], baseEnv({ DB_HOST: '127.0.0.1', DB_PORT: String(port), DB_USER: 'root', DB_NAME: db, PROJECT_DIR: dir }));
    assert.equal(r.code, 1, r.stderr);
    const line = oneLine(r);
    assert.ok(line.includes(`connection refused at 127.0.0.1:${port}`), line);
    assert.match(line, /is the server running and is DB_HOST\/DB_PORT/);
    assertUntouched(dir);

    const sock = cli(['sync'], baseEnv({ DB_SOCKET: path.join(dir, 'nope.sock'), DB_USER: 'root', DB_NAME: db, PROJECT_DIR: dir }));
    assert.equal(sock.code, 1, sock.stderr);
    assert.match(oneLine(sock), /no socket at .*nope\.sock.*DB_SOCKET/);
    assertUntouched(dir);
  });

  it('an unknown database exits 1 and names DB_NAME', async () => {
    const { dir } = await fresh();
    const r = cli(['sync'], baseEnv({ ...server.env('no_such_database'), PROJECT_DIR: dir }));
    assert.equal(r.code, 1, r.stderr);
    const line = oneLine(r);
    assert.match(line, /database "no_such_database" does not exist/);
    assert.match(line, /check DB_NAME/);
    assertUntouched(dir);
  });

  it('a user without the needed privileges exits 1 and is told the GRANT it needs', async () => {
    const { db, dir } = await fresh();
    await createUser('reader', 'reader-pw-1', 'SELECT', db);
    const r = cli(['sync'], baseEnv({ DB_SOCKET: server.socket, DB_USER: 'reader', DB_PASSWORD: 'reader-pw-1', DB_NAME: db, PROJECT_DIR: dir }));
    assert.equal(r.code, 1, r.stderr + r.stdout);
    const line = oneLine(r);
    assert.ok(line.includes(`GRANT SELECT, LOCK TABLES, SHOW VIEW, TRIGGER, EVENT, EXECUTE ON \`${db}\`.* TO reader`), line);
    assert.ok(!line.includes('reader-pw-1'));
    // No snapshot was committed or left in the working tree.
    assert.equal(commitCount(dir), 0);
    assert.deepEqual(existsSync(path.join(dir, 'database')) ? readdirSync(path.join(dir, 'database')) : [], []);

    // LOCK TABLES but no SHOW VIEW, with a view in the database.
    const v = await server.connect(db);
    await v.query('CREATE VIEW v_t AS SELECT id FROM t');
    await v.end();
    await createUser('locker', 'locker-pw-1', 'SELECT, LOCK TABLES', db);
    const r1 = cli(['sync'], baseEnv({ DB_SOCKET: server.socket, DB_USER: 'locker', DB_PASSWORD: 'locker-pw-1', DB_NAME: db, PROJECT_DIR: dir }));
    assert.equal(r1.code, 1, r1.stderr);
    const l1 = oneLine(r1);
    assert.match(l1, /SHOW VIEW/);
    assert.ok(l1.includes(`GRANT SELECT, LOCK TABLES, SHOW VIEW, TRIGGER, EVENT, EXECUTE ON \`${db}\`.* TO locker`), l1);
    assert.equal(commitCount(dir), 0);

    // Everything but TRIGGER and EVENT: information_schema would hide triggers and events silently, so it is refused.
    await createUser('viewer', 'viewer-pw-1', 'SELECT, LOCK TABLES, SHOW VIEW', db);
    const r3 = cli(['sync'], baseEnv({ DB_SOCKET: server.socket, DB_USER: 'viewer', DB_PASSWORD: 'viewer-pw-1', DB_NAME: db, PROJECT_DIR: dir }));
    assert.equal(r3.code, 1, r3.stderr);
    const l3 = oneLine(r3);
    assert.match(
      l3,
      /lacks TRIGGER and EVENT and EXECUTE .* triggers and events and stored procedures and functions would be silently missing from the snapshot/,
    );
    assert.ok(l3.includes(`GRANT SELECT, LOCK TABLES, SHOW VIEW, TRIGGER, EVENT, EXECUTE ON \`${db}\`.* TO viewer`), l3);
    assert.equal(commitCount(dir), 0);

    // A user with no access to the database at all.
    await createUser('stranger', 'stranger-pw-1', 'SELECT', `${db}_other`);
    const r2 = cli(['sync'], baseEnv({ DB_SOCKET: server.socket, DB_USER: 'stranger', DB_PASSWORD: 'stranger-pw-1', DB_NAME: db, PROJECT_DIR: dir }));
    assert.equal(r2.code, 1, r2.stderr);
    assert.ok(oneLine(r2).includes(`GRANT SELECT, LOCK TABLES, SHOW VIEW, TRIGGER, EVENT, EXECUTE ON \`${db}\`.* TO stranger`), r2.stderr);

    // With the grant the message names, the same user succeeds.
    const c = await server.connect();
    for (const host of ['localhost', '127.0.0.1', '%'])
      await c.query(`GRANT SELECT, LOCK TABLES, SHOW VIEW, TRIGGER, EVENT, EXECUTE ON \`${db}\`.* TO 'reader'@'${host}'`);
    await c.end();
    const ok = cli(['sync'], baseEnv({ DB_SOCKET: server.socket, DB_USER: 'reader', DB_PASSWORD: 'reader-pw-1', DB_NAME: db, PROJECT_DIR: dir }));
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(commitCount(dir), 1);
  });

  it('takes the privileges the server grants: TRIGGER per table, grants through a default role, and asks the server for EVENT', async () => {
    const { db, dir } = await fresh();
    const c = await server.connect(db);
    await c.query('CREATE TABLE u (id INT PRIMARY KEY) ENGINE=InnoDB');
    await c.query('CREATE TRIGGER t_ins BEFORE INSERT ON t FOR EACH ROW SET NEW.v = NEW.v');
    await c.query('CREATE EVENT e_tick ON SCHEDULE EVERY 1 DAY DISABLE DO DELETE FROM u WHERE 0');
    const env = (user: string) => baseEnv({ DB_SOCKET: server.socket, DB_USER: user, DB_PASSWORD: `${user}-pw-1`, DB_NAME: db, PROJECT_DIR: dir });
    const grantAll = async (user: string, sql: (account: string) => string) => {
      for (const host of ['localhost', '127.0.0.1', '%']) await c.query(sql(`'${user}'@'${host}'`));
    };

    // TRIGGER granted on one of the two tables only: t's trigger is visible, u's would not be.
    await createUser('tabler', 'tabler-pw-1', 'SELECT, LOCK TABLES, SHOW VIEW, EVENT, EXECUTE', db);
    await grantAll('tabler', (a) => `GRANT TRIGGER ON \`${db}\`.t TO ${a}`);
    const partial = cli(['sync'], env('tabler'));
    assert.equal(partial.code, 1, partial.stderr);
    assert.match(oneLine(partial), /lacks TRIGGER on database .* triggers would be silently missing/);
    assert.equal(commitCount(dir), 0);
    // On every table: the server shows every trigger, so the snapshot is complete and taken.
    await grantAll('tabler', (a) => `GRANT TRIGGER ON \`${db}\`.u TO ${a}`);
    const perTable = cli(['sync'], env('tabler'));
    assert.equal(perTable.code, 0, perTable.stderr);
    assert.match(readFileSync(path.join(dir, 'database', 'triggers.sql'), 'utf8'), /t_ins/);
    assert.match(readFileSync(path.join(dir, 'database', 'events.sql'), 'utf8'), /e_tick/);

    // TRIGGER, EVENT and EXECUTE through a default role (SHOW GRANTS lists the active role's grants).
    await c.query('CREATE OR REPLACE ROLE dbsync_objects');
    await c.query(`GRANT TRIGGER, EVENT, EXECUTE ON \`${db}\`.* TO dbsync_objects`);
    await createUser('roled', 'roled-pw-1', 'SELECT, LOCK TABLES, SHOW VIEW', db);
    await grantAll('roled', (a) => `GRANT dbsync_objects TO ${a}`);
    await grantAll('roled', (a) => `SET DEFAULT ROLE dbsync_objects FOR ${a}`);
    const roled = cli(['sync'], env('roled'));
    assert.equal(roled.code, 0, roled.stderr);

    // EVENT is asked of the server (SHOW EVENTS is refused without it), even when every other grant is there.
    await createUser('noevent', 'noevent-pw-1', 'SELECT, LOCK TABLES, SHOW VIEW, TRIGGER, EXECUTE', db);
    const noEvent = cli(['sync'], env('noevent'));
    assert.equal(noEvent.code, 1, noEvent.stderr);
    assert.match(oneLine(noEvent), /lacks EVENT on database .* events would be silently missing/);
    await c.end();
  });

  it('judges the account the server authenticated, as the server does: grants of user@127.0.0.1 count over TCP, not over the socket (user@localhost) (issue 11)', async () => {
    const { db, dir } = await fresh();
    const c = await server.connect(db);
    await c.query('CREATE TRIGGER t_split BEFORE INSERT ON t FOR EACH ROW SET NEW.v = NEW.v');
    // Two accounts of one user name: everything on 127.0.0.1, no TRIGGER or EXECUTE on localhost.
    await c.query("CREATE OR REPLACE USER 'split'@'127.0.0.1' IDENTIFIED BY 'split-pw-1'");
    await c.query(`GRANT SELECT, LOCK TABLES, SHOW VIEW, TRIGGER, EVENT, EXECUTE ON \`${db}\`.* TO 'split'@'127.0.0.1'`);
    await c.query("CREATE OR REPLACE USER 'split'@'localhost' IDENTIFIED BY 'split-pw-1'");
    await c.query(`GRANT SELECT, LOCK TABLES, SHOW VIEW, EVENT ON \`${db}\`.* TO 'split'@'localhost'`);
    await c.end();
    const user = { DB_USER: 'split', DB_PASSWORD: 'split-pw-1', DB_NAME: db, PROJECT_DIR: dir };
    // Over TCP the server authenticates split@127.0.0.1, whose grants let it see every trigger: taken.
    const tcp = cli(['sync'], baseEnv({ ...user, DB_HOST: '127.0.0.1', DB_PORT: String(server.port) }));
    assert.equal(tcp.code, 0, tcp.stderr);
    assert.match(readFileSync(path.join(dir, 'database', 'triggers.sql'), 'utf8'), /t_split/);
    // Over the socket it is split@localhost, to whom the server shows no trigger (the other account's
    // grants do not apply): refused, rather than a snapshot silently without t_split.
    const viaSocket = await mysql.createConnection({ socketPath: server.socket, user: 'split', password: 'split-pw-1', database: db });
    const [seen] = await viaSocket.query('SELECT TRIGGER_NAME FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()');
    await viaSocket.end();
    assert.deepEqual(seen, [], 'the server hides the trigger from split@localhost');
    const socket = cli(['sync'], baseEnv({ ...user, DB_SOCKET: server.socket }));
    assert.equal(socket.code, 1, socket.stderr);
    assert.match(oneLine(socket), /user "split" lacks TRIGGER and EXECUTE on database "[^"]+", so triggers and .* would be silently missing/);
  });
});
