/**
 * Change detection: an unchanged database makes no commit; every kind of change (rows in InnoDB,
 * MyISAM and key-less tables, views, triggers, table definitions, new and dropped tables,
 * routines) makes exactly one commit that names it; include/exclude filters; and the working tree
 * is brought back to the database's state after an interrupted pass.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Connection } from 'mysql2/promise';
import { MariaDbServer } from '../support/mariadb-server.js';
import { baseEnv, cli, commitCount, git, lastSubject, tempDir } from '../support/project.js';

/** Shaped like InvoicePlane: InnoDB tables with keys, a MyISAM table, ip_sessions without any unique key. */
const FIXTURE = `
CREATE TABLE ip_invoices (
  invoice_id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  invoice_number VARCHAR(20) NOT NULL,
  invoice_total DECIMAL(10,2) NULL
) ENGINE=InnoDB;
CREATE TABLE ip_invoice_amounts (
  invoice_amount_id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  invoice_id INT NOT NULL,
  invoice_paid DECIMAL(10,2) NOT NULL DEFAULT 0
) ENGINE=InnoDB;
CREATE TABLE ip_settings (
  setting_id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  setting_key VARCHAR(50) NOT NULL,
  setting_value TEXT NOT NULL
) ENGINE=MyISAM;
CREATE TABLE ip_sessions (
  id VARCHAR(128) NOT NULL,
  ip_address VARCHAR(45) NOT NULL,
  timestamp INT UNSIGNED NOT NULL DEFAULT 0,
  data BLOB NOT NULL,
  KEY ip_sessions_timestamp (timestamp)
) ENGINE=InnoDB;
INSERT INTO ip_invoices (invoice_number, invoice_total) VALUES ('INV-1', 100.00), ('INV-2', 250.50);
INSERT INTO ip_invoice_amounts (invoice_id, invoice_paid) VALUES (1, 0), (2, 50);
INSERT INTO ip_settings (setting_key, setting_value) VALUES ('currency', 'EUR'), ('language', 'English'), ('theme', 'default');
INSERT INTO ip_sessions VALUES ('s1', '10.0.0.1', 1700000000, 'a'), ('s2', '10.0.0.2', 1700000100, 'b'), ('s3', '10.0.0.3', 1700000000, 'c');
CREATE VIEW v_invoice_balance AS SELECT i.invoice_id, i.invoice_total - a.invoice_paid AS balance FROM ip_invoices i JOIN ip_invoice_amounts a USING (invoice_id);
CREATE TRIGGER trg_invoice_total BEFORE INSERT ON ip_invoices FOR EACH ROW SET NEW.invoice_total = IFNULL(NEW.invoice_total, 0);
`;

let server: MariaDbServer;
let dbCounter = 0;

interface Fixture {
  db: string;
  repo: string;
  env: NodeJS.ProcessEnv;
  conn: Connection;
}

/** A fresh database (filled with FIXTURE) and a fresh repository. */
async function fixture(extraEnv: Record<string, string> = {}, sql = FIXTURE): Promise<Fixture> {
  const db = `cd${++dbCounter}`;
  const conn = await server.connect(db);
  await conn.query(sql);
  const repo = tempDir();
  return { db, repo, env: baseEnv({ ...server.env(db), PROJECT_DIR: repo, ...extraEnv }), conn };
}

/** One `sync`; fails the test on a non-zero exit. Returns the printed line. */
function sync(f: Fixture, env: NodeJS.ProcessEnv = f.env): string {
  const r = cli(['sync'], env);
  assert.equal(r.code, 0, `sync failed: ${r.stderr}${r.stdout}`);
  return r.stdout.trim();
}

function syncNoChanges(f: Fixture, env?: NodeJS.ProcessEnv): void {
  const before = commitCount(f.repo);
  assert.equal(sync(f, env), 'no changes');
  assert.equal(commitCount(f.repo), before, 'no commit when nothing changed');
}

function treeId(repo: string): string {
  return git(repo, ['rev-parse', 'HEAD:database']).trim();
}

function lastBody(repo: string): string {
  return git(repo, ['log', '-1', '--format=%b']);
}

function filesOfLastCommit(repo: string): string[] {
  return git(repo, ['show', '--name-only', '--format=', 'HEAD']).trim().split('\n').filter(Boolean).sort();
}

function statusOfSnapshot(repo: string): string {
  return git(repo, ['status', '--porcelain', '--untracked-files=all', '--ignored', '--', 'database']);
}

describe('change detection', () => {
  before(async () => {
    server = await MariaDbServer.start();
  });
  after(async () => server?.destroy());

  describe('determinism', () => {
    it('two passes over an unchanged database make exactly one commit', async () => {
      const f = await fixture();
      try {
        const first = sync(f);
        assert.match(first, /^committed [0-9a-f]{12}: /);
        const tree = treeId(f.repo);
        assert.equal(sync(f), 'no changes');
        assert.equal(commitCount(f.repo), 1);
        assert.equal(treeId(f.repo), tree);
        assert.equal(statusOfSnapshot(f.repo), '');
      } finally {
        await f.conn.end();
      }
    });

    it('rewriting the whole snapshot from scratch gives byte-identical files', async () => {
      const f = await fixture();
      try {
        sync(f);
        const tree = treeId(f.repo);
        // Every file is written again from the database; they must equal the committed ones byte for byte.
        rmSync(path.join(f.repo, 'database'), { recursive: true, force: true });
        assert.equal(sync(f), 'no changes');
        assert.equal(commitCount(f.repo), 1);
        assert.equal(statusOfSnapshot(f.repo), '', 'working tree equals the commit again');
        assert.equal(git(f.repo, ['write-tree', '--prefix=database/']).trim(), tree);
        assert.ok(existsSync(path.join(f.repo, 'database', 'data', 'ip_sessions.sql')));
      } finally {
        await f.conn.end();
      }
    });

    it('physical row order, AUTO_INCREMENT counters and no-op statements make no commit', async () => {
      const f = await fixture();
      try {
        sync(f);
        const tree = treeId(f.repo);
        // Key-less InnoDB table: a deleted and re-inserted row moves to the end physically.
        await f.conn.query("DELETE FROM ip_sessions WHERE id = 's1'; INSERT INTO ip_sessions VALUES ('s1', '10.0.0.1', 1700000000, 'a')");
        // Counter moves on, rows end up the same.
        await f.conn.query("INSERT INTO ip_invoices (invoice_number, invoice_total) VALUES ('tmp', 1); DELETE FROM ip_invoices WHERE invoice_number = 'tmp'");
        await f.conn.query("INSERT INTO ip_settings (setting_key, setting_value) VALUES ('tmp', 'x'); DELETE FROM ip_settings WHERE setting_key = 'tmp'");
        // Same value written again; table rebuilt.
        await f.conn.query(
          "UPDATE ip_settings SET setting_value = 'EUR' WHERE setting_key = 'currency'; OPTIMIZE TABLE ip_settings; ALTER TABLE ip_sessions ENGINE=InnoDB",
        );
        const [rows] = await f.conn.query('SHOW CREATE TABLE ip_invoices');
        assert.match((rows as Array<Record<string, string>>)[0]!['Create Table']!, /AUTO_INCREMENT=4/, 'the counter really moved');
        syncNoChanges(f);
        assert.equal(treeId(f.repo), tree);
      } finally {
        await f.conn.end();
      }
    });
  });

  describe('every kind of change makes one commit that names it', () => {
    interface Case {
      name: string;
      change: string;
      subject: RegExp;
      /** Lines the commit body must contain. */
      body: string[];
      /** Exactly the snapshot files the commit touches. */
      files: string[];
    }
    const cases: Case[] = [
      {
        name: 'insert into a MyISAM table',
        change: "INSERT INTO ip_settings (setting_key, setting_value) VALUES ('date_format', 'd.m.Y')",
        subject: /^ip_settings \+1$/,
        body: ['ip_settings: 1 added, 0 changed, 0 deleted'],
        files: ['database/data/ip_settings.sql'],
      },
      {
        name: 'update in a MyISAM table',
        change: "UPDATE ip_settings SET setting_value = 'USD' WHERE setting_key = 'currency'",
        subject: /^ip_settings ~1$/,
        body: ['ip_settings: 0 added, 1 changed, 0 deleted'],
        files: ['database/data/ip_settings.sql'],
      },
      {
        name: 'delete from a MyISAM table',
        change: "DELETE FROM ip_settings WHERE setting_key = 'theme'",
        subject: /^ip_settings -1$/,
        body: ['ip_settings: 0 added, 0 changed, 1 deleted'],
        files: ['database/data/ip_settings.sql'],
      },
      {
        name: 'two InnoDB tables in one transaction',
        change:
          "START TRANSACTION; INSERT INTO ip_invoices (invoice_number, invoice_total) VALUES ('INV-3', 10); UPDATE ip_invoice_amounts SET invoice_paid = 100 WHERE invoice_id = 1; COMMIT",
        subject: /^ip_invoice_amounts ~1, ip_invoices \+1$/,
        body: ['ip_invoice_amounts: 0 added, 1 changed, 0 deleted', 'ip_invoices: 1 added, 0 changed, 0 deleted'],
        files: ['database/data/ip_invoice_amounts.sql', 'database/data/ip_invoices.sql'],
      },
      {
        name: 'update in a table without any key',
        change: "UPDATE ip_sessions SET timestamp = 1700009999, data = 'changed' WHERE id = 's2'",
        // Without a key a changed row cannot be told from a replaced one.
        subject: /^ip_sessions \+1 -1$/,
        body: ['ip_sessions: 1 added, 0 changed, 1 deleted'],
        files: ['database/data/ip_sessions.sql'],
      },
      {
        name: 'insert of a duplicate row into a table without any key',
        change: "INSERT INTO ip_sessions VALUES ('s1', '10.0.0.1', 1700000000, 'a')",
        subject: /^ip_sessions \+1$/,
        body: ['ip_sessions: 1 added, 0 changed, 0 deleted'],
        files: ['database/data/ip_sessions.sql'],
      },
      {
        name: 'CREATE OR REPLACE VIEW with another definition',
        change: 'CREATE OR REPLACE VIEW v_invoice_balance AS SELECT i.invoice_id, i.invoice_total AS balance FROM ip_invoices i',
        subject: /^view v_invoice_balance$/,
        body: ['view v_invoice_balance: changed'],
        files: ['database/views.sql'],
      },
      {
        name: 'trigger dropped and created again with another body',
        change:
          'DROP TRIGGER trg_invoice_total; CREATE TRIGGER trg_invoice_total BEFORE INSERT ON ip_invoices FOR EACH ROW SET NEW.invoice_total = IFNULL(NEW.invoice_total, 1)',
        subject: /^trigger trg_invoice_total$/,
        body: ['trigger trg_invoice_total: changed'],
        files: ['database/triggers.sql'],
      },
      {
        name: 'ALTER TABLE ADD COLUMN',
        change: 'ALTER TABLE ip_invoice_amounts ADD COLUMN invoice_balance DECIMAL(10,2) NULL',
        // The schema change is named; the rows it rewrote are in the body (issue 12).
        subject: /^Schema: ip_invoice_amounts added column invoice_balance$/,
        body: ['ip_invoice_amounts: schema changed (added column invoice_balance), 0 added, 2 changed, 0 deleted'],
        files: ['database/data/ip_invoice_amounts.sql', 'database/tables/ip_invoice_amounts.sql'],
      },
      {
        name: 'ALTER TABLE ADD COLUMN FIRST (the key moves: rows still count as changed)',
        change: 'ALTER TABLE ip_invoice_amounts ADD COLUMN note VARCHAR(10) NULL FIRST',
        subject: /^Schema: ip_invoice_amounts added column note$/,
        body: ['ip_invoice_amounts: schema changed (added column note), 0 added, 2 changed, 0 deleted'],
        files: ['database/data/ip_invoice_amounts.sql', 'database/tables/ip_invoice_amounts.sql'],
      },
      {
        name: 'new empty table',
        change: 'CREATE TABLE ip_empty_setup (id INT PRIMARY KEY) ENGINE=InnoDB',
        subject: /^ip_empty_setup \(new table\)$/,
        body: ['ip_empty_setup: new table, 0 added, 0 changed, 0 deleted'],
        files: ['database/data/ip_empty_setup.sql', 'database/tables/ip_empty_setup.sql'],
      },
      {
        name: 'new table with rows',
        change:
          'CREATE TABLE ip_payments (payment_id INT NOT NULL PRIMARY KEY, invoice_id INT NOT NULL, amount DECIMAL(10,2)) ENGINE=InnoDB; INSERT INTO ip_payments VALUES (1, 1, 10), (2, 2, 20)',
        subject: /^ip_payments \(new table\) \+2$/,
        body: ['ip_payments: new table, 2 added, 0 changed, 0 deleted'],
        files: ['database/data/ip_payments.sql', 'database/tables/ip_payments.sql'],
      },
      {
        name: 'dropped table',
        change: 'DROP TABLE ip_settings',
        subject: /^ip_settings \(dropped\)$/,
        body: ['ip_settings: table dropped, 0 added, 0 changed, 3 deleted'],
        files: ['database/data/ip_settings.sql', 'database/tables/ip_settings.sql'],
      },
      {
        name: 'stored procedure added',
        change:
          'CREATE PROCEDURE p_mark_paid(IN id INT) BEGIN UPDATE ip_invoice_amounts SET invoice_paid = (SELECT invoice_total FROM ip_invoices WHERE invoice_id = id) WHERE invoice_id = id; END',
        subject: /^procedure p_mark_paid \(added\)$/,
        body: ['procedure p_mark_paid: added'],
        files: ['database/routines.sql'],
      },
      {
        name: 'stored function dropped',
        change: 'DROP FUNCTION f_tax',
        subject: /^function f_tax \(dropped\)$/,
        body: ['function f_tax: dropped'],
        files: ['database/routines.sql'],
      },
    ];

    for (const c of cases) {
      it(c.name, async () => {
        const f = await fixture();
        try {
          await f.conn.query('CREATE FUNCTION f_tax(x DECIMAL(10,2)) RETURNS DECIMAL(10,2) DETERMINISTIC RETURN x * 0.19');
          sync(f);
          const before = commitCount(f.repo);
          assert.equal(before, 1);
          syncNoChanges(f);

          await f.conn.query(c.change);
          const out = sync(f);
          assert.match(out, /^committed [0-9a-f]{12}: /);
          assert.equal(commitCount(f.repo), before + 1, 'exactly one new commit');
          const subject = lastSubject(f.repo);
          assert.equal(out.replace(/^committed [0-9a-f]{12}: /, ''), subject, 'the printed line names the commit subject');
          assert.match(subject, c.subject);
          const body = lastBody(f.repo).split('\n');
          for (const line of c.body) assert.ok(body.includes(line), `body lacks ${JSON.stringify(line)}:\n${body.join('\n')}`);
          assert.match(body.join('\n'), /^Snapshot taken \d{4}-\d\d-\d\dT/m);
          assert.deepEqual(filesOfLastCommit(f.repo), c.files);
          assert.equal(statusOfSnapshot(f.repo), '');

          syncNoChanges(f);
        } finally {
          await f.conn.end();
        }
      });
    }

    it('the committed files follow the database through a series of changes', async () => {
      const f = await fixture();
      try {
        sync(f);
        await f.conn.query("INSERT INTO ip_settings (setting_key, setting_value) VALUES ('a', '1')");
        sync(f);
        await f.conn.query("UPDATE ip_settings SET setting_value = '2' WHERE setting_key = 'a'");
        sync(f);
        await f.conn.query("DELETE FROM ip_settings WHERE setting_key = 'a'");
        sync(f);
        assert.equal(commitCount(f.repo), 4);
        assert.deepEqual(git(f.repo, ['log', '--format=%s', '-3']).trim().split('\n'), ['ip_settings -1', 'ip_settings ~1', 'ip_settings +1']);
        // After the delete the table is as it was after the first pass.
        assert.equal(git(f.repo, ['rev-parse', 'HEAD:database/data/ip_settings.sql']), git(f.repo, ['rev-parse', 'HEAD~3:database/data/ip_settings.sql']));
        assert.match(git(f.repo, ['show', 'HEAD~1:database/data/ip_settings.sql']), /\(4,'a','2'\);/);
      } finally {
        await f.conn.end();
      }
    });
  });

  describe('include and exclude', () => {
    const SESSIONS =
      "CREATE TABLE sessions (id VARCHAR(40) NOT NULL, data TEXT) ENGINE=InnoDB; CREATE TABLE sess_log (n INT) ENGINE=MyISAM; INSERT INTO sessions VALUES ('x', 'y'); INSERT INTO sess_log VALUES (1)";

    it('DBSYNC_EXCLUDE_TABLES=sess* keeps those tables out, and their changes make no commit', async () => {
      const f = await fixture({ DBSYNC_EXCLUDE_TABLES: 'sess*' });
      try {
        await f.conn.query(SESSIONS);
        sync(f);
        const files = git(f.repo, ['ls-tree', '-r', '--name-only', 'HEAD']).trim().split('\n');
        assert.ok(files.includes('database/data/ip_sessions.sql'), 'ip_sessions does not match sess*');
        assert.ok(files.includes('database/data/ip_settings.sql'));
        assert.ok(!files.some((p) => /\/sess(ions|_log)\.sql$/.test(p)), `excluded tables were snapshotted: ${files.join(' ')}`);
        assert.ok(!existsSync(path.join(f.repo, 'database', 'data', 'sessions.sql')));

        await f.conn.query("INSERT INTO sessions VALUES ('z', 'w'); UPDATE sess_log SET n = 2; ALTER TABLE sessions ADD COLUMN t INT");
        syncNoChanges(f);

        // Included tables still are followed.
        await f.conn.query("UPDATE ip_settings SET setting_value = 'CHF' WHERE setting_key = 'currency'");
        assert.match(sync(f), /: ip_settings ~1$/);
        assert.equal(commitCount(f.repo), 2);

        // Without the filter the tables appear.
        const all = baseEnv({ ...server.env(f.db), PROJECT_DIR: f.repo });
        assert.match(sync(f, all), /: sess_log \(new table\) \+1, sessions \(new table\) \+2$/);
      } finally {
        await f.conn.end();
      }
    });

    it('DBSYNC_INCLUDE_TABLES limits the snapshot to the listed tables (and their triggers)', async () => {
      const f = await fixture({ DBSYNC_INCLUDE_TABLES: 'ip_invoices, ip_set*' });
      try {
        sync(f);
        const files = git(f.repo, ['ls-tree', '-r', '--name-only', 'HEAD', 'database/tables', 'database/data']).trim().split('\n').sort();
        assert.deepEqual(files, [
          'database/data/ip_invoices.sql',
          'database/data/ip_settings.sql',
          'database/tables/ip_invoices.sql',
          'database/tables/ip_settings.sql',
        ]);
        assert.match(readFileSync(path.join(f.repo, 'database', 'triggers.sql'), 'utf8'), /trg_invoice_total/);
        assert.equal(readFileSync(path.join(f.repo, 'database', 'views.sql'), 'utf8'), '', 'the view is not in the include list');

        await f.conn.query("UPDATE ip_sessions SET data = 'q'; UPDATE ip_invoice_amounts SET invoice_paid = 1; CREATE TABLE other (id INT PRIMARY KEY)");
        syncNoChanges(f);

        await f.conn.query("INSERT INTO ip_invoices (invoice_number) VALUES ('INV-9')");
        assert.match(sync(f), /: ip_invoices \+1$/);
        // The trigger (in the snapshot) ran: the NULL total became 0.
        assert.match(readFileSync(path.join(f.repo, 'database', 'data', 'ip_invoices.sql'), 'utf8'), /\(3,'INV-9',0\.00\);/);
      } finally {
        await f.conn.end();
      }
    });
  });

  describe('interrupted passes', () => {
    it('a stray temporary file and a hand-edited snapshot file are put right by the next pass', async () => {
      const f = await fixture();
      try {
        sync(f);
        const dataFile = path.join(f.repo, 'database', 'data', 'ip_settings.sql');
        const committed = readFileSync(dataFile, 'utf8');
        const temp = path.join(f.repo, 'database', 'data', 'x.sql.dbsync-tmp');
        const temp2 = path.join(f.repo, 'database', 'views.sql.1234.dbsync-tmp');
        writeFileSync(temp, 'INSERT INTO `x` VALUES (1');
        writeFileSync(temp2, '');
        writeFileSync(dataFile, committed.replace("'EUR'", "'XXX'").split('\n').slice(1).join('\n'));
        // A file of a table that does not exist (left from a pass that saw a table later dropped).
        writeFileSync(path.join(f.repo, 'database', 'tables', 'ghost.sql'), 'CREATE TABLE `ghost` (id int);\n');
        assert.notEqual(statusOfSnapshot(f.repo), '');

        // The database did not change, so the repaired working tree equals the last commit.
        assert.equal(sync(f), 'no changes');
        assert.equal(commitCount(f.repo), 1);
        assert.equal(readFileSync(dataFile, 'utf8'), committed);
        assert.ok(!existsSync(temp), 'temporary file removed');
        assert.ok(!existsSync(temp2), 'temporary file removed');
        assert.ok(!existsSync(path.join(f.repo, 'database', 'tables', 'ghost.sql')));
        assert.equal(statusOfSnapshot(f.repo), '');

        // Same with a real change in the database at the same time: the commit records the database, not the edit.
        writeFileSync(dataFile, 'garbage\n');
        writeFileSync(temp, 'partial');
        await f.conn.query("UPDATE ip_settings SET setting_value = 'GBP' WHERE setting_key = 'currency'");
        assert.match(sync(f), /: ip_settings ~1$/);
        assert.ok(lastBody(f.repo).split('\n').includes('ip_settings: 0 added, 1 changed, 0 deleted'));
        assert.equal(git(f.repo, ['show', 'HEAD:database/data/ip_settings.sql']), committed.replace("'EUR'", "'GBP'"));
        assert.ok(!existsSync(temp));
        assert.equal(statusOfSnapshot(f.repo), '');
        syncNoChanges(f);
      } finally {
        await f.conn.end();
      }
    });

    it('files written by a pass whose commit failed are committed by the next pass', async () => {
      const f = await fixture();
      try {
        sync(f);
        const head = git(f.repo, ['rev-parse', 'HEAD']).trim();
        await f.conn.query("INSERT INTO ip_settings (setting_key, setting_value) VALUES ('tax_rate', '19')");

        // Another git command holds the index: the pass reads the database and writes the
        // files, then fails at the commit stage.
        const indexLock = path.join(f.repo, '.git', 'index.lock');
        writeFileSync(indexLock, '');
        const failed = cli(['sync'], f.env);
        assert.equal(failed.code, 1, failed.stderr + failed.stdout);
        assert.match(failed.stderr, /index\.lock|stage snapshot/);
        assert.equal(git(f.repo, ['rev-parse', 'HEAD']).trim(), head, 'nothing committed');
        assert.match(readFileSync(path.join(f.repo, 'database', 'data', 'ip_settings.sql'), 'utf8'), /'tax_rate','19'/, 'files were written');
        rmSync(indexLock);

        // The database is unchanged since, so this pass writes nothing, but commits what the last one wrote.
        const out = sync(f);
        assert.match(out, /^committed [0-9a-f]{12}: ip_settings \+1$/);
        assert.equal(commitCount(f.repo), 2);
        assert.ok(lastBody(f.repo).split('\n').includes('ip_settings: 1 added, 0 changed, 0 deleted'));
        assert.equal(statusOfSnapshot(f.repo), '');
        assert.deepEqual(
          readdirSync(path.join(f.repo, '.git', 'dbsync')).filter((n) => n.includes('staging')),
          [],
          'staging folder removed',
        );
        syncNoChanges(f);
      } finally {
        await f.conn.end();
      }
    });
  });
});
