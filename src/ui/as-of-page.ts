import { cellForPeople } from '../history/format-row-change.js';
import { keyArgument } from '../resolve/key-argument.js';
import { parsePointInTime, POINT_IN_TIME_FORMS } from '../restore/point-in-time.js';
import { html, query, type Html } from './html.js';
import type { PageContext } from './page-context.js';
import { PageError } from './page-error.js';
import { shortTime } from './page-layout.js';
import { AS_OF_PAGE_SIZE, type AsOfSort, type TableAtCommit } from './table-at-commit.js';

export interface AsOfCommit {
  readonly commit: string;
  readonly time: string;
  readonly subject: string;
}

/**
 * The commit `at` names: a commit id, or a moment in the forms of `restore --at` (the last commit
 * at or before it, on the branch's own line, as `restore --at` picks it); empty: the latest.
 */
export async function asOfCommit(ctx: PageContext, at: string): Promise<AsOfCommit> {
  const { git } = ctx;
  const path = ctx.snapshotPath || '.';
  if (at === '') {
    const last = await git.lastCommitTouching(path);
    if (!last) throw new PageError(404, 'no snapshot yet');
    return last;
  }
  if (/^[0-9a-f]{7,40}$/i.test(at)) {
    const commit = await git.resolve(`${at}^{commit}`);
    if (commit) {
      const [info] = await git.commitsTouching([], { max: 1, rev: commit });
      if (info) return info;
    }
  }
  const ms = parsePointInTime(at, Date.now());
  if (ms === null)
    throw new PageError(400, `${JSON.stringify(at)} is neither a commit nor a moment git-dbsync understands: write it as one of ${POINT_IN_TIME_FORMS}`);
  const found = await git.commitAt(ms, path);
  if (!found) throw new PageError(404, `no snapshot was taken at or before ${new Date(ms).toISOString()}`);
  return found;
}

/** The as-of page: which commit, the tables, and one table's rows (paged) with column names. */
export function asOfBody(
  at: string,
  c: AsOfCommit,
  tables: readonly string[],
  shown: { readonly table: string; readonly page: number; readonly data: TableAtCommit } | null,
): Html {
  const link = (table: string, page = 0, sort: AsOfSort | null = null) =>
    `/asof${query({ at: c.commit, table, page: page || undefined, sort: sort?.column, dir: sort?.descending ? 'desc' : undefined })}`;
  const form = html`<form class="filters" method="get" action="/asof">
<label>At <input name="at" value="${at}" placeholder="2026-12-01 17:00, yesterday, a commit id" size="24"></label>
<label>Table <select name="table"><option value="">(choose)</option>${tables.map(
    (t) => html`<option${t === shown?.table ? html` selected` : ''}>${t}</option>`,
  )}</select></label>
<button type="submit">Show</button>
</form>
<p>The snapshot of <time datetime="${c.time}">${shortTime(c.time)}</time>: <a href="/commit/${c.commit}">${c.subject}</a> <span class="id">${c.commit.slice(0, 12)}</span></p>`;
  if (!shown) return html`${form}<h2>Tables</h2><ul class="tables">${tables.map((t) => html`<li><a href="${link(t)}">${t}</a></li>`)}</ul>`;
  const { data, table, page } = shown;
  const sorted = (p: number) => link(table, p, data.sort);
  // A column's header orders by it; again: the other way round.
  const header = (col: string) => {
    const on = data.sort?.column === col;
    const descending = on && !data.sort?.descending;
    const mark = on ? (data.sort?.descending ? ' \u25BC' : ' \u25B2') : '';
    return html`<th${on ? html` aria-sort="${data.sort?.descending ? 'descending' : 'ascending'}"` : ''}><a href="${link(table, 0, { column: col, descending })}" title="order by ${col}">${col}</a>${mark}</th>`;
  };
  const pages = Math.max(1, Math.ceil(data.total / AS_OF_PAGE_SIZE));
  const recordHref = (row: Readonly<Record<string, string>>) =>
    data.keyColumns.length > 0 && data.keyColumns.every((k) => row[k] !== undefined)
      ? `/record${query({ table, key: keyArgument(data.keyColumns.map((k) => row[k]!)) })}`
      : null;
  const rows = data.rows.map((row) => {
    const href = recordHref(row);
    return html`<tr>${href ? html`<td><a href="${href}" title="every version of this row">versions</a></td>` : html`<td></td>`}${data.columns.map(
      (col) => html`<td data-column="${col}">${cellForPeople(row[col] ?? null)}</td>`,
    )}</tr>`;
  });
  return html`${form}
<h2>${table} <span class="muted">(${data.total} rows${data.schemaOnly ? ', definition only: its rows are not versioned' : ''})</span></h2>
<div class="scroll"><table class="as-of" data-table="${table}"><thead><tr><th></th>${data.columns.map(header)}</tr></thead><tbody>${rows}</tbody></table></div>
<nav class="pager">${page > 0 ? html`<a href="${sorted(page - 1)}" rel="prev">Previous</a>` : ''}${page + 1 < pages ? html`<a href="${sorted(page + 1)}" rel="next">Next</a>` : ''}<span class="muted">page ${page + 1} of ${pages}</span></nav>`;
}
