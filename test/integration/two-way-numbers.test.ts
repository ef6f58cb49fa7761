/**
 * Two-way sync and business numbers (issue 6): two computers apart, ids spaced by auto_increment
 * offsets, both hand out the same invoice number from their own copy of ip_invoice_groups. Both
 * invoices stay; the duplicate is a conflict in InvoicePlane's words until one is renumbered.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MariaDbServer } from '../support/mariadb-server.js';
import { bareRemote, computers, type Computer } from '../support/computers.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SCHEMA = readFileSync(path.join(ROOT, 'assets/invoiceplane/schema.sql'), 'utf8');

let servers: MariaDbServer[] = [];
const open: Computer[] = [];

/** What InvoicePlane does when it creates an invoice: take the group's next id as the number, count it up. */
async function createInvoice(c: Computer, urlKey: string): Promise<{ id: number; number: string }> {
  const [g] = await c.sql<Array<{ n: number }>>('SELECT invoice_group_next_id AS n FROM ip_invoice_groups WHERE invoice_group_id = 1');
  const number = `INV-2026-${String(g!.n).padStart(4, '0')}`;
  await c.sql('UPDATE ip_invoice_groups SET invoice_group_next_id = invoice_group_next_id + 1 WHERE invoice_group_id = 1');
  const r = await c.sql<{ insertId: number }>(
    `INSERT INTO ip_invoices (user_id, client_id, invoice_group_id, invoice_date_created, invoice_date_modified, invoice_date_due, invoice_number, invoice_terms, invoice_url_key)
     VALUES (1, 1, 1, '2026-03-01', '2026-03-01 10:00:00', '2026-03-31', ?, '', ?)`,
    [number, urlKey],
  );
  return { id: r.insertId, number };
}

describe('two-way sync: duplicate business numbers', () => {
  before(async () => {
    servers = await Promise.all([1, 2].map((n) => MariaDbServer.start(['--auto-increment-increment=2', `--auto-increment-offset=${n}`])));
  });
  after(async () => {
    for (const c of open) await c.close();
    await Promise.all(servers.map((s) => s.destroy()));
  });

  it("two invoices with the same number: both kept, a conflict in the profile's words, closed once one is renumbered", async () => {
    const [a, b] = await computers(servers, 'ipnum', bareRemote(), { DBSYNC_PROFILE: 'invoiceplane' });
    open.push(a!, b!);
    mkdirSync(a!.dir, { recursive: true });
    await a!.sql("SET SESSION sql_mode='NO_ENGINE_SUBSTITUTION'");
    await a!.sql(SCHEMA);
    await a!.sql(
      "INSERT INTO ip_clients (client_id, client_date_created, client_date_modified, client_name) VALUES (1, '2026-01-01 00:00:00', '2026-01-01 00:00:00', 'Acme')",
    );
    await a!.sql(
      "INSERT INTO ip_invoice_groups (invoice_group_id, invoice_group_name, invoice_group_identifier_format, invoice_group_next_id) VALUES (1, 'Invoice Default', 'INV-{{{year}}}-{{{id}}}', 43)",
    );
    await a!.sync();
    assert.match(await b!.sync(), /^joined: cloned /m);

    const doctor = await b!.run(['doctor']);
    assert.match(
      doctor.stdout,
      /numbers: InvoicePlane numbers invoices and quotes from ip_invoice_groups' next id, which each computer counts up on its own: give each computer its own invoice group/,
    );

    // Apart: each computer makes invoice INV-2026-0043, with its own id.
    const mine = await createInvoice(a!, 'a'.repeat(32));
    const theirs = await createInvoice(b!, 'b'.repeat(32));
    assert.equal(mine.number, 'INV-2026-0043');
    assert.equal(theirs.number, 'INV-2026-0043');
    assert.notEqual(mine.id, theirs.id, 'the offsets keep the ids apart');

    await a!.sync();
    const merged = await b!.run(['sync']);
    assert.equal(merged.code, 0, merged.stderr);
    assert.match(merged.stdout, /merged 1 commit\(s\)/);
    assert.match(merged.stdout, /1 conflict\(s\)/);
    await a!.sync();
    const both = (rows: Array<{ invoice_id: number; invoice_number: string }>) => rows.map((r) => `${r.invoice_id} ${r.invoice_number}`);
    const expected = [mine.id, theirs.id].sort((x, y) => x - y).map((id) => `${id} INV-2026-0043`);
    for (const c of [a!, b!])
      assert.deepEqual(both(await c.sql('SELECT invoice_id, invoice_number FROM ip_invoices ORDER BY invoice_id')), expected, `${c.name} has both invoices`);

    // b made the merge: "ours" is its invoice, "theirs" the one that came in from a.
    const sentence = `Invoice number INV-2026-0043 is used by two invoices (ids ${theirs.id} and ${mine.id}): renumber one of them in InvoicePlane`;
    for (const c of [a!, b!]) {
      const list = await c.run(['conflicts']);
      assert.ok(list.stdout.includes(sentence), `${c.name}: ${list.stdout}`);
      assert.ok(list.stdout.includes(`git-dbsync resolve ip_invoices ${mine.id} --column invoice_number --ours`), list.stdout);
      assert.match((await c.run(['status'])).stdout, /conflicts: 1 open in ip_invoices/);
    }

    // Closing it while both still carry the number is refused, nothing changes.
    const early = await a!.run(['resolve', 'ip_invoices', String(mine.id), '--column', 'invoice_number', '--ours']);
    assert.equal(early.code, 2, early.stdout + early.stderr);
    assert.match(early.stderr, /still on 2 rows/);

    // The user renumbers a's invoice in InvoicePlane; then resolve closes the record (and writes nothing).
    await a!.sql('UPDATE ip_invoices SET invoice_number = ? WHERE invoice_id = ?', ['INV-2026-0044', mine.id]);
    const done = await a!.run(['resolve', 'ip_invoices', String(mine.id), '--column', 'invoice_number', '--ours']);
    assert.equal(done.code, 0, done.stdout + done.stderr);
    await b!.sync();
    for (const c of [a!, b!]) assert.match((await c.run(['conflicts'])).stdout, /no open conflicts/, c.name);
    assert.deepEqual(await b!.rows('ip_invoices'), await a!.rows('ip_invoices'));
    assert.deepEqual(both(await b!.sql(`SELECT invoice_id, invoice_number FROM ip_invoices WHERE invoice_id = ${mine.id}`)), [`${mine.id} INV-2026-0044`]);
  });
});
