import { ExitCode } from '../errors/exit-codes.js';
import { readConflicts } from '../pull/conflict-store.js';
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
  if (tables.length > 0) {
    const db = await ctx.project.connect().catch(() => null);
    if (db) {
      try {
        const { tables: listed } = await listTables(db, ctx.config.db.database, { include: tables, exclude: [] });
        for (const t of await describeTables(db, ctx.config.db.database, listed)) keys.set(t.name, t.orderKey);
      } catch {
        // names only
      } finally {
        await db.close();
      }
    }
  }
  for (const l of describeConflicts(open, (t) => keys.get(t) ?? null)) ctx.out(l);
  return ExitCode.Ok;
}
