import { ExitCode } from '../errors/exit-codes.js';
import { DbsyncError } from '../errors/dbsync-error.js';
import { commitRowChanges } from '../history/commit-row-changes.js';
import { formatRowChange } from '../history/format-row-change.js';
import { tablePathsOfStem } from '../history/table-paths.js';
import { keyMatches, splitKeyArgument } from '../resolve/key-argument.js';
import { encodeTableFileName } from '../snapshot/layout.js';
import type { CommandContext } from './context.js';
import { invoiceHistory } from '../record/invoice-history.js';
import { INVOICE_TABLES } from '../record/invoice-tables.js';

/**
 * `git-dbsync history TABLE KEY`: every version of one row, newest first: the commit, its date and
 * subject, and what changed in that row (added with its cells, cell changes, deleted). KEY as for
 * `resolve` (`43`, `7,2026-01-01`). Reads git only: works on any clone, no database needed.
 */
export async function historyCommand(ctx: CommandContext, table: string, key: string): Promise<number> {
  const { git, snapshotPath } = ctx.project;
  const stem = encodeTableFileName(table);
  const parts = splitKeyArgument(key);
  const commits = await git.commitsTouching(tablePathsOfStem(snapshotPath, stem));
  // `history invoice NUMBER`: the InvoicePlane form, unless the database really has a table named `invoice`.
  if (table === 'invoice' && commits.length === 0) return invoiceHistoryCommand(ctx, key);
  if (commits.length === 0) {
    throw new DbsyncError({
      operation: 'history',
      message: `no commit has a table ${JSON.stringify(table)}`,
      hint: 'give the table name as in the database (see `git-dbsync show`)',
      exitCode: ExitCode.Config,
    });
  }
  let found = 0;
  for (const c of commits) {
    const changes = await commitRowChanges(git, snapshotPath, c.commit, { table, stem, keyMatches: (cells) => keyMatches(parts, cells) });
    for (const e of changes) {
      if (found++ === 0) ctx.out(`history of ${table} ${key} (newest first):`);
      ctx.out(`${c.time}  ${c.commit.slice(0, 12)}  ${c.subject}`);
      ctx.out(`    ${formatRowChange(e)}`);
    }
  }
  if (found === 0)
    ctx.out(`no commit changed ${table} ${key} (${commits.length} commit(s) touched the table; is the key right? it is the primary key's values in key order)`);
  return ExitCode.Ok;
}

/**
 * `git-dbsync history invoice NUMBER`: every version of one InvoicePlane invoice with its items,
 * their amounts, the invoice's amounts and its payments, newest first, one line per row changed.
 */
async function invoiceHistoryCommand(ctx: CommandContext, number: string): Promise<number> {
  const h = await invoiceHistory(ctx.project.git, ctx.project.snapshotPath, number);
  if (h.commitsRead === 0) {
    throw new DbsyncError({
      operation: 'history invoice',
      message: `no commit has InvoicePlane's invoice tables (${INVOICE_TABLES.map((t) => t.table).join(', ')})`,
      hint: 'history invoice is for an InvoicePlane database; for any other row: git-dbsync history TABLE KEY',
      exitCode: ExitCode.Config,
    });
  }
  if (h.invoiceIds.length === 0) {
    ctx.out(`no invoice numbered ${number} in ${h.commitsRead} commit(s) (the number as InvoicePlane shows it, e.g. INV-2026-0042)`);
    return ExitCode.Ok;
  }
  const ids = h.invoiceIds.length === 1 ? `invoice_id ${h.invoiceIds[0]}` : `invoice_id ${h.invoiceIds.join(', ')}: the number was used more than once`;
  ctx.out(`history of invoice ${number} (${ids}), newest first:`);
  for (const c of h.commits) {
    ctx.out(`${c.time}  ${c.commit.slice(0, 12)}  ${c.subject}`);
    for (const e of c.changes) ctx.out(`    ${formatRowChange(e)}`);
  }
  return ExitCode.Ok;
}
