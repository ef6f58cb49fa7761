import { keyArgument } from '../resolve/key-argument.js';
import { shownCellsOf } from '../snapshot/row-line.js';
import { literalText } from '../snapshot/sql-literal.js';
import { recordLink } from './commit-page.js';
import { html, query, type Html } from './html.js';
import type { PageContext } from './page-context.js';
import { searchForm } from './page-layout.js';
import { hideSecretCell } from './secret-cells.js';
import { rowLinesAt, tablesAt } from './table-at-commit.js';

/** Matches listed per kind of record. */
export const MAX_MATCHES = 25;

export interface SearchMatch {
  readonly entity: string;
  readonly table: string;
  /** The matching value's text. */
  readonly text: string;
  readonly link: string;
  readonly key: string;
}

/**
 * The records of the last snapshot whose search column (the profile's: an invoice or quote number,
 * a client's name) contains `q`, case-insensitively: read from the snapshot files through git, each
 * with its record page. Exact matches first.
 */
export async function searchRecords(ctx: PageContext, q: string): Promise<SearchMatch[]> {
  const columns = ctx.profile?.search ?? [];
  const needle = q.toLowerCase();
  const present = new Set(await tablesAt(ctx, 'HEAD').catch(() => []));
  const out: SearchMatch[] = [];
  for (const s of columns) {
    if (!present.has(s.table) || ctx.secretRules.some((r) => r.table === s.table && r.column === s.column)) continue;
    const found = await rowLinesAt(
      ctx,
      'HEAD',
      s.table,
      (cells, shape) => {
        const at = shape.columns.indexOf(s.column);
        const text = at < 0 ? null : literalText(cells[at] ?? 'NULL');
        return text?.toLowerCase().includes(needle) === true;
      },
      MAX_MATCHES,
    );
    const { shape } = found;
    const at = shape.columns.indexOf(s.column);
    const matches = found.lines.map((line) => {
      const cells = shownCellsOf(line);
      const key = shape.key.map((p) => [shape.columns[p]!, cells[p] ?? ''] as const);
      return {
        entity: s.entity,
        table: s.table,
        text: literalText(hideSecretCell(ctx.secretRules, s.table, s.column, cells[at] ?? 'NULL')) ?? '',
        link: recordLink({ table: s.table, key }) ?? `/asof${query({ table: s.table })}`,
        key: keyArgument(key.map(([, v]) => v)),
      };
    });
    matches.sort((a, b) => Number(b.text.toLowerCase() === needle) - Number(a.text.toLowerCase() === needle));
    out.push(...matches);
  }
  return out;
}

/** The search page: the matching records, each linked to its versions, and the commits whose message names the text. */
export function searchBody(ctx: PageContext, q: string, matches: readonly SearchMatch[]): Html {
  const kinds = (ctx.profile?.search ?? []).map((s) => s.entity.toLowerCase());
  return html`${searchForm(q)}
${
  q === ''
    ? html`<p class="muted">${kinds.length ? `Search the last snapshot by ${kinds.join(', ')}.` : 'The profile in force names no searchable records; the timeline searches commit messages.'}</p>`
    : html`${
        matches.length === 0
          ? html`<p class="empty">No ${kinds.length ? kinds.join(', ') : 'record'} in the last snapshot contains “${q}”.</p>`
          : html`<ul class="matches">${matches.map(
              (m) =>
                html`<li data-table="${m.table}"><a href="${m.link}">${m.entity} ${m.text}</a> <span class="muted">${m.table} ${m.key}</span>${
                  m.table === 'ip_invoices' && ctx.profile?.name === 'invoiceplane'
                    ? html` · <a class="whole-invoice" href="/invoice${query({ number: m.text })}">with its items and payments</a>`
                    : ''
                }</li>`,
            )}</ul>`
      }
<p><a href="/${query({ q })}">Every change whose description mentions “${q}”</a> (records deleted since are found there).</p>`
}`;
}
