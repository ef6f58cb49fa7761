import type { RestoreResult } from '../restore/restore-snapshot.js';
import type { PassResult } from '../sync/sync-pass.js';

/** A commit a restore made (the unsaved changes saved first, or the restored state), or null. */
function commitOf(p: PassResult | null): { commit: string; subject: string } | null {
  return p?.commit.commit ? { commit: p.commit.commit, subject: p.commit.subject } : null;
}

/**
 * What `restore --json` prints (documented in docs/reference/json-output.md): the plan (without
 * --yes) or what was done, in one object. `into`: the scratch database of `--into`, else null;
 * `note`: what `--resume` / `--abort` did, else null.
 */
export function restoreJson(r: RestoreResult | null, extra: { into?: string | null; note?: string | null } = {}): Record<string, unknown> {
  const p = r?.plan;
  return {
    applied: r?.applied ?? false,
    commit: p?.commit ?? null,
    chosen: r?.chosen ?? null,
    into: extra.into ?? null,
    note: extra.note ?? null,
    saveFirst: p?.saveFirst ?? null,
    tables: p
      ? {
          replace: p.replace,
          create: p.create,
          extra: p.extra,
          dropExtra: p.dropExtra,
          outOfScope: p.outOfScope,
          only: p.only,
        }
      : null,
    rows: p?.rows ?? {},
    objects: p ? { recreate: p.objects, extra: p.objectsToDrop } : null,
    files: p?.files ? { to: p.files.to, add: p.files.add, change: p.files.change, remove: p.files.remove, outside: p.files.outside } : null,
    unrestored: (r?.unrestored ?? []).map((u) => ({ table: u.table, column: u.column, why: u.why, count: u.count, hint: u.hint })),
    historyNotRestored: r?.historyNotRestored ?? [],
    saved: commitOf(r?.saved ?? null),
    after: commitOf(r?.after ?? null),
  };
}
