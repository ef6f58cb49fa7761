import type { Git } from '../git/git.js';
import { commitRowChanges, type RowHistoryEntry } from '../history/commit-row-changes.js';
import { tablePathsOfStem } from '../history/table-paths.js';
import { encodeTableFileName } from '../snapshot/layout.js';
import { literalText } from '../snapshot/sql-literal.js';
import { INVOICE_TABLES } from './invoice-tables.js';

/** One commit that changed the invoice's rows, and those changes (ip_invoices first, then items, amounts, payments). */
export interface InvoiceHistoryCommit {
  readonly commit: string;
  readonly time: string;
  readonly subject: string;
  readonly changes: readonly RowHistoryEntry[];
}

export interface InvoiceHistory {
  /** The invoice_id values that ever carried this number (more than one: it was deleted and created again, or reused). */
  readonly invoiceIds: readonly string[];
  /** Newest first. */
  readonly commits: readonly InvoiceHistoryCommit[];
  /** Commits that touched the invoice tables at all (for the "nothing found" message). */
  readonly commitsRead: number;
}

/** The literal's value in a row version (null when the row or the column is absent). */
const valueIn = (row: Readonly<Record<string, string>> | null, column: string): string | null => {
  const lit = row?.[column];
  return lit === undefined ? null : literalText(lit);
};

/** Any version (before or after) of the row has `column` equal to one of `values`. */
const linked = (e: RowHistoryEntry, column: string, values: ReadonlySet<string>) =>
  [e.rows.before, e.rows.after].some((row) => {
    const v = valueIn(row, column);
    return v !== null && values.has(v);
  });

/**
 * Every version of one InvoicePlane invoice, found by its number: the commits that changed its
 * ip_invoices row or a row tied to it (items, their amounts, the invoice's amounts, payments), with
 * those rows' changes, newest first. Reads git only (any clone, no database). The invoice is every
 * ip_invoices row that carried the number in any version (renumbered rows count from the version
 * with the number on, and before: the id ties them); its items are every item row that belonged to
 * one of those invoices in any version.
 */
export async function invoiceHistory(git: Git, snapshotPath: string, number: string): Promise<InvoiceHistory> {
  const stems = INVOICE_TABLES.map((t) => ({ ...t, stem: encodeTableFileName(t.table) }));
  const commits = await git.commitsTouching(stems.flatMap((t) => tablePathsOfStem(snapshotPath, t.stem)));
  // One read of each commit's changes (the ids are known only once every version was seen).
  const read: Array<{ commit: (typeof commits)[number]; byTable: Map<string, RowHistoryEntry[]> }> = [];
  for (const c of commits) {
    const byTable = new Map<string, RowHistoryEntry[]>();
    for (const t of stems) byTable.set(t.table, await commitRowChanges(git, snapshotPath, c.commit, { table: t.table, stem: t.stem }));
    read.push({ commit: c, byTable });
  }
  const all = (table: string) => read.flatMap((r) => r.byTable.get(table) ?? []);
  const invoiceIds = new Set<string>();
  for (const e of all('ip_invoices')) {
    if (![e.rows.before, e.rows.after].some((row) => valueIn(row, 'invoice_number') === number)) continue;
    const id = valueIn(e.rows.after, 'invoice_id') ?? valueIn(e.rows.before, 'invoice_id');
    if (id !== null) invoiceIds.add(id);
  }
  const itemIds = new Set<string>();
  for (const e of all('ip_invoice_items')) {
    if (!linked(e, 'invoice_id', invoiceIds)) continue;
    const id = valueIn(e.rows.after, 'item_id') ?? valueIn(e.rows.before, 'item_id');
    if (id !== null) itemIds.add(id);
  }
  const out: InvoiceHistoryCommit[] = [];
  for (const r of read) {
    const changes = stems.flatMap((t) => (r.byTable.get(t.table) ?? []).filter((e) => linked(e, t.link, t.link === 'item_id' ? itemIds : invoiceIds)));
    if (changes.length > 0) out.push({ ...r.commit, changes });
  }
  return { invoiceIds: [...invoiceIds].sort((a, b) => Number(a) - Number(b)), commits: out, commitsRead: commits.length };
}
