/**
 * The commit message's row diff over changed chunk files (diffChunks) against the simple
 * reference (diffRowSources in one pass: every line parsed, old rows held by key): random tables
 * split into content-defined chunks, random updates, inserts and deletes (and re-splits, where
 * every chunk is renamed), only the files that differ handed over, as git stages them. Keys are
 * unique, as the snapshot's order key is; keyless tables (whole lines as keys) have duplicates.
 *
 * DBSYNC_FC_SEED replays a run, DBSYNC_FC_RUNS changes the number of runs.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { diffChunks, type ChunkBytes } from '../../src/commit/diff-chunks.js';
import { diffRowSources, type LineSource, type RowLineChanges } from '../../src/commit/row-diff.js';
import { quoteString } from '../../src/snapshot/sql-text.js';

const SEED = process.env.DBSYNC_FC_SEED === undefined ? undefined : Number(process.env.DBSYNC_FC_SEED);
const RUNS = Number(process.env.DBSYNC_FC_RUNS ?? 200);
const params = { numRuns: RUNS, ...(SEED === undefined ? {} : { seed: SEED }) };

/** Cell texts that stress the line splitter: commas, quotes, escapes, a closing parenthesis. */
const VALUE = fc.oneof(fc.constantFrom('a', 'b', "it's", 'x,y', '),(', '\\', 'é', ''), fc.string({ maxLength: 6 }));

type Table = ReadonlyMap<number, string>;

const lineOf = (id: number, v: string, keyless: boolean) => `INSERT INTO \`t\` VALUES (${keyless ? 0 : id},${quoteString(v)});`;

/** Split rows (in key order) into chunk files the way chunking.ts does: a row starts a chunk when its key hashes so. */
function chunks(table: Table, modulus: number, keyless: boolean): Map<string, string> {
  const files = new Map<string, string[]>();
  let current = 't.sql';
  for (const id of [...table.keys()].sort((a, b) => a - b)) {
    if (files.size > 0 && hash(id) % modulus === 0) current = `t@${modulus}-${id}.sql`;
    const list = files.get(current) ?? [];
    list.push(lineOf(id, table.get(id)!, keyless));
    files.set(current, list);
  }
  // Keyless tables are sorted by whole line, as the snapshot writes them.
  return new Map([...files].map(([name, lines]) => [name, (keyless ? lines.sort() : lines).map((l) => l + '\n').join('')]));
}

function hash(n: number): number {
  let h = Math.imul(n ^ 0x9e3779b9, 0x85ebca6b);
  h ^= h >>> 13;
  return Math.abs(Math.imul(h, 0xc2b2ae35) >>> 0);
}

/** What git stages: files that differ, in path order; the old side's names and the new side's. */
function staged(before: Map<string, string>, after: Map<string, string>): { old: string[]; new: string[] } {
  const names = [...new Set([...before.keys(), ...after.keys()])].sort();
  const changed = names.filter((n) => before.get(n) !== after.get(n));
  return { old: changed.filter((n) => before.has(n)), new: changed.filter((n) => after.has(n)) };
}

async function reference(before: Map<string, string>, after: Map<string, string>, files: { old: string[]; new: string[] }, keys: number[]) {
  const src = (text: string): LineSource =>
    async function* () {
      yield* text.split('\n');
    };
  const counts = { added: 0, changed: 0, deleted: 0 };
  const lines = { added: [] as string[], changed: [] as Array<readonly [string, string]>, deleted: [] as string[] };
  await diffRowSources(
    files.old.map((n) => src(before.get(n)!)),
    files.new.map((n) => src(after.get(n)!)),
    keys,
    keys,
    {
      added: (l) => {
        counts.added++;
        lines.added.push(l);
      },
      changed: (b, a) => {
        counts.changed++;
        lines.changed.push([b, a]);
      },
      deleted: (l) => {
        counts.deleted++;
        lines.deleted.push(l);
      },
    },
    Infinity,
  );
  return { counts, lines: lines as RowLineChanges };
}

function sources(before: Map<string, string>, after: Map<string, string>, reads: string[]) {
  const read =
    (side: Map<string, string>, tag: string) =>
    async (name: string, max: number): Promise<ChunkBytes> => {
      reads.push(`${tag}:${name}`);
      const text = side.get(name);
      if (text === undefined) return null;
      const buf = Buffer.from(text);
      return buf.length > max ? { skipped: true, size: buf.length } : buf;
    };
  return { readOld: read(before, 'old'), readNew: read(after, 'new') };
}

const edit = fc.record({ kind: fc.constantFrom('update', 'update', 'insert', 'delete'), at: fc.nat(400), value: VALUE });

const scenario = fc.record({
  rows: fc.dictionary(fc.nat(300).map(String), VALUE, { maxKeys: 120 }),
  edits: fc.array(edit, { maxLength: 25 }),
  modulus: fc.constantFrom(2, 3, 5, 8),
  resplit: fc.boolean(),
  keyless: fc.boolean(),
});

function apply(base: Table, edits: ReadonlyArray<{ kind: string; at: number; value: string }>): Table {
  const t = new Map(base);
  const ids = () => [...t.keys()];
  for (const e of edits) {
    if (e.kind === 'insert') t.set(e.at, e.value);
    else if (t.size > 0) {
      const id = ids()[e.at % t.size]!;
      if (e.kind === 'update') t.set(id, e.value + '~');
      else t.delete(id);
    }
  }
  return t;
}

describe('diffChunks', () => {
  it('gives the reference diff: the same counts and the same lines in the same order', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        const base: Table = new Map(Object.entries(s.rows).map(([k, v]) => [Number(k), v]));
        const next = apply(base, s.edits);
        const before = chunks(base, s.modulus, s.keyless);
        const after = chunks(next, s.resplit ? s.modulus + 1 : s.modulus, s.keyless);
        const files = staged(before, after);
        const keys = s.keyless ? [] : [0];
        const want = await reference(before, after, files, keys);
        const reads: string[] = [];
        const got = await diffChunks(files.old, files.new, sources(before, after, reads), { keyPositions: keys, oldKeyPositions: keys, keepLines: 1_000_000 });
        assert.ok(got);
        assert.deepEqual(got.counts, want.counts);
        if (s.keyless && got.lines) {
          // Identical duplicate lines are indistinguishable rows: which copy counts as the added (or
          // deleted) one, and so where it is listed, may differ. The same lines, the same counts.
          const sorted = (l: RowLineChanges) => ({ added: [...l.added].sort(), changed: l.changed, deleted: [...l.deleted].sort() });
          assert.deepEqual(sorted(got.lines), sorted(want.lines));
        } else assert.deepEqual(got.lines, want.lines);
        assert.equal(new Set(reads).size, reads.length, `a file read twice: ${reads.join(' ')}`);
        const counted = await diffChunks(files.old, files.new, sources(before, after, []), { keyPositions: keys, oldKeyPositions: keys, keepLines: 0 });
        assert.deepEqual(counted?.counts, want.counts);
        // With too little memory it says so (the caller then runs the streamed diff), never a wrong answer.
        const small = await diffChunks(files.old, files.new, sources(before, after, []), {
          keyPositions: keys,
          oldKeyPositions: keys,
          keepLines: 5,
          memoryBytes: 2048,
        });
        if (small) assert.deepEqual(small.counts, want.counts);
      }),
      params,
    );
  });

  it('keeps lines only while there are at most keepLines of them', async () => {
    const before = new Map([['t.sql', [1, 2, 3].map((i) => lineOf(i, 'a', false) + '\n').join('')]]);
    const after = new Map([['t.sql', [1, 2, 3].map((i) => lineOf(i, 'b', false) + '\n').join('')]]);
    const opts = { keyPositions: [0], oldKeyPositions: [0] };
    const three = await diffChunks(['t.sql'], ['t.sql'], sources(before, after, []), { ...opts, keepLines: 3 });
    assert.equal(three?.lines?.changed.length, 3);
    const two = await diffChunks(['t.sql'], ['t.sql'], sources(before, after, []), { ...opts, keepLines: 2 });
    assert.deepEqual(two, { counts: { added: 0, changed: 3, deleted: 0 }, lines: null });
  });

  it('parses only the lines that differ', async () => {
    // A line that is not a row line would throw if it were split into cells: only the changed one may be.
    const common = Array.from({ length: 500 }, (_, i) => `not a row line ${i}`);
    const before = new Map([['t.sql', [...common.slice(0, 250), lineOf(1, 'a', false), ...common.slice(250)].join('\n') + '\n']]);
    const after = new Map([['t.sql', [...common.slice(0, 250), lineOf(1, 'b', false), ...common.slice(250)].join('\n') + '\n']]);
    const got = await diffChunks(['t.sql'], ['t.sql'], sources(before, after, []), { keyPositions: [0], oldKeyPositions: [0], keepLines: 0 });
    assert.deepEqual(got?.counts, { added: 0, changed: 1, deleted: 0 });
  });

  it('a file larger than its share of memory sends the table to the streamed diff', async () => {
    const big = Array.from({ length: 200 }, (_, i) => lineOf(i, 'v'.repeat(50), false)).join('\n');
    const before = new Map([['t.sql', big]]);
    const after = new Map([['t.sql', big + '\n' + lineOf(999, 'new', false)]]);
    assert.equal(
      await diffChunks(['t.sql'], ['t.sql'], sources(before, after, []), { keyPositions: [0], oldKeyPositions: [0], keepLines: 0, memoryBytes: 8 * 1024 }),
      null,
    );
    const roomy = await diffChunks(['t.sql'], ['t.sql'], sources(before, after, []), { keyPositions: [0], oldKeyPositions: [0], keepLines: 0 });
    assert.deepEqual(roomy?.counts, { added: 1, changed: 0, deleted: 0 });
  });
});

describe('diffChunks line walk', () => {
  const L = (id: number, v = 'v') => lineOf(id, v, false);
  const counts = async (before: string, after: string) =>
    (
      await diffChunks(['t.sql'], ['t.sql'], sources(new Map([['t.sql', before]]), new Map([['t.sql', after]]), []), {
        keyPositions: [0],
        oldKeyPositions: [0],
        keepLines: 0,
      })
    )?.counts;

  it('a missing final line break, empty lines and a change far from the start', async () => {
    assert.deepEqual(await counts(`${L(1)}\n`, L(1)), { added: 0, changed: 0, deleted: 0 });
    assert.deepEqual(await counts(`${L(1)}\n\n${L(2)}\n`, `${L(1)}\n${L(2)}`), { added: 0, changed: 0, deleted: 0 });
    const many = Array.from({ length: 5000 }, (_, i) => L(i));
    const changed = many.map((l, i) => (i % 997 === 500 ? L(i, 'w') : l)).filter((_, i) => i !== 4000);
    changed.splice(2500, 0, L(100_000));
    assert.deepEqual(await counts(many.join('\n') + '\n', changed.join('\n') + '\n'), { added: 1, changed: 5, deleted: 1 });
  });

  it('a block of changes longer than the look-ahead', async () => {
    const before = Array.from({ length: 200 }, (_, i) => L(i));
    const after = before.map((l, i) => (i >= 50 && i < 150 ? L(i, 'w') : l));
    assert.deepEqual(await counts(before.join('\n'), after.join('\n')), { added: 0, changed: 100, deleted: 0 });
    const inserted = [...before.slice(0, 100), ...Array.from({ length: 60 }, (_, i) => L(1000 + i)), ...before.slice(100)];
    assert.deepEqual(await counts(before.join('\n'), inserted.join('\n')), { added: 60, changed: 0, deleted: 0 });
  });
});
