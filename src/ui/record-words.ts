import { describeChanges } from '../commit/describe-changes.js';
import { SnapshotRows } from '../commit/snapshot-rows.js';
import type { RowHistoryEntry } from '../history/commit-row-changes.js';
import type { PageContext } from './page-context.js';

/** Rows of one page described in the profile's words (each may look up other tables in git). */
export const MAX_DESCRIBED = 30;

/**
 * The profile's words for row changes of its entity tables (`Invoice INV-2026-0042 (ACME Ltd):
 * status draft -> sent`), the same words the commit subjects use (describe-changes.ts), one row at
 * a time, names looked up in the snapshot of `commit`. Rows of other tables, and rows past
 * MAX_DESCRIBED, get none (the page shows their key).
 */
export async function recordWords(ctx: PageContext, commit: string, entries: readonly RowHistoryEntry[]): Promise<Map<RowHistoryEntry, string>> {
  const out = new Map<RowHistoryEntry, string>();
  const rules = ctx.profile?.messages;
  if (!rules) return out;
  const entityTables = new Set(rules.entities.map((e) => e.table));
  // git only: no working tree files (tables empty), the snapshot of `commit` for every lookup.
  const lookup = new SnapshotRows({
    git: ctx.git,
    head: commit,
    prefix: ctx.snapshotPath ? `${ctx.snapshotPath}/` : '',
    snapshotAbs: '',
    tables: new Map(),
  });
  for (const e of entries.filter((x) => entityTables.has(x.table)).slice(0, MAX_DESCRIBED)) {
    const d = await describeChanges({ rules, changes: new Map([[e.table, [e.rows]]]), lookup, secrets: ctx.secretRules });
    if (d.items[0]) out.set(e, d.items[0]);
  }
  return out;
}
