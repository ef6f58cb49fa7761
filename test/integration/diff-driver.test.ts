/**
 * The diff driver `hook install` sets up (issue 13): after it, plain `git log -p` and `git diff`
 * show the snapshot's data files cell by cell with column names, from this clone's own config
 * only (.git/config and .git/info/attributes; nothing committed); `hook uninstall` takes it out.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Connection } from 'mysql2/promise';
import { MariaDbServer } from '../support/mariadb-server.js';
import { baseEnv, cli, git, tempDir } from '../support/project.js';

describe('diff driver: git log -p with column names (issue 13)', () => {
  let server: MariaDbServer;
  let c: Connection;
  before(async () => {
    server = await MariaDbServer.start();
    c = await server.connect('dd');
    await c.query(`
      CREATE TABLE ip_invoices (invoice_id INT PRIMARY KEY, invoice_status_id INT NOT NULL, invoice_number VARCHAR(20));
      INSERT INTO ip_invoices VALUES (1, 1, 'INV-1'), (2, 1, 'INV-2');`);
  });
  after(async () => {
    await c?.end();
    await server?.destroy();
  });

  it('shows invoice_status_id 1 -> 2 in git log -p and git diff; uninstall takes it out', async () => {
    const dir = tempDir();
    const env = baseEnv({ ...server.env('dd'), PROJECT_DIR: dir, DBSYNC_PROFILE: 'none' });
    assert.equal(cli(['sync'], env).code, 0);
    await c.query('UPDATE ip_invoices SET invoice_status_id = 2 WHERE invoice_id = 1');
    assert.equal(cli(['sync'], env).code, 0);
    const raw = git(dir, ['log', '-p', '-1']);
    assert.match(raw, /^-INSERT INTO `ip_invoices` VALUES \(1,1,'INV-1'\);$/m, 'before: the row line as the snapshot writes it');
    assert.doesNotMatch(raw, /invoice_status_id:/);

    const inst = cli(['hook', 'install'], env);
    assert.equal(inst.code, 0, inst.stderr);
    assert.match(inst.stdout, /git log -p, git show and git diff now show data files cell by cell with column names/);
    for (const text of [git(dir, ['log', '-p', '-1']), git(dir, ['diff', 'HEAD~1', 'HEAD'])]) {
      assert.match(text, /^ ip_invoices invoice_id=1$/m, 'the row named by table and key, as context');
      assert.match(text, /^- {2}invoice_status_id: 1\n\+ {2}invoice_status_id: 2$/m, 'the cell that changed, with its column name');
      assert.doesNotMatch(text, /invoice_number: 'INV-1'\n[-+]/, 'cells that did not change are not changed lines');
      assert.doesNotMatch(text, /^[-+] {2}invoice_number/m);
    }
    // The word diff of git works on it too: `invoice_status_id: [-1-]{+2+}`.
    assert.match(git(dir, ['log', '-p', '-1', '--word-diff']), /invoice_status_id: \[-1-\]\{\+2\+\}/);

    // Local to this clone: the command in .git/config, the attribute in .git/info/attributes, no committed file.
    assert.match(git(dir, ['config', '--local', 'diff.dbsync.textconv']), /hook textconv --dir database/);
    assert.match(readFileSync(path.join(dir, '.git', 'info', 'attributes'), 'utf8'), /^\/database\/data\/\*\.sql diff=dbsync$/m);
    assert.ok(!existsSync(path.join(dir, '.gitattributes')));
    assert.equal(git(dir, ['status', '--porcelain']).trim(), '');

    const un = cli(['hook', 'uninstall'], env);
    assert.equal(un.code, 0, un.stderr);
    assert.match(un.stdout, /removed the diff driver dbsync/);
    assert.match(git(dir, ['log', '-p', '-1']), /^\+INSERT INTO `ip_invoices` VALUES \(1,2,'INV-1'\);$/m, 'plain row lines again');
    assert.doesNotMatch(readFileSync(path.join(dir, '.git', 'info', 'attributes'), 'utf8'), /dbsync/);
  });
});
