/**
 * The real InvoicePlane 1.7.0 in a real browser, then a restore under the running app: headless
 * Chromium (Debian's /usr/bin/chromium, driven by playwright-core) logs in, creates a client, an
 * invoice with two items, marks it sent and enters a payment of the whole balance, by clicking the
 * pages (InvoicePlane's own jQuery runs: its modals, its item rows, its Save buttons). `git-dbsync
 * watch` (POLL_INTERVAL=1) runs against the app's database throughout; each click's commit is
 * checked in InvoicePlane's words. Then `git-dbsync restore <the commit before the payment> --yes`
 * runs while the app and watch keep running, and the same browser, reloading the invoice page, sees
 * it unpaid again (status Sent, balance the whole amount, "Enter Payment" offered again).
 *
 * Needs ../shared/invoiceplane-app, PHP and /usr/bin/chromium; skipped with one line otherwise.
 * Screenshots of each step go to DBSYNC_ARTEFACTS_DIR (a subfolder invoiceplane-restore) or to a new
 * `git-dbsync-artefacts-invoiceplane-*` folder in the temporary folder, whose path the test prints.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { artefactDir, CHROMIUM, launchChromium } from '../support/chromium.js';
import type { Background } from '../support/background.js';
import { IP_DB, InvoicePlaneApp, invoicePlaneSkipReason, settledAfter, watchInvoicePlane } from '../support/invoiceplane-app.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, InvoicePlaneUser } from '../support/invoiceplane-user.js';
import { baseEnv, commitCount, git, lastSubjects, runCli, tempDir, waitFor } from '../support/project.js';

const skip =
  invoicePlaneSkipReason() ?? (existsSync(CHROMIUM) ? null : `${CHROMIUM} is not installed (apt-get install chromium): the InvoicePlane browser test skipped`);

const CLIENT = 'Nordwind';
const SURNAME = 'Trading';

describe('the real InvoicePlane in Chromium: a restore under the running app', { skip: skip ?? false, timeout: 600_000 }, () => {
  let app: InvoicePlaneApp | undefined;
  let watch: Background | undefined;
  let closeBrowser: (() => Promise<void>) | undefined;
  after(async () => {
    await closeBrowser?.();
    await watch?.kill();
    await app?.stop();
  });

  it('client, invoice with items, sent, paid, each click one commit in its words; restore before the payment: the browser sees it unpaid', async () => {
    app = await InvoicePlaneApp.start();
    // The web setup over HTTP (the day-of-use test checks its commits); the browser does the rest.
    const setup = new InvoicePlaneUser(app.baseUrl, app.setupDatabase);
    await setup.setupLanguage();
    await setup.setupInstallTables();
    await setup.setupUpgradeTables();
    await setup.setupCreateUser();
    const repo = tempDir();
    const env = baseEnv({ ...app.db.env(IP_DB), PROJECT_DIR: repo, DBSYNC_PROFILE: 'invoiceplane' });
    watch = await watchInvoicePlane(env);
    await waitFor('the first snapshot (the app set up)', () => commitCount(repo) === 1, 60_000);

    const shots = artefactDir('invoiceplane-restore');
    console.log(`InvoicePlane browser screenshots: ${shots}`);
    const browser = await launchChromium();
    closeBrowser = browser.close;
    const page = browser.page;
    const jsErrors: string[] = [];
    page.on('pageerror', (e) => jsErrors.push(`${page.url()}: ${String(e)} ${e.stack ?? ''}`));
    page.on('dialog', (d) => void d.accept());
    page.setDefaultTimeout(120_000);
    const u = (p: string) => `${app!.baseUrl}/index.php/${p}`;
    let shot = 0;
    const screenshot = async (name: string) =>
      page.screenshot({
        path: path.join(shots, `${String(++shot).padStart(2, '0')}-${name.replace(/[^a-z0-9]+/gi, '-').replace(/-$/, '')}.png`),
        fullPage: true,
      });

    /** One click of the user: `act`, then the commits it made (waiting for them, or for a quiet poll when none is due). */
    const click = async (name: string, commits: 0 | 1, act: () => Promise<void>): Promise<string[]> => {
      const before = commitCount(repo);
      const from = watch!.stderr().length;
      await act();
      await screenshot(name);
      if (commits > 0) await waitFor(`a commit for "${name}"`, () => commitCount(repo) > before, 60_000);
      await settledAfter(watch!, from);
      const n = commitCount(repo) - before;
      const subjects = lastSubjects(repo, n);
      assert.equal(n, commits, `"${name}" made ${n} commit(s): ${JSON.stringify(subjects)}`);
      return subjects;
    };

    await click('log-in', 0, async () => {
      await page.goto(u('sessions/login'));
      await page.fill('#email', ADMIN_EMAIL);
      await page.fill('#password', ADMIN_PASSWORD);
      await Promise.all([page.waitForURL(/\/dashboard$/), page.click('[type=submit]')]);
    });

    const [client] = await click('create client', 1, async () => {
      await page.goto(u('clients/form'));
      await page.fill('#client_name', CLIENT);
      await page.fill('#client_surname', SURNAME);
      await page.fill('#client_email', 'ap@nordwind.test');
      await Promise.all([page.waitForURL(/clients\/view\/\d+$/), page.click('#btn-submit')]);
    });
    assert.equal(client, `Client "${CLIENT} ${SURNAME}" added`);

    const [created] = await click('create invoice', 1, async () => {
      // The client page's "Create Invoice": InvoicePlane's modal, loaded by its jQuery, then its confirm button.
      await page.click('.client-create-invoice');
      await page.locator('#invoice_create_confirm').waitFor({ state: 'visible' });
      await Promise.all([page.waitForURL(/invoices\/view\/\d+$/), page.click('#invoice_create_confirm')]);
    });
    const invoiceUrl = page.url();
    const number = await page.inputValue('#invoice_number');
    assert.ok(number !== '', 'InvoicePlane numbered the draft');
    assert.equal(created, `Invoice ${number} (${CLIENT}) added`);

    const [items] = await click('two items and Save', 1, async () => {
      await fillItemRow(page, 0, { item_name: 'Consulting', item_description: 'Two days on site', item_quantity: '2', item_price: '450.00' });
      await page.click('.btn_add_row');
      await fillItemRow(page, 1, { item_name: 'Travel', item_description: 'Train tickets', item_quantity: '1', item_price: '120.50' });
      await reloadedBy(page, () => page.click('#btn_save_invoice'));
    });
    assert.match(items!, new RegExp(`^Invoice ${esc(number)} \\(${CLIENT}\\): 2 items added`));
    assert.equal(await amount(page, 'balance'), '1,020.50');

    const [sent] = await click('mark sent', 1, async () => {
      await page.selectOption('#invoice_status_id', '2');
      await reloadedBy(page, () => page.click('#btn_save_invoice'));
    });
    assert.equal(sent, `Invoice ${number} (${CLIENT}): status draft -> sent`);
    const beforePayment = git(repo, ['rev-parse', 'HEAD']).trim();

    const [paid] = await click('enter payment (the whole balance)', 1, async () => {
      // "Enter Payment" is in the invoice's Options menu: open it, click the entry, fill InvoicePlane's modal.
      await page.click('.headerbar-item .dropdown-toggle');
      await page.click('.invoice-add-payment');
      await page.locator('#btn_modal_payment_submit').waitFor({ state: 'visible' });
      await page.fill('#payment_amount', '1020.50');
      await page.fill('#payment_note', 'bank transfer');
      await reloadedBy(page, () => page.click('#btn_modal_payment_submit'));
    });
    assert.match(paid!, new RegExp(`^Payment 1020\\.50 on ${esc(number)}\\b.*; Invoice ${esc(number)} \\(${CLIENT}\\): status sent -> paid`));
    assert.equal(await status(page), 'Paid');
    assert.equal(await amount(page, 'balance'), '0.00');
    assert.equal(await page.locator('.invoice-add-payment').count(), 0, 'a paid invoice offers no payment');

    // The restore, while InvoicePlane and watch keep running (restore waits for watch's pass, if one runs).
    const restored = await runCli(['restore', beforePayment, '--yes'], { ...env, DBSYNC_LOCK_TIMEOUT: '120' });
    assert.equal(restored.code, 0, `restore failed:\n${restored.stdout}\n${restored.stderr}`);
    const restoreSubject = git(repo, ['log', '-1', '--format=%s']).trim();
    assert.match(restoreSubject, new RegExp(`^Restore of ${beforePayment.slice(0, 7)}`), restoreSubject);
    assert.match(restoreSubject, /ip_payments|Payment 1020\.50/, 'the restore commit names what it took back');
    assert.equal(git(repo, ['diff', '--stat', beforePayment, 'HEAD', '--', 'database/data']), '', 'the data as before the payment');

    await page.goto(invoiceUrl);
    await screenshot('after restore: the invoice reloaded');
    assert.equal(await status(page), 'Sent', 'the running app shows the restored status');
    assert.equal(await amount(page, 'paid'), '0.00');
    assert.equal(await amount(page, 'balance'), '1,020.50', 'the running app shows the restored balance');
    assert.equal(await page.locator('.invoice-add-payment').count(), 1, '"Enter Payment" is offered again');
    await page.goto(u('payments'));
    await screenshot('after restore: the payments list');
    assert.ok(!(await page.textContent('body'))!.includes('1,020.50'), 'the payments list is empty again');

    // watch goes on from the restored state: nothing of its own to commit.
    const n = commitCount(repo);
    await settledAfter(watch, watch.stderr().length);
    assert.equal(commitCount(repo), n, `watch committed after the restore: ${git(repo, ['log', '-2', '--format=%s'])}`);
    assert.ok(watch.running(), `watch stopped:\n${watch.stderr().slice(-2000)}`);
    // One error is InvoicePlane's own: its attachments script (application/helpers/dropzone_helper.php)
    // binds a "remove all files" button that a read-only (paid) invoice's page does not have.
    const upstream = /invoices\/view\/\d+: TypeError: Cannot read properties of null \(reading 'addEventListener'\)/;
    assert.deepEqual(
      jsErrors.filter((e) => !upstream.test(e)),
      [],
      'no other JavaScript error on InvoicePlane pages',
    );
    // InvoicePlane's payment modal reads $_SERVER['HTTP_REFERER'], which its own $.post() of the modal does not send: a PHP warning of the app's.
    assert.deepEqual(
      app.logErrors().filter((l) => !l.includes('Undefined array key "HTTP_REFERER"')),
      [],
      'no other error in InvoicePlane log',
    );
    console.log(git(repo, ['log', '--oneline', '--no-decorate']));
  });
});

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Type into an item row of the invoice page (tbody.item; the first is the empty row of a new invoice). */
async function fillItemRow(page: Page, i: number, values: Record<string, string>): Promise<void> {
  const row = page.locator('#item_table tbody.item').nth(i);
  for (const [name, v] of Object.entries(values)) await row.locator(`[name=${name}]`).fill(v);
}

/** Click a button whose handler posts with jQuery and then reloads the page (window.location): wait for the new page. */
async function reloadedBy(page: Page, act: () => Promise<void>): Promise<void> {
  const loaded = page.waitForEvent('load', { timeout: 120_000 });
  await act();
  await loaded;
  await page.waitForLoadState('load');
}

/** The invoice's status as its drop-down shows it. */
function status(page: Page): Promise<string> {
  return page.$eval('#invoice_status_id', (s) => (s as HTMLSelectElement).selectedOptions[0]!.textContent!.trim());
}

/** An amount of the invoice's totals table ("paid", "balance"), digits only ("$1,020.50" -> "1,020.50"). */
async function amount(page: Page, label: 'paid' | 'balance'): Promise<string> {
  const text = await page.$$eval(
    'table tr',
    (rows, l) => {
      const row = rows.find((r) => r.querySelector('td')?.textContent?.trim().toLowerCase() === l);
      return row?.querySelector('td.amount')?.textContent ?? null;
    },
    label,
  );
  if (text === null) throw new Error(`no ${label} row on ${page.url()}`);
  return text.replace(/[^0-9.,-]/g, '');
}
