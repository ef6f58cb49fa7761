import { it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ChunkWriter } from '../../src/snapshot/chunk-writer.js';
import { CHUNK_TARGET_BYTES, isBoundary, keyHash, tableExponent } from '../../src/snapshot/chunking.js';
import { dataFilesByTable } from '../../src/snapshot/layout.js';

const line = (id: number) => `INSERT INTO \`t\` VALUES (${id},'name of row ${id}');\n`;

/** Write ids through a ChunkWriter (provisional exponent `start`, final `final`); returns file name -> text. */
async function write(ids: readonly number[], start: number | null, final: number | null): Promise<Map<string, string>> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dbsync-chunks-'));
  try {
    mkdirSync(path.join(dir, 'data'));
    const w = new ChunkWriter({ dir, tableStem: 't', exponent: start });
    for (const id of ids) await w.write(line(id), String(id));
    const r = await w.finish(() => final);
    assert.equal(r.rows, ids.length);
    assert.deepEqual(readdirSync(path.join(dir, 'data')).sort(), r.files.map((f) => f.slice('data/'.length)).sort(), 'no file left over');
    return new Map(r.files.map((f) => [f, readFileSync(path.join(dir, f), 'utf8')]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const ids = Array.from({ length: 3000 }, (_, i) => (i + 1) * 10);

it('splits at boundary keys: the first file is data/<table>.sql, the others are named after their first key', async () => {
  const files = await write(ids, 5, 5);
  const expected = ids.filter((id, i) => i > 0 && isBoundary(keyHash(String(id)), 5)).length + 1;
  assert.equal(files.size, expected);
  assert.ok(files.has('data/t.sql'));
  for (const [f, text] of files) {
    if (f === 'data/t.sql') assert.ok(text.startsWith(line(10)));
    else {
      assert.match(f, /^data\/t@5-[0-9a-f]{8}\.sql$/);
      const first = Number(/VALUES \((\d+),/.exec(text)![1]);
      assert.ok(isBoundary(keyHash(String(first)), 5), `${f} starts with a boundary row`);
    }
  }
  // Every row exactly once, in order within each file.
  const all = [...files.values()].join('').split('\n').filter(Boolean);
  assert.equal(all.length, ids.length);
  assert.equal(new Set(all).size, ids.length);
});

it('a re-split from the staged files gives exactly what writing with the final exponent gives', async () => {
  const direct = await write(ids, 6, 6);
  for (const start of [null, 4, 5, 8]) {
    const resplit = await write(ids, start, 6);
    assert.deepEqual([...resplit.keys()].sort(), [...direct.keys()].sort(), `from ${start}`);
    for (const [f, text] of direct) assert.equal(resplit.get(f), text, `${f} from ${start}`);
  }
  const single = await write(ids, 5, null);
  assert.deepEqual([...single.keys()], ['data/t.sql']);
  assert.equal(single.get('data/t.sql'), ids.map(line).join(''));
});

it('an empty table has one empty file; equal keys never start a chunk', async () => {
  assert.deepEqual([...(await write([], 4, 4))], [['data/t.sql', '']]);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dbsync-chunks-'));
  try {
    mkdirSync(path.join(dir, 'data'));
    const w = new ChunkWriter({ dir, tableStem: 't', exponent: 4 });
    // A boundary key repeated (duplicate rows of a table without a key): one chunk, not one per row.
    const boundary = ids.map(String).find((k, i) => i > 0 && isBoundary(keyHash(k), 4))!;
    await w.write('first\n', 'first');
    for (let i = 0; i < 50; i++) await w.write(`same ${boundary}\n`, boundary);
    const r = await w.finish(() => 4);
    assert.equal(r.files.length, 2, r.files.join(' '));
    assert.equal(readFileSync(path.join(dir, r.files[1]!), 'utf8').split('\n').filter(Boolean).length, 50);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

it('tables that fit in one chunk keep one file; the exponent follows the chunk size', () => {
  assert.equal(tableExponent(1000, 10, null, 1024), null);
  assert.equal(tableExponent(CHUNK_TARGET_BYTES, 5000, null), null);
  assert.notEqual(tableExponent(CHUNK_TARGET_BYTES * 4, 5000, null), null);
  const e = tableExponent(100_000, 2000, null, 1024)!;
  // 50 bytes a row, 1 KiB chunks: about 20 rows each.
  assert.ok(2 ** e >= 10 && 2 ** e <= 40, String(e));
  assert.equal(tableExponent(100_000, 2000, e + 1, 1024), e + 1, 'kept within the slack');
});

it('dataFilesByTable groups chunks under their table, the first file first', () => {
  const m = dataFilesByTable(['data/t@4-0000ffff.sql', 'tables/t.sql', 'data/t.sql', 'data/t@4-00000001.sql', 'data/u%40v.sql', 'views.sql']);
  assert.deepEqual(
    [...m],
    [
      ['t', ['data/t.sql', 'data/t@4-00000001.sql', 'data/t@4-0000ffff.sql']],
      ['u%40v', ['data/u%40v.sql']],
    ],
  );
});

it('a write error (no such folder, disk full) fails the table instead of being lost', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dbsync-chunks-'));
  try {
    // `data` is a file: opening a chunk file fails.
    writeFileSync(path.join(dir, 'data'), '');
    const w = new ChunkWriter({ dir, tableStem: 't', exponent: 4 });
    const run = async () => {
      for (const id of ids) {
        w.write(line(id), String(id));
        await new Promise((r) => setImmediate(r));
      }
      return w.finish(() => 4);
    };
    await assert.rejects(run(), (err: NodeJS.ErrnoException) => err.code === 'ENOTDIR');
    w.destroy();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
