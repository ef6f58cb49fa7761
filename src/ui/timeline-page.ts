import { dayChart } from './day-chart.js';
import { html, query, type Html } from './html.js';
import { shortTime } from './page-layout.js';
import { byDay, type Timeline, type TimelineFilter } from './timeline.js';

/** The filter form's values as typed (shown again in the form, carried by the pager). */
export interface TimelineForm {
  readonly table: string;
  readonly q: string;
  readonly since: string;
  readonly until: string;
}

/** The timeline: filters, the chart of commits per day, the commits grouped by day with links, the pager. */
export function timelineBody(t: Timeline, f: TimelineFilter, form: TimelineForm, tables: readonly string[]): Html {
  const link = (page: number) => `/${query({ ...form, page: page || undefined })}`;
  const days = byDay(t.commits);
  return html`<form class="filters" method="get" action="/">
<label>Table <input name="table" list="tables" value="${form.table}" size="16"></label>
<datalist id="tables">${tables.map((n) => html`<option value="${n}">`)}</datalist>
<label>Text <input name="q" value="${form.q}" placeholder="INV-2026-0042, ACME" size="18"></label>
<label>Since <input name="since" value="${form.since}" placeholder="2026-12-01, 3 days ago" size="14"></label>
<label>Until <input name="until" value="${form.until}" placeholder="yesterday" size="14"></label>
<button type="submit">Show</button>
</form>
${dayChart(t.perDay, 'commits')}
${days.length === 0 ? html`<p class="empty">No commit matches.</p>` : ''}
${days.map(
  ([day, commits]) => html`<h2>${day}</h2>
<ol class="commits">${commits.map(
    (c) =>
      html`<li><time datetime="${c.time}">${shortTime(c.time).slice(11)}</time><span><a href="/commit/${c.commit}">${c.subject}</a> <span class="id">${c.commit.slice(0, 12)}</span></span></li>`,
  )}</ol>`,
)}
<nav class="pager">${f.page > 0 ? html`<a href="${link(f.page - 1)}" rel="prev">Newer</a>` : ''}${t.hasMore ? html`<a href="${link(f.page + 1)}" rel="next">Older</a>` : ''}<span class="muted">page ${f.page + 1}</span></nav>`;
}
