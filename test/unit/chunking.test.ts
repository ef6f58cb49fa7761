import { it } from 'node:test';
import assert from 'node:assert/strict';
import {
  chooseExponent,
  chunkStem,
  finalExponent,
  idealExponent,
  isBoundary,
  keyHash,
  nameHash,
  parseDataStem,
  CHUNK_TARGET_BYTES,
} from '../../src/snapshot/chunking.js';

/** Split keys into chunks by the boundary rule; returns the first key of each chunk after the head. */
function boundaries(keys: readonly string[], exponent: number): string[] {
  return keys.filter((k) => isBoundary(keyHash(k), exponent));
}

it('keyHash is stable across versions (file names depend on it)', () => {
  assert.equal(keyHash(''), keyHash(''));
  assert.equal(keyHash('1'), 1428125071);
  assert.equal(keyHash("'INV-2026-0042'"), keyHash("'INV-2026-0042'"));
  assert.notEqual(keyHash('1'), keyHash('2'));
  // Chunk file names come from nameHash: pinned too.
  assert.equal(nameHash('1'), 230109981);
});

it('chunk names use all 32 bits although a boundary key hash has its low bits zero', () => {
  const keys = Array.from({ length: 100_000 }, (_, i) => String(i));
  const names = keys.filter((k) => isBoundary(keyHash(k), 8)).map(nameHash);
  assert.ok(names.some((n) => (n & 0xff) !== 0));
  assert.equal(new Set(names).size, names.length, 'no clash among a few hundred chunk names');
});

it('chunks average 2^exponent rows', () => {
  const keys = Array.from({ length: 200_000 }, (_, i) => String(i + 1));
  const n = boundaries(keys, 10).length;
  // 200000 / 1024 = 195 expected; a uniform hash stays well within +-30 %.
  assert.ok(n > 195 * 0.7 && n < 195 * 1.3, `${n} boundaries`);
});

it('inserting or deleting rows moves no other boundary', () => {
  const keys = Array.from({ length: 50_000 }, (_, i) => String(i * 2));
  const before = boundaries(keys, 8);
  const withInserts = [...keys, ...Array.from({ length: 5000 }, (_, i) => String(i * 20 + 1))].sort((a, b) => Number(a) - Number(b));
  const after = boundaries(withInserts, 8);
  // Every old boundary is still a boundary; new ones are only inserted keys.
  const afterSet = new Set(after);
  for (const b of before) assert.ok(afterSet.has(b));
  for (const b of after) if (!before.includes(b)) assert.equal(Number(b) % 2, 1);
  const deleted = new Set(keys.filter((_, i) => i % 7 === 0));
  const afterDelete = boundaries(
    keys.filter((k) => !deleted.has(k)),
    8,
  );
  assert.deepEqual(
    afterDelete,
    before.filter((b) => !deleted.has(b)),
  );
});

it('the exponent targets the chunk size and is kept while within the slack', () => {
  const e = idealExponent(120 * 1_000_000, 1_000_000);
  assert.equal(2 ** e * 120 <= CHUNK_TARGET_BYTES * 1.5 && 2 ** e * 120 >= CHUNK_TARGET_BYTES / 1.5, true);
  assert.equal(chooseExponent(null, 12), 12);
  assert.equal(chooseExponent(10, 12), 10);
  assert.equal(chooseExponent(9, 12), 12);
  assert.equal(idealExponent(0, 0) >= idealExponent(1000, 10), true);
});

it('chunk stems round-trip and never look like a plain table stem', () => {
  const stem = chunkStem('ip_invoices', 12, 0xabc);
  assert.equal(stem, 'ip_invoices@12-00000abc');
  assert.deepEqual(parseDataStem(stem), { table: 'ip_invoices', exponent: 12 });
  assert.deepEqual(parseDataStem('ip_invoices'), { table: 'ip_invoices', exponent: null });
  assert.deepEqual(parseDataStem('a%40b'), { table: 'a%40b', exponent: null });
});

it('a kept exponent that cuts no chunk gives way to the ideal one, so a re-read writes the same files', () => {
  // 31 rows of about 49 bytes with a 1 KiB target: ideal exponent 4; 5 is within the slack.
  const [bytes, rows, target] = [1521, 31, 1024];
  assert.equal(idealExponent(bytes, rows, target), 4);
  const cutsAt = (es: number[]) => (e: number) => es.includes(e);
  // Exponent 5 in use and it still cuts the rows: kept (stable names).
  assert.equal(finalExponent(bytes, rows, 5, target, cutsAt([4, 5])), 5);
  // Exponent 5 in use but no row is a boundary at 5: one file, which a re-read (no previous
  // exponent visible) would split at 4; so 4 now.
  assert.equal(finalExponent(bytes, rows, 5, target, cutsAt([4])), 4);
  // And that is a fixed point: the re-read sees exponent 4 in the file names and keeps it.
  assert.equal(finalExponent(bytes, rows, 4, target, cutsAt([4])), 4);
  // Neither cuts: one file either way, the ideal exponent (also what a re-read picks).
  assert.equal(finalExponent(bytes, rows, 5, target, cutsAt([])), 4);
  assert.equal(finalExponent(bytes, rows, null, target, cutsAt([])), 4);
  // Within the target: one file, no exponent.
  assert.equal(finalExponent(900, rows, 5, target, cutsAt([4, 5])), null);
});
