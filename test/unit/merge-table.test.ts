import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DbsyncError } from '../../src/errors/dbsync-error.js';
import { diffTable } from '../../src/merge/diff-table.js';
import { mergedCount } from '../../src/merge/merge-keyless.js';
import { mergeTable, type MergeTableInput, type MergeTableResult } from '../../src/merge/merge-table.js';
import { rowLines } from '../../src/merge/row-index.js';
import { compareKeyCells, compareLiterals, compareRowLines } from '../../src/merge/row-key.js';
import { RowWriter } from '../../src/snapshot/row-line.js';
import type { ColumnInfo, TableInfo } from '../../src/snapshot/table-info.js';

const col = (name: string, dataType: string, extra: Partial<ColumnInfo> = {}): ColumnInfo => ({
  name,
  dataType,
  charset: extra.charset ?? (/char|text/.test(dataType) ? 'utf8mb4' : null),
  generated: extra.generated ?? false,
  invisible: extra.invisible ?? false,
});

/** Row lines exactly as the snapshot writes them (RowWriter), without the newline. */
function writer(table: TableInfo): (...values: Array<string | null>) => string {
  const w = new RowWriter(table);
  return (...values) => w.line(values.map((v) => (v === null ? null : Buffer.from(v)))).slice(0, -1);
}

const T: TableInfo = {
  name: 'invoices',
  engine: 'InnoDB',
  columns: [col('id', 'int'), col('number', 'varchar'), col('client', 'varchar'), col('total', 'decimal')],
  orderKey: ['id'],
};
const row = writer(T);

function merge(base: string[], ours: string[], theirs: string[], keep: 'ours' | 'theirs' = 'ours', table: TableInfo = T): MergeTableResult {
  return mergeTable({ table: table.name, columns: table.columns.map((c) => c.name), keyColumns: table.orderKey, base, ours, theirs, keep });
}

/** Apply `changes` to ours by key (checking every `before`), the way the apply engine will. */
function applyChanges(ours: string[], r: MergeTableResult, keyOf: (line: string) => string): string[] {
  const live = new Map(ours.map((l) => [keyOf(l), l]));
  for (const c of r.changes) {
    const line = (c.before ?? c.after)!;
    const k = keyOf(line);
    assert.equal(live.get(k) ?? null, c.before, `before of ${k}`);
    if (c.after === null) live.delete(k);
    else live.set(keyOf(c.after), c.after);
  }
  return [...live.values()];
}
const idOf = (l: string) => /VALUES \(([^,]*),/.exec(l)![1]!;
const sameSet = (a: readonly string[], b: readonly string[]) => assert.deepEqual([...a].sort(), [...b].sort());

const base = [row('1', 'INV-1', 'ACME', '10.00'), row('2', 'INV-2', 'Bolt', '20.00'), row('3', 'INV-3', 'Crux', '30.00')];

describe('mergeTable: rows by key', () => {
  it('combines changes to different rows (update, insert, delete on either side)', () => {
    const ours = [row('1', 'INV-1', 'ACME Ltd', '10.00'), row('2', 'INV-2', 'Bolt', '20.00')]; // update 1, delete 3
    const theirs = [
      row('1', 'INV-1', 'ACME', '10.00'),
      row('2', 'INV-2', 'Bolt', '25.00'),
      row('3', 'INV-3', 'Crux', '30.00'),
      row('10', 'INV-10', 'Dune', '5.00'),
    ];
    const r = merge(base, ours, theirs);
    assert.deepEqual(r.merged, [row('1', 'INV-1', 'ACME Ltd', '10.00'), row('2', 'INV-2', 'Bolt', '25.00'), row('10', 'INV-10', 'Dune', '5.00')]);
    assert.deepEqual(r.conflicts, []);
    assert.deepEqual(r.changes, [
      { keyCells: ['2'], before: row('2', 'INV-2', 'Bolt', '20.00'), after: row('2', 'INV-2', 'Bolt', '25.00') },
      { keyCells: ['10'], before: null, after: row('10', 'INV-10', 'Dune', '5.00') },
    ]);
    assert.deepEqual(applyChanges(ours, r, idOf), r.merged);
  });

  it('combines changes to different cells of one row into the line the snapshot writer would write', () => {
    const r = merge(base, [row('1', 'INV-1', 'ACME Ltd', '10.00'), base[1]!, base[2]!], [row('1', 'INV-1', 'ACME', '12.50'), base[1]!, base[2]!]);
    assert.equal(r.merged[0], row('1', 'INV-1', 'ACME Ltd', '12.50'));
    assert.deepEqual(r.conflicts, []);
    assert.deepEqual(r.changes, [{ keyCells: ['1'], before: row('1', 'INV-1', 'ACME Ltd', '10.00'), after: row('1', 'INV-1', 'ACME Ltd', '12.50') }]);
  });

  it('takes the same new value on both sides without a conflict', () => {
    const ours = [row('1', 'INV-1', 'ACME Ltd', '10.00'), base[1]!, base[2]!];
    const theirs = [row('1', 'INV-1', 'ACME Ltd', '11.00'), base[1]!, base[2]!];
    const r = merge(base, ours, theirs);
    assert.equal(r.merged[0], row('1', 'INV-1', 'ACME Ltd', '11.00'));
    assert.deepEqual(r.conflicts, []);
    // Identical rows on both sides (whole-row agreement) is no change at all.
    assert.deepEqual(merge(base, ours, ours), { merged: ours, changes: [], conflicts: [] });
  });

  it('records a cell changed to different values with base, ours and theirs; the kept side is in the row, other cells still merge', () => {
    const ours = [row('1', 'INV-1', 'ACME Ltd', '10.00'), base[1]!, base[2]!];
    const theirs = [row('1', 'INV-1', 'ACME Inc', '99.00'), base[1]!, base[2]!];
    const conflict = { table: 'invoices', keyCells: ['1'], kind: 'cell', column: 'client', base: "'ACME'", ours: "'ACME Ltd'", theirs: "'ACME Inc'" } as const;

    const keepOurs = merge(base, ours, theirs, 'ours');
    assert.equal(keepOurs.merged[0], row('1', 'INV-1', 'ACME Ltd', '99.00'));
    assert.deepEqual(keepOurs.conflicts, [{ ...conflict, kept: 'ours' }]);
    assert.deepEqual(keepOurs.changes, [{ keyCells: ['1'], before: ours[0], after: row('1', 'INV-1', 'ACME Ltd', '99.00') }]);

    const keepTheirs = merge(base, ours, theirs, 'theirs');
    assert.equal(keepTheirs.merged[0], row('1', 'INV-1', 'ACME Inc', '99.00'));
    assert.deepEqual(keepTheirs.conflicts, [{ ...conflict, kept: 'theirs' }]);
    // The merged row equals theirs: the line is theirs' own text.
    assert.equal(keepTheirs.merged[0], theirs[0]);
  });

  it('records every conflicting cell of a row, in column order', () => {
    const ours = [row('1', 'INV-1a', 'A', '1.00')];
    const theirs = [row('1', 'INV-1b', 'B', '11.00')];
    const r = merge([base[0]!], ours, theirs, 'theirs');
    assert.deepEqual(
      r.conflicts.map((c) => [c.column, c.ours, c.theirs]),
      [
        ['number', "'INV-1a'", "'INV-1b'"],
        ['client', "'A'", "'B'"],
        ['total', '1.00', '11.00'],
      ],
    );
    assert.deepEqual(r.merged, theirs);
  });

  it('deletes a row deleted on one side and unchanged on the other (both directions)', () => {
    const without3 = [base[0]!, base[1]!];
    for (const keep of ['ours', 'theirs'] as const) {
      const a = merge(base, without3, base, keep);
      assert.deepEqual(a.merged, without3);
      assert.deepEqual(a.changes, []);
      const b = merge(base, base, without3, keep);
      assert.deepEqual(b.merged, without3);
      assert.deepEqual(b.changes, [{ keyCells: ['3'], before: base[2], after: null }]);
      assert.deepEqual(a.conflicts, []);
      assert.deepEqual(b.conflicts, []);
    }
  });

  it('delete vs update: a conflict; the kept side decides whether the row exists, the other side is recorded whole', () => {
    const updated = row('3', 'INV-3', 'Crux', '33.00');
    const deleted = [base[0]!, base[1]!];
    const withUpdate = [base[0]!, base[1]!, updated];

    // ours deleted, theirs updated
    let r = merge(base, deleted, withUpdate, 'ours');
    assert.deepEqual(r.merged, deleted);
    assert.deepEqual(r.changes, []);
    assert.deepEqual(r.conflicts, [
      { table: 'invoices', keyCells: ['3'], kind: 'delete-update', column: null, base: base[2], ours: null, theirs: updated, kept: 'ours' },
    ]);
    r = merge(base, deleted, withUpdate, 'theirs');
    assert.deepEqual(r.merged, withUpdate);
    assert.deepEqual(r.changes, [{ keyCells: ['3'], before: null, after: updated }]);
    assert.equal(r.conflicts[0]!.kept, 'theirs');
    assert.equal(r.conflicts[0]!.kind, 'delete-update');

    // ours updated, theirs deleted
    r = merge(base, withUpdate, deleted, 'ours');
    assert.deepEqual(r.merged, withUpdate);
    assert.deepEqual(r.changes, []);
    assert.deepEqual(r.conflicts, [
      { table: 'invoices', keyCells: ['3'], kind: 'update-delete', column: null, base: base[2], ours: updated, theirs: null, kept: 'ours' },
    ]);
    r = merge(base, withUpdate, deleted, 'theirs');
    assert.deepEqual(r.merged, deleted);
    assert.deepEqual(r.changes, [{ keyCells: ['3'], before: updated, after: null }]);
    assert.equal(r.conflicts[0]!.kind, 'update-delete');
  });

  it('insert-insert: identical lines are one row, different lines a conflict keeping one row and recording the other', () => {
    const mine = row('4', 'INV-4', 'Mine', '1.00');
    const yours = row('4', 'INV-4', 'Yours', '2.00');
    const same = merge(base, [...base, mine], [...base, mine]);
    assert.deepEqual(same.merged, [...base, mine]);
    assert.deepEqual(same.conflicts, []);
    assert.deepEqual(same.changes, []);

    const keepOurs = merge(base, [...base, mine], [...base, yours], 'ours');
    assert.deepEqual(keepOurs.merged, [...base, mine]);
    assert.deepEqual(keepOurs.changes, []);
    assert.deepEqual(keepOurs.conflicts, [
      { table: 'invoices', keyCells: ['4'], kind: 'insert-insert', column: null, base: null, ours: mine, theirs: yours, kept: 'ours' },
    ]);

    const keepTheirs = merge(base, [...base, mine], [...base, yours], 'theirs');
    assert.deepEqual(keepTheirs.merged, [...base, yours]);
    assert.deepEqual(keepTheirs.changes, [{ keyCells: ['4'], before: mine, after: yours }]);
    assert.equal(keepTheirs.conflicts[0]!.kept, 'theirs');
  });

  it('a row deleted on both sides stays deleted, with no change and no conflict', () => {
    const r = merge(base, [base[0]!], [base[0]!, base[1]!]);
    assert.deepEqual(r.merged, [base[0]]);
    assert.deepEqual(r.changes, []);
    assert.deepEqual(r.conflicts, []);
    assert.deepEqual(merge(base, [], []), { merged: [], changes: [], conflicts: [] });
  });

  it('sorts merged rows numerically for numeric keys (the snapshot order), not as text', () => {
    const b = ['1', '2', '9', '100'].map((id) => row(id, 'x', 'y', '0'));
    const r = merge(b, [...b, row('10', 'o', 'o', '0'), row('-5', 'o', 'o', '0')], [...b, row('50', 't', 't', '0'), row('3', 't', 't', '0')]);
    assert.deepEqual(r.merged.map(idOf), ['-5', '1', '2', '3', '9', '10', '50', '100']);
    assert.deepEqual(
      r.changes.map((c) => c.keyCells[0]),
      ['3', '50'],
    );
  });

  it('accepts lines with their newlines and the empty piece after the last one', () => {
    const text = base.map((l) => l + '\n').join('');
    const r = mergeTable({
      table: 'invoices',
      columns: ['id', 'number', 'client', 'total'],
      keyColumns: ['id'],
      base: text.split('\n'),
      ours: rowLines(text),
      theirs: base.map((l) => l + '\n'),
      keep: 'ours',
    });
    assert.deepEqual(r, { merged: base, changes: [], conflicts: [] });
  });
});

describe('mergeTable: keys', () => {
  const C: TableInfo = {
    name: 'item_amounts',
    engine: 'InnoDB',
    columns: [col('invoice_id', 'int'), col('note', 'varchar'), col('line', 'int'), col('amount', 'decimal')],
    orderKey: ['invoice_id', 'line'],
  };
  const c = writer(C);

  it('matches rows on a composite key (not the first columns only), numeric column by column', () => {
    const b = [c('1', 'a', '1', '1.00'), c('1', 'b', '2', '2.00'), c('2', 'c', '1', '3.00')];
    const ours = [c('1', 'a', '1', '1.50'), c('1', 'b', '2', '2.00'), c('2', 'c', '1', '3.00'), c('1', 'new', '10', '0.00')];
    const theirs = [c('1', 'A', '1', '1.00'), c('1', 'b', '2', '2.00'), c('2', 'c', '1', '3.00'), c('1', 'other', '10', '0.00'), c('1', 'z', '3', '0.00')];
    const r = merge(b, ours, theirs, 'ours', C);
    assert.deepEqual(r.merged, [
      c('1', 'A', '1', '1.50'),
      c('1', 'b', '2', '2.00'),
      c('1', 'z', '3', '0.00'),
      c('1', 'new', '10', '0.00'),
      c('2', 'c', '1', '3.00'),
    ]);
    assert.deepEqual(
      r.conflicts.map((x) => [x.kind, x.keyCells]),
      [['insert-insert', ['1', '10']]],
    );
    assert.deepEqual(
      r.changes.map((x) => x.keyCells),
      [
        ['1', '1'],
        ['1', '3'],
      ],
    );
  });

  it('handles string keys with quotes, commas, backslashes and the words NULL', () => {
    const S: TableInfo = { name: 'settings', engine: 'MyISAM', columns: [col('k', 'varchar'), col('v', 'text')], orderKey: ['k'] };
    const s = writer(S);
    const keys = ["it's", 'a,b', 'back\\slash', 'NULL', "x'),('y", 'line\nbreak'];
    const b = keys.map((k) => s(k, 'base'));
    const ours = keys.map((k, i) => s(k, i % 2 === 0 ? 'ours' : 'base'));
    const theirs = keys.map((k, i) => s(k, i % 3 === 0 ? 'theirs' : 'base'));
    const r = merge(b, ours, theirs, 'theirs', S);
    // key 0 changed on both sides -> conflict; 2, 4 ours; 3 theirs.
    assert.deepEqual(
      r.conflicts.map((x) => [x.keyCells, x.column, x.ours, x.theirs]),
      [[["'it\\'s'"], 'v', "'ours'", "'theirs'"]],
    );
    const expected = new Map(keys.map((k, i) => [k, i === 0 ? 'theirs' : i % 2 === 0 ? 'ours' : i % 3 === 0 ? 'theirs' : 'base']));
    sameSet(
      r.merged,
      [...expected].map(([k, v]) => s(k, v)),
    );
    assert.deepEqual(
      r.changes.map((x) => x.after),
      [s("it's", 'theirs'), s('NULL', 'theirs')].sort((x, y) => (x < y ? -1 : 1)),
    );
  });

  it('rebuilds lines byte for byte like the writer for tables that name their columns (invisible) and have generated columns', () => {
    const I: TableInfo = {
      name: 'Odd `name`',
      engine: 'InnoDB',
      columns: [
        col('note', 'varchar'),
        col('id', 'bigint'),
        col('hidden', 'int', { invisible: true }),
        col('g', 'int', { generated: true }),
        col('blob', 'blob'),
        col('l1', 'varchar', { charset: 'latin1' }),
      ],
      orderKey: ['id'],
    };
    const w = new RowWriter(I);
    const line = (cells: Array<Buffer | null>) => w.line(cells).slice(0, -1);
    assert.match(w.prefix, /^INSERT INTO `Odd ``name``` \(`note`,`id`,`hidden`,`g`,`blob`,`l1`\) VALUES $/);
    const b = [line([Buffer.from("a,'b'"), Buffer.from('18446744073709551615'), Buffer.from('1'), Buffer.from([0, 1]), Buffer.from([0xe9])])];
    const ours = [line([Buffer.from('ours \\ note'), Buffer.from('18446744073709551615'), Buffer.from('1'), Buffer.from([0, 1]), Buffer.from([0xe9])])];
    const theirs = [line([Buffer.from("a,'b'"), Buffer.from('18446744073709551615'), null, Buffer.from([2]), Buffer.alloc(0)])];
    const r = merge(b, ours, theirs, 'ours', I);
    const expected = line([Buffer.from('ours \\ note'), Buffer.from('18446744073709551615'), null, Buffer.from([2]), Buffer.alloc(0)]);
    assert.equal(r.merged[0], expected);
    assert.ok(expected.includes('DEFAULT') && expected.includes('_latin1') === false && expected.includes(",0x02,''"), expected);
    assert.deepEqual(r.conflicts, []);
  });

  it('refuses malformed lines, duplicate keys and unknown key columns with a message naming the side and row', () => {
    assert.throws(
      () => merge(base, [base[0]!, 'garbage'], base),
      (e: unknown) => e instanceof DbsyncError && /ours row 2: not an INSERT INTO line/.test(e.message),
    );
    assert.throws(
      () => merge(base, base, [base[0]!, base[0]!]),
      (e: unknown) => e instanceof DbsyncError && /theirs row 2: a second row with the key 1/.test(e.message),
    );
    assert.throws(
      () => merge(base, base, [base[0]!.replace(');', ')')]),
      (e: unknown) => e instanceof DbsyncError && /theirs row 1/.test(e.message),
    );
    assert.throws(
      () => mergeTable({ table: 't', columns: ['a'], keyColumns: ['id'], base: [], ours: [], theirs: [], keep: 'ours' }),
      (e: unknown) => e instanceof DbsyncError && /key column id/.test(e.message),
    );
    // A row with fewer cells than the table has columns cannot be merged cell by cell.
    const short = 'INSERT INTO `invoices` VALUES (1,2);';
    assert.throws(
      () => merge([base[0]!], [short], [row('1', 'x', 'y', '0')]),
      (e: unknown) => e instanceof DbsyncError && /ours has 2 cells, the table has 4 columns/.test(e.message),
    );
  });
});

describe('mergeTable: tables without a key', () => {
  const K: TableInfo = { name: 'log', engine: 'MyISAM', columns: [col('at', 'datetime'), col('msg', 'varchar')], orderKey: [] };
  const k = writer(K);
  const mergeK = (b: string[], o: string[], t: string[], keep: 'ours' | 'theirs' = 'ours') => merge(b, o, t, keep, K);
  const l1 = k('2026-01-01 00:00:00', 'one');
  const l2 = k('2026-01-02 00:00:00', 'two');
  const l3 = k('2026-01-03 00:00:00', 'three');

  it('adds lines added on either side, removes lines removed on one side, and keeps the snapshot order (line text)', () => {
    const r = mergeK([l1, l2], [l2, l3], [l1, l2, k('2026-01-00 00:00:00', 'zero')]);
    assert.deepEqual(r.merged, [k('2026-01-00 00:00:00', 'zero'), l2, l3]);
    assert.deepEqual(r.conflicts, []);
    assert.deepEqual(r.changes, [{ keyCells: ["'2026-01-00 00:00:00'", "'zero'"], before: null, after: k('2026-01-00 00:00:00', 'zero') }]);
  });

  it('counts duplicate rows: the same change on both sides once, different changes add up', () => {
    assert.deepEqual(mergeK([l1], [l1, l1], [l1, l1]).merged, [l1, l1]);
    assert.deepEqual(mergeK([l1], [l1, l1], [l1, l1, l1]).merged, [l1, l1, l1]);
    assert.deepEqual(mergeK([l1, l1, l1], [l1], [l1, l1]).merged, [l1]);
    // ours deleted one copy, theirs added one: still two.
    const r = mergeK([l1, l1], [l1], [l1, l1, l1]);
    assert.deepEqual(r.merged, [l1, l1]);
    assert.deepEqual(r.changes, [{ keyCells: ["'2026-01-01 00:00:00'", "'one'"], before: null, after: l1 }]);
    for (const [b, o, t] of [
      [0, 0, 0],
      [1, 0, 2],
      [2, 5, 1],
      [3, 3, 0],
      [0, 2, 1],
      [4, 2, 2],
    ] as const) {
      assert.equal(mergedCount(b, o, t), mergedCount(b, t, o), `symmetric ${b} ${o} ${t}`);
      assert.equal(mergedCount(b, o, o), o);
      assert.equal(mergedCount(b, b, t), t);
    }
  });

  it('an update on both sides keeps both new lines (no identity, no conflict, no value lost)', () => {
    const a = k('2026-01-01 00:00:00', 'ours');
    const b = k('2026-01-01 00:00:00', 'theirs');
    for (const keep of ['ours', 'theirs'] as const) {
      const r = mergeK([l1], [a], [b], keep);
      assert.deepEqual(r.merged, [a, b]);
      assert.deepEqual(r.conflicts, []);
      assert.deepEqual(r.changes, [{ keyCells: ["'2026-01-01 00:00:00'", "'theirs'"], before: null, after: b }]);
    }
    // Update on one side, delete on the other: the update survives.
    assert.deepEqual(mergeK([l1], [a], []).merged, [a]);
  });

  it('orders lines like the snapshot sorts them with their newline', () => {
    const lines = ['x', 'x\t', 'x ', 'xa', 'y', 'x\u00e9', 'x\u{1f600}'].map((s) => `INSERT INTO \`t\` VALUES ('${s}');`);
    const bySnapshot = lines
      .map((l) => l + '\n')
      .sort()
      .map((l) => l.slice(0, -1));
    assert.deepEqual([...lines].sort(compareRowLines), bySnapshot);
    assert.equal(compareRowLines('ab', 'ab\t'), 1); // 'ab\n' > 'ab\t\n'
    assert.equal(compareRowLines('ab', 'abc') < 0, true);
  });
});

describe('key order', () => {
  it('compares numbers by value, exactly, and other literals as text', () => {
    const sorted = ['-10', '-2', '-0.5', '0', '0.25', '00007', '9', '10', '18446744073709551614', '18446744073709551615'];
    assert.deepEqual([...sorted].reverse().sort(compareLiterals), sorted);
    assert.deepEqual(['1e3', '-1.5e-7', '2.5', '1e-3'].sort(compareLiterals), ['-1.5e-7', '1e-3', '2.5', '1e3']);
    assert.deepEqual(["'b'", "'a'", "'2026-01-02'", "'2026-01-01 10:00:00'"].sort(compareLiterals), ["'2026-01-01 10:00:00'", "'2026-01-02'", "'a'", "'b'"]);
    assert.deepEqual(['0x02', '0x0100', "''", '0x01'].sort(compareLiterals), ["''", '0x01', '0x0100', '0x02']);
    assert.ok(compareLiterals('1.5', '1.50') !== 0, 'total order: distinct literals never compare equal');
    assert.equal(compareKeyCells(['1', '10'], ['1', '9']), 1);
    assert.equal(compareKeyCells(['2', '1'], ['10', '0']), -1);
  });
});

describe('mergeTable at scale', () => {
  it('merges 200 000 rows in linear time', () => {
    const n = 200_000;
    const mk = (i: number, v: string) => `INSERT INTO \`big\` VALUES (${i},'${v}',${i * 2});`;
    const b = Array.from({ length: n }, (_, i) => mk(i + 1, 'base'));
    const ours = b.map((l, i) => (i % 1000 === 0 ? mk(i + 1, 'ours') : l));
    const theirs = b.filter((_, i) => i % 1000 !== 1).concat([mk(n + 5, 'new')]);
    const input: MergeTableInput = { table: 'big', columns: ['id', 'v', 'w'], keyColumns: ['id'], base: b, ours, theirs, keep: 'ours' };
    const started = performance.now();
    const r = mergeTable(input);
    const ms = performance.now() - started;
    assert.equal(r.merged.length, n - n / 1000 + 1);
    assert.equal(r.changes.length, n / 1000 + 1);
    assert.ok(ms < 5000, `took ${ms} ms`);
  });
});

describe('diffTable (fast-forward)', () => {
  it('lists the inserts, updates and deletes from one version to the next, with before = the old line', () => {
    const next = [row('1', 'INV-1', 'ACME', '11.00'), base[2]!, row('4', 'INV-4', 'New', '1.00')];
    const changes = diffTable({
      table: 'invoices',
      columns: ['id', 'number', 'client', 'total'],
      keyColumns: ['id'],
      from: (function* () {
        yield* base;
      })(),
      to: next,
    });
    assert.deepEqual(changes, [
      { keyCells: ['1'], before: base[0], after: next[0] },
      { keyCells: ['2'], before: base[1], after: null },
      { keyCells: ['4'], before: null, after: next[2] },
    ]);
    assert.deepEqual(diffTable({ table: 'invoices', columns: ['id', 'number', 'client', 'total'], keyColumns: ['id'], from: next, to: next }), []);
    const dup = 'INSERT INTO `log` VALUES (1);';
    assert.deepEqual(diffTable({ table: 'log', columns: ['a'], keyColumns: [], from: [dup], to: [dup, dup] }), [{ keyCells: ['1'], before: null, after: dup }]);
  });
});

describe('mergeTable: last-save time columns (Profile.lastModified)', () => {
  const M: TableInfo = {
    name: 'ip_invoices',
    engine: 'MyISAM',
    columns: [col('invoice_id', 'int'), col('invoice_terms', 'text'), col('invoice_date_due', 'date'), col('invoice_date_modified', 'datetime')],
    orderKey: ['invoice_id'],
  };
  const r = writer(M);
  const columns = M.columns.map((c) => c.name);
  const run = (base: string, ours: string, theirs: string, keep: 'ours' | 'theirs', latestWins?: string[]) =>
    mergeTable({ table: M.name, columns, keyColumns: M.orderKey, base: [base], ours: [ours], theirs: [theirs], keep, latestWins });
  const base = r('1', 'Net 30', '2027-01-01', '2026-12-04 10:00:00');
  const ours = r('1', 'Net 30', '2027-01-31', '2026-12-04 10:05:09');
  const theirs = r('1', 'Net 14', '2027-01-01', '2026-12-04 10:04:59');

  it('both saved, different fields: the fields combine and the later save time is kept, no conflict, whichever side is kept', () => {
    for (const keep of ['ours', 'theirs'] as const) {
      const m = run(base, ours, theirs, keep, ['invoice_date_modified']);
      assert.deepEqual(m.conflicts, [], keep);
      assert.deepEqual(m.merged, [r('1', 'Net 14', '2027-01-31', '2026-12-04 10:05:09')], keep);
      const swapped = run(base, theirs, ours, keep, ['invoice_date_modified']);
      assert.deepEqual(swapped.merged, [r('1', 'Net 14', '2027-01-31', '2026-12-04 10:05:09')], `${keep}, sides swapped`);
    }
  });

  it('without the profile column: the two save times are a cell conflict, as before', () => {
    const m = run(base, ours, theirs, 'theirs');
    assert.deepEqual(
      m.conflicts.map((c) => c.column),
      ['invoice_date_modified'],
    );
  });

  it('the same field changed on both is still a conflict; NULL is earlier than a time', () => {
    const o = r('1', 'Net 7', '2027-01-01', null);
    const t = r('1', 'Net 60', '2027-01-01', '2026-12-04 10:04:59');
    const m = run(base, o, t, 'theirs', ['invoice_date_modified']);
    assert.deepEqual(
      m.conflicts.map((c) => [c.column, c.kept]),
      [['invoice_terms', 'theirs']],
    );
    assert.deepEqual(m.merged, [t]);
  });
});
