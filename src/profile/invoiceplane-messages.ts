import type { ChildRule, EntityRule, Lookup, MessageRules } from './message-rules.js';

// InvoicePlane's commit messages. Status ids and names are InvoicePlane's own (statuses() of
// Mdl_invoices, Mdl_quotes and Mdl_tasks in application/modules/.../models). 1.6/1.7 know invoice
// statuses 1-4; 5-7 and 99 come from newer versions and are harmless to name here.

const client: Lookup = { from: 'client_id', table: 'ip_clients', key: 'client_id', show: 'client_name' };

const INVOICE_STATUS = { '1': 'draft', '2': 'sent', '3': 'viewed', '4': 'paid', '5': 'partial', '6': 'overdue', '7': 'unpaid', '99': 'archived' };
const QUOTE_STATUS = { '1': 'draft', '2': 'sent', '3': 'viewed', '4': 'approved', '5': 'rejected', '6': 'canceled' };
const TASK_STATUS = { '1': 'not started', '2': 'in progress', '3': 'complete', '4': 'invoiced' };

const entities: EntityRule[] = [
  {
    table: 'ip_invoices',
    key: 'invoice_id',
    title: 'Invoice {invoice_number|#invoice_id}[ ({client})]',
    lookups: { client },
    tracked: [
      { column: 'invoice_status_id', word: 'status', names: INVOICE_STATUS },
      { column: 'invoice_number', word: 'number' },
    ],
    fields: {
      client_id: 'client',
      invoice_date_created: 'date',
      invoice_date_due: 'due date',
      invoice_terms: 'terms',
      invoice_discount_amount: 'discount',
      invoice_discount_percent: 'discount',
      payment_method: 'payment method',
      invoice_password: 'password',
      is_read_only: 'read-only flag',
    },
    ignore: ['invoice_date_modified'],
  },
  {
    table: 'ip_quotes',
    key: 'quote_id',
    title: 'Quote {quote_number|#quote_id}[ ({client})]',
    lookups: { client },
    tracked: [
      // The guest page's "approve" is what a customer's acceptance looks like in the database.
      { column: 'quote_status_id', word: 'status', names: QUOTE_STATUS, events: { '4': 'accepted', '5': 'rejected', '6': 'canceled' } },
      { column: 'quote_number', word: 'number' },
    ],
    fields: {
      client_id: 'client',
      invoice_id: 'invoice',
      quote_date_created: 'date',
      quote_date_expires: 'expiry date',
      quote_discount_amount: 'discount',
      quote_discount_percent: 'discount',
      notes: 'notes',
      quote_password: 'password',
    },
    ignore: ['quote_date_modified'],
  },
  {
    table: 'ip_payments',
    key: 'payment_id',
    title: 'Payment {payment_amount} on {invoice|#invoice_id}[ ({method})]',
    lookups: {
      invoice: { from: 'invoice_id', table: 'ip_invoices', key: 'invoice_id', show: 'invoice_number' },
      method: { from: 'payment_method_id', table: 'ip_payment_methods', key: 'payment_method_id', show: 'payment_method_name' },
    },
    verbs: { added: '' },
    tracked: [{ column: 'payment_amount', word: 'amount' }],
    fields: { invoice_id: 'invoice', payment_method_id: 'method', payment_date: 'date', payment_note: 'note' },
  },
  {
    table: 'ip_clients',
    key: 'client_id',
    title: 'Client "{client_name|#client_id}[ {client_surname}]"',
    tracked: [
      { column: 'client_name', word: 'name' },
      { column: 'client_active', word: 'status', names: { '0': 'inactive', '1': 'active' }, events: { '0': 'deactivated', '1': 'activated' } },
    ],
    fields: {
      client_email: 'email',
      client_phone: 'phone',
      client_mobile: 'mobile',
      client_address_1: 'address',
      client_address_2: 'address',
      client_city: 'address',
      client_zip: 'address',
      client_state: 'address',
      client_country: 'address',
      client_vat_id: 'VAT id',
      client_tax_code: 'tax code',
    },
    ignore: ['client_date_modified'],
  },
  {
    table: 'ip_products',
    key: 'product_id',
    title: 'Product "{product_name|#product_id}"',
    tracked: [{ column: 'product_price', word: 'price' }],
    fields: {
      product_sku: 'SKU',
      product_description: 'description',
      purchase_price: 'purchase price',
      tax_rate_id: 'tax rate',
      family_id: 'family',
      unit_id: 'unit',
    },
  },
  {
    table: 'ip_tax_rates',
    key: 'tax_rate_id',
    title: 'Tax rate "{tax_rate_name|#tax_rate_id}"',
    tracked: [{ column: 'tax_rate_percent', word: 'percent' }],
  },
  {
    table: 'ip_users',
    key: 'user_id',
    // The name only: users hold password hashes, salts and reset tokens.
    title: 'User "{user_name|#user_id}"',
    tracked: [{ column: 'user_active', word: 'status', names: { '0': 'inactive', '1': 'active' }, events: { '0': 'deactivated', '1': 'activated' } }],
    fields: {
      user_email: 'email',
      user_password: 'password',
      user_psalt: 'password',
      user_passwordreset_token: 'password reset',
      user_type: 'role',
      user_company: 'company',
    },
    ignore: ['user_date_modified'],
  },
  { table: 'ip_payment_methods', key: 'payment_method_id', title: 'Payment method "{payment_method_name|#payment_method_id}"' },
  { table: 'ip_families', key: 'family_id', title: 'Product family "{family_name|#family_id}"' },
  { table: 'ip_units', key: 'unit_id', title: 'Unit "{unit_name|#unit_id}"' },
  { table: 'ip_projects', key: 'project_id', title: 'Project "{project_name|#project_id}"[ ({client})]', lookups: { client } },
  {
    table: 'ip_tasks',
    key: 'task_id',
    title: 'Task "{task_name|#task_id}"',
    tracked: [{ column: 'task_status', word: 'status', names: TASK_STATUS }],
    fields: { task_price: 'price', task_finish_date: 'finish date', task_description: 'description' },
  },
  // The next number is counted up whenever an invoice or quote gets its number: not news on its own.
  { table: 'ip_invoice_groups', key: 'invoice_group_id', title: 'Invoice group "{invoice_group_name|#invoice_group_id}"', ignore: ['invoice_group_next_id'] },
  { table: 'ip_email_templates', key: 'email_template_id', title: 'Email template "{email_template_title|#email_template_id}"' },
  { table: 'ip_custom_fields', key: 'custom_field_id', title: 'Custom field "{custom_field_label|#custom_field_id}"' },
  { table: 'ip_uploads', key: 'upload_id', title: 'File "{file_name_original|#upload_id}"[ ({client})]', lookups: { client }, verbs: { added: 'uploaded' } },
  { table: 'ip_item_lookups', key: 'item_lookup_id', title: 'Item lookup "{item_name|#item_lookup_id}"' },
  { table: 'ip_imports', key: 'import_id', title: 'Import #{import_id}' },
  { table: 'ip_versions', key: 'version_id', title: 'Database update {version_file|#version_id}', verbs: { added: 'applied' } },
];

const child = (table: string, column: string, parent: string, key: string, noun?: [string, string], quiet?: string): ChildRule => ({
  table,
  parent: { column, table: parent, key },
  ...(noun ? { noun } : {}),
  ...(quiet ? { quiet } : {}),
});

const children: ChildRule[] = [
  child('ip_invoice_items', 'invoice_id', 'ip_invoices', 'invoice_id', ['item', 'items']),
  // Recomputed by InvoicePlane on every save of an invoice.
  child('ip_invoice_item_amounts', 'item_id', 'ip_invoice_items', 'item_id', undefined, 'totals'),
  child('ip_invoice_amounts', 'invoice_id', 'ip_invoices', 'invoice_id', undefined, 'totals'),
  child('ip_invoice_tax_rates', 'invoice_id', 'ip_invoices', 'invoice_id', ['tax rate', 'tax rates']),
  child('ip_invoice_custom', 'invoice_id', 'ip_invoices', 'invoice_id', ['custom field', 'custom fields']),
  child('ip_invoices_recurring', 'invoice_id', 'ip_invoices', 'invoice_id', ['recurrence', 'recurrences']),
  child('ip_invoice_sumex', 'sumex_invoice', 'ip_invoices', 'invoice_id', undefined, 'Sumex data'),
  child('ip_merchant_responses', 'invoice_id', 'ip_invoices', 'invoice_id', ['online payment response', 'online payment responses']),
  child('ip_quote_items', 'quote_id', 'ip_quotes', 'quote_id', ['item', 'items']),
  child('ip_quote_item_amounts', 'item_id', 'ip_quote_items', 'item_id', undefined, 'totals'),
  child('ip_quote_amounts', 'quote_id', 'ip_quotes', 'quote_id', undefined, 'totals'),
  child('ip_quote_tax_rates', 'quote_id', 'ip_quotes', 'quote_id', ['tax rate', 'tax rates']),
  child('ip_quote_custom', 'quote_id', 'ip_quotes', 'quote_id', ['custom field', 'custom fields']),
  child('ip_payment_custom', 'payment_id', 'ip_payments', 'payment_id', ['custom field', 'custom fields']),
  child('ip_client_custom', 'client_id', 'ip_clients', 'client_id', ['custom field', 'custom fields']),
  child('ip_client_notes', 'client_id', 'ip_clients', 'client_id', ['note', 'notes']),
  child('ip_user_custom', 'user_id', 'ip_users', 'user_id', ['custom field', 'custom fields']),
  child('ip_user_clients', 'user_id', 'ip_users', 'user_id', ['client assignment', 'client assignments']),
  child('ip_custom_values', 'custom_values_field', 'ip_custom_fields', 'custom_field_id', ['value', 'values']),
  child('ip_import_details', 'import_id', 'ip_imports', 'import_id', ['record', 'records']),
];

/**
 * What InvoicePlane 1.7.0's settings form shows for a key it has no row for, where that is not ''
 * or '0' (measured: the first save of the form stores these values for keys nobody touched).
 */
const SETTING_DEFAULTS: Readonly<Record<string, string>> = {
  default_list_limit: '15',
  number_format: 'number_format_us_uk',
  quote_overview_period: 'this-month',
  invoice_overview_period: 'this-month',
  no_update_invoice_due_date_mail: '1',
  smtp_verify_certs: '1',
  gateway_stripe_currency: 'USD',
  gateway_paypal_currency: 'USD',
};

/** InvoicePlane's rows in its own words. ip_sessions and ip_login_log have no rule: their rows are not versioned. */
export const INVOICEPLANE_MESSAGES: MessageRules = {
  entities,
  children,
  keyValues: [
    { table: 'ip_settings', keyColumn: 'setting_key', title: 'Settings changed', defaults: { valueColumn: 'setting_value', values: SETTING_DEFAULTS } },
  ],
  // One row per SQL file the setup has run (`000_1.0.0.sql` ... `042_1.7.0.sql`).
  versions: { table: 'ip_versions', key: 'version_id', column: 'version_file', pattern: '_(\\d+(?:\\.\\d+)+)\\.sql$', app: 'InvoicePlane' },
};
