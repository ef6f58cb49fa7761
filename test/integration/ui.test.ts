/**
 * The history page (`git-dbsync ui`, issue 14) on a real repository made by real passes over a real
 * MariaDB with InvoicePlane's schema, looked at by a real headless Chromium (Debian's `chromium`,
 * driven by playwright-core): the timeline lists the commits in order with the profile's subjects;
 * a commit page shows the changed cells by column name; a record page shows each version; the as-of
 * view of a table at an older commit equals that commit's rows; a request without the token is
 * refused; secret columns (redacted, and one kept in clear) never appear in any page's HTML.
 * Screenshots of each page go to an artefact folder whose path is printed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Connection } from 'mysql2/promise';
import { background, type Background } from '../support/background.js';
import { MariaDbServer } from '../support/mariadb-server.js';
import { baseEnv, cli, git, ROOT, tempDir, waitFor } from '../support/project.js';

const SCHEMA = readFileSync(path.join(ROOT, 'assets/invoiceplane/schema.sql'), 'utf8');
import { artefactDir, CHROMIUM, launchChromium } from '../support/chromium.js';
const DB = 'invoiceplane';

/** Secret values: the password hash and salt are redacted (the default); the e-mail address is declared a secret kept in clear. */
const HASH = '$2y$10$UiTestHashNeverShown0123456789abcdefghijklmnopqr';
const SALT = 'UiTestSaltNeverShown';
const KEPT_EMAIL = 'kept-secret-mail@example.test';

const SEED = `
INSERT INTO ip_users (user_id, user_type, user_active, user_date_created, user_date_modified, user_name, user_email, user_password, user_psalt)
  VALUES (1, 1, 1, '2026-01-01 09:00:00', '2026-01-01 09:00:00', 'Admin', '${KEPT_EMAIL}', '${HASH}', '${SALT}');
INSERT INTO ip_payment_methods (payment_method_id, payment_method_name) VALUES (1, 'bank transfer'), (2, 'cash');
INSERT INTO ip_invoice_groups (invoice_group_id, invoice_group_name, invoice_group_identifier_format, invoice_group_next_id, invoice_group_left_pad)
  VALUES (1, 'Invoice Default', 'INV-{{{year}}}-{{{id}}}', 42, 4);
INSERT INTO ip_settings (setting_key, setting_value) VALUES ('default_language', 'english'), ('currency_symbol', 'EUR'),
  ('date_format', 'd.m.Y'), ('invoices_due_after', '14'), ('quotes_expire_after', '30'), ('currency_symbol_placement', 'after'),
  ('thousands_separator', '.'), ('decimal_point', ','), ('tax_rate_decimal_places', '2'), ('default_invoice_group', '1'),
  ('number_format', 'number_format_comma_decimal'), ('first_day_of_week', '1');
`;

describe('the history page (git-dbsync ui)', { timeout: 300_000 }, () => {
  let server: MariaDbServer;
  let conn: Connection;
  let repo: string;
  let env: NodeJS.ProcessEnv;
  let ui: Background;
  let url: string;
  let origin: string;
  let token: string;
  /** Commits by step, and ip_clients as the database had it right after the client was added. */
  const commits: Record<string, string> = {};
  let clientsThen: Array<[string, string]>;

  const sync = (step: string) => {
    const r = cli(['sync'], env);
    assert.equal(r.code, 0, `sync failed: ${r.stderr}`);
    commits[step] = git(repo, ['rev-parse', 'HEAD']).trim();
  };
  const get = (p: string, cookie?: string, method = 'GET') =>
    fetch(origin + p, { method, redirect: 'manual', headers: cookie ? { cookie: `dbsync_ui=${cookie}` } : {} });

  before(async () => {
    server = await MariaDbServer.start();
    conn = await server.connect(DB);
    await conn.query("SET SESSION sql_mode='NO_ENGINE_SUBSTITUTION'");
    await conn.query(SCHEMA);
    await conn.query(SEED);
    repo = tempDir();
    env = baseEnv({ ...server.env(DB), PROJECT_DIR: repo, DBSYNC_SECRET_POLICY: 'ip_users.user_email=keep' });
    sync('first');
    await conn.query(
      "INSERT INTO ip_clients (client_id, client_date_created, client_date_modified, client_name, client_active) VALUES (1, NOW(), NOW(), 'ACME Ltd', 1)",
    );
    sync('client');
    clientsThen = (
      (await conn.query('SELECT client_id, client_name FROM ip_clients ORDER BY client_id'))[0] as Array<{ client_id: number; client_name: string }>
    ).map((r) => [String(r.client_id), `'${r.client_name}'`]);
    await conn.query(
      "INSERT INTO ip_invoices (invoice_id, user_id, client_id, invoice_group_id, invoice_status_id, invoice_date_created, invoice_date_modified, invoice_date_due, invoice_number, invoice_terms, invoice_url_key) VALUES (1, 1, 1, 1, 1, '2026-01-10', NOW(), '2026-01-24', 'INV-2026-0042', 'Payable within 14 days', 'k1')",
    );
    await conn.query('INSERT INTO ip_invoice_amounts (invoice_amount_id, invoice_id, invoice_sign) VALUES (1, 1, 1)');
    await conn.query(
      "INSERT INTO ip_invoice_items (item_id, invoice_id, item_date_added, item_name, item_quantity, item_price, item_order) VALUES (1, 1, '2026-01-10', 'Consulting', 1, 100.00, 1)",
    );
    sync('invoice');
    await conn.query('UPDATE ip_invoices SET invoice_status_id = 2 WHERE invoice_id = 1');
    sync('sent');
    await conn.query(
      "INSERT INTO ip_clients (client_id, client_date_created, client_date_modified, client_name, client_active) VALUES (2, NOW(), NOW(), 'Beta GmbH', 1)",
    );
    await conn.query("UPDATE ip_clients SET client_name = 'ACME Limited' WHERE client_id = 1");
    await conn.query(
      "INSERT INTO ip_payments (payment_id, invoice_id, payment_method_id, payment_date, payment_amount, payment_note) VALUES (1, 1, 1, '2026-01-20', 100.00, '')",
    );
    await conn.query('UPDATE ip_invoices SET invoice_status_id = 4 WHERE invoice_id = 1');
    sync('paid');
    // The kept secret is in the repository in clear: the page must still not show it (the test can fail).
    assert.ok(git(repo, ['show', 'HEAD:database/data/ip_users.sql']).includes(KEPT_EMAIL));
    assert.ok(!git(repo, ['show', 'HEAD:database/data/ip_users.sql']).includes(HASH), 'the hash is redacted in the files');

    // The page needs no database settings: only the repository (and the same secret settings).
    ui = background(['ui'], baseEnv({ PROJECT_DIR: repo, DBSYNC_UI_ADDR: '127.0.0.1:0', DBSYNC_SECRET_POLICY: 'ip_users.user_email=keep' }));
    await waitFor('the address', () => /history page: (http:\S+)/.test(ui.stdout()), 30_000);
    url = /history page: (http:\S+)/.exec(ui.stdout())![1]!;
    const u = new URL(url);
    origin = u.origin;
    token = u.searchParams.get('token')!;
    assert.ok(token.length >= 32, url);
  });
  after(async () => {
    await ui?.kill();
    await conn?.end();
    await server?.destroy();
  });

  it('refuses every request without the token, moves the token into a cookie, only reads', async () => {
    for (const p of ['/', '/style.css', `/commit/${commits.paid}`, '/record?table=ip_invoices&key=1', '/asof']) {
      const r = await get(p);
      assert.equal(r.status, 403, p);
      assert.ok(!(await r.text()).includes('INV-2026-0042'), `nothing of the history on ${p}`);
    }
    assert.equal((await get('/', 'x'.repeat(token.length))).status, 403, 'a wrong token of the right length');
    const first = await get(`/?token=${token}&page=0`);
    assert.equal(first.status, 303);
    assert.equal(first.headers.get('location'), '/?page=0', 'the token leaves the address');
    assert.equal(first.headers.get('set-cookie'), `dbsync_ui=${token}; HttpOnly; SameSite=Strict; Path=/`);
    assert.equal((await get('/', token)).status, 200);
    assert.equal((await get('/', token, 'POST')).status, 405, 'read-only');
    assert.equal((await get('/', undefined, 'POST')).status, 403);
    assert.ok(!ui.stderr().includes(token), 'the token is not in the log');
    assert.equal(ui.stdout().split(token).length, 2, 'the token is printed once');
    assert.equal(git(repo, ['status', '--porcelain']), '', 'the page wrote nothing into the repository');
  });

  it('shows no secret in any page, with or without a browser (redacted ones as the file has them, a kept one hidden)', async () => {
    const seen: string[] = [];
    for (const p of [
      '/',
      `/commit/${commits.first}`,
      `/commit/${commits.paid}`,
      '/record?table=ip_users&key=1',
      `/asof?at=${commits.first}&table=ip_users`,
      '/asof?table=ip_users',
      '/asof?table=ip_settings',
      '/search?q=admin',
      '/search?q=acme',
      '/conflicts',
    ]) {
      const r = await get(p, token);
      assert.equal(r.status, 200, p);
      const text = await r.text();
      for (const secret of [HASH, SALT, KEPT_EMAIL]) assert.ok(!text.includes(secret), `${p} shows a secret`);
      seen.push(text);
    }
    assert.ok(
      seen.some((t) => t.includes('<td data-column="user_email">[secret]</td>')),
      'the kept one is there, hidden',
    );
    // Redacted as the file has it: the placeholder with its change marker (an HMAC under a local key, never the value).
    assert.ok(seen.some((t) => /<td data-column="user_password">&#39;dbsync:redacted:[0-9a-f]{12}&#39;<\/td>/.test(t)));
  });

  it('the as-of view orders a table by any column, numbers by value, and never by a hidden secret column', async () => {
    const cells = (text: string, column: string) => [...text.matchAll(new RegExp(`<td data-column="${column}">([^<]*)</td>`, 'g'))].map((m) => m[1]!);
    const page = async (p: string) => {
      const r = await get(p, token);
      assert.equal(r.status, 200, p);
      return r.text();
    };
    const plain = await page('/asof?table=ip_settings');
    const keys = cells(plain, 'setting_key');
    assert.ok(keys.length >= 3, `ip_settings has rows to order: ${keys.length}`);
    const ascending = await page('/asof?table=ip_settings&sort=setting_key');
    assert.deepEqual(cells(ascending, 'setting_key'), [...keys].sort(), 'by name, ascending');
    assert.match(ascending, /<th aria-sort="ascending"><a href="[^"]*sort=setting_key&#38;dir=desc"/, 'the header links the other direction');
    const descending = await page('/asof?table=ip_settings&sort=setting_key&dir=desc');
    assert.deepEqual(cells(descending, 'setting_key'), [...keys].sort().reverse(), 'by name, descending');
    const ids = cells(plain, 'setting_id').map(Number);
    const byId = cells(await page('/asof?table=ip_settings&sort=setting_id&dir=desc'), 'setting_id').map(Number);
    assert.deepEqual(
      byId,
      [...ids].sort((a, b) => b - a),
      'numbers by value, not as text',
    );
    // A column with a secret rule keeps the snapshot's order: sorting by it would hint at hidden values.
    const bySecret = await page('/asof?table=ip_users&sort=user_email&dir=desc');
    assert.ok(!bySecret.includes('aria-sort'), 'no order by a secret column');
    assert.deepEqual(cells(bySecret, 'user_id'), cells(await page('/asof?table=ip_users'), 'user_id'));
  });

  it('the invoice page shows every version of an invoice with its items and payments, newest first, and is linked from search and the record page', async () => {
    const r = await get('/invoice?number=INV-2026-0042', token);
    assert.equal(r.status, 200);
    const text = await r.text();
    const versions = [...text.matchAll(/<li class="version" data-commit="([0-9a-f]{40})">/g)].map((m) => m[1]);
    assert.deepEqual(versions, [commits.paid, commits.sent, commits.invoice], 'the commits that changed the invoice or its rows, newest first');
    const paid = text.slice(text.indexOf(`data-commit="${commits.paid}"`), text.indexOf(`data-commit="${commits.sent}"`));
    assert.ok(paid.includes('data-table="ip_payments"') && paid.includes('data-table="ip_invoices"'), 'the payment beside the status change');
    assert.ok(!paid.includes('data-table="ip_clients"'), "another record's change in the same commit is left out");
    const created = text.slice(text.indexOf(`data-commit="${commits.invoice}"`));
    for (const t of ['ip_invoices', 'ip_invoice_items', 'ip_invoice_amounts']) assert.ok(created.includes(`data-table="${t}"`), t);
    assert.ok(created.includes('Consulting'), 'the item by its cells');
    assert.match(await (await get('/invoice?number=INV-2026-9999', token)).text(), /No invoice numbered “INV-2026-9999”/);
    assert.equal((await get('/invoice', token)).status, 400);
    assert.ok((await (await get('/search?q=inv-2026-0042', token)).text()).includes('href="/invoice?number=INV-2026-0042"'), 'from search');
    assert.ok((await (await get('/record?table=ip_invoices&key=1', token)).text()).includes('href="/invoice?number=INV-2026-0042"'), 'from the record page');
  });

  it('search by invoice number or client name leads to the record page (InvoicePlane profile)', async () => {
    const found = await (await get('/search?q=inv-2026-0042', token)).text();
    assert.ok(found.includes('<a href="/record?table=ip_invoices&#38;key=1">Invoice INV-2026-0042</a>'), found);
    const clients = await (await get('/search?q=acme', token)).text();
    assert.ok(clients.includes('<a href="/record?table=ip_clients&#38;key=1">Client ACME Limited</a>'), 'the name the last snapshot has');
    assert.ok(!clients.includes('ip_invoices&#38;key'), 'a client name finds clients only');
    assert.ok(clients.includes('href="/?q=acme"'), 'and the changes whose description names it');
    const none = await (await get('/search?q=no-such-thing', token)).text();
    assert.match(none, /No invoice, quote, client in the last snapshot contains/);
  });

  it('watch serves the same page when DBSYNC_UI_ADDR is set, with DBSYNC_UI_TOKEN and DBSYNC_UI_ALLOW_RESTORE, and stops it with the loop', async () => {
    const fixed = 'watch-token-0123456789abcdef';
    const watch = background(['watch'], { ...env, POLL_INTERVAL: '0.2', DBSYNC_UI_ADDR: '127.0.0.1:0', DBSYNC_UI_TOKEN: fixed, DBSYNC_UI_ALLOW_RESTORE: '1' });
    try {
      await waitFor('the address', () => /history page: (http:\S+)/.test(watch.stdout()), 30_000);
      const at = new URL(/history page: (http:\S+)/.exec(watch.stdout())![1]!);
      assert.equal(at.searchParams.get('token'), fixed);
      const home = await fetch(`${at.origin}/`, { headers: { cookie: `dbsync_ui=${fixed}` } });
      assert.equal(home.status, 200);
      assert.ok((await home.text()).includes('Invoice INV-2026-0042 (ACME Ltd): status draft -&#62; sent'));
      assert.equal((await fetch(`${at.origin}/`)).status, 403);
      // DBSYNC_UI_ALLOW_RESTORE=1 reaches the page watch serves: the commit page offers the restore.
      const commitPage = await (await fetch(`${at.origin}/commit/${commits.client}`, { headers: { cookie: `dbsync_ui=${fixed}` } })).text();
      assert.ok(commitPage.includes('class="restore" href="/restore?'), 'restore offered');
      await watch.waitForLog(/watching database/);
      assert.ok(!watch.stderr().includes(fixed), 'the token is not in the log');
      watch.child.kill('SIGTERM');
      assert.equal(await watch.waitExit(60_000), 0);
      await assert.rejects(fetch(`${at.origin}/`), 'the page stops with watch');
    } finally {
      await watch.kill();
    }
  });

  const browserSkip = existsSync(CHROMIUM) ? false : `${CHROMIUM} is not installed (apt-get install chromium): browser checks skipped`;
  it('shows the timeline, a commit, a record and a table as of a commit in Chromium; no secret in any page', { skip: browserSkip }, async () => {
    const shots = artefactDir('ui');
    console.log(`ui screenshots: ${shots}`);
    const browser = await launchChromium({ width: 1100, height: 800 });
    const pages: Array<[string, string]> = [];
    try {
      const { page } = browser;
      const visit = async (name: string, p: string) => {
        const r = await page.goto(p.startsWith('http') ? p : origin + p);
        assert.equal(r?.status(), 200, `${name}: ${p}`);
        pages.push([name, await page.content()]);
        await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
      };

      // Timeline: the printed address (with its token) once; the cookie does the rest.
      await visit('timeline', url);
      assert.equal(new URL(page.url()).search, '', 'the token left the address bar');
      const subjects = await page.$$eval('ol.commits li a', (as) => as.map((a) => a.textContent));
      assert.deepEqual(subjects, git(repo, ['log', '--format=%s']).trim().split('\n'), 'every commit, newest first, with its subject');
      assert.ok(subjects.includes('Invoice INV-2026-0042 (ACME Ltd): status draft -> sent'), subjects.join('\n'));
      assert.match((await page.textContent('#verdict')) ?? '', /^OK: last snapshot/);
      assert.equal(await page.locator('.chart rect').count(), 30, 'a bar per day');
      // Filters: a table, and a text.
      await visit('timeline-filtered', '/?table=ip_payments');
      assert.deepEqual(
        await page.$$eval('ol.commits li a', (as) => as.map((a) => a.getAttribute('href'))),
        [`/commit/${commits.paid}`, `/commit/${commits.first}`],
        'the payment, and the first snapshot that made the table',
      );
      await visit('timeline-text', '/?q=acme+ltd');
      assert.equal(await page.locator('ol.commits li').count(), 3, 'the client, the invoice, its status change');

      // A commit: the changed cell by column name, highlighted, and the row in the profile's words.
      await visit('commit', `/commit/${commits.sent}`);
      const cell = page.locator('section[data-table="ip_invoices"] td.changed[data-column="invoice_status_id"]');
      assert.equal(await cell.locator('del').textContent(), '1');
      assert.equal(await cell.locator('ins').textContent(), '2');
      assert.match((await page.textContent('section[data-table="ip_invoices"] .words')) ?? '', /^Invoice INV-2026-0042 \(ACME Ltd\): status draft -> sent/);
      await visit('commit-paid', `/commit/${commits.paid}`);
      assert.equal(await page.locator('section[data-table="ip_payments"] tr.added').count(), 1);
      assert.equal(await page.locator('section[data-table="ip_clients"] td.changed[data-column="client_name"] ins').textContent(), "'ACME Limited'");

      // A record, reached from the commit page: each version, newest first.
      await page.click('section[data-table="ip_invoices"] td a');
      assert.match(page.url(), /\/record\?table=ip_invoices&key=1$/);
      await visit('record', page.url());
      const versions = await page.$$eval('li.version', (li) => li.map((l) => [l.getAttribute('data-commit'), l.className]));
      assert.deepEqual(versions, [
        [commits.paid, 'version changed'],
        [commits.sent, 'version changed'],
        [commits.invoice, 'version added'],
      ]);

      // The same versions as `git-dbsync history` finds by comparing every commit of the table.
      await visit('record-client', '/record?table=ip_clients&key=1');
      const cliVersions = cli(['history', 'ip_clients', '1'], baseEnv({ PROJECT_DIR: repo }))
        .stdout.split('\n')
        .filter((l) => /^\d{4}-/.test(l))
        .map((l) => l.split(/\s+/)[1]);
      const pageVersions = await page.$$eval('li.version', (li) => li.map((l) => l.getAttribute('data-commit')!.slice(0, 12)));
      assert.deepEqual(pageVersions, cliVersions);
      assert.equal(pageVersions.length, 2, 'added, renamed');

      // As of the commit that added the first client: ip_clients as the database had it then.
      await visit('as-of', `/asof?at=${commits.client}&table=ip_clients`);
      const rows = await page.$$eval('table.as-of tbody tr', (trs) =>
        trs.map((tr) => [tr.querySelector('td[data-column="client_id"]')?.textContent, tr.querySelector('td[data-column="client_name"]')?.textContent]),
      );
      assert.deepEqual(rows, clientsThen);
      await visit('as-of-now', '/asof?table=ip_users');
      assert.equal(await page.locator('table.as-of td[data-column="user_email"]').textContent(), '[secret]');
      assert.match((await page.locator('table.as-of td[data-column="user_password"]').textContent()) ?? '', /^'dbsync:redacted:[0-9a-f]{12}'$/);
      await visit('as-of-first', `/asof?at=${commits.first}&table=ip_users`);
      await visit('record-user', '/record?table=ip_users&key=1');
      assert.equal(await page.locator('li.version').count(), 1);
      // Search from the header: an invoice number, then its record page.
      await page.fill('header form.search input[name="q"]', 'INV-2026-0042');
      await page.click('header form.search button');
      await page.waitForURL(/\/search\?q=INV-2026-0042$/);
      pages.push(['search', await page.content()]);
      await page.screenshot({ path: path.join(shots, 'search.png'), fullPage: true });
      await page.click('ul.matches a');
      assert.match(page.url(), /\/record\?table=ip_invoices&key=1$/);
      assert.equal(await page.locator('li.version').count(), 3);
      await page.setViewportSize({ width: 390, height: 844 });
      await visit('timeline-phone', '/');
    } finally {
      await browser.close();
    }
    for (const [name, text] of pages) for (const secret of [HASH, SALT, KEPT_EMAIL]) assert.ok(!text.includes(secret), `${name} shows a secret`);
    assert.ok(pages.length >= 10);
  });

  it('ui --allow-restore: the plan first, then the table restore on a POST with the token and the CSRF token only', async () => {
    const fixed = 'restore-token-0123456789abcdef';
    const restoring = background(['ui', '--allow-restore'], { ...env, DBSYNC_UI_ADDR: '127.0.0.1:0', DBSYNC_UI_TOKEN: fixed });
    try {
      await waitFor('the address', () => /history page: (http:\S+)/.test(restoring.stdout()), 30_000);
      const at = new URL(/history page: (http:\S+)/.exec(restoring.stdout())![1]!).origin;
      const cookie = { cookie: `dbsync_ui=${fixed}` };
      const before = git(repo, ['rev-parse', 'HEAD']).trim();
      const commitPage = await (await fetch(`${at}/commit/${commits.client}`, { headers: cookie })).text();
      assert.ok(commitPage.includes(`/restore?at=${commits.client}&#38;table=ip_clients`), 'the commit page offers it');
      const planPage = await fetch(`${at}/restore?at=${commits.client}&table=ip_clients`, { headers: cookie });
      assert.equal(planPage.status, 200);
      const plan = await planPage.text();
      assert.match(plan, /would replace 1 table\(s\): ip_clients/);
      assert.ok(plan.includes('&#39;ACME Limited&#39;</del> → <ins>&#39;ACME Ltd&#39;'), 'the name changed back, by column');
      assert.match(plan, /Lost \(rows added since/);
      const csrf = /name="csrf" value="([^"]+)"/.exec(plan)![1]!;
      const post = (body: Record<string, string>, headers: Record<string, string>) =>
        fetch(`${at}/restore`, {
          method: 'POST',
          redirect: 'manual',
          headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
          body: new URLSearchParams(body),
        });
      const form = { csrf, at: commits.client!, table: 'ip_clients' };
      assert.equal((await post(form, {})).status, 403, 'no token');
      assert.equal((await post({ ...form, csrf: 'x'.repeat(csrf.length) }, cookie)).status, 403, 'a wrong CSRF token');
      assert.equal((await post({ at: form.at, table: form.table }, cookie)).status, 403, 'no CSRF token');
      assert.equal((await post(form, { ...cookie, origin: 'http://evil.example' })).status, 403, 'another origin');
      assert.equal(git(repo, ['rev-parse', 'HEAD']).trim(), before, 'nothing happened yet');
      const done = await post(form, cookie);
      assert.equal(done.status, 200);
      assert.match(await done.text(), /ip_clients restored\. Recorded as/);
      const now = (
        (await conn.query('SELECT client_id, client_name FROM ip_clients ORDER BY client_id'))[0] as Array<{ client_id: number; client_name: string }>
      ).map((r) => [String(r.client_id), `'${r.client_name}'`]);
      assert.deepEqual(now, clientsThen, 'exactly the rows of that commit');
      assert.notEqual(git(repo, ['rev-parse', 'HEAD']).trim(), before, 'a commit records the restored state');
      assert.equal(git(repo, ['diff', '--stat', commits.client!, 'HEAD', '--', 'database/data/ip_clients.sql']), '', 'the table file as in that commit');
      assert.equal(git(repo, ['diff', '--stat', before, 'HEAD', '--', 'database/data/ip_invoices.sql']), '', 'other tables untouched');
      assert.ok(!restoring.stderr().includes(fixed) && !restoring.stderr().includes(csrf), 'no token in the log');
    } finally {
      await restoring.kill();
    }
  });

  it('DBSYNC_UI_ALLOW_RESTORE=1: a record brought back from its page through restore row, plan first; exactly the planned row changes', async () => {
    const fixed = 'record-token-0123456789abcdef';
    const restoring = background(['ui'], { ...env, DBSYNC_UI_ADDR: '127.0.0.1:0', DBSYNC_UI_TOKEN: fixed, DBSYNC_UI_ALLOW_RESTORE: '1' });
    try {
      await waitFor('the address', () => /history page: (http:\S+)/.test(restoring.stdout()), 30_000);
      const at = new URL(/history page: (http:\S+)/.exec(restoring.stdout())![1]!).origin;
      const cookie = { cookie: `dbsync_ui=${fixed}` };
      const page = async (p: string) => {
        const r = await fetch(at + p, { headers: cookie });
        const text = await r.text();
        for (const secret of [HASH, SALT, KEPT_EMAIL]) assert.ok(!text.includes(secret), `${p} shows a secret`);
        return { status: r.status, text };
      };
      const record = await page('/record?table=ip_invoices&key=1');
      assert.ok(record.text.includes(`/restore-row?table=ip_invoices&#38;key=1&#38;at=${commits.sent}`), 'each version offers it');
      assert.ok(record.text.includes(`/restore-invoice?number=INV-2026-0042&#38;at=${commits.invoice}`), 'and the whole invoice');
      // A row with secrets: its plan shows none of them.
      assert.equal((await page(`/restore-row?table=ip_users&key=1&at=${commits.first}`)).status, 200);

      // The invoice as it was when it was created: the payment would go (plan only).
      const invoicePlan = await page(`/restore-invoice?number=INV-2026-0042&at=${commits.invoice}`);
      assert.equal(invoicePlan.status, 200, invoicePlan.text);
      assert.match(invoicePlan.text, /ip_payments payment_id=1: is deleted/);
      assert.ok(invoicePlan.text.includes('action="/restore-invoice"'));

      // The invoice row back to "sent": the plan, by column.
      const plan = await page(`/restore-row?table=ip_invoices&key=1&at=${commits.sent}`);
      assert.equal(plan.status, 200, plan.text);
      assert.match(
        plan.text,
        /<tr class="differs"><th>invoice_status_id<\/th><td data-column="invoice_status_id">4<\/td><td data-column="invoice_status_id">2<\/td><\/tr>/,
      );
      assert.equal((plan.text.match(/<tr class="differs">/g) ?? []).length, 1, 'one cell changes');
      assert.match(plan.text, /Invoice INV-2026-0042 \(ACME (?:Ltd|Limited)\): status paid -&#62; sent/, "in the profile's words");
      const csrf = /name="csrf" value="([^"]+)"/.exec(plan.text)![1]!;
      const form = /<form method="post" action="\/restore-row"[\s\S]*?<\/form>/.exec(plan.text)![0];
      const fields = Object.fromEntries([...form.matchAll(/name="([^"]+)" value="([^"]*)"/g)].map((m) => [m[1]!, m[2]!.replace(/&#38;/g, '&')]));
      assert.deepEqual(fields, { csrf, table: 'ip_invoices', key: '1', at: commits.sent! });

      const rowsOf = async (table: string) => JSON.stringify((await conn.query(`SELECT * FROM ${table}`))[0]);
      const tables = ['ip_invoices', 'ip_invoice_items', 'ip_invoice_amounts', 'ip_payments', 'ip_clients', 'ip_users'];
      const beforeRows = Object.fromEntries(await Promise.all(tables.map(async (t) => [t, await rowsOf(t)] as const)));
      const head = git(repo, ['rev-parse', 'HEAD']).trim();
      const post = (body: Record<string, string>, headers: Record<string, string>) =>
        fetch(`${at}/restore-row`, {
          method: 'POST',
          redirect: 'manual',
          headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
          body: new URLSearchParams(body),
        });
      assert.equal((await post(fields, {})).status, 403, 'no token');
      assert.equal((await post({ ...fields, csrf: 'y'.repeat(csrf.length) }, cookie)).status, 403, 'a wrong CSRF token');
      assert.equal((await post({ table: 'ip_invoices', key: '1', at: commits.sent! }, cookie)).status, 403, 'no CSRF token');
      assert.equal(git(repo, ['rev-parse', 'HEAD']).trim(), head, 'nothing happened yet');

      const done = await post(fields, cookie);
      const text = await done.text();
      assert.equal(done.status, 200, text);
      assert.match(text, /<p id="restored">ip_invoices 1 restored\. Recorded as <a href="\/commit\/([0-9a-f]{40})">/);
      const [status] = (await conn.query('SELECT invoice_status_id FROM ip_invoices WHERE invoice_id = 1'))[0] as Array<{ invoice_status_id: number }>;
      assert.equal(status!.invoice_status_id, 2, 'the row is as the plan said');
      for (const t of tables.filter((x) => x !== 'ip_invoices')) assert.equal(await rowsOf(t), beforeRows[t], `${t} untouched`);
      const [was, now] = [
        JSON.parse(beforeRows.ip_invoices!) as Array<Record<string, unknown>>,
        JSON.parse(await rowsOf('ip_invoices')) as Array<Record<string, unknown>>,
      ];
      assert.deepEqual(
        now,
        was.map((r) => (r.invoice_id === 1 ? { ...r, invoice_status_id: 2 } : r)),
        'only that cell of that row',
      );
      // One commit on top: the restored row, in the profile's words, touching that table's file only.
      assert.equal(git(repo, ['rev-parse', 'HEAD~1']).trim(), head);
      assert.equal(git(repo, ['diff', '--name-only', head, 'HEAD']).trim(), 'database/data/ip_invoices.sql');
      assert.match(git(repo, ['log', '-1', '--format=%s']), /Invoice INV-2026-0042 \(ACME (?:Ltd|Limited)\): status paid -> sent/);

      // The whole invoice as it was when it was made: through restore invoice, its payment goes, its status is draft again.
      const again = await page(`/restore-invoice?number=INV-2026-0042&at=${commits.invoice}`);
      const invoiceForm = /<form method="post" action="\/restore-invoice"[\s\S]*?<\/form>/.exec(again.text)![0];
      const invoiceFields = Object.fromEntries([...invoiceForm.matchAll(/name="([^"]+)" value="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
      assert.deepEqual(invoiceFields, { csrf, number: 'INV-2026-0042', at: commits.invoice! });
      const before2 = git(repo, ['rev-parse', 'HEAD']).trim();
      const invoiceDone = await fetch(`${at}/restore-invoice`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...cookie },
        body: new URLSearchParams(invoiceFields),
      });
      const invoiceText = await invoiceDone.text();
      assert.equal(invoiceDone.status, 200, invoiceText);
      assert.match(invoiceText, /<p id="restored">Invoice INV-2026-0042 restored\. Recorded as/);
      assert.deepEqual((await conn.query('SELECT payment_id FROM ip_payments'))[0], [], 'the payment made since is gone');
      const [invoiceNow] = (await conn.query('SELECT invoice_status_id FROM ip_invoices WHERE invoice_id = 1'))[0] as Array<{ invoice_status_id: number }>;
      assert.equal(invoiceNow!.invoice_status_id, 1, 'draft, as then');
      assert.equal(await rowsOf('ip_clients'), beforeRows.ip_clients, 'clients untouched');
      assert.equal(
        git(repo, ['diff', '--stat', commits.invoice!, 'HEAD', '--', 'database/data/ip_payments.sql', 'database/data/ip_invoice_items.sql']),
        '',
        'as in that commit',
      );
      assert.notEqual(git(repo, ['rev-parse', 'HEAD']).trim(), before2, 'a commit records it');
      assert.ok(!restoring.stderr().includes(fixed) && !restoring.stderr().includes(csrf), 'no token in the log');
    } finally {
      await restoring.kill();
    }
  });
});
