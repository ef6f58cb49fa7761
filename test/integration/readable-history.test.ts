/**
 * Readable history (issue 13): `show` lists a commit's changes row by row and cell by cell with
 * column names; `history TABLE KEY` every version of one row; `log` the subjects with filters. All
 * read git only, so they work in a plain clone with no database settings at all.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import type { Connection } from 'mysql2/promise';
import { MariaDbServer } from '../support/mariadb-server.js';
import { baseEnv, cli, git, tempDir } from '../support/project.js';

describe('show, history, log (issue 13)', () => {
  let server: MariaDbServer;
  let c: Connection;
  before(async () => {
    server = await MariaDbServer.start();
    c = await server.connect('hist');
  });
  after(async () => {
    await c?.end();
    await server?.destroy();
  });

  it('reads the history in column names, from a clone without a database', async () => {
    const dir = tempDir();
    const env = baseEnv({ ...server.env('hist'), PROJECT_DIR: dir });
    const sync = () => assert.equal(cli(['sync'], env).code, 0);
    await c.query(
      "CREATE TABLE invoices (id INT PRIMARY KEY, status TINYINT NOT NULL, total DECIMAL(10,2), client VARCHAR(40)); INSERT INTO invoices VALUES (1, 1, 100.00, 'Nordwind'), (2, 1, 20.00, 'Café Zürich')",
    );
    sync();
    await c.query('UPDATE invoices SET status = 2, total = 120.50 WHERE id = 1');
    sync();
    await c.query('DELETE FROM invoices WHERE id = 2; INSERT INTO invoices VALUES (3, 1, NULL, NULL)');
    sync();
    await c.query("ALTER TABLE invoices ADD COLUMN note VARCHAR(20) DEFAULT 'none'; UPDATE invoices SET status = 3 WHERE id = 1");
    sync();

    // A clone, and no DB_* settings at all: these commands never touch a database.
    const clone = path.join(tempDir(), 'clone');
    git(path.dirname(clone), ['clone', '-q', dir, clone]);
    const genv = baseEnv({ PROJECT_DIR: clone });

    const second = git(clone, ['rev-parse', 'HEAD~2']).trim();
    const shown = cli(['show', second], genv);
    assert.equal(shown.code, 0, shown.stderr);
    assert.deepEqual(shown.stdout.split('\n').slice(1, -1), ['invoices ~1', 'invoices id=1: status 1 -> 2, total 100.00 -> 120.50']);
    const third = cli(['show', 'HEAD~1'], genv).stdout.split('\n');
    assert.ok(third.includes('invoices id=3 added: status=1, total=NULL, client=NULL'), third.join('\n'));
    assert.ok(third.includes("invoices id=2 deleted: status=1, total=20.00, client='Café Zürich'"), third.join('\n'));
    const last = cli(['show'], genv).stdout.split('\n');
    assert.ok(
      last.some((l) => /^invoices id=1: status 2 -> 3, note \(none\) -> 'none'$/.test(l)),
      `a new column reads as set: ${last.join('\n')}`,
    );

    const h = cli(['history', 'invoices', '1'], genv);
    assert.equal(h.code, 0, h.stderr);
    const versions = h.stdout
      .split('\n')
      .filter((l) => l.startsWith('    '))
      .map((l) => l.trim());
    assert.deepEqual(versions, [
      "invoices id=1: status 2 -> 3, note (none) -> 'none'",
      'invoices id=1: status 1 -> 2, total 100.00 -> 120.50',
      "invoices id=1 added: status=1, total=100.00, client='Nordwind'",
    ]);
    const gone = cli(['history', 'invoices', '2'], genv).stdout;
    assert.match(gone, /invoices id=2 deleted: /);
    assert.match(gone, /invoices id=2 added: /);
    assert.match(cli(['history', 'invoices', '99'], genv).stdout, /^no commit changed invoices 99/);
    const none = cli(['history', 'nosuch', '1'], genv);
    assert.equal(none.code, 2);

    const log = cli(['log'], genv).stdout.trim().split('\n');
    assert.equal(log.length, 4);
    // The newest commit added a column: its subject names the schema change (issue 12).
    assert.match(log[0]!, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d {2}[0-9a-f]{12} {2}Schema: invoices added column note/);
    assert.equal(cli(['log', '-n', '2'], genv).stdout.trim().split('\n').length, 2);
    assert.equal(cli(['log', '--grep', 'SCHEMA'], genv).stdout.trim().split('\n').length, 1, 'the schema change, any case');
    assert.equal(cli(['log', '--table', 'invoices', '--since', '1 hour ago'], genv).stdout.trim().split('\n').length, 4);
    assert.equal(cli(['log', '--since', 'someday'], genv).code, 2);
  });
});
