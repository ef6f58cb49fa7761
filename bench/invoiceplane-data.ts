/**
 * An InvoicePlane-shaped database for the benchmark: the project's schema asset (42 ip_ tables,
 * their engines and indexes) filled with deterministic pseudo-random clients, invoices, items,
 * amounts and payments.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Connection } from 'mysql2/promise';
import { ROOT } from './product.js';
import { seededRandom } from '../test/support/seeded-random.js';

export interface InvoicePlaneCounts {
  readonly clients: number;
  readonly invoices: number;
  readonly items: number;
  readonly payments: number;
  /** Rows in all ip_ tables together. */
  readonly totalRows: number;
}

const random = seededRandom;

const WORDS = ['consulting', 'hosting', 'design', 'support', 'licence', 'training', 'maintenance', 'audit', 'migration', 'travel'];
const CITIES = ['Berlin', 'Lyon', 'Porto', 'Gent', 'Zürich', 'Kraków', 'Bologna', 'Malmö'];

const day = (base: Date, offset: number) => new Date(base.getTime() + offset * 86_400_000).toISOString().slice(0, 10);

async function insertRows(conn: Connection, table: string, columns: string[], rows: unknown[][]): Promise<void> {
  for (let i = 0; i < rows.length; i += 2000) {
    await conn.query(`INSERT INTO ${table} (${columns.join(', ')}) VALUES ?`, [rows.slice(i, i + 2000)]);
  }
}

/** Create the schema in the connection's current database and fill it. */
export async function createInvoicePlane(conn: Connection, invoices: number, clients: number): Promise<InvoicePlaneCounts> {
  const schema = readFileSync(path.join(ROOT, 'assets', 'invoiceplane', 'schema.sql'), 'utf8');
  // InvoicePlane's own SQL mode: no STRICT_TRANS_TABLES.
  await conn.query("SET SESSION sql_mode = 'NO_ENGINE_SUBSTITUTION'");
  await conn.query(schema);
  const rnd = random(20240611);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!;
  const money = (max: number) => (Math.round(rnd() * max * 100) / 100).toFixed(2);
  const base = new Date('2019-01-01T00:00:00Z');
  const now = '2024-06-01 12:00:00';

  await insertRows(
    conn,
    'ip_users',
    ['user_id', 'user_type', 'user_date_created', 'user_date_modified', 'user_name', 'user_email', 'user_password'],
    [[1, 1, now, now, 'Admin', 'admin@example.com', '$2y$10$abcdefghijklmnopqrstuuJb8dL6hYxTq1cE0N2l3m4n5o6p7q8r9']],
  );
  await insertRows(
    conn,
    'ip_invoice_groups',
    ['invoice_group_id', 'invoice_group_name', 'invoice_group_identifier_format', 'invoice_group_next_id', 'invoice_group_left_pad'],
    [
      [1, 'Invoice Default', '{{{id}}}', invoices + 1, 0],
      [2, 'Quote Default', 'QUO{{{id}}}', 1, 0],
    ],
  );
  await insertRows(
    conn,
    'ip_tax_rates',
    ['tax_rate_id', 'tax_rate_name', 'tax_rate_percent'],
    [
      [1, 'VAT', '19.00'],
      [2, 'Reduced', '7.00'],
    ],
  );
  await insertRows(
    conn,
    'ip_payment_methods',
    ['payment_method_id', 'payment_method_name'],
    [
      [1, 'Cash'],
      [2, 'Credit Card'],
      [3, 'Bank transfer'],
    ],
  );
  await insertRows(
    conn,
    'ip_settings',
    ['setting_key', 'setting_value'],
    Array.from({ length: 60 }, (_, i) => [`setting_${i}`, i % 3 === 0 ? '1' : `value ${i}`]),
  );

  const clientRows: unknown[][] = [];
  for (let c = 1; c <= clients; c++) {
    clientRows.push([c, now, now, `Client ${c} ${pick(WORDS)} GmbH`, `Street ${c}`, pick(CITIES), 'DE', `client${c}@example.com`, 1]);
  }
  await insertRows(
    conn,
    'ip_clients',
    [
      'client_id',
      'client_date_created',
      'client_date_modified',
      'client_name',
      'client_address_1',
      'client_city',
      'client_country',
      'client_email',
      'client_active',
    ],
    clientRows,
  );

  const inv: unknown[][] = [];
  const amounts: unknown[][] = [];
  const items: unknown[][] = [];
  const itemAmounts: unknown[][] = [];
  const payments: unknown[][] = [];
  let itemId = 0;
  for (let i = 1; i <= invoices; i++) {
    const created = day(base, Math.floor((i / invoices) * 1900));
    const paid = rnd() < 0.7;
    inv.push([
      i,
      1,
      1 + Math.floor(rnd() * clients),
      1,
      paid ? 4 : 2,
      created,
      `${created} 10:00:00`,
      day(new Date(created), 30),
      String(i),
      'Payable within 30 days.',
      `k${String(i).padStart(31, '0')}`,
    ]);
    let subtotal = 0;
    const n = 1 + Math.floor(rnd() * 5);
    for (let k = 1; k <= n; k++) {
      itemId++;
      const qty = 1 + Math.floor(rnd() * 10);
      const price = Number(money(500));
      subtotal += qty * price;
      items.push([itemId, i, 1, created, `${pick(WORDS)} ${k}`, `Work on ${pick(WORDS)} for invoice ${i}`, qty.toFixed(8), price.toFixed(2), '0.00', k]);
      itemAmounts.push([itemId, itemId, (qty * price).toFixed(2), (qty * price * 0.19).toFixed(2), '0.00', (qty * price * 1.19).toFixed(2)]);
    }
    const total = subtotal * 1.19;
    amounts.push([
      i,
      i,
      '1',
      subtotal.toFixed(2),
      (subtotal * 0.19).toFixed(2),
      '0.00',
      total.toFixed(2),
      paid ? total.toFixed(2) : '0.00',
      paid ? '0.00' : total.toFixed(2),
    ]);
    if (paid) payments.push([i, 1 + Math.floor(rnd() * 3), day(new Date(created), 10), total.toFixed(2), '']);
  }
  await insertRows(
    conn,
    'ip_invoices',
    [
      'invoice_id',
      'user_id',
      'client_id',
      'invoice_group_id',
      'invoice_status_id',
      'invoice_date_created',
      'invoice_date_modified',
      'invoice_date_due',
      'invoice_number',
      'invoice_terms',
      'invoice_url_key',
    ],
    inv,
  );
  await insertRows(
    conn,
    'ip_invoice_amounts',
    [
      'invoice_amount_id',
      'invoice_id',
      'invoice_sign',
      'invoice_item_subtotal',
      'invoice_item_tax_total',
      'invoice_tax_total',
      'invoice_total',
      'invoice_paid',
      'invoice_balance',
    ],
    amounts,
  );
  await insertRows(
    conn,
    'ip_invoice_items',
    [
      'item_id',
      'invoice_id',
      'item_tax_rate_id',
      'item_date_added',
      'item_name',
      'item_description',
      'item_quantity',
      'item_price',
      'item_discount_amount',
      'item_order',
    ],
    items,
  );
  await insertRows(
    conn,
    'ip_invoice_item_amounts',
    ['item_amount_id', 'item_id', 'item_subtotal', 'item_tax_total', 'item_discount', 'item_total'],
    itemAmounts,
  );
  await insertRows(conn, 'ip_payments', ['invoice_id', 'payment_method_id', 'payment_date', 'payment_amount', 'payment_note'], payments);

  const [rows] = await conn.query('SELECT SUM(TABLE_ROWS) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()');
  const totalRows = Number((rows as Array<{ n: string | number }>)[0]?.n ?? 0);
  return { clients, invoices, items: items.length, payments: payments.length, totalRows };
}

/** Insert one invoice whose number and URL key carry `marker` (a write the benchmark then looks for in git). */
export async function insertMarkedInvoice(conn: Connection, marker: string): Promise<number> {
  const [r] = await conn.query(
    `INSERT INTO ip_invoices (user_id, client_id, invoice_group_id, invoice_status_id, invoice_date_created, invoice_date_modified,
       invoice_date_due, invoice_number, invoice_terms, invoice_url_key) VALUES (1, 1, 1, 1, CURDATE(), NOW(), CURDATE(), ?, '', MD5(?))`,
    [marker, marker],
  );
  return (r as { insertId: number }).insertId;
}
