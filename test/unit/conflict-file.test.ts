import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DbsyncError } from '../../src/errors/dbsync-error.js';
import type { Conflict } from '../../src/merge/conflict.js';
import { swapSides } from '../../src/merge/conflict.js';
import {
  addConflicts,
  conflictsPath,
  findConflicts,
  formatConflicts,
  parseConflicts,
  removeConflicts,
  withMeta,
  type ConflictMeta,
  type ConflictRecord,
} from '../../src/merge/conflict-file.js';

const meta: ConflictMeta = { oursCommit: 'a'.repeat(40), theirsCommit: 'b'.repeat(40), mergedAt: '2026-03-01T10:00:00.000Z' };
const later: ConflictMeta = { oursCommit: 'c'.repeat(40), theirsCommit: 'd'.repeat(40), mergedAt: '2026-03-02T10:00:00.000Z' };

const cell = (key: string, column: string, ours: string, theirs: string): Conflict => ({
  table: 'ip_invoices',
  keyCells: [key],
  kind: 'cell',
  column,
  base: "'base'",
  ours,
  theirs,
  kept: 'ours',
});
const row = (key: string): Conflict => ({
  table: 'ip_invoices',
  keyCells: [key],
  kind: 'delete-update',
  column: null,
  base: `INSERT INTO \`ip_invoices\` VALUES (${key},'base');`,
  ours: null,
  theirs: `INSERT INTO \`ip_invoices\` VALUES (${key},'it\\'s "new"');`,
  kept: 'theirs',
});

describe('conflicts file', () => {
  it('lives next to the data files, named like them', () => {
    assert.equal(conflictsPath('ip_invoices'), 'conflicts/ip_invoices.jsonl');
    assert.equal(conflictsPath('Foo bar'), 'conflicts/%46oo%20bar.jsonl');
  });

  it('writes one JSON object per line, fields in a fixed order, sorted by key (numbers by value) then column, with a trailing newline', () => {
    const text = formatConflicts(
      [cell('10', 'status', "'sent'", "'paid'"), row('9'), cell('9', 'amount', '1.00', '2.00'), cell('9', 'client', "'A'", "'B'")],
      meta,
    );
    const lines = text.split('\n');
    assert.equal(lines.pop(), '');
    assert.equal(lines.length, 4);
    assert.deepEqual(
      lines.map((l) => JSON.parse(l).key[0] + '/' + JSON.parse(l).column),
      ['9/null', '9/amount', '9/client', '10/status'],
    );
    assert.equal(
      lines[1],
      '{"table":"ip_invoices","key":["9"],"kind":"cell","column":"amount","base":"\'base\'","ours":"1.00","theirs":"2.00","kept":"ours",' +
        `"oursCommit":"${meta.oursCommit}","theirsCommit":"${meta.theirsCommit}","mergedAt":"${meta.mergedAt}"}`,
    );
    assert.deepEqual(Object.keys(JSON.parse(lines[0]!)), [
      'table',
      'key',
      'kind',
      'column',
      'base',
      'ours',
      'theirs',
      'kept',
      'oursCommit',
      'theirsCommit',
      'mergedAt',
    ]);
    // Same input in another order: the same bytes.
    assert.equal(
      formatConflicts([row('9'), cell('9', 'client', "'A'", "'B'"), cell('10', 'status', "'sent'", "'paid'"), cell('9', 'amount', '1.00', '2.00')], meta),
      text,
    );
    assert.equal(formatConflicts([], meta), '');
  });

  it('reads back exactly what it wrote, including quotes, backslashes, newlines escaped by the snapshot and non-ASCII', () => {
    const odd: Conflict = { ...cell("'k\\'ey'", 'note', '\'line\\nbreak \\\\ "q" é 😀\'', 'NULL'), keyCells: ["'k\\'ey'", '2'] };
    const records = withMeta([row('1'), odd, swapSides(row('3'))], meta);
    const parsed = parseConflicts(formatConflicts(records));
    assert.deepEqual(
      parsed,
      [...records].sort((a, b) => (a.keyCells[0]! < b.keyCells[0]! ? -1 : 1)),
    );
    assert.equal(formatConflicts(parsed), formatConflicts(records));
    assert.equal(parsed.find((r) => r.keyCells[0] === '3')!.kind, 'update-delete');
    // Blank lines and Windows line ends are tolerated.
    assert.deepEqual(parseConflicts('\n' + formatConflicts(records).replaceAll('\n', '\r\n') + '\n'), parsed);
  });

  it('refuses a malformed line with its line number and what is wrong', () => {
    const good = formatConflicts([row('1')], meta).trimEnd();
    const cases: Array<[string, RegExp]> = [
      [`${good}\n{"table":`, /x\.jsonl line 2: not valid JSON/],
      [`${good}\n[1,2]`, /line 2: not a JSON object/],
      [
        good.replace('"kind":"delete-update"', '"kind":"both"'),
        /line 1: field "kind" must be one of cell, delete-update, update-delete, insert-insert, duplicate-number \(got "both"\)/,
      ],
      [good.replace(',"mergedAt":"2026-03-01T10:00:00.000Z"', ''), /line 1: field "mergedAt" is missing/],
      [good.replace('"key":["1"]', '"key":[1]'), /line 1: field "key" must be a non-empty array of strings/],
      [good.replace('"kept":"theirs"', '"kept":"mine"'), /field "kept" must be ours or theirs/],
      [good.replace('"column":null', '"column":"x"'), /line 1: a delete-update conflict has no column/],
      [formatConflicts([cell('1', 'a', '1', '2')], meta).replace('"column":"a"', '"column":null'), /line 1: a cell conflict needs a column/],
    ];
    for (const [text, pattern] of cases) {
      assert.throws(
        () => parseConflicts(text, 'x.jsonl'),
        (e: unknown) => e instanceof DbsyncError && pattern.test(e.message) && /fix or delete that line/.test(e.hint),
        pattern.source,
      );
    }
  });

  it('adding: a newer conflict for the same table, key and column replaces the older one, others stay', () => {
    const old = withMeta([cell('1', 'a', "'o1'", "'t1'"), cell('1', 'b', "'o'", "'t'"), row('2')], meta);
    const added = withMeta([cell('1', 'a', "'o2'", "'t2'"), row('3')], later);
    const all = addConflicts(old, added);
    assert.deepEqual(
      all.map((c) => [c.keyCells[0], c.column, c.ours, c.mergedAt]),
      [
        ['1', 'a', "'o2'", later.mergedAt],
        ['1', 'b', "'o'", meta.mergedAt],
        ['2', null, null, meta.mergedAt],
        ['3', null, null, later.mergedAt],
      ],
    );
    // Same key in another table is another conflict.
    const other: ConflictRecord = { ...added[0]!, table: 'ip_clients' };
    assert.equal(addConflicts(all, [other]).length, 5);
  });

  it('finds and removes the conflicts of a key, or of one column of it', () => {
    const all = withMeta([cell('1', 'a', '1', '2'), cell('1', 'b', '1', '2'), row('1'), row('2'), { ...row('1'), keyCells: ['1', '2'] }], meta);
    assert.equal(findConflicts(all, ['1']).length, 3);
    assert.deepEqual(
      findConflicts(all, ['1'], 'b').map((c) => c.column),
      ['b'],
    );
    assert.deepEqual(
      findConflicts(all, ['1'], null).map((c) => c.kind),
      ['delete-update'],
    );
    assert.deepEqual(
      removeConflicts(all, ['1']).map((c) => c.keyCells),
      [['2'], ['1', '2']],
    );
    assert.deepEqual(
      removeConflicts(all, ['1'], 'a').map((c) => c.column),
      ['b', null, null, null],
    );
    assert.equal(removeConflicts(all, ['7']).length, all.length);
  });

  it('needs commits to format plain conflicts', () => {
    assert.throws(() => formatConflicts([cell('1', 'a', '1', '2')] as unknown as ConflictRecord[]), /needs `meta`/);
  });
});
