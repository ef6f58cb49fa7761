/**
 * Two real InvoicePlane 1.7.0 installations ("offices" A and B) in two-way mode: two PHP servers on
 * two ports, each on its own throwaway MariaDB (auto-increment lanes 1 and 2 of 2, as `git-dbsync
 * doctor` asks), one bare remote, one `git-dbsync watch` per office (DBSYNC_MODE=two-way,
 * POLL_INTERVAL=1, the InvoicePlane profile, one secrets key for both so that the admin's password
 * hash travels encrypted). Office A goes through InvoicePlane's web setup; office B joins with an
 * empty database and uses A's ipconfig.php (its own address and port).
 *
 * Users click over HTTP (test/support/invoiceplane-user.ts): an invoice created in A's web UI
 * appears in B's web UI; the same invoice edited in different fields on both (B's watch stopped
 * meanwhile: its office offline) merges; the same field edited on both becomes a conflict that
 * `git-dbsync conflicts` shows in InvoicePlane's words, on both computers.
 *
 * Needs ../shared/invoiceplane-app and PHP; skipped with one line otherwise.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Background } from '../support/background.js';
import { bareRemote } from '../support/computers.js';
import { IP_DB, InvoicePlaneApp, invoicePlaneSkipReason, watchInvoicePlane } from '../support/invoiceplane-app.js';
import { InvoicePlaneUser } from '../support/invoiceplane-user.js';
import { pageText } from '../support/invoiceplane-browser.js';
import { baseEnv, commitCount, git, runCli, tempDir, waitFor } from '../support/project.js';

const skip = invoicePlaneSkipReason();

/** Server options for computer `n` of 2 (what `git-dbsync doctor --computers 2 --this n` asks for). */
const lane = (n: number) => [`--auto-increment-increment=2`, `--auto-increment-offset=${n}`];

interface Office {
  readonly name: string;
  readonly app: InvoicePlaneApp;
  readonly dir: string;
  readonly env: NodeJS.ProcessEnv;
  watch?: Background;
}

async function sql<T>(o: Office, statement: string): Promise<T> {
  const c = await o.app.db.connect(IP_DB);
  try {
    return (await c.query(statement))[0] as T;
  } finally {
    await c.end();
  }
}

const remoteHead = (remote: string) => git(remote, ['rev-parse', 'main']).trim();
const head = (o: Office) => git(o.dir, ['rev-parse', 'HEAD']).trim();

describe('two real InvoicePlanes in two-way mode', { skip: skip ?? false, timeout: 900_000 }, () => {
  const offices: Office[] = [];
  after(async () => {
    for (const o of offices) await o.watch?.kill();
    await Promise.all(offices.map((o) => o.app.stop()));
  });

  it('an invoice made in A shows in B; edits of different fields merge; the same field is a conflict in InvoicePlane words', async () => {
    const remote = bareRemote();
    const keyFile = path.join(tempDir('dbsync-key-'), 'dbsync.key');
    writeFileSync(keyFile, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
    const apps = await Promise.all([InvoicePlaneApp.start({ serverArgs: lane(1) }), InvoicePlaneApp.start({ serverArgs: lane(2) })]);
    for (const [i, app] of apps.entries()) {
      const name = 'AB'[i]!;
      const dir = path.join(tempDir('dbsync-office-'), `office-${name}`);
      const env = baseEnv({
        ...app.db.env(IP_DB),
        PROJECT_DIR: dir,
        GIT_REMOTE_URL: remote,
        DBSYNC_MODE: 'two-way',
        DBSYNC_PROFILE: 'invoiceplane',
        DBSYNC_SECRET_KEY_FILE: keyFile,
        DBSYNC_LOCK_TIMEOUT: '120',
      });
      offices.push({ name, app, dir, env });
    }
    const [a, b] = offices as [Office, Office];
    for (const [i, o] of offices.entries()) {
      const doctor = await runCli(['doctor', '--computers', '2', '--this', String(i + 1)], o.env);
      assert.equal(doctor.code, 0, `doctor on office ${o.name}:\n${doctor.stdout}\n${doctor.stderr}`);
    }

    // Office A: InvoicePlane's web setup, then its watch starts the shared history.
    const ua = new InvoicePlaneUser(a.app.baseUrl, a.app.setupDatabase);
    await ua.setupLanguage();
    await ua.setupInstallTables();
    await ua.setupUpgradeTables();
    await ua.setupCreateUser();
    a.watch = await watchInvoicePlane(a.env);
    await waitFor('A to push its first snapshot', () => commitCount(a.dir) >= 1 && git(remote, ['branch', '--list', 'main']).trim() !== '', 60_000);

    // Office B joins: an empty database, its watch clones the remote and restores A's snapshot.
    b.watch = await watchInvoicePlane(b.env);
    await waitFor('B to join', () => /joined: cloned /.test(b.watch!.stdout() + b.watch!.stderr()), 120_000);
    assert.equal(head(b), remoteHead(remote), 'B is on the shared commit');
    b.app.adoptConfigOf(a.app);
    const ub = new InvoicePlaneUser(b.app.baseUrl, b.app.setupDatabase);
    await ub.login(); // the admin's password hash came over encrypted, with the shared key
    await ua.login();

    // An invoice made in A's web UI appears in B's.
    await ua.createClient('acme', 'ACME', 'Ltd');
    await ua.createInvoice('inv', 'acme');
    await ua.saveInvoice('inv', {
      add: [
        { item_name: 'Consulting', item_quantity: '2', item_price: '450.00' },
        { item_name: 'Travel', item_quantity: '1', item_price: '120.50' },
      ],
    });
    const id = ua.ids.inv!;
    const number = await ua.invoiceNumber('inv');
    await waitFor(
      "A's invoice in B's database",
      async () => (await sql<unknown[]>(b, `SELECT 1 FROM ip_invoice_items WHERE invoice_id = ${id}`)).length === 2,
      120_000,
    );
    ub.ids.inv = id;
    // A pull writes table after table (MyISAM has no transactions): until the pull is done, B's app may
    // see the items before their invoice (a 404), as it would while InvoicePlane itself saves them.
    let seenInB = '';
    try {
      await waitFor(
        "A's invoice on B's invoice page",
        async () => {
          seenInB = await ub.b.get(`invoices/view/${id}`);
          return !seenInB.includes('404 Page Not Found');
        },
        60_000,
      );
    } catch (e) {
      const rows = await sql(b, 'SELECT invoice_id, client_id, user_id, invoice_number FROM ip_invoices');
      throw new Error(`${(e as Error).message}: B has invoices ${JSON.stringify(rows)}\n${b.watch!.stderr().slice(-3000)}`);
    }
    for (const text of ['ACME Ltd', 'value="Consulting"', 'value="Travel"', '$1,020.50'])
      assert.ok(seenInB.includes(text), `B's invoice page shows ${text}: ${pageText(seenInB).slice(0, 1500)}`);
    assert.equal(await ub.invoiceNumber('inv'), number);
    assert.ok(pageText(await ub.b.get('invoices/status/all')).includes('ACME Ltd'), "the invoice is on B's list");

    // Different fields of the same invoice, edited on both while B's office is offline (its watch stopped).
    const offline = async () => {
      b.watch!.child.kill('SIGTERM');
      assert.equal(await b.watch!.waitExit(120_000), 0, `B's watch stopped cleanly:\n${b.watch!.stderr().slice(-2000)}`);
    };
    const online = async () => {
      b.watch = await watchInvoicePlane(b.env);
    };
    const aPushed = async (what: string, before: string) => {
      await waitFor(`A to commit and push ${what}`, () => head(a) !== before && remoteHead(remote) === head(a), 120_000);
    };
    await offline();
    let before = head(a);
    await ua.saveInvoice('inv', { fields: { invoice_terms: 'Payment within 14 days.' } });
    await aPushed('the terms', before);
    await ub.saveInvoice('inv', { fields: { invoice_date_due: '01/31/2027' } });
    await online();
    const invoiceRow = (o: Office) =>
      sql<Array<{ invoice_terms: string; invoice_date_due: string }>>(o, `SELECT invoice_terms, invoice_date_due FROM ip_invoices WHERE invoice_id = ${id}`);
    for (const o of offices) {
      await waitFor(
        `both edits in ${o.name}'s database`,
        async () => {
          const [r] = await invoiceRow(o);
          return r?.invoice_terms === 'Payment within 14 days.' && String(r.invoice_date_due).startsWith('2027-01-31');
        },
        120_000,
      );
    }
    for (const [o, u] of [
      [a, ua],
      [b, ub],
    ] as const) {
      const p = await u.b.get(`invoices/view/${id}`);
      assert.ok(p.includes('Payment within 14 days.') && p.includes('01/31/2027'), `${o.name}'s invoice page shows both edits`);
    }
    const merged = await runCli(['conflicts'], b.env);
    assert.equal(merged.code, 0, merged.stderr);
    assert.equal(merged.stdout.trim(), 'no open conflicts', `different fields merge without a conflict:\n${merged.stdout}`);

    // The same field (the terms) edited on both while B is offline: a conflict, in InvoicePlane's words.
    await waitFor('both offices on the merged commit', () => head(a) === remoteHead(remote) && head(b) === remoteHead(remote), 120_000);
    await offline();
    before = head(a);
    await ua.saveInvoice('inv', { fields: { invoice_terms: 'Office A: within 7 days.' } });
    await aPushed('the new terms', before);
    await ub.saveInvoice('inv', { fields: { invoice_terms: 'Office B: within 30 days.' } });
    const bBefore = head(b);
    await online();
    await waitFor(
      'B to merge and push',
      () => head(b) !== bBefore && git(b.dir, ['log', '-1', '--format=%P']).trim().includes(' ') && remoteHead(remote) === head(b),
      120_000,
    );
    const shown = await runCli(['conflicts'], b.env);
    assert.equal(shown.code, 0, shown.stderr);
    console.log(shown.stdout);
    assert.match(shown.stdout, /^1 open conflict\(s\)/);
    assert.match(
      shown.stdout,
      new RegExp(
        `Invoice ${number} \\(ACME\\): terms: both computers changed this value; base "Payment within 14 days\\.", ours "Office B: within 30 days\\.".*theirs "Office A: within 7 days\\.".*the database kept theirs`,
      ),
    );
    // The conflict travels with the history: A sees it after its next pull.
    await waitFor('A to pull the merge', () => head(a) === remoteHead(remote), 120_000);
    const onA = await runCli(['conflicts'], a.env);
    assert.match(onA.stdout, new RegExp(`Invoice ${number} \\(ACME\\): terms: both computers changed this value`));
    // Both databases keep the value pushed first (the default rule, theirs), and both pages show it.
    for (const [o, u] of [
      [a, ua],
      [b, ub],
    ] as const) {
      assert.equal((await invoiceRow(o))[0]!.invoice_terms, 'Office A: within 7 days.', `${o.name}'s database`);
      assert.ok((await u.b.get(`invoices/view/${id}`)).includes('Office A: within 7 days.'), `${o.name}'s page`);
    }
    for (const o of offices) assert.ok(o.watch!.running(), `${o.name}'s watch stopped:\n${o.watch!.stderr().slice(-2000)}`);
    console.log(git(b.dir, ['log', '--oneline', '--no-decorate', '--graph']));
  });
});
