/** Pure pieces of two-way sync outside the merge engine: KEY arguments, --value, doctor's advice, merging conflict files, messages. */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { keyArgument, keyMatches, splitKeyArgument } from '../../src/resolve/key-argument.js';
import { valueLiteral } from '../../src/resolve/value-literal.js';
import { checkAutoIncrement, twoWayWarning } from '../../src/doctor/auto-increment.js';
import { mergeLines } from '../../src/pull/conflict-store.js';
import { conflictLine, mergeMessage } from '../../src/pull/merge-message.js';

it('KEY: comma-separated values, literals allowed, matched against key literals', () => {
  assert.deepEqual(splitKeyArgument('43'), ['43']);
  assert.deepEqual(splitKeyArgument('7, 2026-01-01'), ['7', '2026-01-01']);
  assert.deepEqual(splitKeyArgument("'a,b',2"), ["'a,b'", '2']);
  assert.ok(keyMatches(['43'], ['43']));
  assert.ok(keyMatches(['7', '2026-01-01'], ['7', "'2026-01-01'"]));
  assert.ok(keyMatches(["'a,b'", '2'], ["'a,b'", '2']));
  assert.ok(!keyMatches(['43'], ['44']));
  assert.ok(!keyMatches(['7'], ['7', '1']));
  assert.equal(keyArgument(['7', "'2026-01-01'"]), '7,2026-01-01');
  assert.equal(keyArgument(["'a,b'"]), "'a,b'", 'a value with a comma stays a literal');
});

it('--value: text is quoted, NULL and literals are taken as they are', () => {
  assert.equal(valueLiteral('ACME Ltd'), "'ACME Ltd'");
  assert.equal(valueLiteral("O'Brien"), "'O\\'Brien'");
  assert.equal(valueLiteral('007'), "'007'", 'a number-looking text keeps its zeros');
  assert.equal(valueLiteral('NULL'), 'NULL');
  assert.equal(valueLiteral("'NULL'"), "'NULL'");
  assert.equal(valueLiteral('0xCAFE'), '0xCAFE');
});

it('doctor: exact settings for computer N of M, and the start-up warning', () => {
  const bad = checkAutoIncrement({ increment: 1, offset: 1 }, { computers: 3, self: 2 });
  assert.equal(bad.ok, false);
  assert.match(bad.lines.join('\n'), /computer 2 of 3 needs auto_increment_increment=3, auto_increment_offset=2/);
  assert.match(bad.lines.join('\n'), /--auto-increment-increment=3 --auto-increment-offset=2/);
  assert.match(bad.lines.join('\n'), /auto_increment_increment = 3\n\s*auto_increment_offset = 2/);
  assert.equal(checkAutoIncrement({ increment: 3, offset: 2 }, { computers: 3, self: 2 }).ok, true);
  assert.equal(checkAutoIncrement({ increment: 1, offset: 1 }).ok, false);
  assert.equal(checkAutoIncrement({ increment: 2, offset: 3 }).ok, false, 'offset above the increment is ignored by the server');
  assert.match(twoWayWarning({ increment: 1, offset: 1 }) ?? '', /doctor --computers M --this N/);
  assert.equal(twoWayWarning({ increment: 2, offset: 1 }), null);
});

it('conflict files merge as sets of records: added on either side stays, resolved on either side goes', () => {
  const base = 'x\ny\n';
  const ours = 'x\nz\n'; // resolved y, added z
  const theirs = 'x\ny\nw\n'; // added w
  assert.deepEqual(mergeLines(base, ours, theirs).sort(), ['w', 'x', 'z']);
  assert.deepEqual(mergeLines(undefined, 'a\n', 'a\n'), ['a']);
  assert.deepEqual(mergeLines('a\n', undefined, 'a\n'), [], 'removed on our side (file deleted): gone');
});

it('merge commit message lists every conflict and table not merged', () => {
  const outcome = {
    applied: [{ table: 'items', how: 'rows' as const, inserted: 1, updated: 2, deleted: 0 }],
    conflicts: [{ table: 'items', keyCells: ['3'], kind: 'cell' as const, column: 'qty', base: '3', ours: '20', theirs: '10', kept: 'theirs' as const }],
    schemaConflicts: [{ table: 'notes', reason: 'this computer changed its rows, the other computer changed its definition', kept: 'theirs' as const }],
    objectConflicts: [],
    refused: [],
    refusedBecause: [],
    secretsNotApplied: [],
    skipped: [],
  };
  const m = mergeMessage({ from: 'origin/main', commits: 2, outcome, takenAt: new Date('2026-01-02T03:04:05Z') });
  assert.match(m, /^Merge 2 commit\(s\) from origin\/main: items \+1 ~2; 2 conflict\(s\)\n\n/);
  assert.match(m, /items \(3\) qty: base 3, ours 20, theirs 10; kept theirs/);
  assert.match(m, /Not merged: table notes: .*; the database has the other computer's table/);
  assert.match(m, /Snapshot taken 2026-01-02T03:04:05.000Z\n$/);
  assert.equal(
    conflictLine({ ...outcome.conflicts[0]!, kind: 'update-delete', column: null, ours: 'x', theirs: null }),
    'items (3): update-delete: base 3, ours x, theirs (no row); kept theirs',
  );
});
