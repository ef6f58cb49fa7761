import { displayText, literalText } from '../snapshot/sql-literal.js';
import type { Conflict } from '../merge/conflict.js';
import { PROFILES } from './profiles.js';

/**
 * A 'duplicate-number' conflict in the application's words, from the profile that declares the
 * column: `Invoice number INV-2026-0043 is used by two invoices (ids 41 and 42): renumber one of
 * them in InvoicePlane`. Without such a profile: the table's and column's names.
 */
export function duplicateNumberSentence(c: Conflict): string {
  const number = displayText(literalText(c.base ?? 'NULL') ?? 'NULL');
  const ids = `${c.ours ?? '?'} and ${c.theirs ?? '?'}`;
  for (const p of PROFILES) {
    const n = p.businessNumbers?.columns.find((x) => x.table === c.table && x.column === c.column);
    if (n) return `${n.entity} number ${number} is used by two ${n.entity.toLowerCase()}s (ids ${ids}): ${p.businessNumbers!.fix}`;
  }
  return `${c.table}.${c.column} ${number} is used by two rows (keys ${ids}): change one of them in the application`;
}
