import type { InvoiceRestoreResult } from '../record/restore-invoice.js';
import type { RowRestoreResult } from '../record/restore-row.js';
import type { ResolveRequest, ResolveResult } from '../resolve/resolve-conflict.js';
import type { RestoreResult } from '../restore/restore-snapshot.js';

/**
 * What the page may write (`ui --allow-restore`, DBSYNC_UI_ALLOW_RESTORE=1), each through the same
 * code as its command, plan first: a table brought back to a commit (`restore REV --tables T`), one
 * row (`restore row TABLE KEY REV`), one InvoicePlane invoice (`restore invoice NUMBER REV`), and a
 * conflict closed (`resolve`). Unsaved changes are committed before anything is written and the
 * result after. Absent: the page only reads.
 */
export interface UiRestore {
  /** The plan only (the CLI without --yes). */
  plan(commit: string, table: string): Promise<RestoreResult>;
  /** Do it (the CLI with --yes). */
  apply(commit: string, table: string): Promise<RestoreResult>;
  /** One row as the snapshot of `commit` has it: the plan (apply false) or the write. */
  row(table: string, key: string, commit: string, apply: boolean): Promise<RowRestoreResult>;
  /** One invoice (with its items, amounts and payments) as the snapshot of `commit` has it. */
  invoice(number: string, commit: string, apply: boolean): Promise<InvoiceRestoreResult>;
  /** Close a conflict with the value chosen (`git-dbsync resolve`). */
  resolve(req: ResolveRequest): Promise<ResolveResult>;
}
