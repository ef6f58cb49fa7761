/**
 * The InvoicePlane profile through the real CLI (`sync`) on an InvoicePlane-shaped database
 * (assets/invoiceplane/schema.sql): chosen automatically and said so; commit subjects in
 * InvoicePlane's words after changes made the way the application makes them (an invoice in
 * several statements); the generic counts in the body; sessions and login counters make no commit;
 * DBSYNC_PROFILE=none gives the plain messages; a forced profile on another database warns.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Connection } from 'mysql2/promise';
import { MariaDbServer } from '../support/mariadb-server.js';
import { baseEnv, cli, commitCount, git, lastSubject, ROOT, tempDir } from '../support/project.js';

const SCHEMA = readFileSync(path.join(ROOT, 'assets/invoiceplane/schema.sql'), 'utf8');

const SEED = `
INSERT INTO ip_users (user_id, user_type, user_active, user_date_created, user_date_modified, user_name, user_email, user_password, user_psalt)
  VALUES (1, 1, 1, '2026-01-01 09:00:00', '2026-01-01 09:00:00', 'Admin', 'admin@example.test', '$2y$10$hashhashhashhashhashha', 'salt');
INSERT INTO ip_payment_methods (payment_method_id, payment_method_name) VALUES (1, 'bank transfer'), (2, 'cash');
INSERT INTO ip_invoice_groups (invoice_group_id, invoice_group_name, invoice_group_identifier_format, invoice_group_next_id, invoice_group_left_pad)
  VALUES (1, 'Invoice Default', 'INV-{{{year}}}-{{{id}}}', 42, 4), (2, 'Quote Default', 'QUO-{{{id}}}', 17, 0);
INSERT INTO ip_settings (setting_key, setting_value) VALUES ('default_language', 'english'), ('default_invoice_terms', 'Payable within 14 days'), ('currency_symbol', 'EUR');
`;

let server: MariaDbServer;
let conn: Connection;
const DB = 'invoiceplane';

function env(dir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return baseEnv({ ...server.env(DB), PROJECT_DIR: dir, ...extra });
}

function sync(e: NodeJS.ProcessEnv) {
  const r = cli(['sync'], e);
  assert.equal(r.code, 0, `sync failed: ${r.stderr}`);
  return r;
}

function lastBody(repo: string): string {
  return git(repo, ['log', '-1', '--format=%b']);
}

describe('InvoicePlane profile', () => {
  let repo: string;
  let e: NodeJS.ProcessEnv;

  before(async () => {
    server = await MariaDbServer.start();
    conn = await server.connect(DB);
    // InvoicePlane's SQL mode: no STRICT_TRANS_TABLES (its schema has NOT NULL columns without defaults).
    await conn.query("SET SESSION sql_mode='NO_ENGINE_SUBSTITUTION'");
    await conn.query(SCHEMA);
    await conn.query(SEED);
    repo = tempDir();
    e = env(repo);
  });
  after(async () => {
    await conn?.end();
    await server?.destroy();
  });

  it('is chosen automatically and says so; the first snapshot keeps the generic subject; sessions are schema only', () => {
    const r = sync(e);
    assert.match(r.stderr, /profile: invoiceplane \(InvoicePlane[^)]*\)\): commit messages in its words; rows of ip_login_log, ip_sessions are not versioned/);
    assert.equal(commitCount(repo), 1);
    assert.match(lastSubject(repo), /^ip_\S+ \(new table\)/);
    assert.ok(existsSync(path.join(repo, 'database/tables/ip_sessions.sql')) && existsSync(path.join(repo, 'database/tables/ip_login_log.sql')));
    assert.ok(!existsSync(path.join(repo, 'database/data/ip_sessions.sql')) && !existsSync(path.join(repo, 'database/data/ip_login_log.sql')));
  });

  it('a new client', async () => {
    await conn.query(
      "INSERT INTO ip_clients (client_id, client_date_created, client_date_modified, client_name, client_active) VALUES (1, NOW(), NOW(), 'ACME Ltd', 1)",
    );
    sync(e);
    assert.equal(lastSubject(repo), 'Client "ACME Ltd" added');
    assert.match(lastBody(repo), /^ip_clients: 1 added, 0 changed, 0 deleted$/m);
  });

  it('an invoice with items and amounts, written in several statements, is one item with its counts in the body', async () => {
    // The order InvoicePlane's Mdl_invoices::create and the item saves use.
    await conn.query(
      "INSERT INTO ip_invoices (invoice_id, user_id, client_id, invoice_group_id, invoice_status_id, invoice_date_created, invoice_date_modified, invoice_date_due, invoice_number, invoice_terms, invoice_url_key) VALUES (1, 1, 1, 1, 1, '2026-01-10', NOW(), '2026-01-24', 'INV-2026-0042', 'Payable within 14 days', 'k1')",
    );
    await conn.query('UPDATE ip_invoice_groups SET invoice_group_next_id = invoice_group_next_id + 1 WHERE invoice_group_id = 1');
    await conn.query('INSERT INTO ip_invoice_amounts (invoice_amount_id, invoice_id, invoice_sign) VALUES (1, 1, 1)');
    await conn.query(
      "INSERT INTO ip_invoice_items (item_id, invoice_id, item_date_added, item_name, item_quantity, item_price, item_order) VALUES (1, 1, '2026-01-10', 'Consulting', 1, 100.00, 1)",
    );
    await conn.query(
      'INSERT INTO ip_invoice_item_amounts (item_amount_id, item_id, item_subtotal, item_tax_total, item_total) VALUES (1, 1, 100.00, 0, 100.00)',
    );
    await conn.query(
      "INSERT INTO ip_invoice_items (item_id, invoice_id, item_date_added, item_name, item_quantity, item_price, item_order) VALUES (2, 1, '2026-01-10', 'Travel', 1, 20.00, 2)",
    );
    await conn.query('INSERT INTO ip_invoice_item_amounts (item_amount_id, item_id, item_subtotal, item_tax_total, item_total) VALUES (2, 2, 20.00, 0, 20.00)');
    await conn.query('UPDATE ip_invoice_amounts SET invoice_item_subtotal = 120.00, invoice_total = 120.00, invoice_balance = 120.00 WHERE invoice_id = 1');
    sync(e);
    assert.equal(lastSubject(repo), 'Invoice INV-2026-0042 (ACME Ltd) added with 2 items');
    const body = lastBody(repo);
    for (const line of [
      'ip_invoices: 1 added, 0 changed, 0 deleted',
      'ip_invoice_items: 2 added, 0 changed, 0 deleted',
      'ip_invoice_item_amounts: 2 added, 0 changed, 0 deleted',
      'ip_invoice_amounts: 1 added, 0 changed, 0 deleted',
      'ip_invoice_groups: 0 added, 1 changed, 0 deleted',
    ]) {
      assert.ok(body.split('\n').includes(line), `body has "${line}":\n${body}`);
    }
  });

  it('a status change', async () => {
    await conn.query('UPDATE ip_invoices SET invoice_status_id = 2, invoice_date_modified = NOW() + INTERVAL 1 SECOND WHERE invoice_id = 1');
    sync(e);
    assert.equal(lastSubject(repo), 'Invoice INV-2026-0042 (ACME Ltd): status draft -> sent');
  });

  it('an item added to an existing invoice rolls up into the invoice', async () => {
    await conn.query(
      "INSERT INTO ip_invoice_items (item_id, invoice_id, item_date_added, item_name, item_quantity, item_price, item_order) VALUES (3, 1, '2026-01-11', 'Hosting', 1, 0.00, 3)",
    );
    await conn.query('INSERT INTO ip_invoice_item_amounts (item_amount_id, item_id, item_subtotal, item_tax_total, item_total) VALUES (3, 3, 0, 0, 0)');
    sync(e);
    assert.equal(lastSubject(repo), 'Invoice INV-2026-0042 (ACME Ltd): 1 item added');
  });

  it('a payment', async () => {
    await conn.query(
      "INSERT INTO ip_payments (payment_id, invoice_id, payment_method_id, payment_date, payment_amount, payment_note) VALUES (1, 1, 1, '2026-01-20', 120.00, '')",
    );
    await conn.query('UPDATE ip_invoice_amounts SET invoice_paid = 120.00, invoice_balance = 0 WHERE invoice_id = 1');
    sync(e);
    assert.equal(lastSubject(repo), 'Payment 120.00 on INV-2026-0042 (bank transfer)');
    assert.match(lastBody(repo), /^ip_invoice_amounts: 0 added, 1 changed, 0 deleted$/m);
  });

  it('a quote accepted', async () => {
    await conn.query(
      "INSERT INTO ip_quotes (quote_id, invoice_id, user_id, client_id, invoice_group_id, quote_status_id, quote_date_created, quote_date_modified, quote_date_expires, quote_number, quote_url_key, notes) VALUES (1, 0, 1, 1, 2, 2, '2026-01-12', NOW(), '2026-02-12', 'QUO-17', 'q1', '')",
    );
    await conn.query('INSERT INTO ip_quote_amounts (quote_amount_id, quote_id) VALUES (1, 1)');
    sync(e);
    assert.equal(lastSubject(repo), 'Quote QUO-17 (ACME Ltd) added');
    await conn.query('UPDATE ip_quotes SET quote_status_id = 4 WHERE quote_id = 1');
    sync(e);
    assert.equal(lastSubject(repo), 'Quote QUO-17 (ACME Ltd) accepted');
  });

  it('settings: the key, never the value', async () => {
    await conn.query("UPDATE ip_settings SET setting_value = 'Payable within 30 days, net' WHERE setting_key = 'default_invoice_terms'");
    sync(e);
    assert.equal(lastSubject(repo), 'Settings changed: default_invoice_terms');
    assert.ok(!git(repo, ['log', '-1', '--format=%B']).includes('30 days'));
  });

  it('client changed and deleted', async () => {
    await conn.query("UPDATE ip_clients SET client_fax = '030 1234' WHERE client_id = 1");
    sync(e);
    assert.equal(lastSubject(repo), 'Client "ACME Ltd" changed');
    await conn.query(
      "INSERT INTO ip_clients (client_id, client_date_created, client_date_modified, client_name, client_active) VALUES (2, NOW(), NOW(), 'Globex', 1)",
    );
    sync(e);
    await conn.query('DELETE FROM ip_clients WHERE client_id = 2');
    sync(e);
    assert.equal(lastSubject(repo), 'Client "Globex" deleted');
  });

  it('sessions and login counters make no commit; their definitions stay in tables/', async () => {
    const n = commitCount(repo);
    await conn.query("INSERT INTO ip_sessions (id, ip_address, timestamp, data) VALUES ('sess1', '10.0.0.1', UNIX_TIMESTAMP(), 'x')");
    await conn.query("INSERT INTO ip_login_log (login_name, log_count, log_create_timestamp) VALUES ('admin@example.test', 1, NOW())");
    const r = sync(e);
    assert.match(r.stdout, /no changes/);
    assert.equal(commitCount(repo), n);
    assert.match(readFileSync(path.join(repo, 'database/tables/ip_sessions.sql'), 'utf8'), /^CREATE TABLE `ip_sessions`/);
  });

  it('DBSYNC_PROFILE=none: plain subjects, no profile line, session rows versioned', async () => {
    const plain = tempDir();
    const pe = env(plain, { DBSYNC_PROFILE: 'none' });
    const first = sync(pe);
    assert.doesNotMatch(first.stderr, /profile:/);
    assert.ok(existsSync(path.join(plain, 'database/data/ip_sessions.sql')));
    await conn.query('UPDATE ip_invoices SET invoice_status_id = 4 WHERE invoice_id = 1');
    sync(pe);
    assert.equal(lastSubject(plain), 'ip_invoices ~1');
    // The profile's repository words the same change.
    sync(e);
    assert.equal(lastSubject(repo), 'Invoice INV-2026-0042 (ACME Ltd): status sent -> paid');
  });

  it('DBSYNC_PROFILE=invoiceplane on a database without its tables: a warning, the pass goes on with generic subjects', async () => {
    const c = await server.connect('notes_app');
    await c.query('CREATE TABLE notes (id INT PRIMARY KEY, body TEXT) ENGINE=InnoDB');
    await c.query("INSERT INTO notes VALUES (1, 'hello')");
    const dir = tempDir();
    const fe = baseEnv({ ...server.env('notes_app'), PROJECT_DIR: dir, DBSYNC_PROFILE: 'invoiceplane' });
    const r = sync(fe);
    assert.match(r.stderr, /WARN profile: invoiceplane is in force, but the database lacks its table\(s\) ip_invoices, ip_clients/);
    await c.query("INSERT INTO notes VALUES (2, 'world')");
    sync(fe);
    assert.equal(lastSubject(dir), 'notes +1');
    await c.end();
  });
});
