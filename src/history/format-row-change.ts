import { displayText, literalText } from '../snapshot/sql-literal.js';
import type { RowHistoryEntry } from './commit-row-changes.js';

/** Longest value shown for one cell: history lines stay readable; `git show` has the full line. */
const CELL_MAX = 60;

/** A cell literal for people: NULL, numbers and dates as written, strings quoted, binary as `<N bytes>`. */
export function cellForPeople(literal: string | null): string {
  if (literal === null) return '(none)';
  if (literal === 'NULL') return 'NULL';
  const text = literalText(literal);
  if (text === null) return literal;
  const quoted = literal.startsWith("'") || literal.startsWith('_') || literal.startsWith('0x');
  return quoted && !/^<\d+ bytes>$/.test(text) ? `'${displayText(text, CELL_MAX)}'` : displayText(text, CELL_MAX);
}

/** `ip_invoices invoice_id=1`, or the table alone for a table without a primary key. */
export function rowLabel(e: RowHistoryEntry): string {
  return e.key.length === 0 ? e.table : `${e.table} ${e.key.map(([c, v]) => `${c}=${cellForPeople(v)}`).join(',')}`;
}

/**
 * One line per row: `ip_invoices invoice_id=1: invoice_status_id 2 -> 4`, `ip_payments payment_id=5
 * added: invoice_id=1, payment_amount=120.00`, `... deleted: ...` (every cell of an added or deleted
 * row but its key).
 */
export function formatRowChange(e: RowHistoryEntry): string {
  const keyCols = new Set(e.key.map(([c]) => c));
  if (e.kind === 'changed')
    return `${rowLabel(e)}: ${e.cells.map((c) => `${c.column} ${cellForPeople(c.before)} -> ${cellForPeople(c.after)}`).join(', ') || 'no cell differs (only the line)'}`;
  const cells = e.cells.filter((c) => !keyCols.has(c.column)).map((c) => `${c.column}=${cellForPeople(e.kind === 'added' ? c.after : c.before)}`);
  return `${rowLabel(e)} ${e.kind}${cells.length ? `: ${cells.join(', ')}` : ''}`;
}
