import { parsePointInTime, POINT_IN_TIME_FORMS } from '../restore/point-in-time.js';
import { asOfBody, asOfCommit } from './as-of-page.js';
import { commitBody } from './commit-page.js';
import { headerVerdict } from './header-verdict.js';
import type { Html } from './html.js';
import type { PageContext } from './page-context.js';
import { PageError } from './page-error.js';
import { pageLayout } from './page-layout.js';
import { recordBody, recordForm } from './record-page.js';
import { restoreDoneBody, restorePlanBody } from './restore-page.js';
import type { UiRestore } from './ui-restore.js';
import { recordVersions } from './record-versions.js';
import { tableAtCommit, tablesAt } from './table-at-commit.js';
import { readTimeline } from './timeline.js';
import { timelineBody } from './timeline-page.js';

/** Longest text a filter field takes (a search is a few words). */
const MAX_PARAM = 200;
/** Highest page number taken (50 commits a page: half a million commits). */
const MAX_PAGE = 10_000;

function param(url: URL, name: string): string {
  const v = (url.searchParams.get(name) ?? '').trim();
  if (v.length > MAX_PARAM) throw new PageError(400, `${name}: at most ${MAX_PARAM} characters`);
  return v;
}

function pageNumber(url: URL, name = 'page'): number {
  const v = param(url, name);
  if (v === '') return 0;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > MAX_PAGE * 100) throw new PageError(400, `${name}: a whole number from 0`);
  return n;
}

function moment(url: URL, name: string): number | undefined {
  const v = param(url, name);
  if (v === '') return undefined;
  let ms = parsePointInTime(v, Date.now());
  // A date alone is the end of that day (as for `restore --at`); "since" a day means from its start.
  if (ms !== null && name === 'since' && /^\d{4}-\d{2}-\d{2}$/.test(v)) ms -= 86_400_000 - 1;
  if (ms === null) throw new PageError(400, `${name} ${JSON.stringify(v)}: write it as one of ${POINT_IN_TIME_FORMS}`);
  return Math.floor(ms / 1000);
}

/** Restore from the page: how, and the CSRF token its forms carry; absent: the page only reads. */
export interface RouteOptions {
  readonly restore?: { readonly run: UiRestore; readonly csrf: string };
}

/** The commit and table a restore names (`at`: a commit or a moment, as for the as-of view). */
async function restoreTarget(ctx: PageContext, at: string, table: string) {
  if (!at || !table) throw new PageError(400, 'name a commit (at) and a table');
  const target = await asOfCommit(ctx, at);
  if (!(await tablesAt(ctx, target.commit)).includes(table)) throw new PageError(404, `no table ${JSON.stringify(table)} in ${target.commit.slice(0, 12)}`);
  return target;
}

/** POST /restore (the confirmation of a plan; the server has checked the token and the CSRF token): restore, then say what was done. */
export async function routeRestore(ctx: PageContext, form: URLSearchParams, restore: UiRestore): Promise<string> {
  const table = (form.get('table') ?? '').trim();
  const target = await restoreTarget(ctx, (form.get('at') ?? '').trim(), table);
  const result = await restore.apply(target.commit, table);
  return pageLayout({ title: `${table} restored`, header: await headerVerdict(ctx), body: restoreDoneBody(table, result) });
}

/** The HTML of the page at `url` (a GET), or a PageError. Reads git and the state file only (a restore plan reads the database too). */
export async function routePage(ctx: PageContext, url: URL, opts: RouteOptions = {}): Promise<string> {
  // Started first, awaited when the page is put together: its git processes run beside the page's own.
  const heading = headerVerdict(ctx);
  heading.catch(() => undefined);
  const page = async (title: string, body: Html) => pageLayout({ title, header: await heading, body });
  const path = url.pathname;

  if (path === '/') {
    const form = { table: param(url, 'table'), q: param(url, 'q'), since: param(url, 'since'), until: param(url, 'until') };
    const since = moment(url, 'since');
    const until = moment(url, 'until');
    const p = Math.min(pageNumber(url), MAX_PAGE);
    const filter = {
      page: p,
      ...(form.table ? { table: form.table } : {}),
      ...(form.q ? { text: form.q } : {}),
      ...(since !== undefined ? { since } : {}),
      ...(until !== undefined ? { until } : {}),
    };
    const [timeline, tables] = await Promise.all([readTimeline(ctx, filter), tablesAt(ctx, 'HEAD').catch(() => [])]);
    return page('Timeline', timelineBody(timeline, filter, form, tables));
  }

  const commitMatch = /^\/commit\/([0-9a-f]{4,40})$/i.exec(path);
  if (commitMatch) {
    const commit = await ctx.git.resolve(`${commitMatch[1]}^{commit}`);
    const [info] = commit ? await ctx.git.commitsTouching([], { max: 1, rev: commit }) : [];
    if (!info) throw new PageError(404, `no commit ${commitMatch[1]}`);
    return page(info.subject, await commitBody(ctx, info, { restore: opts.restore !== undefined }));
  }

  if (path === '/record') {
    const [table, key] = [param(url, 'table'), param(url, 'key')];
    const listed = tablesAt(ctx, 'HEAD').catch(() => []);
    if (!table || !key) return page('Record history', recordForm(table, key, await listed));
    const start = pageNumber(url, 'from');
    const [versions, tables] = await Promise.all([recordVersions(ctx, table, key, start), listed]);
    return page(`${table} ${key}`, await recordBody(ctx, table, key, versions, start, tables));
  }

  if (path === '/asof') {
    const at = param(url, 'at');
    const c = await asOfCommit(ctx, at);
    const tables = await tablesAt(ctx, c.commit);
    const table = param(url, 'table');
    const p = pageNumber(url);
    const shown = table ? { table, page: p, data: await tableAtCommit(ctx, c.commit, table, p) } : null;
    return page(`As of ${c.time.slice(0, 16).replace('T', ' ')}`, asOfBody(at || c.commit, c, tables, shown));
  }

  if (path === '/restore') {
    if (!opts.restore) throw new PageError(404, 'restore from the page is off: start it with `git-dbsync ui --allow-restore`');
    const table = param(url, 'table');
    const target = await restoreTarget(ctx, param(url, 'at'), table);
    const plan = await opts.restore.run.plan(target.commit, table);
    return page(`Restore ${table}?`, await restorePlanBody(ctx, target, table, plan, opts.restore.csrf));
  }

  throw new PageError(404, `no page ${path}`);
}
