/**
 * The invoice's tables, in the order they are written, and the column that ties a row to the
 * invoice (ip_invoice_item_amounts: to one of its items): everything InvoicePlane 1.7 keeps per
 * invoice, its invoice-level tax rates and custom field values included (what the invoice page
 * shows). Not here: the Swiss-only ip_invoice_sumex and the shared tables an invoice points to
 * (clients, tax rate definitions, products), which other invoices use too.
 */
export const INVOICE_TABLES = [
  { table: 'ip_invoices', link: 'invoice_id' },
  { table: 'ip_invoice_items', link: 'invoice_id' },
  { table: 'ip_invoice_item_amounts', link: 'item_id' },
  { table: 'ip_invoice_tax_rates', link: 'invoice_id' },
  { table: 'ip_invoice_custom', link: 'invoice_id' },
  { table: 'ip_invoice_amounts', link: 'invoice_id' },
  { table: 'ip_payments', link: 'invoice_id' },
] as const;
