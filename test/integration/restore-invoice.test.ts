/**
 * Restore what you need, one invoice (issue 13): `restore invoice NUMBER --at WHEN` brings an
 * InvoicePlane invoice back with its items, item amounts, amounts and payments as the snapshot of
 * that moment has them; without --yes it only prints the plan in the application's words; other
 * invoices are never touched; a change the application makes between the plan and the write is
 * refused; an unknown number, or a database without the InvoicePlane profile, is one line and exit 2.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Connection } from 'mysql2/promise';
import { MariaDbServer } from '../support/mariadb-server.js';
import { baseEnv, cli, commitCount, git, lastSubject, ROOT, tempDir } from '../support/project.js';
import { loadConfig } from '../../src/config/config.js';
import { DbsyncError } from '../../src/errors/dbsync-error.js';
import { openProject } from '../../src/project/project.js';
import { restoreInvoice } from '../../src/record/restore-invoice.js';

const SCHEMA = readFileSync(path.join(ROOT, 'assets/invoiceplane/schema.sql'), 'utf8');

const SEED = `
INSERT INTO ip_users (user_id, user_type, user_active, user_date_created, user_date_modified, user_name, user_email, user_password, user_psalt)
  VALUES (1, 1, 1, '2026-01-01 09:00:00', '2026-01-01 09:00:00', 'Admin', 'admin@example.test', '$2y$10$hashhashhashhashhashha', 'salt');
INSERT INTO ip_invoice_groups (invoice_group_id, invoice_group_name, invoice_group_identifier_format, invoice_group_next_id, invoice_group_left_pad)
  VALUES (1, 'Invoice Default', 'INV-{{{year}}}-{{{id}}}', 44, 4);
INSERT INTO ip_settings (setting_key, setting_value) VALUES ('default_language', 'english');
INSERT INTO ip_clients (client_id, client_date_created, client_date_modified, client_name, client_active) VALUES (1, NOW(), NOW(), 'ACME Ltd', 1);
INSERT INTO ip_invoices (invoice_id, user_id, client_id, invoice_group_id, invoice_status_id, invoice_date_created, invoice_date_modified, invoice_date_due, invoice_number, invoice_terms, invoice_url_key)
  VALUES (1, 1, 1, 1, 2, '2026-12-01', '2026-12-01 10:00:00', '2026-12-15', 'INV-2026-0042', 'Payable within 14 days', 'k1'),
         (2, 1, 1, 1, 2, '2026-12-01', '2026-12-01 10:00:00', '2026-12-15', 'INV-2026-0043', 'Payable within 14 days', 'k2');
INSERT INTO ip_invoice_items (item_id, invoice_id, item_date_added, item_name, item_quantity, item_price, item_order)
  VALUES (1, 1, '2026-12-01', 'Consulting', 1, 1000.00, 1), (2, 1, '2026-12-01', 'Travel', 1, 20.50, 2), (3, 2, '2026-12-01', 'Support', 2, 50.00, 1);
INSERT INTO ip_invoice_item_amounts (item_amount_id, item_id, item_subtotal, item_tax_total, item_total)
  VALUES (1, 1, 1000.00, 0, 1000.00), (2, 2, 20.50, 0, 20.50), (3, 3, 100.00, 0, 100.00);
INSERT INTO ip_invoice_amounts (invoice_amount_id, invoice_id, invoice_sign, invoice_item_subtotal, invoice_total, invoice_paid, invoice_balance)
  VALUES (1, 1, '1', 1020.50, 1020.50, 500.00, 520.50), (2, 2, '1', 100.00, 100.00, 0, 100.00);
INSERT INTO ip_payments (payment_id, invoice_id, payment_method_id, payment_date, payment_amount, payment_note)
  VALUES (1, 1, 1, '2026-12-03', 500.00, 'first half'), (2, 2, 1, '2026-12-03', 10.00, '');
INSERT INTO ip_tax_rates (tax_rate_id, tax_rate_name, tax_rate_percent) VALUES (1, 'VAT', 20.00), (2, 'Reduced', 7.00);
INSERT INTO ip_invoice_tax_rates (invoice_tax_rate_id, invoice_id, tax_rate_id, include_item_tax, invoice_tax_rate_amount) VALUES (1, 1, 1, 0, 0.00), (2, 2, 1, 0, 0.00);
INSERT INTO ip_custom_fields (custom_field_id, custom_field_table, custom_field_label) VALUES (1, 'ip_invoice_custom', 'Project');
INSERT INTO ip_invoice_custom (invoice_custom_id, invoice_id, invoice_custom_fieldid, invoice_custom_fieldvalue) VALUES (1, 1, 1, 'Website'), (2, 2, 1, 'Support');
`;

/** Every row of the invoice tables with the invoice it belongs to (item amounts through their item). */
const TABLES: Record<string, string> = {
  ip_invoices: 'SELECT t.invoice_id AS inv, t.* FROM ip_invoices t ORDER BY t.invoice_id',
  ip_invoice_items: 'SELECT t.invoice_id AS inv, t.* FROM ip_invoice_items t ORDER BY t.item_id',
  ip_invoice_item_amounts:
    'SELECT i.invoice_id AS inv, t.* FROM ip_invoice_item_amounts t LEFT JOIN ip_invoice_items i ON i.item_id = t.item_id ORDER BY t.item_amount_id',
  ip_invoice_tax_rates: 'SELECT t.invoice_id AS inv, t.* FROM ip_invoice_tax_rates t ORDER BY t.invoice_tax_rate_id',
  ip_invoice_custom: 'SELECT t.invoice_id AS inv, t.* FROM ip_invoice_custom t ORDER BY t.invoice_custom_id',
  ip_invoice_amounts: 'SELECT t.invoice_id AS inv, t.* FROM ip_invoice_amounts t ORDER BY t.invoice_amount_id',
  ip_payments: 'SELECT t.invoice_id AS inv, t.* FROM ip_payments t ORDER BY t.payment_id',
};

let server: MariaDbServer;
let c: Connection;
const DB = 'ipinvoice';

async function allRows(): Promise<Array<{ inv: number | null; text: string }>> {
  const out: Array<{ inv: number | null; text: string }> = [];
  for (const [table, sql] of Object.entries(TABLES)) {
    const [rows] = (await c.query(sql)) as unknown as [Array<Record<string, unknown>>];
    for (const r of rows) out.push({ inv: r.inv as number | null, text: `${table} ${JSON.stringify(r)}` });
  }
  return out;
}

async function rowsOf(inv: number): Promise<string[]> {
  return (await allRows()).filter((r) => r.inv === inv).map((r) => r.text);
}

function ok(args: string[], env: NodeJS.ProcessEnv): string {
  const r = cli(args, env);
  assert.equal(r.code, 0, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
  return r.stdout;
}

const nextSecond = () => new Promise((r) => setTimeout(r, 1100));

describe('restore invoice (issue 13)', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let moment: string;
  let then1: string[];

  before(async () => {
    server = await MariaDbServer.start();
    c = await server.connect(DB);
    await c.query("SET SESSION sql_mode='NO_ENGINE_SUBSTITUTION'");
    await c.query(SCHEMA);
    await c.query(SEED);
    dir = tempDir();
    env = baseEnv({ ...server.env(DB), PROJECT_DIR: dir });
    ok(['sync'], env);
    moment = git(dir, ['log', '-1', '--format=%cI']).trim();
    then1 = await rowsOf(1);
    await nextSecond();
    // The invoice after the moment: an item changed, the payment deleted, an item added, paid status.
    await c.query(`
      UPDATE ip_invoice_items SET item_price = 1200.00 WHERE item_id = 1;
      UPDATE ip_invoice_item_amounts SET item_subtotal = 1200.00, item_total = 1200.00 WHERE item_id = 1;
      DELETE FROM ip_payments WHERE payment_id = 1;
      INSERT INTO ip_invoice_items (item_id, invoice_id, item_date_added, item_name, item_quantity, item_price, item_order) VALUES (4, 1, '2026-12-04', 'Hosting', 1, 50.00, 3);
      INSERT INTO ip_invoice_item_amounts (item_amount_id, item_id, item_subtotal, item_tax_total, item_total) VALUES (4, 4, 50.00, 0, 50.00);
      UPDATE ip_invoice_amounts SET invoice_item_subtotal = 1270.50, invoice_total = 1270.50, invoice_paid = 0, invoice_balance = 1270.50 WHERE invoice_id = 1;
      UPDATE ip_invoices SET invoice_status_id = 3 WHERE invoice_id = 1;
      UPDATE ip_invoice_items SET item_price = 60.00 WHERE item_id = 3;
      UPDATE ip_payments SET payment_amount = 15.00 WHERE payment_id = 2;
      UPDATE ip_invoice_tax_rates SET tax_rate_id = 2 WHERE invoice_tax_rate_id = 1;
      DELETE FROM ip_invoice_custom WHERE invoice_custom_id = 1;
      UPDATE ip_invoice_custom SET invoice_custom_fieldvalue = 'Support 2027' WHERE invoice_custom_id = 2;`);
    ok(['sync'], env);
  });
  after(async () => {
    await c?.end();
    await server?.destroy();
  });

  it('without --yes prints the plan in words and changes nothing', async () => {
    const before = [await allRows(), commitCount(dir)];
    const out = ok(['restore', 'invoice', 'INV-2026-0042', '--at', moment], env).split('\n');
    assert.match(out[0]!, /^the snapshot as of then: commit [0-9a-f]{12} of /);
    assert.equal(out[1], 'would set INV-2026-0042 back to: 2 items, total 1,020.50, status sent');
    assert.deepEqual(out.slice(2, 6), [
      '  would set the invoice row back: invoice_status_id 3 -> 2',
      "  would set item 'Consulting' (1 x 1,000.00) back: item_price 1200.00 -> 1000.00",
      "  would remove item 'Hosting' (1 x 50.00)",
      '  would bring back payment 500.00 of 2026-12-03',
    ]);
    assert.equal(
      out[6],
      'rows: ip_invoices 1 to update; ip_invoice_items 1 to update, 1 to delete; ip_invoice_item_amounts 1 to update, 1 to delete; ip_invoice_tax_rates 1 to update; ip_invoice_custom 1 to insert; ip_invoice_amounts 1 to update; ip_payments 1 to insert',
    );
    assert.equal(out[7], 'Run again with --yes to do it.');
    // By revision: the same plan.
    const byRev = ok(['restore', 'invoice', 'INV-2026-0042', 'HEAD~1'], env).split('\n');
    assert.deepEqual(byRev.slice(1, 7), out.slice(1, 7));
    const json = JSON.parse(ok(['restore', 'invoice', 'INV-2026-0042', '--at', moment, '--json'], env)) as Record<string, unknown>;
    assert.equal(json.applied, false);
    assert.equal(json.invoiceId, '1');
    assert.deepEqual((json.words as string[])[0], 'would set INV-2026-0042 back to: 2 items, total 1,020.50, status sent');
    const payments = (json.tables as Array<{ table: string; rows: Array<{ now: unknown; was: Record<string, string> }> }>).find(
      (t) => t.table === 'ip_payments',
    )!;
    assert.equal(payments.rows.length, 1);
    assert.equal(payments.rows[0]!.now, null);
    assert.equal(payments.rows[0]!.was.payment_amount, '500.00');
    assert.deepEqual([await allRows(), commitCount(dir)], before, 'a plan changes neither the database nor the repository');
  });

  it('history invoice NUMBER: every version of the invoice and its rows, newest first, and nothing of another invoice', () => {
    const out = ok(['history', 'invoice', 'INV-2026-0042'], env).split('\n').filter(Boolean);
    assert.equal(out[0], 'history of invoice INV-2026-0042 (invoice_id 1), newest first:');
    const commitLines = out.filter((l) => /^\S+ {2}[0-9a-f]{12} {2}/.test(l));
    assert.equal(commitLines.length, 2, out.join('\n'));
    assert.equal(out[1], commitLines[0]);
    // The newest commit, row by row: ip_invoices first, then items, item amounts, tax rates, custom fields, amounts, payments.
    assert.deepEqual(
      out.slice(2, out.indexOf(commitLines[1]!)).map((l) => l.replace(/^ {4}(\S+ \S+)(:| added| deleted).*$/, '$1$2')),
      [
        'ip_invoices invoice_id=1:',
        'ip_invoice_items item_id=4 added',
        'ip_invoice_items item_id=1:',
        'ip_invoice_item_amounts item_amount_id=4 added',
        'ip_invoice_item_amounts item_amount_id=1:',
        'ip_invoice_tax_rates invoice_tax_rate_id=1:',
        'ip_invoice_custom invoice_custom_id=1 deleted',
        'ip_invoice_amounts invoice_amount_id=1:',
        'ip_payments payment_id=1 deleted',
      ],
    );
    // The invoice's own tax rate and custom field value (invoice 2's custom value changed too: not listed).
    assert.ok(out.includes('    ip_invoice_tax_rates invoice_tax_rate_id=1: tax_rate_id 1 -> 2'), out.join('\n'));
    assert.ok(out.includes('    ip_invoices invoice_id=1: invoice_status_id 2 -> 3'));
    assert.ok(out.includes('    ip_invoice_items item_id=1: item_price 1000.00 -> 1200.00'));
    assert.ok(
      out.includes(
        "    ip_payments payment_id=1 deleted: invoice_id=1, payment_method_id=1, payment_date='2026-12-03', payment_amount=500.00, payment_note='first half'",
      ),
    );
    // The first commit: the invoice and its rows added.
    const oldest = out.slice(out.indexOf(commitLines[1]!) + 1);
    assert.ok(
      oldest.some((l) => l.startsWith('    ip_invoices invoice_id=1 added: ') && l.includes("invoice_number='INV-2026-0042'")),
      oldest.join('\n'),
    );
    assert.equal(oldest.filter((l) => l.startsWith('    ip_invoice_items ')).length, 2);
    // Invoice 2's item and payment changed in the same commit: not part of this history.
    const text = out.join('\n');
    assert.doesNotMatch(text, /item_id=3|payment_id=2|invoice_id=2[,:]|item_amount_id=3|invoice_custom_id=2|invoice_tax_rate_id=2/);
    assert.match(ok(['history', 'invoice', 'INV-9999'], env), /^no invoice numbered INV-9999 in \d+ commit\(s\)/);
  });

  it('refuses an unknown number, and a database without the InvoicePlane profile, in one line, exit 2', () => {
    for (const [args, extra, re] of [
      [['restore', 'invoice', 'INV-1999-0001', '--at', moment], {}, /no invoice is numbered INV-1999-0001, neither in the snapshot/],
      [
        ['restore', 'invoice', 'INV-2026-0042', '--at', moment],
        { DBSYNC_PROFILE: 'none' },
        /restore invoice needs the InvoicePlane tables .* -- for a row of any table use: git-dbsync restore row TABLE KEY/,
      ],
      [['restore', 'invoice', 'INV-2026-0042', 'no-such-rev'], {}, /unknown revision/],
    ] as const) {
      const r = cli([...args], { ...env, ...extra });
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.match(r.stderr, re);
    }
  });

  it('refuses, and writes nothing, when the application changes the invoice between the plan and the write', async () => {
    const project = await openProject(loadConfig({ env, flags: {}, cwd: dir }), env);
    const n = commitCount(dir);
    await assert.rejects(
      restoreInvoice(project, {
        number: 'INV-2026-0042',
        at: Date.parse(moment),
        apply: true,
        beforeApply: async () => {
          await c.query(
            "INSERT INTO ip_invoice_items (item_id, invoice_id, item_date_added, item_name, item_quantity, item_price, item_order) VALUES (5, 1, '2026-12-04', 'Late', 1, 5.00, 4)",
          );
        },
      }),
      (err: unknown) =>
        err instanceof DbsyncError && err.exitCode === 1 && /changed in the database after the plan was made .*; nothing was written/.test(err.message),
    );
    const now = await rowsOf(1);
    assert.ok(now.some((r) => r.includes('"item_name":"Late"')) && now.some((r) => r.includes('"item_name":"Hosting"')), 'nothing was written');
    assert.equal(commitCount(dir), n, 'nothing to save before, nothing written');
    // A write between two tables: the tables already written are named, the rest is left; run again to finish.
    await assert.rejects(
      restoreInvoice(project, {
        number: 'INV-2026-0042',
        at: Date.parse(moment),
        apply: true,
        beforeTable: async (table) => {
          if (table === 'ip_invoice_items') await c.query("UPDATE ip_invoice_items SET item_name = 'Late fee' WHERE item_id = 5");
        },
      }),
      (err: unknown) =>
        err instanceof DbsyncError &&
        err.exitCode === 1 &&
        /ip_invoice_items changed in the database .*; ip_invoices was already written, ip_invoice_items and the tables after it were not/.test(err.message) &&
        /run the command again to finish .*the invoice before the restore is in commit [0-9a-f]{12}/.test(err.hint),
    );
    const [st] = (await c.query('SELECT invoice_status_id AS s FROM ip_invoices WHERE invoice_id = 1')) as unknown as [Array<{ s: number }>];
    assert.equal(st[0]!.s, 2, 'ip_invoices was written');
    assert.ok(
      (await rowsOf(1)).some((r) => r.includes('"item_name":"Late fee"')),
      'the write in between is kept',
    );
  });

  it('with --yes brings back exactly the invoice of then, leaves the other invoice alone, and commits', async () => {
    const other = await rowsOf(2);
    const out = ok(['restore', 'invoice', 'INV-2026-0042', '--at', moment, '--yes'], env);
    assert.match(out, /\nset INV-2026-0042 back to: 2 items, total 1,020.50, status sent\n/);
    assert.match(out, /\n {2}removed item 'Late fee' \(1 x 5\.00\)\n/);
    assert.match(out, /\nrestored; committed [0-9a-f]{12}: Restore of invoice INV-2026-0042 from [0-9a-f]{12}:/, out);
    assert.match(lastSubject(dir), /^Restore of invoice INV-2026-0042 from /);
    assert.deepEqual(await rowsOf(1), then1, 'the invoice and its rows are as they were at the moment');
    assert.deepEqual(await rowsOf(2), other, 'the other invoice is untouched');
    assert.equal((await allRows()).length, then1.length + other.length, 'no row of the invoice is left over (item amounts of removed items included)');
    const n = commitCount(dir);
    assert.match(ok(['restore', 'invoice', 'INV-2026-0042', '--at', moment, '--yes'], env), /invoice INV-2026-0042 is already as it was then; nothing to do/);
    assert.equal(commitCount(dir), n);
  });

  it('deletes an invoice that did not exist then, with its rows', async () => {
    await c.query(`
      INSERT INTO ip_invoices (invoice_id, user_id, client_id, invoice_group_id, invoice_status_id, invoice_date_created, invoice_date_modified, invoice_date_due, invoice_number, invoice_terms, invoice_url_key)
        VALUES (3, 1, 1, 1, 1, '2026-12-04', NOW(), '2026-12-18', 'INV-2026-0044', '', 'k3');
      INSERT INTO ip_invoice_items (item_id, invoice_id, item_date_added, item_name, item_quantity, item_price, item_order) VALUES (6, 3, '2026-12-04', 'Extra', 1, 9.00, 1);
      INSERT INTO ip_invoice_item_amounts (item_amount_id, item_id, item_subtotal, item_tax_total, item_total) VALUES (6, 6, 9.00, 0, 9.00);
      INSERT INTO ip_invoice_amounts (invoice_amount_id, invoice_id, invoice_sign, invoice_total) VALUES (3, 3, '1', 9.00);`);
    const plan = ok(['restore', 'invoice', 'INV-2026-0044', '--at', moment], env);
    assert.match(plan, /\nwould delete INV-2026-0044 with its 1 item and 0 payments \(it did not exist then\)\n/);
    const keep = [await rowsOf(1), await rowsOf(2)];
    ok(['restore', 'invoice', 'INV-2026-0044', '--at', moment, '--yes'], env);
    assert.deepEqual(await rowsOf(3), []);
    assert.deepEqual([await rowsOf(1), await rowsOf(2)], keep);
    assert.equal((await allRows()).length, keep[0]!.length + keep[1]!.length);
  });
});
