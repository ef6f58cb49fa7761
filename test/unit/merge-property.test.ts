/**
 * Property-based tests of the three-way table merge: a random base table and two random edit
 * sequences (insert / update a cell / delete, on small key and value domains so that both sides
 * often touch the same rows and cells), merged, then checked against the rules of issue 6.
 *
 * fast-check prints the seed and the shrunk counterexample on failure; DBSYNC_FC_SEED replays a
 * run, DBSYNC_FC_RUNS changes the number of runs per table shape.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { swapSides, type Conflict } from '../../src/merge/conflict.js';
import { mergeTable, type MergeTableResult, type Side } from '../../src/merge/merge-table.js';
import { compareKeyCells, compareRowLines, keyText } from '../../src/merge/row-key.js';
import { cellsOf } from '../../src/snapshot/row-line.js';

const SEED = process.env.DBSYNC_FC_SEED === undefined ? undefined : Number(process.env.DBSYNC_FC_SEED);
const RUNS = Number(process.env.DBSYNC_FC_RUNS ?? 250);
const params = { numRuns: RUNS, ...(SEED === undefined ? {} : { seed: SEED }) };

const VALUES = ['NULL', '0', '1', '-2', "'x'", "'y'", "'a,b'", "'q\\'s'", "'\\\\'", "'),('", '0x00FF', "''"];

interface Shape {
  readonly name: string;
  readonly prefix: string;
  readonly columns: readonly string[];
  readonly keyColumns: readonly string[];
  readonly keyCell: fc.Arbitrary<string>[];
}

const SHAPES: readonly Shape[] = [
  {
    name: 'integer key',
    prefix: 'INSERT INTO `t` VALUES ',
    columns: ['id', 'a', 'b'],
    keyColumns: ['id'],
    keyCell: [fc.integer({ min: -1, max: 6 }).map(String)],
  },
  {
    // Key columns not first and not adjacent, a column list in the prefix (a table with INVISIBLE columns).
    name: 'composite key, named columns',
    prefix: 'INSERT INTO `t``x` (`k1`,`v`,`k2`,`w`) VALUES ',
    columns: ['k1', 'v', 'k2', 'w'],
    keyColumns: ['k1', 'k2'],
    keyCell: [fc.integer({ min: 1, max: 2 }).map(String), fc.constantFrom("'a'", "'b,c'", "'d\\'e'", "'\\\\'")],
  },
  {
    name: 'string key',
    prefix: 'INSERT INTO `s` VALUES ',
    columns: ['k', 'v'],
    keyColumns: ['k'],
    keyCell: [fc.constantFrom("'A'", "'a'", "'b'", "'a,b'", "'it\\'s'", "'NULL'", "'10'", "'9'", "'x\\\\'", "'ä'")],
  },
  { name: 'no key', prefix: 'INSERT INTO `log` VALUES ', columns: ['a', 'b'], keyColumns: [], keyCell: [] },
];

type Op =
  | { readonly op: 'insert'; readonly key: string[]; readonly values: string[] }
  | { readonly op: 'update'; readonly key: string[]; readonly pick: number; readonly column: number; readonly value: string }
  | { readonly op: 'delete'; readonly key: string[]; readonly pick: number };

/** Rows as cell arrays; for keyed shapes at most one row per key. */
type Rows = string[][];

function arbitraries(shape: Shape) {
  const keyPositions = shape.keyColumns.map((c) => shape.columns.indexOf(c));
  const free = shape.columns.map((_, i) => i).filter((i) => !keyPositions.includes(i));
  const key = fc.tuple(...shape.keyCell);
  const value = fc.constantFrom(...VALUES);
  const insert = fc.record({ op: fc.constant('insert' as const), key, values: fc.array(value, { minLength: free.length, maxLength: free.length }) });
  const update = fc.record({ op: fc.constant('update' as const), key, pick: fc.nat(), column: fc.nat(), value });
  const del = fc.record({ op: fc.constant('delete' as const), key, pick: fc.nat() });
  const edits = fc.array(fc.oneof(insert, update, update, del), { maxLength: 10 });
  return { keyPositions, free, base: fc.array(insert, { maxLength: 10 }), edits };
}

function rowKey(shape: Shape, cells: readonly string[]): string[] {
  return shape.keyColumns.map((c) => cells[shape.columns.indexOf(c)]!);
}

/** Apply edits the way an application would: by key (keyed shapes) or by picking a row (no key). */
function applyEdits(shape: Shape, free: readonly number[], rows: Rows, ops: readonly Op[]): Rows {
  const out = rows.map((r) => [...r]);
  const keyed = shape.keyColumns.length > 0;
  const find = (op: Op & { pick?: number }) =>
    keyed ? out.findIndex((r) => keyText(rowKey(shape, r)) === keyText(op.key)) : out.length === 0 ? -1 : op.pick! % out.length;
  for (const op of ops) {
    if (op.op === 'insert') {
      const cells = new Array<string>(shape.columns.length);
      for (const [i, c] of shape.keyColumns.entries()) cells[shape.columns.indexOf(c)] = op.key[i]!;
      for (const [i, p] of free.entries()) cells[p] = op.values[i]!;
      const at = keyed ? find(op) : -1;
      if (at >= 0)
        out[at] = cells; // an existing key: the whole row rewritten
      else out.push(cells);
      continue;
    }
    const at = find(op);
    if (at < 0) continue;
    if (op.op === 'delete') out.splice(at, 1);
    else out[at]![free[op.column % free.length]!] = op.value;
  }
  return out;
}

function linesOf(shape: Shape, rows: Rows): string[] {
  const lines = rows.map((r) => `${shape.prefix}(${r.join(',')});`);
  if (shape.keyColumns.length === 0) return lines.sort(compareRowLines);
  return lines.sort((a, b) => compareKeyCells(rowKey(shape, cellsOf(a)), rowKey(shape, cellsOf(b))));
}

function run(shape: Shape, base: string[], ours: string[], theirs: string[], keep: Side): MergeTableResult {
  return mergeTable({ table: 't', columns: shape.columns, keyColumns: shape.keyColumns, base, ours, theirs, keep });
}

const keyOfLine = (shape: Shape, line: string) => (shape.keyColumns.length === 0 ? line : keyText(rowKey(shape, cellsOf(line))));

function byKey(shape: Shape, lines: readonly string[]): Map<string, string> {
  return new Map(lines.map((l) => [keyOfLine(shape, l), l]));
}

function counts(lines: readonly string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const l of lines) m.set(l, (m.get(l) ?? 0) + 1);
  return m;
}

/** (3): apply `changes` to ours, checking each `before` against the current state; must give merged. */
function checkChanges(shape: Shape, ours: readonly string[], r: MergeTableResult): void {
  if (shape.keyColumns.length === 0) {
    const live = counts(ours);
    for (const c of r.changes) {
      assert.ok((c.before === null) !== (c.after === null), 'one copy inserted or deleted per change');
      assert.deepEqual(c.keyCells, cellsOf((c.before ?? c.after)!));
      if (c.before !== null) {
        assert.ok((live.get(c.before) ?? 0) > 0, 'deletes a line that exists');
        live.set(c.before, live.get(c.before)! - 1);
      } else live.set(c.after!, (live.get(c.after!) ?? 0) + 1);
    }
    for (const [l, n] of live) if (n === 0) live.delete(l);
    assert.deepEqual(live, counts(r.merged));
    return;
  }
  const live = byKey(shape, ours);
  const keys = new Set<string>();
  for (const c of r.changes) {
    const k = keyText(c.keyCells);
    assert.ok(!keys.has(k), 'one change per key');
    keys.add(k);
    assert.notEqual(c.before, c.after);
    for (const l of [c.before, c.after]) if (l !== null) assert.equal(keyOfLine(shape, l), k, 'keyCells are the key of the lines');
    assert.equal(live.get(k) ?? null, c.before, `before of ${k} is the live line`);
    if (c.after === null) live.delete(k);
    else live.set(k, c.after);
  }
  assert.deepEqual([...live.values()].sort(), [...r.merged].sort());
}

/** (2): every value written on either side is in the merged rows or in a recorded conflict; a conflict's kept side is what merged has. */
function checkNothingLost(shape: Shape, base: readonly string[], sides: Record<Side, readonly string[]>, r: MergeTableResult): void {
  if (shape.keyColumns.length === 0) {
    const b = counts(base);
    const m = counts(r.merged);
    for (const side of ['ours', 'theirs'] as const)
      for (const [line, n] of counts(sides[side])) assert.ok((m.get(line) ?? 0) >= n - (b.get(line) ?? 0), `copies of a line ${side} added are kept: ${line}`);
    assert.deepEqual(r.conflicts, []);
    return;
  }
  const b = byKey(shape, base);
  const m = byKey(shape, r.merged);
  const conflictsOf = (k: string) => r.conflicts.filter((c) => keyText(c.keyCells) === k);
  for (const side of ['ours', 'theirs'] as const) {
    for (const [k, line] of byKey(shape, sides[side])) {
      const was = b.get(k);
      if (was === line) continue;
      const cells = cellsOf(line);
      const before = was === undefined ? null : cellsOf(was);
      const mergedCells = m.has(k) ? cellsOf(m.get(k)!) : null;
      cells.forEach((cell, i) => {
        if (before !== null && before[i] === cell) return;
        const kept = mergedCells !== null && mergedCells[i] === cell;
        const recorded = conflictsOf(k).some((c) => (c.column === shape.columns[i] && c[side] === cell) || (c.column === null && c[side] === line));
        assert.ok(kept || recorded, `${side} wrote ${cell} into ${shape.columns[i]} of ${k}: neither merged nor recorded`);
      });
    }
    // A delete is applied, or recorded as a conflict.
    const now = byKey(shape, sides[side]);
    for (const k of b.keys())
      if (!now.has(k)) assert.ok(!m.has(k) || conflictsOf(k).some((c) => c.column === null && c[side] === null), `${side} deleted ${k}`);
  }
  for (const c of r.conflicts) {
    const k = keyText(c.keyCells);
    const kept = c[c.kept];
    if (c.kind === 'cell') assert.equal(cellsOf(m.get(k)!)[shape.columns.indexOf(c.column!)], kept);
    else assert.equal(m.get(k) ?? null, kept);
    assert.notEqual(c.ours, c.theirs);
  }
}

function strictlySorted(shape: Shape, lines: readonly string[]): boolean {
  for (let i = 1; i < lines.length; i++) {
    const c =
      shape.keyColumns.length === 0
        ? compareRowLines(lines[i - 1]!, lines[i]!)
        : compareKeyCells(rowKey(shape, cellsOf(lines[i - 1]!)), rowKey(shape, cellsOf(lines[i]!)));
    if (shape.keyColumns.length === 0 ? c > 0 : c >= 0) return false;
  }
  return true;
}

for (const shape of SHAPES) {
  describe(`merge properties: ${shape.name}`, () => {
    const a = arbitraries(shape);
    const input = fc.record({
      base: a.base,
      ours: a.edits,
      theirs: a.edits,
      keep: fc.constantFrom<Side>('ours', 'theirs'),
      reversed: fc.tuple(fc.boolean(), fc.boolean(), fc.boolean()),
    });
    const build = (v: { base: Op[]; ours: Op[]; theirs: Op[] }) => {
      const baseRows = applyEdits(shape, a.free, [], v.base);
      return {
        base: linesOf(shape, baseRows),
        ours: linesOf(shape, applyEdits(shape, a.free, baseRows, v.ours)),
        theirs: linesOf(shape, applyEdits(shape, a.free, baseRows, v.theirs)),
      };
    };

    it('(1) merging a side with itself or with an unchanged side gives that side', () => {
      fc.assert(
        fc.property(input, (v) => {
          const { base, ours, theirs } = build(v);
          for (const x of [ours, theirs]) {
            assert.deepEqual(run(shape, base, x, x, v.keep), { merged: x, changes: [], conflicts: [] });
            const fromBase = run(shape, base, base, x, v.keep);
            assert.deepEqual(fromBase.merged, x);
            assert.deepEqual(fromBase.conflicts, []);
            checkChanges(shape, base, fromBase);
            assert.deepEqual(run(shape, base, x, base, v.keep), { merged: x, changes: [], conflicts: [] });
          }
        }),
        params,
      );
    });

    it('(2) no value written on either side is lost, (3) changes turn ours into merged, merged is in key order', () => {
      fc.assert(
        fc.property(input, (v) => {
          const { base, ours, theirs } = build(v);
          const r = run(shape, base, ours, theirs, v.keep);
          checkNothingLost(shape, base, { ours, theirs }, r);
          checkChanges(shape, ours, r);
          assert.ok(strictlySorted(shape, r.merged), 'merged in key order');
          for (const c of r.conflicts) assert.equal(c.kept, v.keep);
        }),
        params,
      );
    });

    it('(4) symmetric: swapping the sides and the kept side gives the same rows and the same conflicts seen from the other side', () => {
      fc.assert(
        fc.property(input, (v) => {
          const { base, ours, theirs } = build(v);
          const other: Side = v.keep === 'ours' ? 'theirs' : 'ours';
          const r1 = run(shape, base, ours, theirs, v.keep);
          const r2 = run(shape, base, theirs, ours, other);
          assert.deepEqual(r1.merged, r2.merged);
          assert.deepEqual(r1.conflicts, r2.conflicts.map(swapSides as (c: Conflict) => Conflict));
          // Both computers end with the same table: each applies its own changes.
          checkChanges(shape, theirs, r2);
        }),
        params,
      );
    });

    it('(5) the order of the input lines does not matter (walk and map paths agree)', () => {
      fc.assert(
        fc.property(input, (v) => {
          const { base, ours, theirs } = build(v);
          const flip = (lines: string[], on: boolean) => (on ? [...lines].reverse() : lines);
          const [rb, ro, rt] = v.reversed;
          assert.deepEqual(run(shape, flip(base, rb), flip(ours, ro), flip(theirs, rt), v.keep), run(shape, base, ours, theirs, v.keep));
        }),
        params,
      );
    });
  });
}
