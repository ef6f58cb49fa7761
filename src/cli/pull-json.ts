import type { PullResult } from '../pull/pull-pass.js';
import { renderPull } from './render-pull.js';

/**
 * What `pull --json` (and `sync --json` in two-way mode) prints (documented in
 * docs/reference/json-output.md): what came in, what was applied to which table, the conflicts
 * the merge recorded, the push.
 */
export function pullJson(r: PullResult): Record<string, unknown> {
  const { lines, warnings } = renderPull(r);
  const m = r.merge;
  return {
    outcome: r.outcome,
    from: r.from,
    incoming: r.incoming,
    commit: r.commit,
    local: r.pass.commit.commit ? { commit: r.pass.commit.commit, subject: r.pass.commit.subject } : null,
    // The pass that committed this computer's changes first: how it read the database.
    localRead: { changeSource: r.pass.read?.source ?? null, rowsRead: r.pass.rowsRead ?? r.pass.rows, tablesKept: r.pass.read?.tablesKept ?? 0 },
    tables: (m?.applied ?? []).map((t) => ({ table: t.table, how: t.how, inserted: t.inserted, updated: t.updated, deleted: t.deleted })),
    conflicts: (m?.conflicts ?? []).map((c) => ({
      table: c.table,
      keyCells: c.keyCells,
      kind: c.kind,
      column: c.column,
      base: c.base,
      ours: c.ours,
      theirs: c.theirs,
      kept: c.kept,
    })),
    schemaConflicts: (m?.schemaConflicts ?? []).map((s) => ({ table: s.table, reason: s.reason, kept: s.kept })),
    objectConflicts: (m?.objectConflicts ?? []).map((o) => ({ object: o.object, kept: o.kept, why: o.why, theirsCommit: o.theirsCommit })),
    notMerged: m?.skipped ?? [],
    secretsNotApplied: m?.secretsNotApplied ?? [],
    push: r.push ? { status: r.push.status, message: r.push.message } : null,
    fetchError: r.fetchError,
    keptBranch: r.keptBranch,
    outsideFiles: r.outsideFiles,
    retries: r.retries,
    summary: lines,
    warnings,
  };
}
