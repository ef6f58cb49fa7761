/** What the apply engine decides to write for each change (pure: src/apply/apply-plan.ts). */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { planChanges } from '../../src/apply/apply-plan.js';
import { rawRowCondition, keyCondition } from '../../src/apply/row-match.js';
import { SecretCells } from '../../src/apply/secret-cells.js';
import { TableShape } from '../../src/apply/table-shape.js';
import { REDACTED_LITERAL } from '../../src/secrets/secret-literal.js';
import type { TableInfo } from '../../src/snapshot/table-info.js';

const col = (name: string, dataType: string, extra: Partial<TableInfo['columns'][number]> = {}) => ({
  name,
  dataType,
  charset: null,
  generated: false,
  invisible: false,
  ...extra,
});
const TABLE: TableInfo = {
  name: 't',
  engine: 'InnoDB',
  columns: [
    col('id', 'int'),
    col('name', 'varchar', { charset: 'utf8mb4' }),
    col('pw', 'varchar', { charset: 'utf8mb4' }),
    col('changed', 'timestamp'),
    col('twice', 'int', { generated: true }),
  ],
  orderKey: ['id'],
};
const line = (...cells: string[]) => `INSERT INTO \`t\` VALUES (${cells.join(',')});`;

function plan(changes: Parameters<typeof planChanges>[1], autoUpdate = new Set<string>(['changed'])) {
  const shape = new TableShape(TABLE, null);
  const secrets = new SecretCells(TABLE, null, null);
  return { plan: planChanges(shape, changes, secrets, autoUpdate), secrets };
}

it('an update sets only the columns that differ, plus ON UPDATE columns; never generated ones', () => {
  const { plan: p } = plan([
    {
      keyCells: ['1'],
      before: line('1', "'a'", "'x'", "'2020-01-01 00:00:00'", 'DEFAULT'),
      after: line('1', "'b'", "'x'", "'2020-01-01 00:00:00'", 'DEFAULT') + '\n',
    },
  ]);
  assert.deepEqual(p.changes[0]!.set, [
    [1, "'b'"],
    [3, "'2020-01-01 00:00:00'"],
  ]);
  assert.deepEqual([p.inserts, p.updates, p.deletes], [0, 1, 0]);
});

it('a redacted placeholder is kept out of an update and inserted as the placeholder, both reported', () => {
  const { plan: p, secrets } = plan([
    { keyCells: ['1'], before: line('1', "'a'", "''", 'NULL', 'DEFAULT'), after: line('1', "'a'", REDACTED_LITERAL, 'NULL', 'DEFAULT') },
    { keyCells: ['2'], before: null, after: line('2', "'b'", REDACTED_LITERAL, 'NULL', 'DEFAULT') },
  ]);
  assert.deepEqual(p.changes[0]!.set, [], 'nothing to write: the live value stays');
  assert.equal(p.updates, 0);
  assert.deepEqual(p.changes[1]!.insert, ['2', "'b'", REDACTED_LITERAL, 'NULL', 'DEFAULT']);
  assert.equal(secrets.report().length, 2);
});

it('refuses changes that do not fit the table', () => {
  assert.throws(() => plan([{ keyCells: ['1'], before: null, after: 'INSERT INTO `u` VALUES (1);' }]), /not a row of this table/);
  assert.throws(() => plan([{ keyCells: ['1'], before: null, after: line('1', "'a'") }]), /2 values for 5 columns/);
  assert.throws(() => plan([{ keyCells: ['2'], before: null, after: line('1', "'a'", 'NULL', 'NULL', 'DEFAULT') }]), /does not match its row line/);
  const ins = { keyCells: ['1'], before: null, after: line('1', "'a'", 'NULL', 'NULL', 'DEFAULT') };
  assert.throws(() => plan([ins, ins]), /two changes for the key \(1\)/);
});

it('conditions: keys by literal (a FLOAT -0 by 0), rows without key by their bytes', () => {
  const t: TableInfo = { ...TABLE, columns: [col('f', 'float'), col('g', 'int')], orderKey: ['f', 'g'] };
  assert.equal(
    keyCondition(
      t,
      [0, 1],
      [
        ['-1e-50', '1'],
        ['2.5', '3'],
      ],
    ),
    '(`f` = 0 AND `g` = 1) OR (`f` = 2.5 AND `g` = 3)',
  );
  assert.equal(keyCondition(TABLE, [0], [['1'], ['2']]), '`id` IN (1,2)');
  assert.equal(
    rawRowCondition(TABLE, [Buffer.from('1'), Buffer.from('é'), null, Buffer.from('')]),
    "CAST(`id` AS BINARY) = X'31' AND CAST(CONVERT(`name` USING utf8mb4) AS BINARY) = X'c3a9' AND `pw` IS NULL AND CAST(`changed` AS BINARY) = _binary''",
  );
});
