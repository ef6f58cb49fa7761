/**
 * The history page's conflicts (issue 14) on a real two-way set-up: two computers (two databases on
 * one throwaway MariaDB server, each with its own project folder) sharing a bare remote, diverging
 * changes merged by a real `sync`. The page lists the open conflicts with base / ours / theirs by
 * column; with DBSYNC_UI_ALLOW_RESTORE=1 its buttons do what `git-dbsync resolve` does (the database,
 * the conflicts file and the commit checked as for the command); a POST without the token or the
 * CSRF token is refused; a secret column kept in clear never appears in the page's HTML. The
 * buttons are clicked in a real headless Chromium (skipped with one line when it is missing).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { background, type Background } from '../support/background.js';
import { bareRemote, Computer } from '../support/computers.js';
import { MariaDbServer } from '../support/mariadb-server.js';
import { baseEnv, git, tempDir, waitFor } from '../support/project.js';

import { artefactDir, CHROMIUM, launchChromium } from '../support/chromium.js';
const PIN = 'PIN-NEVER-SHOWN-4711';
const ITEMS = `
CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(40) NOT NULL, qty INT NOT NULL, pin VARCHAR(40)) ENGINE=InnoDB;
INSERT INTO items VALUES (1,'apple',1,NULL),(2,'pear',2,NULL),(3,'plum',3,NULL),(4,'fig',4,'${PIN}'),(5,'kiwi',5,NULL);
`;

describe('the history page: conflicts (two-way mode)', { timeout: 300_000 }, () => {
  let server: MariaDbServer;
  let a: Computer;
  let b: Computer;
  let ui: Background | undefined;
  const fixed = 'conflict-token-0123456789abcdef';
  let origin: string;
  const cookie = { cookie: `dbsync_ui=${fixed}` };
  const conflictsFile = () => {
    try {
      return git(b.dir, ['show', 'HEAD:database/conflicts/items.jsonl']);
    } catch {
      return '';
    }
  };
  const row = async (id: number) => (await b.sql<Array<Record<string, unknown>>>('SELECT * FROM items WHERE id = ?', [id]))[0] ?? null;

  before(async () => {
    server = await MariaDbServer.start();
    const remote = bareRemote();
    const made: Computer[] = [];
    for (const n of [1, 2]) {
      const db = `uiconf${n}`;
      const c = await server.connect();
      await c.query(`CREATE DATABASE \`${db}\` CHARACTER SET utf8mb4`);
      await c.end();
      const dir = path.join(tempDir('dbsync-computer-'), `project-${n}`);
      const env = baseEnv({
        ...server.env(db),
        PROJECT_DIR: dir,
        GIT_REMOTE_URL: remote,
        DBSYNC_MODE: 'two-way',
        DBSYNC_PROFILE: 'none',
        DBSYNC_SECRET_POLICY: 'items.pin=keep',
      });
      made.push(new Computer(`computer ${n}`, server, db, dir, env));
    }
    [a, b] = made as [Computer, Computer];
    mkdirSync(a.dir, { recursive: true });
    await a.sql(ITEMS);
    await a.sync();
    assert.match(await b.sync(), /^joined: cloned /m);
    // Computer 1 publishes first: its values are "theirs" for computer 2's merge (kept by the default rule).
    await a.sql("UPDATE items SET qty = 10 WHERE id = 3; UPDATE items SET name = 'A' WHERE id = 5; DELETE FROM items WHERE id = 4");
    await a.sync();
    await b.sql("UPDATE items SET qty = 20 WHERE id = 3; UPDATE items SET name = 'B' WHERE id = 5; UPDATE items SET name = 'dried fig' WHERE id = 4");
    const r = await b.run(['sync']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /3 conflict\(s\)/);
  });
  after(async () => {
    await ui?.kill();
    await a?.close();
    await b?.close();
    await server?.destroy();
  });

  const start = async (extra: Record<string, string>) => {
    ui = background(['ui'], { ...b.env, DBSYNC_UI_ADDR: '127.0.0.1:0', DBSYNC_UI_TOKEN: fixed, ...extra });
    await waitFor('the address', () => /history page: (http:\S+)/.test(ui!.stdout()), 30_000);
    origin = new URL(/history page: (http:\S+)/.exec(ui.stdout())![1]!).origin;
  };
  const post = (p: string, body: Record<string, string>, headers: Record<string, string>) =>
    fetch(`${origin}${p}`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(body),
    });

  it('read-only: lists each conflict with base / ours / theirs by column and the command that closes it; no button, no POST', async () => {
    await start({});
    try {
      const r = await fetch(`${origin}/conflicts`, { headers: cookie });
      assert.equal(r.status, 200);
      const page = await r.text();
      assert.match(page, /3 open conflict\(s\)/);
      assert.ok(page.includes('data-table="items" data-key="3" data-kind="cell" data-column="qty"'), 'the qty conflict');
      assert.match(page, /<th>qty<\/th><td data-column="qty">3<\/td><td data-column="qty">20<\/td><td data-column="qty">10<\/td>/, 'base, ours, theirs');
      assert.ok(page.includes('git-dbsync resolve items 3 --column qty --ours|--theirs|--value V'));
      assert.ok(page.includes('data-kind="update-delete"'), 'the changed-vs-deleted row');
      assert.ok(!page.includes(PIN), 'the secret column of the whole-row conflict is hidden');
      assert.ok(page.includes('<td data-column="pin">[secret]</td>'));
      assert.ok(!page.includes('action="/resolve"'), 'no button when the page may not write');
      assert.equal((await post('/resolve', { table: 'items', key: '3', column: 'qty', choice: 'ours' }, cookie)).status, 405);
    } finally {
      await ui!.kill();
      ui = undefined;
    }
  });

  it('DBSYNC_UI_ALLOW_RESTORE=1: the buttons do what resolve does; without the token or the CSRF token nothing happens', { timeout: 240_000 }, async () => {
    await start({ DBSYNC_UI_ALLOW_RESTORE: '1' });
    const page = await (await fetch(`${origin}/conflicts`, { headers: cookie })).text();
    const csrf = /name="csrf" value="([^"]+)"/.exec(page)![1]!;
    assert.ok(!page.includes(PIN));
    const head = b.head();
    const form = { csrf, table: 'items', key: '3', column: 'qty', choice: 'ours' };
    assert.equal((await post('/resolve', form, {})).status, 403, 'no token');
    assert.equal((await post('/resolve', { ...form, csrf: 'x'.repeat(csrf.length) }, cookie)).status, 403, 'a wrong CSRF token');
    assert.equal((await post('/resolve', { table: 'items', key: '3', column: 'qty', choice: 'ours' }, cookie)).status, 403, 'no CSRF token');
    assert.equal((await post('/resolve', form, { ...cookie, origin: 'http://evil.example' })).status, 403, 'another origin');
    assert.equal((await post('/resolve', form, { ...cookie, origin: 'null' })).status, 403, 'an opaque origin the browser does not vouch for');
    assert.equal((await post('/resolve', form, { ...cookie, origin: 'null', 'sec-fetch-site': 'cross-site' })).status, 403, 'from another site');
    assert.equal(b.head(), head, 'nothing committed');
    assert.equal((await row(3))!.qty, 10, 'the database still has theirs');

    const browserless = !existsSync(CHROMIUM);
    if (browserless) {
      console.log(`${CHROMIUM} is not installed (apt-get install chromium): the buttons are posted without a browser`);
      assert.equal((await post('/resolve', form, cookie)).status, 200);
      assert.equal((await post('/resolve', { csrf, table: 'items', key: '5', column: 'name', choice: 'value', value: 'kiwi (both)' }, cookie)).status, 200);
    } else {
      const shots = artefactDir('ui');
      const browser = await launchChromium({ width: 1100, height: 800 });
      try {
        const p = browser.page;
        await p.goto(`${origin}/?token=${fixed}`);
        await p.goto(`${origin}/conflicts`);
        await p.screenshot({ path: path.join(shots, 'conflicts.png'), fullPage: true });
        assert.equal(await p.locator('section.conflict').count(), 3);
        // Keep ours for the qty of item 3.
        await p.click('section[data-key="3"][data-column="qty"] button[data-choice="ours"]');
        assert.match((await p.textContent('#resolved')) ?? '', /^Resolve conflict in items \(3\) qty: ours; the database now has it; committed [0-9a-f]{12}/);
        // A value of one's own for the name of item 5.
        await p.goto(`${origin}/conflicts`);
        assert.equal(await p.locator('section.conflict').count(), 2);
        await p.fill('section[data-key="5"][data-column="name"] input[name="value"]', 'kiwi (both)');
        await p.click('section[data-key="5"][data-column="name"] button[data-choice="value"]');
        assert.match((await p.textContent('#resolved')) ?? '', /^Resolve conflict in items \(5\) name: value kiwi \(both\)/);
        for (const html of [await p.content()]) assert.ok(!html.includes(PIN));
      } finally {
        await browser.close();
      }
    }
    assert.equal((await row(3))!.qty, 20, 'ours written into the database');
    assert.equal((await row(5))!.name, 'kiwi (both)', 'the value written');
    const file = conflictsFile();
    assert.ok(!/"key":\["3"\]/.test(file) && !/"key":\["5"\]/.test(file), `closed in the conflicts file: ${file}`);
    assert.match(file, /"key":\["4"\]/, 'the other conflict stays open');
    const subjects = git(b.dir, ['log', '-2', '--format=%s']).trim().split('\n');
    assert.deepEqual(subjects, ['Resolve conflict in items (5) name: value kiwi (both)', 'Resolve conflict in items (3) qty: ours']);
    assert.equal(git(b.dir, ['status', '--porcelain']), '', 'committed, nothing left over');
    // The same as the command would list now.
    const listed = await b.run(['conflicts']);
    assert.match(listed.stdout, /^1 open conflict\(s\)/);

    // The whole-row conflict: bring back ours (the row computer 2 changed, computer 1 deleted).
    const rest = await (await fetch(`${origin}/conflicts`, { headers: cookie })).text();
    assert.match(rest, /1 open conflict\(s\)/);
    assert.ok(!rest.includes(PIN));
    assert.equal((await post('/resolve', { csrf, table: 'items', key: '4', choice: 'ours' }, cookie)).status, 200);
    assert.equal((await row(4))!.name, 'dried fig');
    assert.equal((await row(4))!.pin, PIN, 'the secret kept in clear is written back as it was');
    assert.equal(conflictsFile(), '', 'no open conflicts: the file is gone');
    assert.match(await (await fetch(`${origin}/conflicts`, { headers: cookie })).text(), /No open conflicts\./);
    assert.ok(!ui!.stderr().includes(fixed) && !ui!.stderr().includes(csrf), 'no token in the log');
  });
});
