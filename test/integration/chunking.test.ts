/**
 * Large tables in chunks (src/snapshot/chunking.ts), with DBSYNC_CHUNK_SIZE tiny so that a few
 * thousand rows make many files: inserts and deletes at the start, the end and the middle, and of
 * boundary rows, change only the chunk files they fall in, and the commit counts are exact (a row
 * that moved to another chunk is unchanged); the files are deterministic; restore through the tool
 * and through the README's stock command give the table back; a repository written before
 * chunking (one file per table) upgrades cleanly. Plus the log summary line of a large pass.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Connection } from 'mysql2/promise';
import { MariaDbServer } from '../support/mariadb-server.js';
import { baseEnv, cli, git, tempDir } from '../support/project.js';
import { chunkStem, isBoundary, keyHash, nameHash } from '../../src/snapshot/chunking.js';
import { LOAD_ORDER } from '../../src/snapshot/layout.js';

let server: MariaDbServer;
let c: Connection;
const DB = 'chunky';
const TINY = { DBSYNC_CHUNK_SIZE: '1KiB' };

function envFor(dir: string, db = DB, extra: Record<string, string> = TINY): NodeJS.ProcessEnv {
  return baseEnv({ ...server.env(db), PROJECT_DIR: dir, ...extra });
}

function sync(env: NodeJS.ProcessEnv): string {
  const r = cli(['sync'], env);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trim();
}

/** The data files of a table in a snapshot folder. */
function dataFiles(dir: string, table: string): string[] {
  return readdirSync(path.join(dir, 'database', 'data')).filter((f) => f === `${table}.sql` || f.startsWith(`${table}@`));
}

/** What the last commit changed: "M\tdatabase/data/items.sql" lines, sorted. */
function lastChange(dir: string): string[] {
  return git(dir, ['show', '--name-status', '--format=', 'HEAD']).trim().split('\n').filter(Boolean).sort();
}

const body = (dir: string) => git(dir, ['log', '-1', '--format=%B']);

/** The chunk rule, written out for integer keys: file name -> keys (the test's own model of the files). */
function layout(keys: readonly number[], exponent: number): Map<string, number[]> {
  const files = new Map<string, number[]>();
  const used = new Set<number>();
  let current = 'data/items.sql';
  files.set(current, []);
  keys.forEach((k, i) => {
    if (i > 0 && isBoundary(keyHash(String(k)), exponent)) {
      let n = nameHash(String(k));
      while (used.has(n)) n = (n + 1) >>> 0;
      used.add(n);
      current = `data/${chunkStem('items', exponent, n)}.sql`;
      files.set(current, []);
    }
    files.get(current)!.push(k);
  });
  return files;
}

/** Files that differ between two layouts, as `git show --name-status` shows them. */
function expectedChange(before: Map<string, number[]>, after: Map<string, number[]>): string[] {
  const out: string[] = [];
  for (const [f, ks] of after) {
    const old = before.get(f);
    if (!old) out.push(`A\tdatabase/${f}`);
    else if (old.join() !== ks.join()) out.push(`M\tdatabase/${f}`);
  }
  for (const f of before.keys()) if (!after.has(f)) out.push(`D\tdatabase/${f}`);
  return out.sort();
}

async function checksum(db: string, table: string): Promise<string> {
  const [rows] = (await c.query(`CHECKSUM TABLE \`${db}\`.\`${table}\``)) as unknown as [Array<{ Checksum: string | number | null }>];
  return String(rows[0]!.Checksum);
}

before(async () => {
  server = await MariaDbServer.start();
  c = await server.connect();
});
after(async () => {
  await c?.end();
  await server?.destroy();
});

describe('chunked data files', () => {
  const repo = tempDir();
  let exponent = 0;
  let keys: number[] = [];

  before(async () => {
    await c.query(`CREATE DATABASE ${DB}; USE ${DB}`);
    await c.query(`CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(40) NOT NULL, qty INT) ENGINE=InnoDB;
      INSERT INTO items SELECT seq * 10, CONCAT('item ', seq * 10), seq % 7 FROM seq_1_to_3000;
      CREATE TABLE notes (txt VARCHAR(40)) ENGINE=MyISAM;
      INSERT INTO notes SELECT CONCAT('note ', seq % 1000) FROM seq_1_to_1500;`);
    keys = Array.from({ length: 3000 }, (_, i) => (i + 1) * 10);
  });

  it('a table larger than DBSYNC_CHUNK_SIZE is split into many chunk files; an unchanged database makes no commit', () => {
    const out = sync(envFor(repo));
    assert.match(out, /^committed /);
    const files = dataFiles(repo, 'items');
    assert.ok(files.length > 40, `${files.length} files`);
    assert.ok(files.includes('items.sql'));
    const exponents = new Set(files.filter((f) => f !== 'items.sql').map((f) => /^items@(\d+)-[0-9a-f]{8}\.sql$/.exec(f)?.[1]));
    assert.equal(exponents.size, 1, [...exponents].join());
    exponent = Number([...exponents][0]);
    // The files are exactly the chunk rule's, and every row is in one of them.
    const model = layout(keys, exponent);
    assert.deepEqual(files.map((f) => `data/${f}`).sort(), [...model.keys()].sort());
    for (const [f, ks] of model) {
      const ids = readFileSync(path.join(repo, 'database', f), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => Number(/VALUES \((\d+),/.exec(l)![1]));
      assert.deepEqual(ids, ks, f);
    }
    assert.match(body(repo), /^items: new table, 3000 added, 0 changed, 0 deleted$/m);
    assert.ok(dataFiles(repo, 'notes').length > 10, 'a table without a key is split too');
    assert.equal(sync(envFor(repo)), 'no changes');
  });

  /** Apply `sql` (keys: the table's keys afterwards; `updated`: a key whose row changed), sync, and check the files changed and the counts. */
  async function step(sql: string, after: number[], counts: string, updated?: number): Promise<string[]> {
    const before = layout(keys, exponent);
    await c.query(sql);
    keys = after;
    assert.match(sync(envFor(repo)), /^committed /);
    const changed = lastChange(repo);
    const now = layout(keys, exponent);
    const expected = expectedChange(before, now);
    if (updated !== undefined) expected.push(`M\tdatabase/${[...now].find(([, ks]) => ks.includes(updated))![0]}`);
    assert.deepEqual(changed, expected.sort(), sql);
    assert.match(body(repo), new RegExp(`^items: ${counts}$`, 'm'), sql);
    return changed;
  }
  const free = (from: number, boundary: boolean) => {
    for (let k = from; ; k++) if (!keys.includes(k) && isBoundary(keyHash(String(k)), exponent) === boundary) return k;
  };
  const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);

  it('inserts at the start, the end and in the middle rewrite one file each', async () => {
    const mid = free(15001, false);
    assert.equal((await step(`INSERT INTO items VALUES (${mid}, 'new', 1)`, sorted([...keys, mid]), '1 added, 0 changed, 0 deleted')).length, 1);
    const end = free(30001, false);
    assert.equal((await step(`INSERT INTO items VALUES (${end}, 'new', 1)`, sorted([...keys, end]), '1 added, 0 changed, 0 deleted')).length, 1);
    // Before the first row: it joins the first file (data/items.sql).
    const start = free(1, false);
    const changed = await step(`INSERT INTO items VALUES (${start}, 'new', 1)`, sorted([...keys, start]), '1 added, 0 changed, 0 deleted');
    assert.ok(changed.includes('M\tdatabase/data/items.sql') && changed.length <= 2, changed.join());
  });

  it('deletes at the start, the end and in the middle rewrite one file each', async () => {
    const first = keys[0]!;
    const changed = await step(`DELETE FROM items WHERE id = ${first}`, keys.slice(1), '0 added, 0 changed, 1 deleted');
    assert.ok(changed.includes('M\tdatabase/data/items.sql') && changed.length <= 2, changed.join());
    const last = keys.at(-1)!;
    assert.equal((await step(`DELETE FROM items WHERE id = ${last}`, keys.slice(0, -1), '0 added, 0 changed, 1 deleted')).length, 1);
    const mid = keys.find((k) => k > 12000 && !isBoundary(keyHash(String(k)), exponent))!;
    assert.equal(
      (
        await step(
          `DELETE FROM items WHERE id = ${mid}`,
          keys.filter((k) => k !== mid),
          '0 added, 0 changed, 1 deleted',
        )
      ).length,
      1,
    );
    const changedRow = keys.find((k) => k > 20000)!;
    assert.equal((await step(`UPDATE items SET qty = 99 WHERE id = ${changedRow}`, keys, '0 added, 1 changed, 0 deleted', changedRow)).length, 1);
  });

  it('deleting a boundary row merges two chunks and inserting one splits a chunk: 1 deleted / 1 added, not rows moved', async () => {
    const boundary = keys.find((k) => k > 9000 && isBoundary(keyHash(String(k)), exponent))!;
    const merged = await step(
      `DELETE FROM items WHERE id = ${boundary}`,
      keys.filter((k) => k !== boundary),
      '0 added, 0 changed, 1 deleted',
    );
    assert.equal(merged.length, 2, merged.join());
    assert.ok(merged.includes(`D\tdatabase/data/${chunkStem('items', exponent, nameHash(String(boundary)))}.sql`), merged.join());
    const added = free(20001, true);
    const split = await step(`INSERT INTO items VALUES (${added}, 'boundary', 2)`, sorted([...keys, added]), '1 added, 0 changed, 0 deleted');
    assert.equal(split.length, 2, split.join());
    assert.ok(split.includes(`A\tdatabase/data/${chunkStem('items', exponent, nameHash(String(added)))}.sql`), split.join());
  });

  it('a table without a key: exact counts, few files', async () => {
    await c.query("DELETE FROM notes WHERE txt = 'note 500' LIMIT 1; INSERT INTO notes VALUES ('note 500b')");
    assert.match(sync(envFor(repo)), /^committed /);
    assert.match(body(repo), /^notes: 1 added, 0 changed, 1 deleted$/m);
    assert.ok(lastChange(repo).length <= 3, lastChange(repo).join());
  });

  it('deterministic: a fresh repository from the same data has the same files', () => {
    const fresh = tempDir();
    sync(envFor(fresh));
    const tree = (d: string) => git(d, ['ls-tree', '-r', 'HEAD', 'database']);
    assert.equal(tree(fresh), tree(repo));
  });

  it('restore through the tool and through the stock client give the same table', async () => {
    const want = await checksum(DB, 'items');
    const wantNotes = await checksum(DB, 'notes');
    // The tool, into an empty database.
    await c.query('CREATE DATABASE restored');
    const r = cli(['restore', '--yes'], envFor(repo, 'restored'));
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await checksum('restored', 'items'), want);
    assert.equal(await checksum('restored', 'notes'), wantNotes);
    // The README's command, from the snapshot folder.
    await c.query('CREATE DATABASE stock');
    execFileSync('sh', ['-c', `cat ${LOAD_ORDER.join(' ')} | mariadb --no-defaults --socket="$SOCK" -uroot --binary-mode stock`], {
      cwd: path.join(repo, 'database'),
      env: { ...process.env, SOCK: server.socket },
    });
    assert.equal(await checksum('stock', 'items'), want);
    assert.equal(await checksum('stock', 'notes'), wantNotes);
  });

  it('a repository written with one file per table upgrades cleanly, and its old snapshots restore', async () => {
    const old = tempDir();
    // A chunk size above the table's size writes exactly the layout of before chunking.
    sync(envFor(old, DB, { DBSYNC_CHUNK_SIZE: '64MiB' }));
    assert.deepEqual(dataFiles(old, 'items'), ['items.sql']);
    const single = git(old, ['rev-parse', 'HEAD']).trim();
    assert.match(sync(envFor(old)), /^committed /);
    assert.match(body(old), /^items: 0 added, 0 changed, 0 deleted$/m);
    assert.ok(dataFiles(old, 'items').length > 40);
    assert.equal(git(old, ['ls-tree', '-r', 'HEAD', 'database']), git(repo, ['ls-tree', '-r', 'HEAD', 'database']), 'as if it had been chunked from the start');
    assert.equal(sync(envFor(old)), 'no changes');
    // Restoring the single-file snapshot over the chunked one: same rows, nothing to report.
    const want = await checksum(DB, 'items');
    await c.query('UPDATE items SET qty = qty + 1 WHERE id = 20');
    const r = cli(['restore', single, '--yes'], envFor(old));
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await checksum(DB, 'items'), want);
  });
});

describe('progress', () => {
  before(async () => {
    await c.query(
      'CREATE DATABASE big; CREATE TABLE big.rows_t (id INT PRIMARY KEY, v INT) ENGINE=InnoDB; INSERT INTO big.rows_t SELECT seq, seq * 7 FROM seq_1_to_120000;',
    );
  });

  it('a pass that read more than 100,000 rows logs one summary line when stderr is no terminal', () => {
    const dir = tempDir();
    const r = cli(['sync'], baseEnv({ ...server.env('big'), PROJECT_DIR: dir }));
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stderr.split('\n').filter((l) => / read [\d,]+ rows of /.test(l));
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0]!, /INFO read 120,000 rows of 1 table in \d+\.\d s \([\d,]+ rows\/s\)$/);
    // No terminal control characters in a log.
    assert.ok(!r.stderr.includes('\x1b'));
    // 120,000 rows of about 30 bytes: a few chunks of the default size.
    assert.ok(readdirSync(path.join(dir, 'database', 'data')).length > 3);
  });
});
