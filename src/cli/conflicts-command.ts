import { rowInWords } from '../commit/describe-changes.js';
import { SnapshotRows } from '../commit/snapshot-rows.js';
import { ExitCode } from '../errors/exit-codes.js';
import type { ConflictRecord } from '../merge/conflict-file.js';
import { PassPolicy, policySettings } from '../policy/pass-policy.js';
import { snapshotPrefix } from '../project/project.js';
import { readConflicts, type OpenConflicts } from '../pull/conflict-store.js';
import { literalText } from '../snapshot/sql-literal.js';
import { describeConflicts } from '../resolve/describe-conflicts.js';
import { describeTables, listTables } from '../snapshot/schema-reader.js';
import type { CommandContext } from './context.js';

/** `git-dbsync conflicts [--json]`: the open conflicts of the last commit, in the user's words. */
export async function conflictsCommand(ctx: CommandContext, opts: { json: boolean }): Promise<number> {
  const open = await readConflicts(ctx.project);
  if (opts.json) {
    ctx.out(JSON.stringify(open, null, 2));
    return ExitCode.Ok;
  }
  // Key columns by name, from the live tables (best effort: without the database, the values alone).
  const keys = new Map<string, readonly string[]>();
  const tables = [...new Set([...open.rows.map((c) => c.table)])];
  let words = new Map<ConflictRecord, string>();
  if (tables.length > 0) {
    const db = await ctx.project.connect().catch(() => null);
    if (db) {
      try {
        const { tables: listed } = await listTables(db, ctx.config.db.database, { include: tables, exclude: [] });
        for (const t of await describeTables(db, ctx.config.db.database, listed)) keys.set(t.name, t.orderKey);
        const all = (await db.queryArrays('SHOW TABLES', [], 'list tables')).map((r) => String(r[0]));
        words = await conflictWords(ctx, open, PassPolicy.decide(policySettings(ctx.config), all), keys);
      } catch {
        // names only
      } finally {
        await db.close();
      }
    }
  }
  for (const l of describeConflicts(
    open,
    (t) => keys.get(t) ?? null,
    (c) => words.get(c) ?? null,
  ))
    ctx.out(l);
  return ExitCode.Ok;
}

/**
 * Each row conflict's row and column in the profile's words (`Invoice 1 (ACME): terms`), the row as
 * the last commit has it (names of other rows, such as the client, from the same commit). Only rows
 * of the profile's entity tables with a one-column key; the others keep their table and key.
 */
async function conflictWords(
  ctx: CommandContext,
  open: OpenConflicts,
  policy: PassPolicy,
  keys: ReadonlyMap<string, readonly string[]>,
): Promise<Map<ConflictRecord, string>> {
  const out = new Map<ConflictRecord, string>();
  const profile = policy.profile;
  const head = await ctx.project.git.head();
  if (!profile || !head) return out;
  const lookup = new SnapshotRows({ git: ctx.project.git, head, prefix: snapshotPrefix(ctx.project), snapshotAbs: ctx.project.snapshotAbs, tables: new Map() });
  const secrets = policy.secretRules();
  for (const c of open.rows) {
    const keyColumn = keys.get(c.table);
    const key = c.keyCells.length === 1 ? literalText(c.keyCells[0]!) : null;
    if (c.kind === 'duplicate-number' || keyColumn?.length !== 1 || key === null) continue;
    const row = (await lookup.rows(c.table, keyColumn[0]!, new Set([key]))).get(key);
    if (!row) continue;
    const w = await rowInWords({ rules: profile.messages, table: c.table, row, column: c.column, lookup, secrets });
    if (w) out.set(c, w.field ? `${w.title}: ${w.field}` : w.title);
  }
  return out;
}
