import { describePlan } from '../restore/restore-plan.js';
import type { RestoreResult } from '../restore/restore-snapshot.js';
import { describeUnrestored } from '../restore/secret-restore.js';
import { changedTable, wholeRows } from './commit-page.js';
import { html, type Html } from './html.js';
import type { PageContext } from './page-context.js';
import { shortTime } from './page-layout.js';
import { rowsBetween } from './rows-between.js';

/** Rows listed in a plan before the rest is counted. */
const PLAN_ROWS = 200;

/**
 * The plan of bringing one table back to a commit: what restore would do (its plan, as the CLI
 * prints it), the rows that would change against the last snapshot by column name (changed, coming
 * back, and lost), and a button that posts the confirmation with the page's CSRF token.
 */
export async function restorePlanBody(
  ctx: PageContext,
  target: { readonly commit: string; readonly time: string; readonly subject: string },
  table: string,
  result: RestoreResult,
  csrf: string,
): Promise<Html> {
  const head = (await ctx.git.head()) ?? target.commit;
  const rows = (await rowsBetween(ctx, head, target.commit, table)).slice(0, PLAN_ROWS);
  const none = new Map();
  const of = (k: string) => rows.filter((r) => r.kind === k);
  const plan = describePlan(result.plan, true).split('\n').slice(0, -1).join('\n');
  return html`<p>Bring <strong>${table}</strong> back to the snapshot of <time datetime="${target.time}">${shortTime(target.time)}</time>: <a href="/commit/${target.commit}">${target.subject}</a></p>
<pre class="plan">${plan}</pre>
${result.unrestored.map((u) => html`<p class="muted">${describeUnrestored(u, true)}</p>`)}
<h2>What changes against the last snapshot</h2>
${rows.length === 0 ? html`<p class="empty">No row of ${table} differs from the last snapshot.</p>` : ''}
${of('changed').length ? html`<h3>Changed back</h3>${changedTable(of('changed'), none)}` : ''}
${of('added').length ? html`<h3>Coming back</h3>${wholeRows('added', of('added'), none)}` : ''}
${of('deleted').length ? html`<h3>Lost (rows added since; they stay in the history)</h3>${wholeRows('deleted', of('deleted'), none)}` : ''}
<form method="post" action="/restore" class="confirm">
<input type="hidden" name="csrf" value="${csrf}">
<input type="hidden" name="at" value="${target.commit}">
<input type="hidden" name="table" value="${table}">
<button type="submit">Restore ${table} now</button>
</form>`;
}

/** What the restore did. */
export function restoreDoneBody(table: string, result: RestoreResult): Html {
  const after = result.after?.commit.commit ?? null;
  return html`<pre class="plan">${describePlan(result.plan, false)}</pre>
${result.unrestored.map((u) => html`<p class="muted">${describeUnrestored(u, false)}</p>`)}
<p id="restored">${table} restored.${after ? html` Recorded as <a href="/commit/${after}">${after.slice(0, 12)}</a>.` : ' The database equals the snapshot.'}</p>`;
}
