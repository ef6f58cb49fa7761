import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { schemaWords } from '../../src/commit/schema-words.js';

const create = (...cols: string[]) => `CREATE TABLE \`ip_invoices\` (\n${[...cols, '  PRIMARY KEY (`invoice_id`)'].join(',\n')}\n) ENGINE=MyISAM`;

describe('schema words', () => {
  it('names added, dropped and changed columns; the columns are the ones rows may have changed by', () => {
    const before = create('  `invoice_id` int(11) NOT NULL AUTO_INCREMENT', '  `invoice_terms` text NOT NULL', '  `old` int(11) DEFAULT NULL');
    const after = create(
      '  `invoice_id` int(11) NOT NULL AUTO_INCREMENT',
      '  `invoice_terms` longtext NOT NULL',
      '  `invoice_po_number` varchar(64) DEFAULT NULL',
    );
    const w = schemaWords(before, after);
    assert.equal(w.words, 'added column invoice_po_number, dropped column old, changed column invoice_terms');
    assert.deepEqual([...w.columns].sort(), ['invoice_po_number', 'invoice_terms', 'old']);
  });

  it('only keys or options changed: "definition changed"; many columns are cut', () => {
    const base = create('  `invoice_id` int(11) NOT NULL');
    assert.equal(schemaWords(base, base.replace('MyISAM', 'InnoDB')).words, 'definition changed');
    const many = create('  `invoice_id` int(11) NOT NULL', '  `a` int', '  `b` int', '  `c` int', '  `d` int');
    assert.equal(schemaWords(base, many).words, 'added columns a, b, c and 1 more');
  });
});
