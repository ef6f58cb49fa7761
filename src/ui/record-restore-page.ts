import type { RowHistoryEntry } from '../history/commit-row-changes.js';
import { cellForPeople } from '../history/format-row-change.js';
import type { InvoiceRestoreResult, InvoiceRowChange } from '../record/restore-invoice.js';
import type { RowRestoreResult } from '../record/restore-row.js';
import { keyArgument } from '../resolve/key-argument.js';
import type { PassResult } from '../sync/sync-pass.js';
import { html, type Html } from './html.js';
import type { PageContext } from './page-context.js';
import { shortTime } from './page-layout.js';
import { recordWords } from './record-words.js';
import { hideSecrets } from './secret-cells.js';

type Row = Readonly<Record<string, string>>;

/** One row's change from now to the snapshot's version, secrets hidden, for the tables and the profile's words. */
function entryOf(ctx: PageContext, table: string, key: RowHistoryEntry['key'], now: Row | null, was: Row | null): RowHistoryEntry {
  const [b, a] = [now && hideSecrets(ctx.secretRules, table, now), was && hideSecrets(ctx.secretRules, table, was)];
  const kind = b === null ? 'added' : a === null ? 'deleted' : 'changed';
  const columns = [...new Set([...Object.keys(b ?? {}), ...Object.keys(a ?? {})])];
  const cells = columns
    .map((column) => ({ column, before: b?.[column] ?? null, after: a?.[column] ?? null }))
    .filter((c) => kind !== 'changed' || c.before !== c.after);
  return { table, kind, key, cells, rows: { before: b, after: a } };
}

/** Now and then, by column: every column, the ones that change highlighted. */
function rowTable(e: RowHistoryEntry): Html {
  const columns = [...new Set([...Object.keys(e.rows.before ?? {}), ...Object.keys(e.rows.after ?? {})])];
  const side = (r: Row | null, col: string) =>
    r === null ? html`<td class="none">(no row)</td>` : html`<td data-column="${col}">${cellForPeople(r[col] ?? null)}</td>`;
  return html`<div class="scroll"><table class="plan-row" data-table="${e.table}"><thead><tr><th>column</th><th>now</th><th>after the restore</th></tr></thead><tbody>${columns.map(
    (col) =>
      html`<tr class="${(e.rows.before?.[col] ?? null) !== (e.rows.after?.[col] ?? null) ? 'differs' : ''}"><th>${col}</th>${side(e.rows.before, col)}${side(
        e.rows.after,
        col,
      )}</tr>`,
  )}</tbody></table></div>`;
}

function what(e: RowHistoryEntry, done: boolean): string {
  const key = e.key.map(([c, v]) => `${c}=${cellForPeople(v)}`).join(', ');
  if (e.kind === 'added') return `${e.table} ${key}: ${done ? 'brought back' : 'comes back'} (it was deleted since)`;
  if (e.kind === 'deleted') return `${e.table} ${key}: ${done ? 'deleted' : 'is deleted'} (it did not exist then; it stays in the history)`;
  return `${e.table} ${key}: ${e.cells.map((c) => `${c.column} ${cellForPeople(c.before)} -> ${cellForPeople(c.after)}`).join(', ')}`;
}

function snapshotLine(p: { readonly commit: { readonly commit: string; readonly time: string; readonly subject: string } }): Html {
  return html`<p>As the snapshot of <time datetime="${p.commit.time}">${shortTime(p.commit.time)}</time> has it: <a href="/commit/${p.commit.commit}">${p.commit.subject}</a> <span class="id">${p.commit.commit.slice(0, 12)}</span></p>`;
}

function confirmForm(action: string, csrf: string, fields: Readonly<Record<string, string>>, label: string): Html {
  return html`<form method="post" action="${action}" class="confirm">
<input type="hidden" name="csrf" value="${csrf}">${Object.entries(fields).map(([k, v]) => html`<input type="hidden" name="${k}" value="${v}">`)}
<button type="submit">${label}</button>
</form>`;
}

function doneLine(saved: PassResult | null, after: PassResult | null, what: string): Html {
  const a = after?.commit.commit ?? null;
  const s = saved?.commit.commit ?? null;
  return html`${s ? html`<p class="muted">Unsaved changes were committed first: <a href="/commit/${s}">${s.slice(0, 12)}</a>.</p>` : ''}
<p id="restored">${what} restored.${a ? html` Recorded as <a href="/commit/${a}">${a.slice(0, 12)}</a>.` : ''}</p>`;
}

/** The words of the profile for a change (`Invoice INV-1 (ACME Ltd): status paid -> sent`), when it knows the table. */
async function wordsOf(ctx: PageContext, entries: readonly RowHistoryEntry[]): Promise<Html> {
  const w = await recordWords(ctx, 'HEAD', entries);
  const list = entries.map((e) => w.get(e)).filter((x) => x !== undefined);
  return list.length ? html`<ul class="words">${list.map((x) => html`<li>${x}</li>`)}</ul>` : html``;
}

/**
 * The plan (or, after the POST, what was done) of bringing one row back, as `git-dbsync restore row
 * TABLE KEY REV` prints it: the row now and as the snapshot has it, by column, the cells that change
 * in the profile's words, and (a plan) the button that confirms it.
 */
export async function rowRestoreBody(ctx: PageContext, r: RowRestoreResult, csrf: string | null): Promise<Html> {
  const p = r.plan;
  const e = entryOf(ctx, p.table, p.key, p.now, p.was);
  const key = p.key.map(([, v]) => cellForPeople(v)).join(',');
  if (p.same && !r.applied) return html`${snapshotLine(p)}<p id="same">${p.table} ${key} is already as it was then; nothing to do.</p>`;
  return html`${snapshotLine(p)}
${await wordsOf(ctx, [e])}
<p class="plan">${r.applied ? '' : 'Would change: '}${what(e, r.applied)}</p>
${rowTable(e)}
${r.secretsNotApplied.map((s) => html`<p class="muted">not restored: ${s}</p>`)}
${
  r.applied
    ? doneLine(r.saved, r.after, `${p.table} ${key}`)
    : csrf
      ? html`<p class="muted">Unsaved changes of the database are committed first; the row is written only if nobody changed it since this plan.</p>${confirmForm(
          '/restore-row',
          csrf,
          { table: p.table, key: keyArgument(p.key.map(([, v]) => v)), at: p.commit.commit },
          `Bring ${p.table} ${key} back now`,
        )}`
      : ''
}`;
}

/**
 * The plan (or what was done) of bringing one InvoicePlane invoice back with its items, amounts and
 * payments, as `git-dbsync restore invoice NUMBER REV` prints it: each row that changes, by table.
 */
export async function invoiceRestoreBody(ctx: PageContext, r: InvoiceRestoreResult, csrf: string | null): Promise<Html> {
  const p = r.plan;
  if (p.same && !r.applied) return html`${snapshotLine(p)}<p id="same">Invoice ${p.number} is already as it was then; nothing to do.</p>`;
  const entries = p.tables.flatMap((t) => t.rows.map((row: InvoiceRowChange) => entryOf(ctx, t.table, row.key, row.now, row.was)));
  const then = p.atThen
    ? html`<p>${r.applied ? 'Set' : 'Would set'} ${p.number} back to: ${p.atThen.items} item(s), total ${p.atThen.total === null ? 'none' : cellForPeople(p.atThen.total)}.</p>`
    : html`<p>${r.applied ? 'Deleted' : 'Would delete'} ${p.number} with its ${p.nowCounts.items} item(s) and ${p.nowCounts.payments} payment(s) (it did not exist then).</p>`;
  return html`${snapshotLine(p)}
${then}
${await wordsOf(
  ctx,
  entries.filter((e) => e.table === 'ip_invoices'),
)}
<ul class="plan">${entries.map((e) => html`<li>${what(e, r.applied)}</li>`)}</ul>
${entries.map(rowTable)}
${r.secretsNotApplied.map((s) => html`<p class="muted">not restored: ${s}</p>`)}
${
  r.applied
    ? doneLine(r.saved, r.after, `Invoice ${p.number}`)
    : csrf
      ? html`<p class="muted">Unsaved changes of the database are committed first; nothing is written if the invoice changed since this plan.</p>${confirmForm(
          '/restore-invoice',
          csrf,
          { number: p.number, at: p.commit.commit },
          `Bring invoice ${p.number} back now`,
        )}`
      : ''
}`;
}
