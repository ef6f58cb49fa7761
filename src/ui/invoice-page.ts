import type { RowHistoryEntry } from '../history/commit-row-changes.js';
import { invoiceHistory } from '../record/invoice-history.js';
import { INVOICE_TABLES } from '../record/invoice-tables.js';
import { changedTable, wholeRows } from './commit-page.js';
import { html, query, type Html } from './html.js';
import type { PageContext } from './page-context.js';
import { PageError } from './page-error.js';
import { shortTime } from './page-layout.js';
import { recordWords } from './record-words.js';
import { hideEntrySecrets } from './secret-cells.js';

/**
 * The page of one InvoicePlane invoice (`/invoice?number=INV-2026-0042`): every version of it with
 * its items, their amounts, its amounts, tax rates, custom fields and payments, newest first, from
 * git alone (the same reading as `git-dbsync history invoice NUMBER`); per commit the rows of
 * each of those tables that changed, by column name, secrets hidden as on every page.
 */
export async function invoiceBody(ctx: PageContext, number: string, opts: { readonly restore?: boolean } = {}): Promise<Html> {
  if (ctx.profile?.name !== 'invoiceplane') throw new PageError(404, 'the invoice page is for an InvoicePlane database; any row has its record page');
  const h = await invoiceHistory(ctx.git, ctx.snapshotPath, number);
  if (h.invoiceIds.length === 0)
    return html`<p class="empty">No invoice numbered “${number}” in ${h.commitsRead} commit(s) (the number as InvoicePlane shows it, e.g. INV-2026-0042).</p>`;
  const ids = h.invoiceIds.length === 1 ? `invoice_id ${h.invoiceIds[0]}` : `invoice_id ${h.invoiceIds.join(', ')}: the number was used more than once`;
  const version = async (c: (typeof h.commits)[number]) => {
    const changes = c.changes.map((e) => hideEntrySecrets(ctx.secretRules, e));
    const words = await recordWords(ctx, c.commit, changes);
    const tables = INVOICE_TABLES.map((t) => t.table).filter((t) => changes.some((e) => e.table === t));
    const part = (table: string) => {
      const of = (k: RowHistoryEntry['kind']) => changes.filter((e) => e.table === table && e.kind === k);
      const [added, changed, deleted] = [of('added'), of('changed'), of('deleted')];
      return html`<section class="table" data-table="${table}"><h3>${table}</h3>
${changed.length ? changedTable(changed, words) : ''}${added.length ? wholeRows('added', added, words) : ''}${deleted.length ? wholeRows('deleted', deleted, words) : ''}</section>`;
    };
    return html`<li class="version" data-commit="${c.commit}"><h2><time datetime="${c.time}">${shortTime(c.time)}</time></h2>
<p><a href="/commit/${c.commit}">${c.subject}</a> <span class="id">${c.commit.slice(0, 12)}</span>${
      opts.restore
        ? html` · <a class="restore-invoice" href="/restore-invoice${query({ number, at: c.commit })}">bring the invoice back as it was after this</a>`
        : ''
    }</p>
${tables.map(part)}</li>`;
  };
  const versions: Html[] = [];
  for (const c of h.commits) versions.push(await version(c));
  return html`<p>Invoice ${number} (${ids}) with its items and payments, newest first: ${h.commits.length} commit(s) changed it.</p>
<ol class="versions">${versions}</ol>`;
}
