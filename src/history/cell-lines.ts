import { cellsOf } from '../snapshot/row-line.js';
import { tableShape } from './commit-row-changes.js';

/**
 * A data file as git's diff driver shows it (`git log -p`, `git diff`, via `hook textconv`): each
 * row as a header naming the table and its key, then one line per cell, `  column: literal`, so
 * that git's own line diff of two versions reads cell by cell with column names:
 *
 *     ip_invoices invoice_id=1
 *    -  invoice_status_id: 1
 *    +  invoice_status_id: 2
 *
 * Literals are written exactly as in the snapshot (never shortened: a diff must show every
 * change). `create`: the table's `CREATE TABLE` text (columns and key); when it is missing or has
 * another number of columns than a row, cells are named `#1`, `#2`, ... A line that is not a row
 * line (the file is untrusted input) is passed through as it is.
 */
export function cellLines(table: string, dataText: string, create: string): string {
  const shape = tableShape(create);
  const out: string[] = [];
  for (const line of dataText.split('\n')) {
    if (line.trim() === '') continue;
    let cells: string[];
    try {
      cells = cellsOf(line);
    } catch {
      out.push(line);
      continue;
    }
    const named = shape.columns.length === cells.length;
    const name = (i: number) => (named ? shape.columns[i]! : `#${i + 1}`);
    const key = named && shape.key.length > 0 ? shape.key.map((p) => `${name(p)}=${cells[p]}`).join(',') : '';
    out.push(key ? `${table} ${key}` : table);
    cells.forEach((c, i) => {
      out.push(`  ${name(i)}: ${c}`);
    });
  }
  return out.length ? `${out.join('\n')}\n` : '';
}
