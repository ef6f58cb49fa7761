/**
 * A user of the real InvoicePlane 1.7.0, clicking through its pages over HTTP the way
 * ../shared/invoiceplane-app/scripts/scenario.py does (each action sends what the page's form or
 * its jQuery `$.post()` sends). Each method is one user action; ids go from one action to the next.
 */
import { ajaxJson, alerts, field, fieldsOf, IpBrowser, pageText, parseForms } from './invoiceplane-browser.js';

export const ADMIN_EMAIL = 'admin@example.com';
export const ADMIN_PASSWORD = 'Adm1n-Passw0rd!';

/** InvoicePlane's default date format (m/d/Y), today. */
function todayUi(): string {
  const d = new Date();
  return `${String(d.getMonth() + 1).padStart(2, '0')}/${String(d.getDate()).padStart(2, '0')}/${d.getFullYear()}`;
}

function timeNow(): string {
  return new Date().toTimeString().slice(0, 8);
}

function ok(r: Record<string, unknown>, what: string): Record<string, unknown> {
  if (r.success !== 1) throw new Error(`${what}: ${JSON.stringify(r)}`);
  return r;
}

type ItemRow = Record<string, string | boolean | number>;

/** The rows as the page's save handler builds them from the new-item template row (tbody#new_row). */
function newItemRows(page: string, items: Array<Record<string, string>>): ItemRow[] {
  const tmpl = /<tbody id="new_row"[\s\S]*?<\/tbody>/.exec(page);
  if (!tmpl) throw new Error('no new-item row on the page');
  const fields = fieldsOf(tmpl[0]);
  return items.map((it, i) => {
    const row: ItemRow = {};
    for (const f of fields) if (f.name) row[f.name] = f.type === 'checkbox' ? f.checked : f.value;
    return { ...row, ...it, item_order: i + 1 };
  });
}

/** The rows already on an invoice or quote page (tbody.item). */
function existingItemRows(page: string): ItemRow[] {
  return [...page.matchAll(/<tbody class="item">[\s\S]*?<\/tbody>/g)].map((m, i) => {
    const row: ItemRow = {};
    for (const f of fieldsOf(m[0])) if (f.name) row[f.name] = f.type === 'checkbox' ? f.checked : f.value;
    row.item_order = i + 1;
    return row;
  });
}

/** `$('input[name^=custom],select[name^=custom]').serializeArray()` as jQuery.param sends it. */
function customFields(page: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  let i = 0;
  for (const m of page.matchAll(/<(?:input|select)[^>]*name="(custom[^"]*)"[^>]*?(?:value="([^"]*)")?/g)) {
    out.push([`custom[${i}][name]`, m[1]!], [`custom[${i}][value]`, m[2] ?? '']);
    i++;
  }
  return out;
}

/** Index of the first form of a page that has a field whose name starts with `prefix`. */
function formWith(page: string, prefix: string): number {
  const i = parseForms(page).findIndex((f) => f.fields.some((fl) => fl.name.startsWith(prefix)));
  if (i < 0) throw new Error(`no form with a field ${prefix}*`);
  return i;
}

export class InvoicePlaneUser {
  b: IpBrowser;
  private setupPage = '';
  readonly ids: Record<string, string> = {};

  constructor(
    private readonly baseUrl: string,
    private readonly database: Record<string, string>,
  ) {
    this.b = new IpBrowser(baseUrl);
  }

  // ------------------------------------------------------------------ setup

  async setupLanguage(): Promise<void> {
    let p = await this.b.get('setup');
    p = await this.b.submit(p, { button: 'btn_continue' });
    if (!this.b.lastUrl.endsWith('setup/prerequisites')) throw new Error(`setup: on ${this.b.lastUrl}`);
    p = await this.b.submit(p, { button: 'btn_continue' });
    if (!this.b.lastUrl.endsWith('setup/configure_database')) throw new Error(`setup: on ${this.b.lastUrl}: ${pageText(p).slice(0, 800)}`);
    this.setupPage = await this.b.submit(p, { overrides: this.database, button: 'btn_try_again' });
    if (!this.setupPage.includes('btn_continue')) throw new Error(`database not accepted: ${pageText(this.setupPage).slice(0, 800)}`);
  }

  async setupInstallTables(): Promise<void> {
    const p = await this.b.submit(this.setupPage, { button: 'btn_continue' });
    if (!this.b.lastUrl.endsWith('setup/install_tables') || !p.includes('btn_continue')) throw new Error(`install_tables: ${pageText(p).slice(0, 1500)}`);
    this.setupPage = p;
  }

  async setupUpgradeTables(): Promise<void> {
    const p = await this.b.submit(this.setupPage, { button: 'btn_continue' });
    if (!this.b.lastUrl.endsWith('setup/upgrade_tables') || !p.includes('btn_continue')) throw new Error(`upgrade_tables: ${pageText(p).slice(0, 1500)}`);
    this.setupPage = p;
  }

  async setupCreateUser(): Promise<void> {
    let p = await this.b.submit(this.setupPage, { button: 'btn_continue' });
    p = await this.b.submit(p, {
      overrides: {
        user_name: 'Admin',
        user_email: ADMIN_EMAIL,
        user_password: ADMIN_PASSWORD,
        user_passwordv: ADMIN_PASSWORD,
        user_company: 'Example Ltd',
        user_country: 'GB',
      },
      button: 'btn_continue',
    });
    if (this.b.lastUrl.endsWith('setup/calculation_info')) p = await this.b.submit(p, { button: 'btn_continue' });
    if (!this.b.lastUrl.endsWith('setup/complete')) throw new Error(`create_user ended on ${this.b.lastUrl}: ${pageText(p).slice(0, 1500)}`);
  }

  // ------------------------------------------------------------------ sessions

  async failedLogin(): Promise<void> {
    this.b = new IpBrowser(this.baseUrl);
    const p = await this.b.get('sessions/login');
    const r = await this.b.submit(p, { overrides: { email: ADMIN_EMAIL, password: 'wrong-password' }, button: 'btn_login' });
    if (!alerts(r).some(([k]) => k === 'danger')) throw new Error('a wrong password was not refused');
  }

  async login(password = ADMIN_PASSWORD): Promise<void> {
    const p = await this.b.get('sessions/login');
    const r = await this.b.submit(p, { overrides: { email: ADMIN_EMAIL, password }, button: 'btn_login' });
    if (!this.b.lastUrl.endsWith('/dashboard')) throw new Error(`log-in ended on ${this.b.lastUrl}: ${JSON.stringify(alerts(r))}`);
  }

  async browse(): Promise<void> {
    for (const u of ['dashboard', 'clients/status/active', 'invoices/status/all', 'quotes/status/all', 'payments', 'products', 'tax_rates']) {
      await this.b.get(u);
    }
    if (this.ids.invoice) await this.b.get(`invoices/view/${this.ids.invoice}`);
  }

  async logout(): Promise<void> {
    await this.b.get('sessions/logout');
  }

  // ------------------------------------------------------------------ clients

  async createClient(key: string, name: string, surname = ''): Promise<void> {
    const p = await this.b.get('clients/form');
    const r = await this.b.submit(p, {
      form: formWith(p, 'client_name'),
      overrides: { client_name: name, client_surname: surname, client_email: 'billing@example.test', client_city: 'Tucson', client_country: 'US' },
      button: 'btn_submit',
    });
    const m = /clients\/view\/(\d+)/.exec(this.b.lastUrl);
    if (!m) throw new Error(`client form ended on ${this.b.lastUrl}: ${pageText(r).slice(0, 800)}`);
    this.ids[key] = m[1]!;
  }

  async editClient(key: string, overrides: Record<string, string>): Promise<void> {
    const p = await this.b.get(`clients/form/${this.ids[key]}`);
    await this.b.submit(p, { form: formWith(p, 'client_name'), overrides, button: 'btn_submit' });
    if (!/clients\/view\//.test(this.b.lastUrl)) throw new Error(`client edit ended on ${this.b.lastUrl}`);
  }

  async deleteClient(key: string): Promise<void> {
    await this.b.get('clients/status/active');
    await this.b.post(`clients/delete/${this.ids[key]}`, {});
  }

  // ------------------------------------------------------------------ invoices

  /** "Create Invoice" modal, then the new invoice's page. */
  async createInvoice(key: string, clientKey: string): Promise<void> {
    await this.b.get('invoices/status/all');
    const m = await this.b.post('invoices/ajax/modal_create_invoice', { client_id: this.ids[clientKey]! }, { ajax: true });
    const r = ok(
      ajaxJson(
        await this.b.post(
          'invoices/ajax/create',
          {
            client_id: field(m, 'create_invoice_client_id') || this.ids[clientKey]!,
            invoice_date_created: field(m, 'invoice_date_created') || todayUi(),
            invoice_group_id: field(m, 'invoice_group_id'),
            invoice_time_created: timeNow(),
            invoice_password: field(m, 'invoice_password'),
            user_id: '1',
            payment_method: field(m, 'payment_method_id'),
          },
          { ajax: true },
        ),
      ),
      'invoices/ajax/create',
    );
    this.ids[key] = String(r.invoice_id);
    await this.b.get(`invoices/view/${this.ids[key]}`);
  }

  /** The invoice's number as its page shows it. */
  async invoiceNumber(key: string): Promise<string> {
    return field(await this.b.get(`invoices/view/${this.ids[key]}`), 'invoice_number');
  }

  /** The Save button of an invoice page: its fields, the rows on the page changed by `edit`, new rows added. */
  async saveInvoice(
    key: string,
    opts: { add?: Array<Record<string, string>>; edit?: (rows: ItemRow[]) => void; status?: string; fields?: Record<string, string> } = {},
  ): Promise<void> {
    const id = this.ids[key]!;
    const page = await this.b.get(`invoices/view/${id}`);
    const rows = existingItemRows(page);
    opts.edit?.(rows);
    const added = opts.add ? newItemRows(page, opts.add).map((r, i) => ({ ...r, item_order: rows.length + i + 1 })) : [];
    const data: Array<[string, string]> = [
      ['legacy_calculation', page.includes('legacy_calculation: 1') ? '1' : '0'],
      ['invoice_id', id],
      ['invoice_number', field(page, 'invoice_number')],
      ['invoice_date_created', field(page, 'invoice_date_created')],
      ['invoice_date_due', field(page, 'invoice_date_due')],
      ['invoice_status_id', opts.status ?? field(page, 'invoice_status_id')],
      ['invoice_password', field(page, 'invoice_password')],
      ['items', JSON.stringify([...rows, ...added])],
      ['invoice_discount_amount', field(page, 'invoice_discount_amount')],
      ['invoice_discount_percent', field(page, 'invoice_discount_percent')],
      ['invoice_terms', field(page, 'invoice_terms')],
      ...customFields(page),
      ['payment_method', field(page, 'payment_method')],
    ];
    // Fields the user typed into (invoice_terms, invoice_date_due, ...).
    for (const pair of data) if (opts.fields && pair[0] in opts.fields) pair[1] = opts.fields[pair[0]]!;
    ok(ajaxJson(await this.b.post('invoices/ajax/save', data, { ajax: true })), 'invoices/ajax/save');
    await this.b.get(`invoices/view/${id}`);
  }

  /** The trash button of an item row. */
  async deleteInvoiceItem(key: string, itemName: string): Promise<void> {
    const id = this.ids[key]!;
    const page = await this.b.get(`invoices/view/${id}`);
    const row = existingItemRows(page).find((r) => r.item_name === itemName);
    if (!row) throw new Error(`no item ${itemName} on invoice ${id}`);
    ok(ajaxJson(await this.b.post(`invoices/ajax/delete_item/${id}`, { item_id: String(row.item_id) }, { ajax: true })), 'delete_item');
  }

  /** "Enter Payment" modal. */
  async addPayment(key: string, amount: string): Promise<void> {
    const id = this.ids[key]!;
    const page = await this.b.get(`invoices/view/${id}`);
    const m = await this.b.post(
      'payments/ajax/modal_add_payment',
      {
        invoice_id: id,
        invoice_balance: /data-invoice-balance="([^"]*)"/.exec(page)?.[1] ?? '',
        invoice_payment_method: /data-invoice-payment-method="([^"]*)"/.exec(page)?.[1] ?? '',
        payment_cf_exist: '',
      },
      { ajax: true },
    );
    const r = await this.b.post(
      'payments/ajax/add',
      {
        invoice_id: field(m, 'invoice_id') || id,
        payment_amount: amount,
        payment_method_id: field(m, 'payment_method_id') || '1',
        payment_date: field(m, 'payment_date') || todayUi(),
        payment_note: 'bank transfer',
      },
      { ajax: true },
    );
    ok(ajaxJson(r), 'payments/ajax/add');
    await this.b.get(`invoices/view/${id}`);
  }

  /** "Copy Invoice" modal. */
  async copyInvoice(key: string, from: string): Promise<void> {
    const src = this.ids[from]!;
    const page = await this.b.get(`invoices/view/${src}`);
    const clientId = /name="client_id"[^>]*value="(\d+)"|data-client-id="(\d+)"/.exec(page);
    const m = await this.b.post('invoices/ajax/modal_copy_invoice', { invoice_id: src, client_id: clientId?.[1] ?? clientId?.[2] ?? '' }, { ajax: true });
    const r = ok(
      ajaxJson(
        await this.b.post(
          'invoices/ajax/copy_invoice',
          {
            legacy_calculation: page.includes('legacy_calculation: 1') ? '1' : '0',
            invoice_id: src,
            client_id: field(m, 'client_id'),
            user_id: field(m, 'user_id') || '1',
            invoice_date_created: field(m, 'invoice_date_created_modal') || todayUi(),
            invoice_group_id: field(m, 'invoice_group_id'),
            invoice_password: field(m, 'invoice_password'),
            invoice_time_created: timeNow(),
            payment_method: field(m, 'payment_method'),
          },
          { ajax: true },
        ),
      ),
      'copy_invoice',
    );
    this.ids[key] = String(r.invoice_id);
    await this.b.get(`invoices/view/${this.ids[key]}`);
  }

  /** "Create credit invoice" modal. */
  async creditNote(key: string, from: string): Promise<void> {
    const src = this.ids[from]!;
    await this.b.get(`invoices/view/${src}`);
    const m = await this.b.post('invoices/ajax/modal_create_credit', { invoice_id: src }, { ajax: true });
    const r = ok(
      ajaxJson(
        await this.b.post(
          'invoices/ajax/create_credit',
          {
            invoice_id: src,
            client_id: field(m, 'client_id'),
            invoice_date_created: field(m, 'invoice_date_created') || todayUi(),
            invoice_group_id: field(m, 'invoice_group_id'),
            invoice_time_created: timeNow(),
            invoice_password: field(m, 'invoice_password'),
            user_id: field(m, 'user_id') || '1',
          },
          { ajax: true },
        ),
      ),
      'create_credit',
    );
    this.ids[key] = String(r.invoice_id);
    await this.b.get(`invoices/view/${this.ids[key]}`);
  }

  /** The Delete entry of the invoice list's menu (a draft only). */
  async deleteInvoice(key: string): Promise<void> {
    await this.b.get('invoices/status/all');
    await this.b.post(`invoices/delete/${this.ids[key]}`, {});
  }

  // ------------------------------------------------------------------ quotes

  async createQuote(key: string, clientKey: string, items: Array<Record<string, string>>): Promise<void> {
    const m = await this.b.post('quotes/ajax/modal_create_quote', { client_id: this.ids[clientKey]! }, { ajax: true });
    const r = ok(
      ajaxJson(
        await this.b.post(
          'quotes/ajax/create',
          {
            client_id: field(m, 'create_quote_client_id') || this.ids[clientKey]!,
            quote_date_created: field(m, 'quote_date_created') || todayUi(),
            quote_password: field(m, 'quote_password'),
            user_id: '1',
            invoice_group_id: field(m, 'invoice_group_id'),
          },
          { ajax: true },
        ),
      ),
      'quotes/ajax/create',
    );
    this.ids[key] = String(r.quote_id);
    await this.saveQuote(key, { add: items });
  }

  async quoteNumber(key: string): Promise<string> {
    return field(await this.b.get(`quotes/view/${this.ids[key]}`), 'quote_number');
  }

  async saveQuote(key: string, opts: { add?: Array<Record<string, string>>; status?: string } = {}): Promise<void> {
    const id = this.ids[key]!;
    const p = await this.b.get(`quotes/view/${id}`);
    const rows = existingItemRows(p);
    const added = opts.add ? newItemRows(p, opts.add).map((r, i) => ({ ...r, item_order: rows.length + i + 1 })) : [];
    const data: Array<[string, string]> = [
      ['legacy_calculation', p.includes('legacy_calculation: 1') ? '1' : '0'],
      ['quote_id', id],
      ['quote_number', field(p, 'quote_number')],
      ['quote_date_created', field(p, 'quote_date_created')],
      ['quote_date_expires', field(p, 'quote_date_expires')],
      ['quote_status_id', opts.status ?? field(p, 'quote_status_id')],
      ['quote_password', field(p, 'quote_password')],
      ['items', JSON.stringify([...rows, ...added])],
      ['quote_discount_amount', field(p, 'quote_discount_amount')],
      ['quote_discount_percent', field(p, 'quote_discount_percent')],
      ['notes', field(p, 'notes')],
      ...customFields(p),
    ];
    ok(ajaxJson(await this.b.post('quotes/ajax/save', data, { ajax: true })), 'quotes/ajax/save');
    await this.b.get(`quotes/view/${id}`);
  }

  /** "Quote to Invoice" modal. */
  async quoteToInvoice(key: string, quoteKey: string): Promise<void> {
    const q = this.ids[quoteKey]!;
    const page = await this.b.get(`quotes/view/${q}`);
    const m = await this.b.get(`quotes/ajax/modal_quote_to_invoice/${q}`, { ajax: true });
    const r = ok(
      ajaxJson(
        await this.b.post(
          'quotes/ajax/quote_to_invoice',
          {
            legacy_calculation: page.includes('legacy_calculation: 1') ? '1' : '0',
            quote_id: q,
            client_id: field(m, 'client_id'),
            invoice_date_created: field(m, 'invoice_date_created') || todayUi(),
            invoice_time_created: timeNow(),
            invoice_group_id: field(m, 'invoice_group_id'),
            invoice_password: field(m, 'invoice_password'),
            user_id: field(m, 'user_id') || '1',
          },
          { ajax: true },
        ),
      ),
      'quote_to_invoice',
    );
    this.ids[key] = String(r.invoice_id);
    await this.b.get(`invoices/view/${this.ids[key]}`);
  }

  // ------------------------------------------------------------------ products, tax rates

  async createProduct(name: string, price: string): Promise<void> {
    const p = await this.b.get('products/form');
    await this.b.submit(p, {
      form: formWith(p, 'product_name'),
      overrides: { product_name: name, product_sku: name.slice(0, 3).toUpperCase(), product_price: price, product_description: 'One hour' },
      button: 'btn_submit',
    });
    if (!this.b.lastUrl.endsWith('/products')) throw new Error(`product form ended on ${this.b.lastUrl}`);
  }

  private async productId(name: string): Promise<string> {
    const p = await this.b.get('products');
    const m = new RegExp(`products/form/(\\d+)[^<]*>[\\s\\S]{0,200}?${name}`).exec(p) ?? /products\/form\/(\d+)/.exec(p);
    if (!m) throw new Error('no product on the list');
    return m[1]!;
  }

  async editProduct(name: string, overrides: Record<string, string>): Promise<void> {
    const id = await this.productId(name);
    const p = await this.b.get(`products/form/${id}`);
    await this.b.submit(p, { form: formWith(p, 'product_name'), overrides, button: 'btn_submit' });
  }

  async deleteProduct(name: string): Promise<void> {
    const id = await this.productId(name);
    await this.b.post(`products/delete/${id}`, {});
  }

  async createTaxRate(name: string, percent: string): Promise<void> {
    const p = await this.b.get('tax_rates/form');
    await this.b.submit(p, { form: formWith(p, 'tax_rate_name'), overrides: { tax_rate_name: name, tax_rate_percent: percent }, button: 'btn_submit' });
    if (!this.b.lastUrl.endsWith('/tax_rates')) throw new Error(`tax rate form ended on ${this.b.lastUrl}`);
  }

  async editTaxRate(name: string, percent: string): Promise<void> {
    const list = await this.b.get('tax_rates');
    const id = /tax_rates\/form\/(\d+)/.exec(list)?.[1];
    if (!id) throw new Error('no tax rate on the list');
    const p = await this.b.get(`tax_rates/form/${id}`);
    await this.b.submit(p, { form: formWith(p, 'tax_rate_name'), overrides: { tax_rate_name: name, tax_rate_percent: percent }, button: 'btn_submit' });
  }

  // ------------------------------------------------------------------ settings, users

  /** The settings page's Save: the whole form, with `changes` applied. */
  async saveSettings(changes: Record<string, string>): Promise<void> {
    const p = await this.b.get('settings');
    const overrides = Object.fromEntries(Object.entries(changes).map(([k, v]) => [`settings[${k}]`, v]));
    const r = await this.b.submit(p, { form: formWith(p, 'settings['), overrides, button: 'btn_submit' });
    if (!alerts(r).some(([k]) => k === 'success')) throw new Error(`settings: ${JSON.stringify(alerts(r))}`);
  }

  async changePassword(password: string): Promise<void> {
    const p = await this.b.get('users/change_password/1');
    await this.b.submit(p, { form: formWith(p, 'user_password'), overrides: { user_password: password, user_passwordv: password }, button: 'btn_submit' });
    if (!this.b.lastUrl.endsWith('users/form/1')) throw new Error(`password change ended on ${this.b.lastUrl}`);
  }
}
