/**
 * The invoice's tables, in the order they are written, and the column that ties a row to the
 * invoice (ip_invoice_item_amounts: to one of its items).
 */
export const INVOICE_TABLES = [
  { table: 'ip_invoices', link: 'invoice_id' },
  { table: 'ip_invoice_items', link: 'invoice_id' },
  { table: 'ip_invoice_item_amounts', link: 'item_id' },
  { table: 'ip_invoice_amounts', link: 'invoice_id' },
  { table: 'ip_payments', link: 'invoice_id' },
] as const;
