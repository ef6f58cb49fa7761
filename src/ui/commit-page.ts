import { commitRowChanges, type RowHistoryEntry } from '../history/commit-row-changes.js';
import { cellForPeople } from '../history/format-row-change.js';
import { keyArgument } from '../resolve/key-argument.js';
import { html, query, type Html } from './html.js';
import { shortTime } from './page-layout.js';
import type { PageContext } from './page-context.js';
import { recordWords } from './record-words.js';
import { hideEntrySecrets } from './secret-cells.js';

/** Rows shown on a commit page before the rest is counted (a first snapshot adds every row of the database). */
export const MAX_ROWS_SHOWN = 200;

export interface CommitInfo {
  readonly commit: string;
  readonly time: string;
  readonly subject: string;
}

/** Link to the record page of a row (null for a table without a primary key: its rows have no identity). */
export function recordLink(e: Pick<RowHistoryEntry, 'table' | 'key'>): string | null {
  return e.key.length === 0 ? null : `/record${query({ table: e.table, key: keyArgument(e.key.map(([, v]) => v)) })}`;
}

function keyText(e: RowHistoryEntry): string {
  return e.key.map(([c, v]) => `${c}=${cellForPeople(v)}`).join(', ') || '(no key)';
}

function recordCell(e: RowHistoryEntry, words: ReadonlyMap<RowHistoryEntry, string>): Html {
  const link = recordLink(e);
  const text = words.get(e);
  const label = html`${keyText(e)}${text ? html`<br><span class="words">${text}</span>` : ''}`;
  return link ? html`<td class="record"><a href="${link}">${label}</a></td>` : html`<td class="record">${label}</td>`;
}

/** One table's changed rows: the record, then one column per changed column, the cell before and after. */
export function changedTable(rows: readonly RowHistoryEntry[], words: ReadonlyMap<RowHistoryEntry, string>): Html {
  const columns = [...new Set(rows.flatMap((r) => r.cells.map((c) => c.column)))];
  return html`<div class="scroll"><table class="changed"><thead><tr><th>record</th>${columns.map((c) => html`<th>${c}</th>`)}</tr></thead><tbody>${rows.map(
    (r) =>
      html`<tr>${recordCell(r, words)}${columns.map((col) => {
        const c = r.cells.find((x) => x.column === col);
        return c
          ? html`<td class="changed" data-column="${col}"><del>${cellForPeople(c.before)}</del> → <ins>${cellForPeople(c.after)}</ins></td>`
          : html`<td></td>`;
      })}</tr>`,
  )}</tbody></table></div>`;
}

/** Added or deleted rows: every column with its value. */
export function wholeRows(kind: 'added' | 'deleted', rows: readonly RowHistoryEntry[], words: ReadonlyMap<RowHistoryEntry, string>): Html {
  const columns = [...new Set(rows.flatMap((r) => r.cells.map((c) => c.column)))];
  return html`<div class="scroll"><table class="${kind}"><thead><tr><th>record</th>${columns.map((c) => html`<th>${c}</th>`)}</tr></thead><tbody>${rows.map(
    (r) =>
      html`<tr class="${kind}">${recordCell(r, words)}${columns.map((col) => {
        const c = r.cells.find((x) => x.column === col);
        return html`<td data-column="${col}">${c ? cellForPeople(kind === 'added' ? c.after : c.before) : ''}</td>`;
      })}</tr>`,
  )}</tbody></table></div>`;
}

/** The commit page's body: per table, the rows added, changed and deleted, with column names; changed cells highlighted. */
export async function commitBody(ctx: PageContext, info: CommitInfo, opts: { readonly restore?: boolean } = {}): Promise<Html> {
  const all = (await commitRowChanges(ctx.git, ctx.snapshotPath, info.commit)).map((e) => hideEntrySecrets(ctx.secretRules, e));
  const shown = all.slice(0, MAX_ROWS_SHOWN);
  const words = await recordWords(ctx, info.commit, shown);
  const tables = [...new Set(shown.map((e) => e.table))];
  const section = (table: string) => {
    const rows = shown.filter((e) => e.table === table);
    const of = (k: RowHistoryEntry['kind']) => rows.filter((e) => e.kind === k);
    const [added, changed, deleted] = [of('added'), of('changed'), of('deleted')];
    return html`<section class="table" data-table="${table}"><h2>${table}</h2>
<p class="muted">${added.length} added, ${changed.length} changed, ${deleted.length} deleted · <a href="/asof${query({ at: info.commit, table })}">the table as of this commit</a>${
      opts.restore ? html` · <a class="restore" href="/restore${query({ at: info.commit, table })}">bring the table back to this commit</a>` : ''
    }</p>
${changed.length ? html`<h3>Changed</h3>${changedTable(changed, words)}` : ''}
${added.length ? html`<h3>Added</h3>${wholeRows('added', added, words)}` : ''}
${deleted.length ? html`<h3>Deleted</h3>${wholeRows('deleted', deleted, words)}` : ''}
</section>`;
  };
  return html`<p><time datetime="${info.time}">${shortTime(info.time)}</time> · <span class="id">${info.commit}</span></p>
${all.length === 0 ? html`<p class="empty">No row changed in this commit (a change of a definition, a view or a routine only: <code>git show ${info.commit.slice(0, 12)}</code> has it).</p>` : ''}
${tables.map(section)}
${all.length > MAX_ROWS_SHOWN ? html`<p class="muted">... and ${all.length - MAX_ROWS_SHOWN} more row(s): <code>git-dbsync show ${info.commit.slice(0, 12)}</code> lists them all.</p>` : ''}`;
}
