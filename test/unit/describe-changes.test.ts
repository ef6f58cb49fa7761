import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { describeChanges, rowInWords, type Row, type ChangedRow, type RowLookup } from '../../src/commit/describe-changes.js';
import { describeConflicts } from '../../src/resolve/describe-conflicts.js';
import { commitMessage, commitSubject } from '../../src/commit/change-summary.js';
import { diffRowLines, diffRows } from '../../src/commit/row-diff.js';
import { displayText, literalText } from '../../src/snapshot/sql-literal.js';
import { rowOfLine } from '../../src/commit/snapshot-rows.js';
import { INVOICEPLANE_MESSAGES } from '../../src/profile/invoiceplane-messages.js';
import type { MessageRules } from '../../src/profile/message-rules.js';
import type { SecretRule } from '../../src/secrets/secret-rule.js';
import { quoteString } from '../../src/snapshot/sql-text.js';

/** A row of literals as the snapshot writes them: numbers bare, strings quoted, null as NULL. */
function row(values: Record<string, string | number | null>): Row {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(values)) out[k] = v === null ? 'NULL' : typeof v === 'number' ? String(v) : quoteString(v);
  return out;
}
const added = (after: Row): ChangedRow => ({ before: null, after });
const deleted = (before: Row): ChangedRow => ({ before, after: null });
const changed = (before: Row, patch: Record<string, string | number | null>): ChangedRow => ({ before, after: { ...before, ...row(patch) } });

/** In-memory tables for lookups, counting the requests made. */
class FakeRows implements RowLookup {
  readonly requests: string[] = [];
  constructor(private readonly tables: Record<string, Row[]>) {}
  async rows(table: string, column: string, values: ReadonlySet<string>): Promise<ReadonlyMap<string, Row>> {
    this.requests.push(`${table}.${column}:${[...values].sort().join(',')}`);
    const out = new Map<string, Row>();
    for (const r of this.tables[table] ?? []) {
      const v = r[column] === undefined ? null : literalText(r[column]!);
      if (v !== null && values.has(v) && !out.has(v)) out.set(v, r);
    }
    return out;
  }
}

const acme = row({
  client_id: 1,
  client_name: 'ACME Ltd',
  client_surname: null,
  client_city: 'Berlin',
  client_email: 'a@acme.test',
  client_active: 1,
  client_date_modified: '2026-01-01 10:00:00',
});
const globex = row({
  client_id: 2,
  client_name: 'Globex',
  client_surname: null,
  client_city: 'Paris',
  client_email: 'g@globex.test',
  client_active: 1,
  client_date_modified: '2026-01-01 10:00:00',
});
const invoice = (id: number, number: string, status: number, client = 1) =>
  row({
    invoice_id: id,
    client_id: client,
    invoice_status_id: status,
    invoice_number: number,
    invoice_date_due: '2026-02-01',
    invoice_date_modified: '2026-01-01 10:00:00',
    invoice_password: null,
  });
const item = (id: number, invoiceId: number, name: string) =>
  row({ item_id: id, invoice_id: invoiceId, item_name: name, item_price: '10.00', item_quantity: '1.00000000' });
const itemAmount = (id: number, itemId: number, total: string) => row({ item_amount_id: id, item_id: itemId, item_total: total });
const invoiceAmount = (invoiceId: number, paid: string) =>
  row({ invoice_amount_id: invoiceId, invoice_id: invoiceId, invoice_total: '120.00', invoice_paid: paid });
const bank = row({ payment_method_id: 1, payment_method_name: 'bank transfer' });

const baseTables = (): Record<string, Row[]> => ({
  ip_clients: [acme, globex],
  ip_invoices: [invoice(42, 'INV-2026-0042', 2), invoice(7, '', 1), invoice(9, 'INV-9', 1, 99)],
  ip_invoice_items: [item(1, 42, 'Consulting'), item(2, 42, 'Travel')],
  ip_payment_methods: [bank],
});

async function describeIp(changes: Record<string, ChangedRow[]>, tables = baseTables(), secrets: readonly SecretRule[] = []) {
  return describeChanges({ rules: INVOICEPLANE_MESSAGES, changes: new Map(Object.entries(changes)), lookup: new FakeRows(tables), secrets });
}

describe('describe changes: InvoicePlane messages', () => {
  it('invoice status change, by name, with the client in parentheses (modification time ignored)', async () => {
    const before = invoice(42, 'INV-2026-0042', 1);
    const d = await describeIp({ ip_invoices: [changed(before, { invoice_status_id: 2, invoice_date_modified: '2026-01-02 09:00:00' })] });
    assert.deepEqual(d.items, ['Invoice INV-2026-0042 (ACME Ltd): status draft -> sent']);
    assert.ok(d.covered.has('ip_invoices'));
  });

  it('payment added: amount, invoice number and payment method; the recomputed totals say nothing more', async () => {
    const payment = row({ payment_id: 5, invoice_id: 42, payment_method_id: 1, payment_date: '2026-01-03', payment_amount: '120.00', payment_note: 'thanks' });
    const d = await describeIp({
      ip_payments: [added(payment)],
      ip_invoice_amounts: [changed(invoiceAmount(42, '0.00'), { invoice_paid: '120.00' })],
    });
    assert.deepEqual(d.items, ['Payment 120.00 on INV-2026-0042 (bank transfer)']);
    assert.ok(d.covered.has('ip_payments') && d.covered.has('ip_invoice_amounts'));
  });

  it('client added, changed (a field with a name, a field without) and deleted', async () => {
    const newClient = row({ client_id: 3, client_name: 'ACME Ltd', client_surname: null, client_active: 1 });
    assert.deepEqual((await describeIp({ ip_clients: [added(newClient)] })).items, ['Client "ACME Ltd" added']);
    assert.deepEqual((await describeIp({ ip_clients: [changed(acme, { client_fax: '030 1234' })] })).items, ['Client "ACME Ltd" changed']);
    assert.deepEqual((await describeIp({ ip_clients: [changed(acme, { client_city: 'Hamburg' })] })).items, ['Client "ACME Ltd": address changed']);
    assert.deepEqual((await describeIp({ ip_clients: [changed(acme, { client_email: 'b@acme.test' })] })).items, ['Client "ACME Ltd": email changed']);
    assert.deepEqual((await describeIp({ ip_clients: [changed(acme, { client_email: 'b@acme.test', client_fax: '1' })] })).items, [
      'Client "ACME Ltd": email and other fields changed',
    ]);
    assert.deepEqual((await describeIp({ ip_clients: [deleted(globex)] })).items, ['Client "Globex" deleted']);
    // A rename names the old and the new name (the rules name client_name).
    assert.deepEqual((await describeIp({ ip_clients: [changed(acme, { client_name: 'ACME GmbH' })] })).items, [
      'Client "ACME GmbH": name ACME Ltd -> ACME GmbH',
    ]);
  });

  it('quote accepted, rejected, sent', async () => {
    const quote = (status: number) =>
      row({ quote_id: 17, client_id: 1, quote_status_id: status, quote_number: 'QUO-17', quote_date_modified: '2026-01-01 10:00:00' });
    assert.deepEqual((await describeIp({ ip_quotes: [changed(quote(2), { quote_status_id: 4 })] })).items, ['Quote QUO-17 (ACME Ltd) accepted']);
    assert.deepEqual((await describeIp({ ip_quotes: [changed(quote(3), { quote_status_id: 5 })] })).items, ['Quote QUO-17 (ACME Ltd) rejected']);
    assert.deepEqual((await describeIp({ ip_quotes: [changed(quote(1), { quote_status_id: 2 })] })).items, ['Quote QUO-17 (ACME Ltd): status draft -> sent']);
  });

  it('settings: the keys that changed, never their values', async () => {
    const s = (id: number, key: string, value: string) => row({ setting_id: id, setting_key: key, setting_value: value });
    const d = await describeIp({ ip_settings: [changed(s(1, 'default_invoice_terms', 'Pay in 14 days'), { setting_value: 'Pay in 30 days' })] });
    assert.deepEqual(d.items, ['Settings changed: default_invoice_terms']);
    assert.ok(!JSON.stringify(d.items).includes('Pay in'));
    const many = await describeIp({ ip_settings: Array.from({ length: 8 }, (_, i) => added(s(i + 1, `key_${i + 1}`, `value ${i}`))) });
    assert.deepEqual(many.items, ['Settings changed: key_1, key_2, key_3, key_4, key_5 and 3 more']);
  });

  it('rolls child rows up into their invoice: items (and their amounts, two hops away) and totals', async () => {
    const tables = baseTables();
    const d = await describeIp(
      {
        ip_invoice_items: [added(item(3, 42, 'Hosting')), added(item(4, 42, 'Support'))],
        ip_invoice_item_amounts: [added(itemAmount(3, 3, '10.00')), added(itemAmount(4, 4, '10.00'))],
        ip_invoice_amounts: [changed(invoiceAmount(42, '0.00'), { invoice_total: '140.00' })],
      },
      tables,
    );
    assert.deepEqual(d.items, ['Invoice INV-2026-0042 (ACME Ltd): 2 items added']);
    for (const t of ['ip_invoice_items', 'ip_invoice_item_amounts', 'ip_invoice_amounts']) assert.ok(d.covered.has(t), t);
  });

  it('a new invoice with its items, amounts and tax rate is one item', async () => {
    const d = await describeIp({
      ip_invoices: [added(invoice(50, 'INV-2026-0050', 1, 2))],
      ip_invoice_amounts: [added(invoiceAmount(50, '0.00'))],
      ip_invoice_items: [added(item(10, 50, 'A')), added(item(11, 50, 'B'))],
      ip_invoice_item_amounts: [added(itemAmount(10, 10, '1.00')), added(itemAmount(11, 11, '1.00'))],
      ip_invoice_tax_rates: [added(row({ invoice_tax_rate_id: 1, invoice_id: 50, tax_rate_id: 1 }))],
    });
    assert.deepEqual(d.items, ['Invoice INV-2026-0050 (Globex) added with 2 items, 1 tax rate']);
  });

  it('a deleted invoice takes its children with it; its name comes from the old rows', async () => {
    const tables = baseTables();
    tables.ip_invoices = tables.ip_invoices!.filter((r) => r.invoice_id !== '42');
    const d = await describeIp(
      {
        ip_invoices: [deleted(invoice(42, 'INV-2026-0042', 2))],
        ip_invoice_items: [deleted(item(1, 42, 'Consulting')), deleted(item(2, 42, 'Travel'))],
        ip_invoice_amounts: [deleted(invoiceAmount(42, '0.00'))],
      },
      tables,
    );
    assert.deepEqual(d.items, ['Invoice INV-2026-0042 (ACME Ltd) deleted']);
  });

  it('only recomputed totals: said when nothing else is', async () => {
    const d = await describeIp({ ip_invoice_item_amounts: [changed(itemAmount(1, 1, '10.00'), { item_total: '12.00' })] });
    assert.deepEqual(d.items, ['Invoice INV-2026-0042 (ACME Ltd): totals changed']);
  });

  it('a draft without a number is named by its id; an unknown client leaves the parentheses out', async () => {
    const d = await describeIp({
      ip_invoices: [changed(invoice(7, '', 1), { invoice_date_due: '2026-03-01' }), changed(invoice(9, 'INV-9', 1, 99), { invoice_status_id: 2 })],
    });
    assert.deepEqual(d.items, ['Invoice #7 (ACME Ltd): due date changed', 'Invoice INV-9: status draft -> sent']);
  });

  it('a number given to a draft when it is sent shows both', async () => {
    const d = await describeIp({ ip_invoices: [changed(invoice(7, '', 1), { invoice_status_id: 2, invoice_number: 'INV-2026-0043' })] });
    assert.deepEqual(d.items, ['Invoice INV-2026-0043 (ACME Ltd): status draft -> sent, number (none) -> INV-2026-0043']);
  });

  it('child rows whose parent is nowhere are left to the generic counts', async () => {
    const d = await describeIp({ ip_invoice_items: [added(item(20, 999, 'Lost'))] });
    assert.deepEqual(d.items, []);
    assert.ok(!d.covered.has('ip_invoice_items'));
  });

  it('rows the application only touched (modification time, next number) make no edit item but count as told', async () => {
    const group = row({ invoice_group_id: 1, invoice_group_name: 'Invoice Default', invoice_group_next_id: 5 });
    const d = await describeIp({
      ip_invoice_groups: [changed(group, { invoice_group_next_id: 6 })],
      ip_clients: [changed(acme, { client_date_modified: '2026-01-05 00:00:00' })],
    });
    // A save that changed nothing but its time is said so, and only when nothing else is said.
    assert.deepEqual(d.items, ['Client "ACME Ltd" saved without changes']);
    assert.ok(d.covered.has('ip_invoice_groups') && d.covered.has('ip_clients'));
    const withPayment = await describeIp({
      ip_clients: [changed(acme, { client_date_modified: '2026-01-05 00:00:00' })],
      ip_products: [added(row({ product_id: 3, product_name: 'Support hour' }))],
    });
    assert.deepEqual(withPayment.items, ['Product "Support hour" added']);
  });

  it('a *_date_modified column of any table is never an edit, nor NULL -> 0.00', async () => {
    const product = row({ product_id: 3, product_name: 'Support hour', product_price: null, product_date_modified: '2026-01-01 00:00:00' });
    const d = await describeIp({ ip_products: [changed(product, { product_price: 0, product_date_modified: '2026-01-02 00:00:00' })] });
    assert.deepEqual(d.items, ['Product "Support hour" saved without changes']);
  });

  it('asks for each table and column once, with only the keys needed', async () => {
    const lookup = new FakeRows(baseTables());
    const inv = (id: number, client: number) => changed(invoice(id, `INV-${id}`, 1, client), { invoice_status_id: 2 });
    await describeChanges({ rules: INVOICEPLANE_MESSAGES, changes: new Map([['ip_invoices', [inv(100, 1), inv(101, 2), inv(102, 1)]]]), lookup });
    assert.deepEqual(lookup.requests, ['ip_clients.client_id:1,2']);
  });

  it('long values are cut, escapes and hex literals decoded', async () => {
    const long = 'A very long client name that goes on and on, Incorporated Worldwide';
    const d = await describeIp({ ip_clients: [added(row({ client_id: 5, client_name: long, client_surname: null }))] });
    assert.equal(d.items[0], `Client "${displayText(long)}" added`);
    assert.ok(d.items[0]!.length < 60 && d.items[0]!.includes('…'));
    const quoted = await describeIp({ ip_clients: [added(row({ client_id: 6, client_name: "O'Brien\nand Sons", client_surname: null }))] });
    assert.deepEqual(quoted.items, ['Client "O\'Brien and Sons" added']);
    const hex = await describeIp({ ip_clients: [added({ client_id: '7', client_name: '_latin1 0x4DFC6C6C6572', client_surname: 'NULL' })] });
    assert.deepEqual(hex.items, ['Client "Müller" added']);
  });
});

describe('describe changes: secrets are never printed', () => {
  const userSecrets: SecretRule[] = [
    { table: 'ip_users', column: 'user_password', label: 'user password hash', restoreHint: 'reset it' },
    { table: 'ip_users', column: 'user_psalt', label: 'salt', restoreHint: 'reset it' },
  ];
  const hash = '$2y$10$abcdefghijklmnopqrstuv';

  it('a user password change names the field, not the hash', async () => {
    const user = row({
      user_id: 1,
      user_name: 'Admin',
      user_email: 'admin@x.test',
      user_password: hash,
      user_psalt: 'salt123',
      user_date_modified: '2026-01-01 10:00:00',
    });
    const d = await describeIp(
      { ip_users: [changed(user, { user_password: '$2y$10$zzzzzzzzzzzzzzzzzzzzzz', user_psalt: 'salt456' })] },
      baseTables(),
      userSecrets,
    );
    assert.deepEqual(d.items, ['User "Admin": password changed']);
  });

  it('rules that name a secret column (by mistake) print a placeholder instead', async () => {
    const rules: MessageRules = {
      entities: [
        {
          table: 'ip_users',
          key: 'user_id',
          title: 'User {user_name} {user_password}[ ({company})]',
          lookups: { company: { from: 'user_id', table: 'ip_users', key: 'user_id', show: 'user_psalt' } },
          tracked: [{ column: 'user_password', word: 'password' }],
        },
      ],
      children: [],
      keyValues: [],
    };
    const user = row({ user_id: 1, user_name: 'Admin', user_password: hash, user_psalt: 'salt123' });
    const changes = new Map([['ip_users', [changed(user, { user_password: 'newhash' })]]]);
    const d = await describeChanges({ rules, changes, lookup: new FakeRows({ ip_users: [user] }), secrets: userSecrets });
    const all = d.items.join('\n');
    assert.equal(all, 'User Admin [secret] ([secret]): password changed');
    for (const v of [hash, 'newhash', 'salt123']) assert.ok(!all.includes(v), v);
  });
});

describe('describe changes: another application is a data file', () => {
  const shop: MessageRules = {
    entities: [
      {
        table: 'orders',
        key: 'id',
        title: 'Order {ref}[ for {customer}]',
        lookups: { customer: { from: 'customer_id', table: 'customers', key: 'id', show: 'email' } },
        tracked: [{ column: 'state', word: 'state', names: { n: 'new', s: 'shipped' }, events: { x: 'cancelled' } }],
        verbs: { added: 'placed' },
      },
    ],
    children: [{ table: 'order_lines', parent: { column: 'order_id', table: 'orders', key: 'id' }, noun: ['line', 'lines'] }],
    keyValues: [{ table: 'config', keyColumn: 'name', title: 'Config changed' }],
  };

  it('uses the same builder with other words', async () => {
    const order = row({ id: 1, ref: 'A-1', customer_id: 3, state: 'n' });
    const lookup = new FakeRows({ customers: [row({ id: 3, email: 'c@shop.test' })], orders: [order] });
    const d = await describeChanges({
      rules: shop,
      changes: new Map<string, ChangedRow[]>([
        [
          'orders',
          [
            changed(order, { state: 's' }),
            added(row({ id: 2, ref: 'A-2', customer_id: 4, state: 'n' })),
            changed(row({ id: 3, ref: 'A-3', customer_id: 3, state: 'n' }), { state: 'x' }),
          ],
        ],
        ['order_lines', [added(row({ id: 9, order_id: 1 }))]],
        ['config', [changed(row({ id: 1, name: 'currency', value: 'EUR' }), { value: 'USD' })]],
      ]),
      lookup,
    });
    // Rows added (events) before rows changed.
    assert.deepEqual(d.items, [
      'Order A-2 placed',
      'Order A-1 for c@shop.test: state new -> shipped, 1 line added',
      'Order A-3 for c@shop.test cancelled',
      'Config changed: currency',
    ]);
  });
});

describe('commit subject with a profile', () => {
  const tables = [
    { table: 'ip_custom_fields', schema: null, rows: { added: 1, changed: 0, deleted: 0 } },
    { table: 'ip_invoice_amounts', schema: null, rows: { added: 0, changed: 1, deleted: 0 } },
    { table: 'ip_invoices', schema: 'changed' as const, rows: { added: 0, changed: 1, deleted: 0 } },
    { table: 'ip_payments', schema: null, rows: { added: 1, changed: 0, deleted: 0 } },
  ];

  it('profile items first, then the generic part of what they do not tell; the body keeps every count', () => {
    const summary = {
      tables,
      objects: [{ type: 'view', name: 'v', change: 'added' as const }],
      described: { items: ['Payment 1 on I-1', 'Invoice I-1: paid'], covered: new Set(['ip_invoice_amounts', 'ip_invoices', 'ip_payments']) },
    };
    // ip_invoices' rows are told, its schema change is not; ip_custom_fields has no words at all.
    assert.equal(commitSubject(summary), 'Payment 1 on I-1; Invoice I-1: paid; ip_custom_fields +1; ip_invoices (schema); view v (added)');
    const m = commitMessage(summary, new Date('2026-01-02T03:04:05Z'));
    assert.match(m, /\nip_payments: 1 added, 0 changed, 0 deleted\n/);
    assert.match(m, /\nip_invoice_amounts: 0 added, 1 changed, 0 deleted\n/);
    assert.match(m, /\nip_invoices: schema changed, 0 added, 1 changed, 0 deleted\n/);
  });

  it('many items end in "and N more"', () => {
    const items = Array.from({ length: 20 }, (_, i) => `Client "Client number ${i}" added`);
    const s = commitSubject({
      tables: [{ table: 'ip_clients', schema: null, rows: { added: 20, changed: 0, deleted: 0 } }],
      objects: [],
      described: { items, covered: new Set(['ip_clients']) },
    });
    assert.match(s, /^Client "Client number 0" added; Client "Client number 1" added; .* and \d+ more$/);
    assert.ok(s.length < 130, s);
  });

  it('without items (or without a profile) the subject is the generic one', () => {
    const plain = { tables, objects: [] };
    assert.equal(commitSubject({ ...plain, described: { items: [], covered: new Set(['ip_payments']) } }), commitSubject(plain));
    assert.equal(commitSubject(plain), 'ip_custom_fields +1, ip_invoice_amounts ~1, ip_invoices (schema) ~1, ip_payments +1');
  });
});

describe('row lines with cells', () => {
  it('diffRowLines keeps the differing lines; diffRows counts the same', () => {
    const before = "INSERT INTO `t` VALUES (1,'a');\nINSERT INTO `t` VALUES (2,'b');\nINSERT INTO `t` VALUES (3,'c');\n";
    const after = "INSERT INTO `t` VALUES (1,'a');\nINSERT INTO `t` VALUES (2,'B');\nINSERT INTO `t` VALUES (4,'d');\n";
    const d = diffRowLines(before, after, [0]);
    assert.deepEqual(d.added, ["INSERT INTO `t` VALUES (4,'d');"]);
    assert.deepEqual(d.deleted, ["INSERT INTO `t` VALUES (3,'c');"]);
    assert.deepEqual(d.changed, [["INSERT INTO `t` VALUES (2,'b');", "INSERT INTO `t` VALUES (2,'B');"]]);
    assert.deepEqual(diffRows(before, after, [0]), { added: 1, changed: 1, deleted: 1 });
  });

  it('reads a line by column name and decodes literals for display', () => {
    assert.deepEqual(rowOfLine("INSERT INTO `t` VALUES (1,'a,b',NULL);", ['id', 'name', 'note']), { id: '1', name: "'a,b'", note: 'NULL' });
    assert.equal(rowOfLine("INSERT INTO `t` VALUES (1,'a');", ['id', 'name', 'note']), null);
    assert.equal(literalText('NULL'), null);
    assert.equal(literalText("'it\\'s'"), "it's");
    assert.equal(literalText('0xC3A9'), 'é');
    assert.equal(literalText('0xFF00'), '<2 bytes>');
    assert.equal(literalText('_latin1 0xE9'), 'é');
    assert.equal(literalText('120.00'), '120.00');
    assert.equal(displayText('x'.repeat(100)).length, 40);
  });
});

describe('messages that say what the user did (issue 12)', () => {
  const paidInvoice = () => invoice(42, 'INV-2026-0042', 2);

  it('a payment that marks the invoice paid: the payment first, never cut off; the fields beside the status leave first', async () => {
    const payment = row({ payment_id: 6, invoice_id: 42, payment_method_id: 1, payment_date: '2026-01-04', payment_amount: '499.50', payment_note: '' });
    const d = await describeIp({
      ip_invoices: [changed(paidInvoice(), { invoice_status_id: 4, is_read_only: 1, payment_method: 1, invoice_terms: 'x' })],
      ip_payments: [added(payment)],
    });
    assert.equal(d.items[0], 'Payment 499.50 on INV-2026-0042 (bank transfer)');
    assert.equal(d.items[1], 'Invoice INV-2026-0042 (ACME Ltd): status sent -> paid, read-only flag, payment method, terms changed');
    assert.equal(d.brief[1], 'Invoice INV-2026-0042 (ACME Ltd): status sent -> paid');
    const tables = [
      { table: 'ip_invoices', schema: null, rows: { added: 0, changed: 1, deleted: 0 } },
      { table: 'ip_payments', schema: null, rows: { added: 1, changed: 0, deleted: 0 } },
    ];
    // Past the subject's 100 characters the payment stays whole; the status goes to "and 1 more".
    assert.equal(commitSubject({ tables, objects: [], described: d }), 'Payment 499.50 on INV-2026-0042 (bank transfer) and 1 more');
    const short = await describeIp(
      {
        ip_invoices: [changed(invoice(42, 'INV-42', 2), { invoice_status_id: 4, is_read_only: 1, payment_method: 1, invoice_terms: 'x' })],
        ip_payments: [added(payment)],
      },
      { ...baseTables(), ip_invoices: [invoice(42, 'INV-42', 2)] },
    );
    assert.equal(
      commitSubject({ tables, objects: [], described: short }),
      'Payment 499.50 on INV-42 (bank transfer); Invoice INV-42 (ACME Ltd): status sent -> paid',
    );
  });

  it("the first settings save: the key the user changed, and the form's defaults counted", async () => {
    const setting = (id: number, key: string, value: string) => row({ setting_id: id, setting_key: key, setting_value: value });
    const d = await describeIp({
      ip_settings: [
        added(setting(53, 'first_day_of_week', '0')),
        added(setting(54, 'default_country', '')),
        added(setting(55, 'default_list_limit', '15')),
        added(setting(56, 'number_format', 'number_format_us_uk')),
        added(setting(65, 'default_invoice_terms', 'Payment within 14 days, please.')),
      ],
    });
    assert.deepEqual(d.items, ['Settings changed: default_invoice_terms (4 defaults stored)']);
    const onlyDefaults = await describeIp({ ip_settings: [added(setting(53, 'first_day_of_week', '0'))] });
    assert.deepEqual(onlyDefaults.items, ['Settings: 1 default stored']);
    // A key changed to '0' later is a change, not a default.
    const later = await describeIp({ ip_settings: [changed(setting(53, 'first_day_of_week', '1'), { setting_value: '0' })] });
    assert.deepEqual(later.items, ['Settings changed: first_day_of_week']);
  });

  it('an InvoicePlane upgrade is recognised from ip_versions; the installation too', async () => {
    const version = (id: number, file: string) => row({ version_id: id, version_date_applied: '1796387600', version_file: file });
    const tables = { ...baseTables(), ip_versions: [version(1, '000_1.0.0.sql'), version(29, '029_1.5.7.sql')] };
    const up = await describeIp(
      {
        ip_versions: [added(version(30, '030_1.5.8.sql')), added(version(32, '032_1.6.4.sql')), added(version(31, '031_1.6.0.sql'))],
        ip_invoices: [changed(invoice(42, 'INV-2026-0042', 2), { invoice_terms: 'x' })],
      },
      tables,
    );
    assert.equal(up.headline, 'InvoicePlane upgraded 1.5.7 -> 1.6.4');
    const install = await describeIp({ ip_versions: [added(version(1, '000_1.0.0.sql'))] }, tables);
    assert.equal(install.headline, 'InvoicePlane 1.0.0 installed');
    assert.equal((await describeIp({ ip_clients: [added(globex)] })).headline, undefined);
    // The headline is the subject; the items are in the body.
    const summary = {
      tables: [
        { table: 'ip_invoices', schema: 'changed' as const, rows: { added: 0, changed: 1, deleted: 0 }, schemaWords: 'added column invoice_po_number' },
        { table: 'ip_units', schema: 'added' as const, rows: { added: 0, changed: 0, deleted: 0 } },
        { table: 'ip_versions', schema: null, rows: { added: 3, changed: 0, deleted: 0 } },
      ],
      objects: [],
      described: up,
    };
    assert.equal(commitSubject(summary), 'InvoicePlane upgraded 1.5.7 -> 1.6.4 (1 tables added, 1 changed)');
    const body = commitMessage(summary, new Date(0));
    assert.match(body, /^- Invoice INV-2026-0042 \(ACME Ltd\): terms changed$/m);
    assert.match(body, /^ip_invoices: schema changed \(added column invoice_po_number\), 0 added, 1 changed, 0 deleted$/m);
  });

  it('a schema change is named in the subject; rows it rewrote are counted in the body, not told as edits', () => {
    const summary = {
      tables: [
        { table: 'ip_clients', schema: null, rows: { added: 1, changed: 0, deleted: 0 } },
        {
          table: 'ip_invoices',
          schema: 'changed' as const,
          rows: { added: 0, changed: 2, deleted: 0 },
          schemaWords: 'added column invoice_po_number',
          bySchema: 2,
        },
      ],
      objects: [],
      described: { items: ['Client "Globex" added'], brief: ['Client "Globex" added'], covered: new Set(['ip_clients']) },
    };
    assert.equal(commitSubject(summary), 'Schema: ip_invoices added column invoice_po_number; Client "Globex" added');
    assert.match(
      commitMessage(summary, new Date(0)),
      /^ip_invoices: schema changed \(added column invoice_po_number\), 0 added, 2 changed \(2 by the schema change\), 0 deleted$/m,
    );
    assert.equal(commitSubject({ ...summary, described: undefined }), 'Schema: ip_invoices added column invoice_po_number, ip_clients +1');
  });
});

describe('rowInWords and describeConflicts: open conflicts in the application words', () => {
  it('names an invoice by its number and client and a column by its word; other tables keep table, key and column', async () => {
    const lookup = new FakeRows({ ip_clients: [acme] });
    const inv = invoice(7, 'INV-2026-0007', 2);
    assert.deepEqual(await rowInWords({ rules: INVOICEPLANE_MESSAGES, table: 'ip_invoices', row: inv, column: 'invoice_terms', lookup }), {
      title: 'Invoice INV-2026-0007 (ACME Ltd)',
      field: 'terms',
    });
    assert.deepEqual(await rowInWords({ rules: INVOICEPLANE_MESSAGES, table: 'ip_invoices', row: inv, column: 'invoice_status_id', lookup }), {
      title: 'Invoice INV-2026-0007 (ACME Ltd)',
      field: 'status',
    });
    assert.equal(await rowInWords({ rules: INVOICEPLANE_MESSAGES, table: 'ip_invoice_items', row: inv, column: 'item_name', lookup }), null);

    const base = { oursCommit: 'a'.repeat(40), theirsCommit: 'b'.repeat(40), mergedAt: '2026-12-05T00:00:00Z' };
    const cell = {
      ...base,
      table: 'ip_invoices',
      keyCells: ['7'],
      kind: 'cell' as const,
      column: 'invoice_terms',
      base: "'Net 30'",
      ours: "'Net 7'",
      theirs: "'Net 14'",
      kept: 'theirs' as const,
    };
    const other = { ...cell, table: 'items', column: 'qty', base: '3', ours: '20', theirs: '10' };
    const lines = describeConflicts(
      { rows: [cell, other], schema: [], objects: [] },
      (t) => (t === 'ip_invoices' ? ['invoice_id'] : ['id']),
      (c) => (c.table === 'ip_invoices' ? 'Invoice INV-2026-0007 (ACME Ltd): terms' : null),
    );
    assert.equal(
      lines[1],
      `- Invoice INV-2026-0007 (ACME Ltd): terms: both computers changed this value; base "Net 30", ours "Net 7" (aaaaaaaaaaaa), theirs "Net 14" (bbbbbbbbbbbb); the database kept theirs: "Net 14"`,
    );
    assert.equal(
      lines[2],
      '    git-dbsync resolve ip_invoices 7 --column invoice_terms --ours|--theirs|--value V',
      'the command still names table, key and column',
    );
    assert.match(lines[3]!, /^- items \(id=7\) column qty: both computers changed this value; base 3, ours 20/);
  });
});
