import { cellForPeople } from '../history/format-row-change.js';
import { literalText } from '../snapshot/sql-literal.js';
import { html, query, type Html } from './html.js';
import type { PageContext } from './page-context.js';
import { shortTime } from './page-layout.js';
import { recordWords } from './record-words.js';
import type { RecordVersions } from './record-versions.js';

/** The search form of the record page: a table and a key (as for `git-dbsync history`). */
export function recordForm(table: string, key: string, tables: readonly string[]): Html {
  return html`<form class="filters" method="get" action="/record">
<label>Table <input name="table" list="tables" value="${table}" size="16" required></label>
<datalist id="tables">${tables.map((n) => html`<option value="${n}">`)}</datalist>
<label>Key <input name="key" value="${key}" placeholder="42; 7,2026-01-01" size="14" required></label>
<button type="submit">Show versions</button>
</form>`;
}

/**
 * "Bring this back" on a version (the page may write): the row as this commit left it (a deleting
 * version: as it was just before), through `restore row`; an InvoicePlane invoice also whole, with
 * its items, amounts and payments, through `restore invoice`. Each link shows the plan first.
 */
function restoreLinks(ctx: PageContext, table: string, key: string, v: RecordVersions['versions'][number]): Html {
  const at = v.change.kind === 'deleted' ? `${v.commit}^` : v.commit;
  const row = v.change.kind === 'deleted' ? v.change.rows.before : v.change.rows.after;
  const number = table === 'ip_invoices' && ctx.profile?.name === 'invoiceplane' ? literalText(row?.invoice_number ?? 'NULL') : null;
  const label = v.change.kind === 'deleted' ? 'as it was before this' : 'as it was after this';
  return html`<p class="restore"><a class="restore-row" href="/restore-row${query({ table, key, at })}">Bring this record back ${label}</a>${
    number
      ? html` · <a class="restore-invoice" href="/restore-invoice${query({ number, at })}">Bring invoice ${number} back with its items and payments</a>`
      : ''
  }</p>`;
}

/** Every version of one row, newest first: when, which commit, and its cells (added), changes (changed) or last cells (deleted). */
export async function recordBody(
  ctx: PageContext,
  table: string,
  key: string,
  r: RecordVersions,
  start: number,
  tables: readonly string[],
  opts: { readonly restore?: boolean } = {},
): Promise<Html> {
  const described = new Map<string, string>();
  for (const v of r.versions) {
    const w = (await recordWords(ctx, v.commit, [v.change])).get(v.change);
    if (w) described.set(v.commit, w);
  }
  const version = (v: RecordVersions['versions'][number]) => {
    const e = v.change;
    const cells =
      e.kind === 'changed'
        ? html`<table><thead><tr><th>column</th><th>before</th><th>after</th></tr></thead><tbody>${e.cells.map(
            (c) =>
              html`<tr><th>${c.column}</th><td class="changed"><del>${cellForPeople(c.before)}</del></td><td class="changed" data-column="${c.column}"><ins>${cellForPeople(c.after)}</ins></td></tr>`,
          )}</tbody></table>`
        : html`<table><tbody>${e.cells.map(
            (c) =>
              html`<tr class="${e.kind}"><th>${c.column}</th><td data-column="${c.column}">${cellForPeople(e.kind === 'added' ? c.after : c.before)}</td></tr>`,
          )}</tbody></table>`;
    return html`<li class="version ${e.kind}" data-commit="${v.commit}"><h2><time datetime="${v.time}">${shortTime(v.time)}</time> · ${e.kind}</h2>
<p><a href="/commit/${v.commit}">${v.subject}</a> <span class="id">${v.commit.slice(0, 12)}</span>${described.has(v.commit) ? html`<br><span class="words">${described.get(v.commit)!}</span>` : ''}</p>
<div class="scroll">${cells}</div>${opts.restore ? restoreLinks(ctx, table, key, v) : ''}</li>`;
  };
  const newest = r.versions[0]?.change;
  const row = newest && (newest.rows.after ?? newest.rows.before);
  const number = table === 'ip_invoices' && ctx.profile?.name === 'invoiceplane' ? literalText(row?.invoice_number ?? 'NULL') : null;
  return html`${recordForm(table, key, tables)}
${number ? html`<p><a class="whole-invoice" href="/invoice${query({ number })}">Invoice ${number} with its items and payments</a></p>` : ''}
${r.versions.length === 0 ? html`<p class="empty">No version of ${table} ${key} in ${start === 0 ? 'the history' : 'these commits'} (the key is the primary key's values in key order).</p>` : ''}
<ol class="versions">${r.versions.map(version)}</ol>
<nav class="pager">${start > 0 ? html`<a href="/record${query({ table, key })}">Newest</a>` : ''}${r.next !== null ? html`<a href="/record${query({ table, key, from: r.next })}" rel="next">Older</a>` : ''}</nav>`;
}
