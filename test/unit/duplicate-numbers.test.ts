import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { findDuplicateNumbers } from '../../src/merge/duplicate-numbers.js';
import { parseConflicts, formatConflicts } from '../../src/merge/conflict-file.js';
import { duplicateNumberSentence } from '../../src/profile/duplicate-number-words.js';
import { INVOICEPLANE } from '../../src/profile/invoiceplane.js';

const columns = ['invoice_id', 'client_id', 'invoice_number'];
const row = (id: number, number: string | null, client = 1) =>
  `INSERT INTO \`ip_invoices\` VALUES (${id},${client},${number === null ? 'NULL' : `'${number}'`});`;
const find = (ours: string[], merged: string[]) =>
  findDuplicateNumbers({ table: 'ip_invoices', columns, keyColumns: ['invoice_id'], column: 'invoice_number', merged, ours, keep: 'ours' });

describe('findDuplicateNumbers', () => {
  it('a number that came in on another key than ours is one conflict, keyed by the row that came in', () => {
    const ours = [row(1, 'INV-1'), row(41, 'INV-43')];
    const merged = [row(1, 'INV-1'), row(41, 'INV-43'), row(42, 'INV-43')];
    assert.deepEqual(find(ours, merged), [
      { table: 'ip_invoices', keyCells: ['42'], kind: 'duplicate-number', column: 'invoice_number', base: "'INV-43'", ours: '41', theirs: '42', kept: 'ours' },
    ]);
  });

  it('different numbers, NULL and empty numbers, and duplicates we already had are no conflict', () => {
    assert.deepEqual(find([row(41, 'INV-43')], [row(41, 'INV-43'), row(42, 'INV-44')]), []);
    assert.deepEqual(find([row(41, null)], [row(41, null), row(42, null), row(44, ''), row(46, '')]), []);
    // Both rows were here before the merge (an old duplicate, or one we made ourselves): not this merge's doing.
    assert.deepEqual(find([row(41, 'X'), row(42, 'X')], [row(41, 'X'), row(42, 'X', 2)]), []);
  });

  it('a row renumbered on the other side onto a number we use is a conflict too', () => {
    const ours = [row(41, 'INV-43'), row(42, 'INV-44')];
    const merged = [row(41, 'INV-43'), row(42, 'INV-43')];
    assert.deepEqual(
      find(ours, merged).map((c) => [c.keyCells, c.ours, c.theirs]),
      [[['42'], '41', '42']],
    );
  });

  it("is written to and read back from the conflicts file, and reads in the profile's words", () => {
    const [c] = find([row(41, 'INV-2026-0043')], [row(41, 'INV-2026-0043'), row(42, 'INV-2026-0043')]);
    const meta = { oursCommit: 'a'.repeat(40), theirsCommit: 'b'.repeat(40), mergedAt: '2026-03-01T10:00:00.000Z' };
    const back = parseConflicts(formatConflicts([c!], meta));
    assert.deepEqual(back, [{ ...c!, ...meta }]);
    assert.equal(duplicateNumberSentence(c!), 'Invoice number INV-2026-0043 is used by two invoices (ids 41 and 42): renumber one of them in InvoicePlane');
    assert.throws(
      () =>
        parseConflicts(
          JSON.stringify({ table: 't', key: ['1'], kind: 'duplicate-number', column: null, base: "'x'", ours: '1', theirs: '2', kept: 'ours', ...meta }),
        ),
      /needs a column/,
    );
  });

  it('the InvoicePlane profile declares invoice and quote numbers', () => {
    assert.deepEqual(
      INVOICEPLANE.businessNumbers?.columns.map((c) => `${c.table}.${c.column}`),
      ['ip_invoices.invoice_number', 'ip_quotes.quote_number'],
    );
  });
});
