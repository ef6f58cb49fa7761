import { it } from 'node:test';
import assert from 'node:assert/strict';
import { diffRows, diffRowSources, type LineSource } from '../../src/commit/row-diff.js';

const line = (id: number, v: string) => `INSERT INTO \`t\` VALUES (${id},'${v}');`;

/** Lines as a source (read afresh each time, counting the reads). */
function source(lines: readonly string[], reads: { n: number }): LineSource {
  return async function* () {
    reads.n++;
    yield* lines;
  };
}

async function counts(oldFiles: string[][], newFiles: string[][], memory?: number, keys: number[] = [0]) {
  const reads = { n: 0 };
  const c = { added: 0, changed: 0, deleted: 0 };
  await diffRowSources(
    oldFiles.map((f) => source(f, reads)),
    newFiles.map((f) => source(f, reads)),
    keys,
    keys,
    { added: () => c.added++, changed: () => c.changed++, deleted: () => c.deleted++ },
    memory,
  );
  return { ...c, reads: reads.n };
}

it('rows that moved to another chunk are unchanged; the counts are those of the whole table', async () => {
  // A boundary row (3) deleted: chunk [3,4] merges into [1,2]; nothing else changed.
  assert.deepEqual(
    await counts(
      [
        [line(1, 'a'), line(2, 'b')],
        [line(3, 'c'), line(4, 'd')],
      ],
      [[line(1, 'a'), line(2, 'b'), line(4, 'd')]],
    ),
    { added: 0, changed: 0, deleted: 1, reads: 3 },
  );
  // A row changed while moving.
  assert.deepEqual(await counts([[line(1, 'a')], [line(2, 'b')]], [[line(1, 'a'), line(2, 'B')]]), { added: 0, changed: 1, deleted: 0, reads: 3 });
});

it('a new or dropped table is counted without keys', async () => {
  assert.deepEqual(await counts([], [[line(1, 'a'), '', line(2, 'b')], [line(3, 'c')]]), { added: 3, changed: 0, deleted: 0, reads: 2 });
  assert.deepEqual(await counts([[line(1, 'a')]], []), { added: 0, changed: 0, deleted: 1, reads: 1 });
});

it('with little memory the diff runs in several passes and gives the same counts', async () => {
  const before = Array.from({ length: 5000 }, (_, i) => line(i, `v${i}`));
  const after = before.filter((_, i) => i % 7 !== 0).map((l, i) => (i % 11 === 0 ? l.replace("'v", "'w") : l));
  after.push(line(9000, 'new'), line(9001, 'new'));
  const whole = diffRows(before.join('\n'), after.join('\n'), [0]);
  const split = (xs: string[]) => [xs.slice(0, 1700), xs.slice(1700, 3100), xs.slice(3100)];
  const big = await counts(split(before), split(after));
  assert.deepEqual({ added: big.added, changed: big.changed, deleted: big.deleted }, whole);
  assert.equal(big.reads, 6, 'one pass');
  const small = await counts(split(before), split(after), 64 * 1024);
  assert.deepEqual({ added: small.added, changed: small.changed, deleted: small.deleted }, whole);
  assert.ok(small.reads > 6, `several passes (${small.reads} reads)`);
  // Without a key (whole lines), duplicates included.
  const dup = await counts([[line(1, 'a'), line(1, 'a')], [line(2, 'b')]], [[line(1, 'a')], [line(2, 'b'), line(3, 'c')]], 64, []);
  assert.deepEqual({ added: dup.added, changed: dup.changed, deleted: dup.deleted }, { added: 1, changed: 0, deleted: 1 });
});
