/**
 * Restore what you need (issue 13): `restore --at` picks the snapshot of the branch as of a moment
 * (commit dates, first parents, never the reflog) and shows which; a typo is refused, never read as
 * "now"; `restore --tables` replaces only the named tables (and their triggers) and leaves every
 * other table, view and trigger alone.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Connection } from 'mysql2/promise';
import { MariaDbServer } from '../support/mariadb-server.js';
import { baseEnv, cli, git, lastSubject, tempDir } from '../support/project.js';

let server: MariaDbServer;
let c: Connection;
const DB = 'sel';

async function rows(table: string): Promise<string[]> {
  const [r] = (await c.query(`SELECT * FROM \`${table}\` ORDER BY id`)) as unknown as [Array<Record<string, unknown>>];
  return r.map((x) => JSON.stringify(x));
}

function ok(args: string[], env: NodeJS.ProcessEnv): string {
  const r = cli(args, env);
  assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

function refused(args: string[], env: NodeJS.ProcessEnv, re: RegExp): void {
  const r = cli(args, env);
  assert.equal(r.code, 2, `${args.join(' ')} exits 2: ${r.stdout}${r.stderr}`);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0]!, re);
}

/** Commit dates have one-second resolution: let a second pass between snapshots that --at must tell apart. */
const nextSecond = () => new Promise((r) => setTimeout(r, 1100));

describe('restore --at and --tables (issue 13)', () => {
  before(async () => {
    server = await MariaDbServer.start();
    c = await server.connect(DB);
    await c.query(`
      CREATE TABLE clients (id INT PRIMARY KEY, name VARCHAR(50) NOT NULL);
      CREATE TABLE invoices (id INT PRIMARY KEY, client INT NOT NULL, total DECIMAL(10,2), note VARCHAR(50));
      CREATE TRIGGER invoices_note BEFORE INSERT ON invoices FOR EACH ROW SET NEW.note = COALESCE(NEW.note, 'new');
      CREATE VIEW big AS SELECT id, total FROM invoices WHERE total > 100;
      INSERT INTO clients VALUES (1, 'Ada'), (2, 'Bob');
      INSERT INTO invoices (id, client, total) VALUES (10, 1, 150.00), (11, 2, 20.50);`);
  });
  after(async () => {
    await c?.end();
    await server?.destroy();
  });

  it('picks the snapshot as of a moment, and restores only the tables asked for', async () => {
    const dir = tempDir();
    const env = baseEnv({ ...server.env(DB), PROJECT_DIR: dir });
    ok(['sync'], env);
    const a = git(dir, ['log', '-1', '--format=%H %cI']).trim().split(' ');
    const [clientsA, invoicesA] = [await rows('clients'), await rows('invoices')];
    await nextSecond();
    await c.query("UPDATE invoices SET total = 999.00 WHERE id = 10; INSERT INTO clients VALUES (3, 'Cy')");
    ok(['sync'], env);
    const b = git(dir, ['rev-parse', 'HEAD']).trim();
    const [clientsB, invoicesB] = [await rows('clients'), await rows('invoices')];

    // The plan names the commit chosen for the moment; nothing changes without --yes.
    const plan = ok(['restore', '--at', a[1]!], env);
    assert.match(plan.split('\n')[0]!, new RegExp(`^the snapshot as of then: commit ${a[0]!.slice(0, 12)} of ${a[1]!.replace('+', '\\+')}: `));
    assert.deepEqual(await rows('invoices'), invoicesB, 'a plan changes nothing');
    ok(['restore', '--at', a[1]!, '--yes'], env);
    assert.deepEqual([await rows('clients'), await rows('invoices')], [clientsA, invoicesA], 'the database is as it was at A');
    assert.match(lastSubject(dir), new RegExp(`^Restore of ${a[0]!.slice(0, 12)}:`));

    // Typos and moments before the first snapshot: exit 2, one line, nothing changed.
    refused(['restore', 'yesterday'], env, /unknown revision "yesterday" -- for the snapshot as of a moment, write `git-dbsync restore --at "yesterday"`/);
    refused(['restore', '--at', 'yesterdayy'], env, /--at "yesterdayy": not a moment git-dbsync understands -- write it as one of: 2026-12-01, /);
    refused(['restore', '--at', '1 hour ago'], env, /no snapshot at or before 1 hour ago \(.*\): the first is from /);
    refused(['restore', b, '--at', 'now'], env, /give a revision \(.*\) or --at, not both/);

    // Changes everywhere; then invoices alone back to B: clients keep their live rows, the view and
    // the trigger stay, and the trigger works on the restored table.
    await c.query(
      "UPDATE clients SET name = 'Ada Lovelace' WHERE id = 1; DELETE FROM invoices WHERE id = 11; INSERT INTO invoices (id, client, total) VALUES (12, 2, 5.00)",
    );
    const clientsLive = await rows('clients');
    const dry = ok(['restore', b, '--tables', 'invoices'], env);
    assert.match(dry, /- only invoices \(--tables\) and their triggers: every other table, view, routine and event is left alone/);
    assert.match(dry, /would replace 1 table\(s\): invoices/);
    ok(['restore', b, '--tables', 'invoices', '--yes'], env);
    assert.deepEqual(await rows('invoices'), invoicesB, 'invoices as at B');
    assert.deepEqual(await rows('clients'), clientsLive, 'clients untouched');
    assert.notDeepEqual(clientsLive, clientsB);
    assert.match(lastSubject(dir), new RegExp(`^Restore of invoices from ${b.slice(0, 12)}:`));
    const [triggers] = (await c.query('SHOW TRIGGERS')) as unknown as [Array<{ Trigger: string }>];
    assert.deepEqual(
      triggers.map((t) => t.Trigger),
      ['invoices_note'],
    );
    const [views] = (await c.query("SHOW FULL TABLES WHERE Table_type = 'VIEW'")) as unknown as [unknown[]];
    assert.equal(views.length, 1, 'the view stays');
    await c.query('INSERT INTO invoices (id, client, total) VALUES (13, 1, 1.00)');
    const [[n]] = (await c.query('SELECT note FROM invoices WHERE id = 13')) as unknown as [[{ note: string }]];
    assert.equal(n.note, 'new', 'the trigger of the restored table works');
    // The unsaved changes were committed first: nothing lost.
    assert.ok(git(dir, ['log', '--format=%s']).includes('clients'), 'the edit of clients is in the history');

    refused(
      ['restore', b, '--tables', 'nope'],
      env,
      /--tables: nope is not in the snapshot of [0-9a-f]{12} .* -- name tables of that snapshot \(clients, invoices\)/,
    );
    refused(['restore', b, '--tables', 'invoices', '--drop-extra'], env, /--tables does not go with --drop-extra/);
  });

  it('--into loads a snapshot into another database to look at, and touches neither the live one nor the repository', async () => {
    const dir = tempDir();
    const env = baseEnv({ ...server.env(DB), PROJECT_DIR: dir });
    ok(['sync'], env);
    const first = git(dir, ['rev-parse', 'HEAD']).trim();
    const [clientsThen, invoicesThen] = [await rows('clients'), await rows('invoices')];
    await c.query("UPDATE clients SET name = 'changed later' WHERE id = 1; UPDATE invoices SET total = 1.00");
    ok(['sync'], env);
    const head = git(dir, ['rev-parse', 'HEAD']).trim();
    const liveBefore = [await rows('clients'), await rows('invoices')];
    await c.query("UPDATE clients SET name = 'not committed yet' WHERE id = 2");
    const unsaved = await rows('clients');

    const plan = ok(['restore', first, '--into', 'sel_copy'], env);
    assert.match(plan, /^would load snapshot [0-9a-f]{12} into database sel_copy .*\nRun again with --yes/);
    const [[none]] = (await c.query("SELECT COUNT(*) AS n FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = 'sel_copy'")) as unknown as [[{ n: number }]];
    assert.equal(Number(none.n), 0, 'a plan creates nothing');

    const done = ok(['restore', first, '--into', 'sel_copy', '--yes'], env);
    assert.match(
      done,
      /restored snapshot [0-9a-f]{12} into database sel_copy: 2 table\(s\) and 2 view\(s\), routine\(s\) and trigger\(s\); the live database and the repository are untouched/,
    );
    const copy = async (t: string) =>
      ((await c.query(`SELECT * FROM sel_copy.\`${t}\` ORDER BY id`)) as unknown as [Array<Record<string, unknown>>])[0].map((x) => JSON.stringify(x));
    assert.deepEqual([await copy('clients'), await copy('invoices')], [clientsThen, invoicesThen], 'the copy holds the old snapshot');
    assert.deepEqual(await rows('clients'), unsaved, 'the live database keeps even its uncommitted change');
    assert.deepEqual(await rows('invoices'), liveBefore[1]);
    assert.equal(git(dir, ['rev-parse', 'HEAD']).trim(), head, 'no commit');
    assert.equal(git(dir, ['status', '--porcelain']).trim(), '', 'the working tree is untouched');
    await c.query('INSERT INTO sel_copy.invoices (id, client, total) VALUES (99, 1, 2.00)');
    const [[n]] = (await c.query('SELECT note FROM sel_copy.invoices WHERE id = 99')) as unknown as [[{ note: string }]];
    assert.equal(n.note, 'new', 'triggers came along');

    refused(['restore', first, '--into', 'sel_copy', '--yes'], env, /database sel_copy is not empty \(\d+ table\(s\) or view\(s\)\); nothing was changed/);
    refused(['restore', '--into', DB, '--yes'], env, /--into names the live database sel/);
    refused(['restore', '--into', 'bad name;', '--yes'], env, /is not a database name git-dbsync will create/);
    refused(['restore', '--into', 'x', '--drop-extra'], env, /--into does not go with --drop-extra/);
  });
});
