/**
 * The real InvoicePlane 1.7.0, end to end: `git-dbsync watch` (POLL_INTERVAL=1, the InvoicePlane
 * profile) runs against the app's database while a user goes through the web setup and a day of
 * use over HTTP. Per user action: how many commits it made (one; none for log-in, failed log-in,
 * browsing, log-out) and that the subject names the action in InvoicePlane's words. A second,
 * shorter run keeps sessions in the database (ip_sessions written on nearly every request), which
 * must make no commit of its own.
 *
 * Needs ../shared/invoiceplane-app and PHP (see .ci/run); skipped with one line otherwise.
 * DBSYNC_WRITE_E2E_LOG=folder writes the day's `git log --oneline` and the table "what each user
 * action commits" there (pasted into docs/guides/invoiceplane.md).
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { background, type Background } from '../support/background.js';
import { IP_DB, InvoicePlaneApp, invoicePlaneSkipReason } from '../support/invoiceplane-app.js';
import { InvoicePlaneUser } from '../support/invoiceplane-user.js';
import { baseEnv, commitCount, git, lastSubjects, tempDir, waitFor } from '../support/project.js';

const skip = invoicePlaneSkipReason();

interface Step {
  /** The user action, as the table in the docs names it. */
  readonly action: string;
  readonly run: (u: InvoicePlaneUser) => Promise<void>;
  /** Commits the action must make: 1, or 0. */
  readonly commits: 0 | 1;
  /** What the subject must say (computed after the action: numbers are assigned by InvoicePlane). */
  readonly subject?: (u: InvoicePlaneUser) => Promise<RegExp> | RegExp;
  /** What the body must say. */
  readonly body?: RegExp;
}

interface Outcome {
  readonly action: string;
  readonly subjects: string[];
}

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const exactly = (s: string) => new RegExp(`^${esc(s)}$`);

/** Watch's stderr since `from` holds a skipped poll: the probe saw nothing new after the action, so its commit (if any) is done. */
async function settled(watch: Background, from: number): Promise<void> {
  await waitFor('watch to settle after the action (a skipped poll)', () => watch.stderr().slice(from).includes('poll skipped'), 30_000);
}

/** Run the steps against a running watch, asserting per step; returns what each step committed. */
async function drive(steps: readonly Step[], user: InvoicePlaneUser, repo: string, watch: Background, app: InvoicePlaneApp): Promise<Outcome[]> {
  const out: Outcome[] = [];
  const problems: string[] = [];
  for (const step of steps) {
    const before = commitCount(repo);
    try {
      await step.run(user);
    } catch (e) {
      const soFar = out.map((o) => `  ${o.action}: ${JSON.stringify(o.subjects)}`).join('\n');
      throw new Error(
        `${step.action}: ${(e as Error).message}\nInvoicePlane log:\n${app.logErrors().slice(-5).join('\n')}\nso far:\n${soFar}\n${problems.join('\n')}`,
      );
    }
    const from = watch.stderr().length;
    // An action that commits is done at its commit: a second commit of the same action (a split)
    // would land during the next one and fail the next count. One that must not commit waits for
    // a poll that saw nothing new (a pass it caused, such as for ip_sessions, has run by then).
    if (step.commits > 0) await waitFor(`a commit for "${step.action}"`, () => commitCount(repo) > before, 30_000);
    else await settled(watch, from);
    if (step === steps.at(-1)) await settled(watch, watch.stderr().length);
    const n = commitCount(repo) - before;
    const subjects = lastSubjects(repo, n);
    out.push({ action: step.action, subjects });
    // Every step runs: the failures are listed together at the end (one run shows them all).
    if (n !== step.commits) problems.push(`"${step.action}" made ${n} commit(s), not ${step.commits}: ${JSON.stringify(subjects)}`);
    else if (step.subject) {
      const want = await step.subject(user);
      if (!want.test(subjects[0]!)) problems.push(`"${step.action}": subject ${JSON.stringify(subjects[0])} does not match ${want}`);
    }
    if (step.body && n > 0 && !step.body.test(git(repo, ['log', '-1', '--format=%b']))) problems.push(`"${step.action}": body does not match ${step.body}`);
  }
  assert.deepEqual(problems, [], `the user actions and their commits:\n${out.map((o) => `  ${o.action}: ${JSON.stringify(o.subjects)}`).join('\n')}`);
  return out;
}

async function startWatch(app: InvoicePlaneApp, repo: string): Promise<Background> {
  const env = baseEnv({
    ...app.db.env(IP_DB),
    PROJECT_DIR: repo,
    POLL_INTERVAL: '1',
    DBSYNC_PROFILE: 'invoiceplane',
    // Debug lines tell each skipped poll: the test waits for one after each action.
    DBSYNC_LOG_LEVEL: 'debug',
    // InvoicePlane's upgrade runs its 41 SQL files for several seconds without a pause: the default
    // 2 s would commit it in two parts (docs/guides/invoiceplane.md recommends 10 s for the same reason).
    DBSYNC_MAX_DELAY: '10',
  });
  const watch = background(['watch'], env);
  await watch.waitForLog(/INFO watching database/);
  return watch;
}

const SETUP: Step[] = [
  { action: 'setup: language, prerequisites, database form', run: (u) => u.setupLanguage(), commits: 0 },
  { action: 'setup: install tables', run: (u) => u.setupInstallTables(), commits: 1, subject: () => /^InvoicePlane 1\.0\.0 installed/ },
  {
    action: 'setup: upgrade tables',
    run: (u) => u.setupUpgradeTables(),
    commits: 1,
    subject: () => /^InvoicePlane upgraded 1\.0\.0 -> 1\.\d+\.\d+/,
  },
  { action: 'setup: create the admin user', run: (u) => u.setupCreateUser(), commits: 1, subject: () => exactly('User "Admin" added') },
];

const DAY: Step[] = [
  { action: 'failed log-in', run: (u) => u.failedLogin(), commits: 0 },
  { action: 'log in', run: (u) => u.login(), commits: 0 },
  { action: 'create client', run: (u) => u.createClient('acme', 'ACME', 'Ltd'), commits: 1, subject: () => exactly('Client "ACME Ltd" added') },
  { action: 'create a second client', run: (u) => u.createClient('globex', 'Globex'), commits: 1, subject: () => exactly('Client "Globex" added') },
  {
    action: 'edit client',
    run: (u) => u.editClient('acme', { client_phone: '555-0199' }),
    commits: 1,
    subject: () => exactly('Client "ACME Ltd": phone changed'),
  },
  {
    action: 'create invoice (draft: its number is assigned)',
    run: (u) => u.createInvoice('inv1', 'acme'),
    commits: 1,
    subject: async (u) => exactly(`Invoice ${await u.invoiceNumber('inv1')} (ACME) added`),
  },
  {
    action: 'add two items and Save',
    run: (u) =>
      u.saveInvoice('inv1', {
        add: [
          { item_name: 'Consulting', item_description: 'Two days on site', item_quantity: '2', item_price: '450.00' },
          { item_name: 'Travel', item_description: 'Train tickets', item_quantity: '1', item_price: '120.50' },
        ],
      }),
    commits: 1,
    subject: async (u) => new RegExp(`^Invoice ${esc(await u.invoiceNumber('inv1'))} \\(ACME\\): 2 items added`),
  },
  {
    action: 'edit an item (price) and Save',
    run: (u) =>
      u.saveInvoice('inv1', {
        edit: (rows) => {
          const travel = rows.find((r) => r.item_name === 'Travel')!;
          travel.item_price = '99.50';
        },
      }),
    commits: 1,
    subject: async (u) => new RegExp(`^Invoice ${esc(await u.invoiceNumber('inv1'))} \\(ACME\\): 1 item changed`),
  },
  {
    action: 'add a third item and Save',
    run: async (u) => {
      await u.saveInvoice('inv1', { add: [{ item_name: 'Hosting', item_quantity: '1', item_price: '10.00' }] });
    },
    commits: 1,
    subject: async (u) => new RegExp(`^Invoice ${esc(await u.invoiceNumber('inv1'))} \\(ACME\\): 1 item added`),
  },
  {
    action: 'delete an item',
    run: (u) => u.deleteInvoiceItem('inv1', 'Hosting'),
    commits: 1,
    subject: async (u) => new RegExp(`^Invoice ${esc(await u.invoiceNumber('inv1'))} \\(ACME\\): 1 item deleted`),
  },
  {
    action: 'mark sent',
    run: (u) => u.saveInvoice('inv1', { status: '2' }),
    commits: 1,
    subject: async (u) => exactly(`Invoice ${await u.invoiceNumber('inv1')} (ACME): status draft -> sent`),
  },
  { action: 'browse (lists, invoice view)', run: (u) => u.browse(), commits: 0 },
  {
    action: 'partial payment',
    run: (u) => u.addPayment('inv1', '500.00'),
    commits: 1,
    subject: async (u) => new RegExp(`^Payment 500\\.00 on ${esc(await u.invoiceNumber('inv1'))}`),
  },
  {
    action: 'full payment (the rest: the invoice is paid)',
    run: (u) => u.addPayment('inv1', '499.50'),
    commits: 1,
    subject: async (u) => new RegExp(`^Payment 499\\.50 on ${esc(await u.invoiceNumber('inv1'))}.*status sent -> paid`),
  },
  {
    action: 'create quote with an item',
    run: (u) => u.createQuote('q1', 'acme', [{ item_name: 'Website redesign', item_quantity: '1', item_price: '2500.00' }]),
    commits: 1,
    subject: async (u) => new RegExp(`^Quote ${esc(await u.quoteNumber('q1'))} \\(ACME\\) added`),
  },
  {
    action: 'quote accepted',
    run: (u) => u.saveQuote('q1', { status: '4' }),
    commits: 1,
    subject: async (u) => exactly(`Quote ${await u.quoteNumber('q1')} (ACME) accepted`),
  },
  {
    action: 'quote converted to invoice',
    run: (u) => u.quoteToInvoice('inv2', 'q1'),
    commits: 1,
    subject: async (u) => new RegExp(`Invoice ${esc(await u.invoiceNumber('inv2'))} \\(ACME\\) added with 1 item`),
  },
  {
    action: 'create a second quote',
    run: async (u) => {
      await u.createQuote('q2', 'globex', [{ item_name: 'Logo', item_quantity: '1', item_price: '300.00' }]);
    },
    commits: 1,
    subject: async (u) => new RegExp(`^Quote ${esc(await u.quoteNumber('q2'))} \\(Globex\\) added`),
  },
  {
    action: 'quote rejected',
    run: (u) => u.saveQuote('q2', { status: '5' }),
    commits: 1,
    subject: async (u) => exactly(`Quote ${await u.quoteNumber('q2')} (Globex) rejected`),
  },
  {
    action: 'copy invoice',
    run: (u) => u.copyInvoice('inv3', 'inv1'),
    commits: 1,
    subject: async (u) => new RegExp(`^Invoice ${esc(await u.invoiceNumber('inv3'))} \\(ACME\\) added with 2 items`),
  },
  {
    action: 'credit note',
    run: (u) => u.creditNote('credit', 'inv1'),
    commits: 1,
    subject: async (u) => new RegExp(`Invoice ${esc(await u.invoiceNumber('credit'))} \\(ACME\\) added with 2 items`),
  },
  {
    action: 'delete a draft invoice',
    run: (u) => u.deleteInvoice('inv3'),
    commits: 1,
    subject: () => /^Invoice \S+ \(ACME\) deleted/,
  },
  { action: 'create product', run: (u) => u.createProduct('Support hour', '80.00'), commits: 1, subject: () => exactly('Product "Support hour" added') },
  {
    action: 'edit product price',
    run: (u) => u.editProduct('Support hour', { product_price: '85.00' }),
    commits: 1,
    subject: () => exactly('Product "Support hour": price 80.00 -> 85.00'),
  },
  { action: 'create tax rate', run: (u) => u.createTaxRate('VAT', '20'), commits: 1, subject: () => exactly('Tax rate "VAT" added') },
  {
    action: 'edit tax rate',
    run: (u) => u.editTaxRate('VAT', '19'),
    commits: 1,
    subject: () => exactly('Tax rate "VAT": percent 20.00 -> 19.00'),
  },
  {
    action: 'first settings save (one setting changed)',
    run: (u) => u.saveSettings({ default_invoice_terms: 'Payment within 14 days, please.' }),
    commits: 1,
    subject: () => /^Settings changed: default_invoice_terms \(\d+ defaults stored\)$/,
  },
  {
    action: 'later settings save',
    run: (u) => u.saveSettings({ default_invoice_terms: 'Payment within 30 days.' }),
    commits: 1,
    subject: () => exactly('Settings changed: default_invoice_terms'),
  },
  {
    action: 'SMTP password changed (a secret)',
    run: (u) => u.saveSettings({ smtp_password: 'smtp-secret-2' }),
    commits: 1,
    subject: () => exactly('Settings changed: smtp_password'),
  },
  {
    action: 'SMTP password changed again (a redacted secret: only its marker changes)',
    run: (u) => u.saveSettings({ smtp_password: 'smtp-secret-3' }),
    commits: 1,
    subject: () => exactly('Settings changed: smtp_password'),
  },
  { action: 'user password change', run: (u) => u.changePassword('N3w-Passw0rd!'), commits: 1, subject: () => exactly('User "Admin": password changed') },
  { action: 'delete product', run: (u) => u.deleteProduct('Support hour'), commits: 1, subject: () => exactly('Product "Support hour" deleted') },
  { action: 'delete client', run: (u) => u.deleteClient('globex'), commits: 1, subject: () => /^Quote \S+ \(Globex\) deleted; Client "Globex" deleted$/ },
  {
    action: 'Save an invoice without changing it',
    run: (u) => u.saveInvoice('inv2'),
    commits: 1,
    subject: async (u) => exactly(`Invoice ${await u.invoiceNumber('inv2')} (ACME) saved without changes`),
  },
  {
    action: 'an administrator adds a column (ALTER TABLE outside InvoicePlane)',
    run: () => alter('ALTER TABLE ip_invoices ADD COLUMN invoice_po_number VARCHAR(64) NULL'),
    commits: 1,
    subject: () => exactly('Schema: ip_invoices added column invoice_po_number'),
    body: /^ip_invoices: schema changed \(added column invoice_po_number\), 0 added, (\d+) changed \(\1 by the schema change\), 0 deleted$/m,
  },
  { action: 'log out', run: (u) => u.logout(), commits: 0 },
];

/** The app of the running test, for the step that changes its schema by hand. */
let running: InvoicePlaneApp | undefined;

async function alter(sql: string): Promise<void> {
  const c = await running!.db.connect(IP_DB);
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

// One suite, so that a machine without the app or PHP prints one skip line.
describe('InvoicePlane 1.7.0, end to end', { skip: skip ?? false }, () => {
  describe('the real InvoicePlane under watch', () => {
    let app: InvoicePlaneApp | undefined;
    let watch: Background | undefined;
    after(async () => {
      await watch?.kill();
      await app?.stop();
    });

    it('setup and a day of use: one commit per user action, in InvoicePlane words; none for log-in, browsing, log-out', async () => {
      app = await InvoicePlaneApp.start();
      running = app;
      const repo = tempDir();
      watch = await startWatch(app, repo);
      await waitFor('the first snapshot (empty database)', () => commitCount(repo) === 1, 30_000);
      const user = new InvoicePlaneUser(app.baseUrl, app.setupDatabase);
      const outcomes = await drive([...SETUP, ...DAY], user, repo, watch, app);
      writeReport(repo, outcomes, watch);
    });
  });

  describe('the real InvoicePlane with sessions in the database', () => {
    let app: InvoicePlaneApp | undefined;
    let watch: Background | undefined;
    after(async () => {
      await watch?.kill();
      await app?.stop();
    });

    it('ip_sessions written on nearly every request makes no commit of its own', async () => {
      app = await InvoicePlaneApp.start();
      const repo = tempDir();
      const user = new InvoicePlaneUser(app.baseUrl, app.setupDatabase);
      await user.setupLanguage();
      await user.setupInstallTables();
      await user.setupUpgradeTables();
      await user.setupCreateUser();
      app.useDatabaseSessions();
      watch = await startWatch(app, repo);
      await waitFor('the first snapshot', () => commitCount(repo) === 1, 30_000);
      // A shorter day: the requests that write ip_sessions without changing anything else, and a few that do.
      const day = DAY.filter((s) =>
        [
          'failed log-in',
          'log in',
          'create client',
          'create invoice (draft: its number is assigned)',
          'mark sent',
          'browse (lists, invoice view)',
          'log out',
        ].includes(s.action),
      );
      const sessionsBefore = await sessionRows(app);
      const outcomes = await drive(day, user, repo, watch, app);
      assert.ok((await sessionRows(app)) !== sessionsBefore, 'InvoicePlane wrote ip_sessions during the day');
      assert.match(git(repo, ['show', '--stat', '--format=', 'HEAD']), /ip_invoices/);
      writeReport(repo, outcomes, watch, '-db-sessions');
    });
  });
});

/** The rows of ip_sessions with their timestamps (what changes when InvoicePlane writes a session). */
async function sessionRows(app: InvoicePlaneApp): Promise<string> {
  const c = await app.db.connect(IP_DB);
  try {
    const [rows] = await c.query('SELECT id, timestamp FROM ip_sessions ORDER BY id');
    return JSON.stringify(rows);
  } finally {
    await c.end();
  }
}

/** DBSYNC_WRITE_E2E_LOG=folder: the day's `git log --oneline` and the table of what each action committed, for the docs. */
function writeReport(repo: string, outcomes: readonly Outcome[], watch: Background, suffix = ''): void {
  const dir = process.env.DBSYNC_WRITE_E2E_LOG;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, `watch-stderr${suffix}.log`), watch.stderr());
  writeFileSync(path.join(dir, `git-log${suffix}.txt`), git(repo, ['log', '--oneline', '--no-decorate']));
  const cell = (s: string) => s.replaceAll('|', '\\|');
  const rows = outcomes.map(
    (o) => `| ${cell(o.action)} | ${o.subjects.length} | ${o.subjects.length > 0 ? o.subjects.map((s) => `\`${cell(s)}\``).join('<br>') : '(none)'} |`,
  );
  writeFileSync(path.join(dir, `actions${suffix}.md`), ['| user action | commits | subject |', '|---|---|---|', ...rows, ''].join('\n'));
}
