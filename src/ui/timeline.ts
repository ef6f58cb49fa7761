import type { Pathspec } from '../git/git.js';
import { tablePaths } from '../history/table-paths.js';
import type { PageContext } from './page-context.js';

/** Commits on one page of the timeline. */
export const TIMELINE_PAGE_SIZE = 50;
/** Days the chart of commits per day covers, ending with the newest commit shown. */
export const CHART_DAYS = 30;

export interface TimelineFilter {
  readonly table?: string;
  /** Text the commit message contains (any case). */
  readonly text?: string;
  /** Seconds since the epoch: commits at or after / at or before. */
  readonly since?: number;
  readonly until?: number;
  /** 0-based page number. */
  readonly page: number;
}

export interface TimelineCommit {
  readonly commit: string;
  readonly time: string;
  readonly subject: string;
}

export interface Timeline {
  readonly commits: readonly TimelineCommit[];
  readonly hasMore: boolean;
  /** Commits per day (`YYYY-MM-DD`, the committer's date), oldest first, CHART_DAYS days up to the newest commit that matches. */
  readonly perDay: ReadonlyArray<readonly [string, number]>;
}

/**
 * One page of the history, newest first. git reads only what the page needs (`git log --skip -n`),
 * so a page costs the same on a history of 10,000 commits as on one of 100, apart from the commits
 * skipped; the chart reads the commits of its 30 days only.
 */
export async function readTimeline(ctx: PageContext, f: TimelineFilter): Promise<Timeline> {
  const paths = f.table ? tablePaths(ctx.snapshotPath, f.table) : [ctx.snapshotPath || '.'];
  const until = f.until !== undefined ? { until: f.until } : {};
  const filters = { ...(f.text ? { grep: f.text } : {}), ...until };
  // The page and the chart at once: each is a git process of its own.
  const [list, perDay] = await Promise.all([
    ctx.git.commitsTouching(paths, {
      ...filters,
      ...(f.since !== undefined ? { since: f.since } : {}),
      max: TIMELINE_PAGE_SIZE + 1,
      skip: f.page * TIMELINE_PAGE_SIZE,
    }),
    commitsPerDay(ctx, paths, filters, f.since),
  ]);
  return { commits: list.slice(0, TIMELINE_PAGE_SIZE), hasMore: list.length > TIMELINE_PAGE_SIZE, perDay };
}

/** Charts kept (a few filters browsed page by page); the oldest goes first. */
const CHART_CACHE_SIZE = 32;
const chartCache = new Map<string, Array<[string, number]>>();

/**
 * Commits per day over CHART_DAYS days ending with the newest commit that matches (not today: an
 * old history still shows its last month), by the committer's date.
 */
async function commitsPerDay(
  ctx: PageContext,
  paths: readonly Pathspec[],
  filters: { readonly grep?: string; readonly until?: number },
  since: number | undefined,
): Promise<Array<[string, number]>> {
  const [newest] = await ctx.git.commitsTouching(paths, { ...filters, ...(since !== undefined ? { since } : {}), max: 1 });
  if (!newest) return [];
  // The same newest commit and filters give the same chart: kept, so that paging does not read the 30 days again.
  const cacheKey = JSON.stringify([newest.commit, paths, filters, since ?? null]);
  const cached = chartCache.get(cacheKey);
  if (cached) return cached;
  const end = Date.parse(newest.time.slice(0, 10) + 'T00:00:00Z');
  const start = end - (CHART_DAYS - 1) * 86_400_000;
  const counts = new Map<string, number>();
  for (let t = start; t <= end; t += 86_400_000) counts.set(new Date(t).toISOString().slice(0, 10), 0);
  // The window is a day wider than the chart so that no time zone offset loses a commit.
  const recent = await ctx.git.commitsTouching(paths, {
    ...filters,
    since: Math.max(since ?? 0, Math.floor(start / 1000) - 86_400),
    until: Math.floor(Date.parse(newest.time) / 1000),
  });
  for (const c of recent) {
    const day = c.time.slice(0, 10);
    if (counts.has(day)) counts.set(day, counts.get(day)! + 1);
  }
  const chart = [...counts];
  if (chartCache.size >= CHART_CACHE_SIZE) chartCache.delete(chartCache.keys().next().value!);
  chartCache.set(cacheKey, chart);
  return chart;
}

/** Commits grouped by day (the committer's date), in the order given. */
export function byDay(commits: readonly TimelineCommit[]): Array<readonly [string, TimelineCommit[]]> {
  const out: Array<[string, TimelineCommit[]]> = [];
  for (const c of commits) {
    const day = c.time.slice(0, 10);
    const last = out.at(-1);
    if (last && last[0] === day) last[1].push(c);
    else out.push([day, [c]]);
  }
  return out;
}
