import { parsePointInTime, POINT_IN_TIME_FORMS } from '../restore/point-in-time.js';
import { asOfBody, asOfCommit } from './as-of-page.js';
import { invoiceBody } from './invoice-page.js';
import { commitBody } from './commit-page.js';
import { headerVerdict } from './header-verdict.js';
import type { Html } from './html.js';
import type { PageContext } from './page-context.js';
import { PageError } from './page-error.js';
import { pageLayout } from './page-layout.js';
import { recordBody, recordForm } from './record-page.js';
import { conflictsBody, resolvedBody } from './conflicts-page.js';
import { invoiceRestoreBody, rowRestoreBody } from './record-restore-page.js';
import { restoreDoneBody, restorePlanBody } from './restore-page.js';
import { searchBody, searchRecords } from './search-page.js';
import type { UiRestore } from './ui-restore.js';
import type { Choice } from '../resolve/resolve-conflict.js';
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

/** The POST paths the page answers when it may write (each needs the token cookie and the CSRF token; the server checks both). */
export const POST_PATHS: ReadonlySet<string> = new Set(['/restore', '/restore-row', '/restore-invoice', '/resolve']);

/** A commit the form or link names (`ID`, or `ID^`: the one before it, for a version that deleted the row), as a full id. */
async function namedCommit(ctx: PageContext, at: string): Promise<string> {
  const m = /^([0-9a-f]{7,40})(\^?)$/i.exec(at);
  const commit = m ? await ctx.git.resolve(`${m[1]}${m[2] ? '^1' : ''}^{commit}`) : null;
  if (!commit) throw new PageError(404, `no commit ${JSON.stringify(at)}`);
  return commit;
}

function field(form: URLSearchParams, name: string): string {
  const v = (form.get(name) ?? '').trim();
  if (v.length > MAX_PARAM) throw new PageError(400, `${name}: at most ${MAX_PARAM} characters`);
  return v;
}

/**
 * A POST (the confirmation of a plan, or a conflict's button; the server has checked the token and
 * the CSRF token): do it through the same code as the command, then say what was done.
 */
export async function routePost(ctx: PageContext, path: string, form: URLSearchParams, restore: UiRestore): Promise<string> {
  const page = async (title: string, body: Html) => pageLayout({ title, header: await headerVerdict(ctx), body });
  if (path === '/restore') {
    const table = field(form, 'table');
    const target = await restoreTarget(ctx, field(form, 'at'), table);
    const result = await restore.apply(target.commit, table);
    return page(`${table} restored`, restoreDoneBody(table, result));
  }
  if (path === '/restore-row') {
    const [table, key] = [field(form, 'table'), field(form, 'key')];
    if (!table || !key) throw new PageError(400, 'name a table and a key');
    const r = await restore.row(table, key, await namedCommit(ctx, field(form, 'at')), true);
    return page(`${table} ${key} restored`, await rowRestoreBody(ctx, r, null));
  }
  if (path === '/restore-invoice') {
    const number = field(form, 'number');
    if (!number) throw new PageError(400, 'name an invoice number');
    const r = await restore.invoice(number, await namedCommit(ctx, field(form, 'at')), true);
    return page(`Invoice ${number} restored`, await invoiceRestoreBody(ctx, r, null));
  }
  if (path === '/resolve') {
    const [table, key, column, choice] = [field(form, 'table'), field(form, 'key'), field(form, 'column'), field(form, 'choice')];
    if (!table) throw new PageError(400, 'name a table');
    const chosen: Choice | null =
      choice === 'ours' || choice === 'theirs' ? { side: choice } : choice === 'value' && form.get('value') !== null ? { value: form.get('value')! } : null;
    if (chosen === null) throw new PageError(400, 'choose ours, theirs or a value');
    const r = await restore.resolve({ table, key: key === '' ? null : key, ...(column ? { column } : {}), choice: chosen });
    return page('Conflict resolved', resolvedBody(r));
  }
  throw new PageError(404, `no page ${path}`);
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

  if (path === '/invoice') {
    const number = param(url, 'number');
    if (!number) throw new PageError(400, 'name the invoice: /invoice?number=INV-2026-0042');
    return page(`Invoice ${number}`, await invoiceBody(ctx, number, { restore: opts.restore !== undefined }));
  }

  if (path === '/record') {
    const [table, key] = [param(url, 'table'), param(url, 'key')];
    const listed = tablesAt(ctx, 'HEAD').catch(() => []);
    if (!table || !key) return page('Record history', recordForm(table, key, await listed));
    const start = pageNumber(url, 'from');
    const [versions, tables] = await Promise.all([recordVersions(ctx, table, key, start), listed]);
    return page(`${table} ${key}`, await recordBody(ctx, table, key, versions, start, tables, { restore: opts.restore !== undefined }));
  }

  if (path === '/asof') {
    const at = param(url, 'at');
    const c = await asOfCommit(ctx, at);
    const tables = await tablesAt(ctx, c.commit);
    const table = param(url, 'table');
    const p = pageNumber(url);
    const column = param(url, 'sort');
    const sort = column ? { column, descending: param(url, 'dir') === 'desc' } : null;
    const shown = table ? { table, page: p, data: await tableAtCommit(ctx, c.commit, table, p, sort) } : null;
    return page(`As of ${c.time.slice(0, 16).replace('T', ' ')}`, asOfBody(at || c.commit, c, tables, shown));
  }

  if (path === '/conflicts') {
    return page('Open conflicts', await conflictsBody(ctx, await ctx.openConflicts(), opts.restore?.csrf ?? null));
  }

  if (path === '/search') {
    const q = param(url, 'q');
    return page(q ? `Search: ${q}` : 'Search', searchBody(ctx, q, q ? await searchRecords(ctx, q) : []));
  }

  if (path === '/restore-row' || path === '/restore-invoice') {
    if (!opts.restore) throw new PageError(404, 'restore from the page is off: start it with `git-dbsync ui --allow-restore` (or DBSYNC_UI_ALLOW_RESTORE=1)');
    const commit = await namedCommit(ctx, param(url, 'at'));
    if (path === '/restore-row') {
      const [table, key] = [param(url, 'table'), param(url, 'key')];
      if (!table || !key) throw new PageError(400, 'name a table and a key');
      const plan = await opts.restore.run.row(table, key, commit, false);
      return page(`Bring ${table} ${key} back?`, await rowRestoreBody(ctx, plan, opts.restore.csrf));
    }
    const number = param(url, 'number');
    if (!number) throw new PageError(400, 'name an invoice number');
    const plan = await opts.restore.run.invoice(number, commit, false);
    return page(`Bring invoice ${number} back?`, await invoiceRestoreBody(ctx, plan, opts.restore.csrf));
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
