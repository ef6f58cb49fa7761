/** Which tables' history a snapshot keeps, read from SHOW CREATE TABLE (src/snapshot/system-versioning.ts). */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { currentCells, historyColumns, systemPeriod } from '../../src/snapshot/system-versioning.js';

const tail = ' ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci';

describe('systemPeriod', () => {
  it('implicit ROW_START/ROW_END', () => {
    const create = `CREATE TABLE \`t\` (\n  \`id\` int(11) NOT NULL,\n  PRIMARY KEY (\`id\`)\n)${tail} WITH SYSTEM VERSIONING`;
    assert.deepEqual(systemPeriod(create), { start: 'ROW_START', end: 'ROW_END', implicit: true });
    // Partitioned by SYSTEM_TIME: the same period.
    assert.deepEqual(
      systemPeriod(`${create}\n PARTITION BY SYSTEM_TIME \n(PARTITION \`p0\` HISTORY ENGINE = InnoDB,\n PARTITION \`pn\` CURRENT ENGINE = InnoDB)`),
      {
        start: 'ROW_START',
        end: 'ROW_END',
        implicit: true,
      },
    );
  });

  it('explicit period columns by their names', () => {
    const create = `CREATE TABLE \`t\` (\n  \`id\` int(11) NOT NULL,\n  \`s\` timestamp(6) GENERATED ALWAYS AS ROW START INVISIBLE,\n  \`e\` timestamp(6) GENERATED ALWAYS AS ROW END INVISIBLE,\n  PRIMARY KEY (\`id\`,\`e\`),\n  PERIOD FOR SYSTEM_TIME (\`s\`, \`e\`)\n)${tail} WITH SYSTEM VERSIONING`;
    assert.deepEqual(systemPeriod(create), { start: 's', end: 'e', implicit: false });
  });

  it('null for tables versioned by transaction id and for tables without versioning', () => {
    const trx = `CREATE TABLE \`t\` (\n  \`id\` int(11) NOT NULL,\n  \`s\` bigint(20) unsigned GENERATED ALWAYS AS ROW START,\n  \`e\` bigint(20) unsigned GENERATED ALWAYS AS ROW END,\n  PRIMARY KEY (\`id\`,\`e\`),\n  PERIOD FOR SYSTEM_TIME (\`s\`, \`e\`)\n)${tail} WITH SYSTEM VERSIONING`;
    assert.equal(systemPeriod(trx), null);
    assert.equal(systemPeriod(`CREATE TABLE \`t\` (\n  \`v\` varchar(40) DEFAULT 'WITH SYSTEM VERSIONING'\n)${tail} COMMENT='WITH SYSTEM VERSIONING'`), null);
    assert.equal(systemPeriod(`CREATE TABLE \`t\` (\n  \`x\` int(11) DEFAULT NULL WITHOUT SYSTEM VERSIONING\n)${tail}`), null);
  });
});

describe('history lines', () => {
  it('name the implicit period columns after the table columns, and project to the data line', () => {
    const period = { start: 'ROW_START', end: 'ROW_END', implicit: true };
    const columns = historyColumns(['id', 'v'], period);
    assert.deepEqual(columns, ['id', 'v', 'ROW_START', 'ROW_END']);
    assert.deepEqual(currentCells(['1', "'a'", "'2026-01-01 00:00:00.000000'", 'DEFAULT'], columns, period), { current: true, cells: ['1', "'a'"] });
    assert.equal(currentCells(['1', "'a'", "'2026-01-01 00:00:00.000000'", "'2026-01-02 00:00:00.000000'"], columns, period).current, false);
  });

  it('write explicit period columns as DEFAULT in the projection (they are generated in the data file)', () => {
    const period = { start: 's', end: 'e', implicit: false };
    const columns = historyColumns(['id', 's', 'e'], period);
    assert.deepEqual(currentCells(['1', "'2026-01-01 00:00:00.000000'", 'DEFAULT'], columns, period), { current: true, cells: ['1', 'DEFAULT', 'DEFAULT'] });
  });
});
