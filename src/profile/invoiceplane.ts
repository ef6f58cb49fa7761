import type { Profile } from './profile.js';
import { INVOICEPLANE_MESSAGES } from './invoiceplane-messages.js';
import { INVOICEPLANE_SECRETS } from './invoiceplane-secrets.js';

/** InvoicePlane 1.6/1.7 (42 `ip_` tables, mostly MyISAM). */
export const INVOICEPLANE: Profile = {
  name: 'invoiceplane',
  description: 'InvoicePlane (self-hosted invoicing)',
  detectTables: ['ip_invoices', 'ip_clients', 'ip_invoice_items', 'ip_payments', 'ip_settings', 'ip_users'],
  // Logins and sessions change on every page view; they are not business data.
  schemaOnlyTables: ['ip_sessions', 'ip_login_log'],
  secrets: INVOICEPLANE_SECRETS,
  messages: INVOICEPLANE_MESSAGES,
  // Invoice and quote numbers come from ip_invoice_groups' next id, which every computer counts up on its own.
  // Set to NOW() by every save of the row: two saves on two computers are no conflict (the later time is kept).
  lastModified: [
    { table: 'ip_invoices', column: 'invoice_date_modified' },
    { table: 'ip_quotes', column: 'quote_date_modified' },
    { table: 'ip_clients', column: 'client_date_modified' },
    { table: 'ip_users', column: 'user_date_modified' },
  ],
  businessNumbers: {
    columns: [
      { table: 'ip_invoices', column: 'invoice_number', entity: 'Invoice' },
      { table: 'ip_quotes', column: 'quote_number', entity: 'Quote' },
    ],
    fix: 'renumber one of them in InvoicePlane',
    advice:
      "InvoicePlane numbers invoices and quotes from ip_invoice_groups' next id, which each computer counts up on its own: " +
      'give each computer its own invoice group with its own prefix (Settings > Invoice Groups, e.g. A-{{{id}}} and B-{{{id}}}) so two computers never hand out the same number',
  },
  search: [
    { table: 'ip_invoices', column: 'invoice_number', entity: 'Invoice' },
    { table: 'ip_quotes', column: 'quote_number', entity: 'Quote' },
    { table: 'ip_clients', column: 'client_name', entity: 'Client' },
  ],
};
