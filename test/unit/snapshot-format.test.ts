import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { columnFormat } from '../../src/snapshot/column-format.js';
import { encodeTableFileName, isSnapshotPath } from '../../src/snapshot/layout.js';
import { formatObjectFile, parseObjectFile, settingsStatement, stripDefiner, type DbObject } from '../../src/snapshot/object-file.js';
import { RowWriter, cellsOf, prefixOf } from '../../src/snapshot/row-line.js';
import { hexLiteral, quoteId, quoteString, readQuotedId, unquoteString } from '../../src/snapshot/sql-text.js';
import { tableSelected } from '../../src/snapshot/table-filter.js';
import type { TableInfo } from '../../src/snapshot/table-info.js';

const col = (name: string, dataType: string, extra: Partial<{ charset: string | null; generated: boolean; invisible: boolean }> = {}) => ({
  name,
  dataType,
  charset: extra.charset ?? null,
  generated: extra.generated ?? false,
  invisible: extra.invisible ?? false,
});

describe('SQL text', () => {
  it('quotes identifiers and strings so that they read back exactly', () => {
    assert.equal(quoteId('a`b'), '`a``b`');
    assert.deepEqual(readQuotedId('x `a``b` y', 2), { name: 'a`b', end: 8 });
    const nasty = "it's \\ \0 \n \r \x1a \t 😀 NULL";
    assert.equal(quoteString(nasty), "'it\\'s \\\\ \\0 \\n \\r \\Z \t 😀 NULL'");
    assert.equal(unquoteString(quoteString(nasty)), nasty);
    assert.ok(!quoteString('a\nb').includes('\n'), 'one row per line: no raw newline');
  });

  it('writes bytes as hex, the empty string as an empty literal', () => {
    assert.equal(hexLiteral(Buffer.from([0, 255])), '0x00FF');
    assert.equal(hexLiteral(Buffer.alloc(0)), "''");
  });
});

describe('column formats', () => {
  it('keeps numbers and dates as the server printed them, quotes strings, hexes bytes', () => {
    assert.equal(columnFormat(col('n', 'bigint')).literal(Buffer.from('18446744073709551615')), '18446744073709551615');
    assert.equal(columnFormat(col('d', 'date')).literal(Buffer.from('0000-00-00')), "'0000-00-00'");
    assert.equal(columnFormat(col('e', 'enum', { charset: 'utf8mb4' })).literal(Buffer.from('-1')), "'-1'");
    assert.equal(columnFormat(col('b', 'blob')).literal(Buffer.from([1, 2])), '0x0102');
    assert.equal(columnFormat(col('s', 'varchar', { charset: 'utf8mb4' })).literal(null), 'NULL');
    assert.equal(columnFormat(col('s', 'varchar', { charset: 'utf8mb4' })).literal(Buffer.from('NULL')), "'NULL'");
    assert.equal(columnFormat(col('l', 'varchar', { charset: 'latin1' })).literal(Buffer.from([0xe9])), '_latin1 0xE9');
  });

  it('reads FLOAT as DOUBLE (the server prints FLOAT with 6 digits) and skips generated columns', () => {
    assert.match(columnFormat(col('f', 'float')).select ?? '', /CAST\(`f` AS DOUBLE\)/);
    const g = columnFormat(col('g', 'int', { generated: true }));
    assert.equal(g.select, null);
    assert.equal(g.literal(null), 'DEFAULT');
  });
});

describe('row lines', () => {
  const table: TableInfo = {
    name: 't',
    engine: 'InnoDB',
    columns: [col('id', 'int'), col('s', 'varchar', { charset: 'utf8mb4' }), col('g', 'int', { generated: true })],
    orderKey: ['id'],
  };

  it('writes one self-contained INSERT per row, in key order', () => {
    const w = new RowWriter(table);
    assert.equal(w.selectSql, 'SELECT `id`,`s` FROM `t` ORDER BY `id`');
    const line = w.line([Buffer.from('1'), Buffer.from("a,'b')")]);
    assert.equal(line, "INSERT INTO `t` VALUES (1,'a,\\'b\\')',DEFAULT);\n");
    assert.deepEqual(cellsOf(line), ['1', "'a,\\'b\\')'", 'DEFAULT']);
  });

  it('names every column when the table has invisible ones', () => {
    const w = new RowWriter({ ...table, columns: [col('id', 'int'), col('h', 'int', { invisible: true })] });
    const line = w.line([Buffer.from('1'), Buffer.from('2')]);
    assert.equal(prefixOf(line), 'INSERT INTO `t` (`id`,`h`) VALUES ');
    assert.deepEqual(cellsOf(line), ['1', '2']);
  });

  it('orders tables without a key by the whole line (no ORDER BY in SQL)', () => {
    const w = new RowWriter({ ...table, orderKey: [] });
    assert.doesNotMatch(w.selectSql, /ORDER BY/);
  });
});

describe('layout', () => {
  it('keeps plain names and encodes the rest, so no two tables share a file even on case-insensitive file systems', () => {
    assert.equal(encodeTableFileName('ip_invoices'), 'ip_invoices');
    assert.equal(encodeTableFileName('Upper'), '%55pper');
    assert.notEqual(encodeTableFileName('Upper'), encodeTableFileName('upper'));
    assert.equal(encodeTableFileName('a b/ü'), 'a%20b%2F%C3%BC');
    const long = encodeTableFileName('Ä'.repeat(64));
    assert.ok(long.length <= 200, 'fits in a file name');
    assert.notEqual(long, encodeTableFileName('Ä'.repeat(63) + 'Ö'));
    assert.ok(isSnapshotPath('data/x.sql') && isSnapshotPath('views.sql') && !isSnapshotPath('notes.txt'));
  });
});

describe('object files', () => {
  it('round-trip views, routines and their settings through the DELIMITER format', () => {
    const objs: DbObject[] = [
      {
        kind: 'routine',
        type: 'procedure',
        name: 'p;1',
        create: 'CREATE PROCEDURE `p;1`()\nBEGIN\n  SELECT 1;\n  SELECT 2;\nEND',
        settings: settingsStatement({ sql_mode: 'ANSI_QUOTES', character_set_client: 'utf8mb4' }),
      },
      { kind: 'routine', type: 'function', name: 'f', create: 'CREATE FUNCTION `f`() RETURNS int(11)\nRETURN 1', settings: '' },
    ];
    const text = formatObjectFile(objs);
    assert.ok(text.startsWith('DELIMITER ;;\n') && text.endsWith('DELIMITER ;\n'));
    assert.deepEqual(parseObjectFile('routine', text), objs);
    assert.equal(formatObjectFile([]), '');
    assert.deepEqual(parseObjectFile('view', ''), []);
  });

  it('strips DEFINER clauses so snapshots load as any user', () => {
    assert.equal(stripDefiner('CREATE DEFINER=`root`@`localhost` TRIGGER t'), 'CREATE TRIGGER t');
    assert.equal(
      stripDefiner('CREATE ALGORITHM=UNDEFINED DEFINER=`a``b`@`%` SQL SECURITY DEFINER VIEW `v`'),
      'CREATE ALGORITHM=UNDEFINED SQL SECURITY DEFINER VIEW `v`',
    );
  });
});

describe('table filter', () => {
  it('applies include then exclude, with * patterns', () => {
    const f = { include: ['ip_*'], exclude: ['ip_sessions', '*_log'] };
    assert.equal(tableSelected('ip_invoices', f), true);
    assert.equal(tableSelected('ip_sessions', f), false);
    assert.equal(tableSelected('ip_login_log', f), false);
    assert.equal(tableSelected('other', f), false);
    assert.equal(tableSelected('x.y', { include: ['x*y'], exclude: [] }), true);
    assert.equal(tableSelected('a.b', { include: ['a.b'], exclude: [] }), true);
  });
});

describe('privilege check', () => {
  it('reads database-level privileges from SHOW GRANTS lines, with LIKE patterns', async () => {
    const { privilegesOn } = await import('../../src/snapshot/privilege-check.js');
    assert.deepEqual([...privilegesOn('GRANT ALL PRIVILEGES ON *.* TO `root`@`localhost` WITH GRANT OPTION', 'shop')], ['*']);
    assert.deepEqual([...privilegesOn('GRANT SELECT, LOCK TABLES, TRIGGER ON `shop`.* TO `u`@`%`', 'shop')], ['SELECT', 'LOCK TABLES', 'TRIGGER']);
    assert.deepEqual([...privilegesOn('GRANT SELECT, EVENT ON `shop\\_%`.* TO `u`@`%`', 'shop_eu')], ['SELECT', 'EVENT']);
    assert.equal(privilegesOn('GRANT SELECT, EVENT ON `shop\\_%`.* TO `u`@`%`', 'shopx').size, 0, 'escaped _ is literal');
    assert.equal(privilegesOn('GRANT ALL PRIVILEGES ON `other`.* TO `u`@`%`', 'shop').size, 0);
    assert.equal(privilegesOn('GRANT TRIGGER ON `shop`.`t1` TO `u`@`%`', 'shop').size, 0, 'a single table does not cover all triggers');
    assert.deepEqual([...privilegesOn('GRANT SELECT (`a`, `b`), TRIGGER ON `shop`.* TO `u`@`%`', 'shop')], ['SELECT', 'TRIGGER']);
    assert.equal(privilegesOn("GRANT USAGE ON *.* TO `u`@`%` IDENTIFIED BY PASSWORD '*AB'", 'shop').has('TRIGGER'), false);
  });
});
