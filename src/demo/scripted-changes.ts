/**
 * What the demo does "in InvoicePlane": each change is the statements InvoicePlane's pages run
 * for one action (ids follow the sample data in assets/invoiceplane/sample-data.sql).
 */
export interface ScriptedChange {
  /** What the user did, in the application's words. */
  readonly title: string;
  /** Tables written; the demo holds write locks on them so one change is one commit. */
  readonly tables: readonly string[];
  readonly statements: readonly string[];
}

const INVOICE = 2;

export const SCRIPTED_CHANGES: readonly ScriptedChange[] = [
  {
    title: 'Add client "Nordwind Trading GmbH"',
    tables: ['ip_clients'],
    statements: [
      `INSERT INTO ip_clients (client_id, client_date_created, client_date_modified, client_name, client_address_1, client_city, client_zip, client_country, client_email, client_language, client_active)
       VALUES (3, NOW(), NOW(), 'Nordwind Trading GmbH', 'Speicherstadt 12', 'Hamburg', '20457', 'DE', 'billing@nordwind.example', 'system', 1)`,
    ],
  },
  {
    title: 'Create invoice INV-0002 for Nordwind (2 items, draft)',
    tables: ['ip_invoices', 'ip_invoice_groups', 'ip_invoice_amounts', 'ip_invoice_items', 'ip_invoice_item_amounts'],
    statements: [
      `INSERT INTO ip_invoices (invoice_id, user_id, client_id, invoice_group_id, invoice_status_id, invoice_date_created, invoice_time_created, invoice_date_modified, invoice_date_due, invoice_number, invoice_discount_amount, invoice_discount_percent, invoice_terms, invoice_url_key, payment_method)
       VALUES (${INVOICE}, 1, 3, 1, 1, CURDATE(), CURTIME(), NOW(), CURDATE() + INTERVAL 30 DAY, 'INV-0002', 0.00, 0.00, 'Payable within 30 days without deduction.', '5c8e2f7a9b1d4e6f8a0c2e4f6a8b0d1c', 2)`,
      `UPDATE ip_invoice_groups SET invoice_group_next_id = invoice_group_next_id + 1 WHERE invoice_group_id = 1`,
      `INSERT INTO ip_invoice_items (item_id, invoice_id, item_tax_rate_id, item_date_added, item_name, item_description, item_quantity, item_price, item_discount_amount, item_order, item_product_unit)
       VALUES (2, ${INVOICE}, 1, CURDATE(), 'Website maintenance', 'Updates and backups, March', 10.00, 85.00, 0.00, 1, 'hours'),
              (3, ${INVOICE}, 1, CURDATE(), 'Hosting', '12 months, small plan', 1.00, 240.00, 0.00, 2, NULL)`,
      `INSERT INTO ip_invoice_item_amounts (item_id, item_subtotal, item_tax_total, item_discount, item_total)
       VALUES (2, 850.00, 161.50, 0.00, 1011.50), (3, 240.00, 45.60, 0.00, 285.60)`,
      `INSERT INTO ip_invoice_amounts (invoice_id, invoice_sign, invoice_item_subtotal, invoice_item_tax_total, invoice_tax_total, invoice_total, invoice_paid, invoice_balance)
       VALUES (${INVOICE}, '1', 1090.00, 207.10, 0.00, 1297.10, 0.00, 1297.10)`,
    ],
  },
  {
    title: 'Mark invoice INV-0002 as sent',
    tables: ['ip_invoices'],
    statements: [`UPDATE ip_invoices SET invoice_status_id = 2, invoice_date_modified = NOW() WHERE invoice_id = ${INVOICE}`],
  },
  {
    title: 'Enter a payment of 1297.10 (bank transfer): INV-0002 is paid',
    tables: ['ip_payments', 'ip_invoice_amounts', 'ip_invoices'],
    statements: [
      `INSERT INTO ip_payments (invoice_id, payment_method_id, payment_date, payment_amount, payment_note) VALUES (${INVOICE}, 2, CURDATE(), 1297.10, 'Thank you!')`,
      `UPDATE ip_invoice_amounts SET invoice_paid = 1297.10, invoice_balance = 0.00 WHERE invoice_id = ${INVOICE}`,
      // InvoicePlane sets an invoice to paid (and read-only) when its balance reaches zero.
      `UPDATE ip_invoices SET invoice_status_id = 4, is_read_only = 1, invoice_date_modified = NOW() WHERE invoice_id = ${INVOICE}`,
    ],
  },
];
