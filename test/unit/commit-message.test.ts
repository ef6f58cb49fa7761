import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { commitMessage, commitSubject } from '../../src/commit/change-summary.js';
import { diffRows } from '../../src/commit/row-diff.js';
import { tableNameFromCreate } from '../../src/snapshot/create-table-text.js';

const row = (id: number, v: string) => `INSERT INTO \`t\` VALUES (${id},'${v}');`;

describe('row diff', () => {
  it('counts rows added, changed and deleted by key', () => {
    const before = [row(1, 'a'), row(2, 'b'), row(3, 'c')].join('\n') + '\n';
    const after = [row(1, 'a'), row(2, 'B'), row(4, 'd')].join('\n') + '\n';
    assert.deepEqual(diffRows(before, after, [0]), { added: 1, changed: 1, deleted: 1 });
    assert.deepEqual(diffRows('', after, [0]), { added: 3, changed: 0, deleted: 0 });
    assert.deepEqual(diffRows(before, before, [0]), { added: 0, changed: 0, deleted: 0 });
  });

  it('matches whole lines when the table has no key (duplicates count)', () => {
    const before = [row(1, 'a'), row(1, 'a')].join('\n');
    const after = [row(1, 'a'), row(1, 'b')].join('\n');
    assert.deepEqual(diffRows(before, after, []), { added: 1, changed: 0, deleted: 1 });
  });
});

describe('commit message', () => {
  const summary = {
    tables: [
      { table: 'ip_invoice_amounts', schema: null, rows: { added: 0, changed: 1, deleted: 0 } },
      { table: 'ip_payments', schema: null, rows: { added: 1, changed: 0, deleted: 0 } },
      { table: 'ip_clients', schema: 'changed' as const, rows: { added: 0, changed: 3, deleted: 0 } },
    ],
    objects: [{ type: 'view', name: 'v_totals', change: 'changed' as const }],
  };

  it('says what changed on the first line', () => {
    assert.equal(commitSubject(summary), 'ip_invoice_amounts ~1, ip_payments +1, ip_clients (schema) ~3, view v_totals');
  });

  it('lists every table with counts and the time in the body', () => {
    const m = commitMessage(summary, new Date('2026-01-02T03:04:05Z'));
    assert.match(m, /\nip_payments: 1 added, 0 changed, 0 deleted\n/);
    assert.match(m, /\nip_clients: schema changed, 0 added, 3 changed, 0 deleted\n/);
    assert.match(m, /view v_totals: changed/);
    assert.match(m, /2026-01-02T03:04:05.000Z/);
  });

  it('keeps a long subject short', () => {
    const many = {
      tables: Array.from({ length: 40 }, (_, i) => ({ table: `table_${i}`, schema: null, rows: { added: 1, changed: 0, deleted: 0 } })),
      objects: [],
    };
    const s = commitSubject(many);
    assert.ok(s.length < 130, s);
    assert.match(s, /and \d+ more$/);
  });

  it('reads table names back from schema files', () => {
    assert.equal(tableNameFromCreate('CREATE TABLE `a``b` (\n  `x` int\n);'), 'a`b');
    assert.equal(tableNameFromCreate('garbage'), null);
  });
});

describe('row diff across a schema change', () => {
  it('finds the old key cells by column name when an ALTER moved them', async () => {
    const { columnsFromCreate } = await import('../../src/snapshot/create-table-text.js');
    assert.deepEqual(columnsFromCreate('CREATE TABLE `t` (\n  `id` int(11) NOT NULL,\n  `a``b` text,\n  PRIMARY KEY (`id`)\n) ENGINE=InnoDB;'), ['id', 'a`b']);
    const before = "INSERT INTO `t` VALUES (1,'x');\nINSERT INTO `t` VALUES (2,'y');\n";
    const after = "INSERT INTO `t` VALUES (NULL,1,'x');\nINSERT INTO `t` VALUES (NULL,2,'y');\n";
    assert.deepEqual(diffRows(before, after, [1], [0]), { added: 0, changed: 2, deleted: 0 });
  });
});
