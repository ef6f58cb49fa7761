import { loadConfig, redactRemoteUrl, type FlagValues } from '../config/config.js';
import { Database } from '../db/database.js';
import { readAutoIncrement, twoWayWarning } from '../doctor/auto-increment.js';
import { cloneIfNew, fetchIntoEmptyRepository, restoreJoined } from '../pull/join.js';
import { describeUnrestored } from '../restore/secret-restore.js';
import { commandContext, type CommandContext } from './context.js';

/**
 * The context of `sync`, `watch` and `pull`. In two-way mode a new computer joins first (empty
 * database, empty or missing PROJECT_DIR, GIT_REMOTE_URL set): the remote is cloned and its latest
 * snapshot restored; and the AUTO_INCREMENT spacing is checked once (a warning, never fatal).
 * `say`: where the one-line report of a join goes (stdout for sync and pull, the log for watch).
 */
export async function syncContext(flags: FlagValues, env: NodeJS.ProcessEnv, cwd: string, say?: (line: string) => void): Promise<CommandContext> {
  const config = loadConfig({ env, flags, cwd });
  const cloned = await cloneIfNew(config, env);
  const ctx = await commandContext(flags, env, cwd);
  if (config.sync.mode !== 'two-way') return ctx;
  const report = say ?? ctx.out;
  const fetched = cloned ? false : await fetchIntoEmptyRepository(ctx.project);
  if (cloned || fetched) {
    const r = await restoreJoined(ctx.project);
    const tables = r.plan.create.length + r.plan.replace.length;
    const from = cloned ? `cloned ${redactRemoteUrl(cloned.url)} (${cloned.branch}) into ${config.projectDir}` : `fetched ${config.git.remoteName}'s history`;
    report(`joined: ${from} and restored its latest snapshot ${r.plan.commit.slice(0, 12)} into database ${config.db.database} (${tables} table(s))`);
    for (const u of r.unrestored) ctx.log.warn(describeUnrestored(u));
  }
  await autoIncrementNotice(ctx);
  return ctx;
}

async function autoIncrementNotice(ctx: CommandContext): Promise<void> {
  try {
    const db = await Database.connect(ctx.config.db);
    try {
      const line = twoWayWarning(await readAutoIncrement(db));
      if (line) ctx.log.warn(line);
    } finally {
      await db.close();
    }
  } catch {
    // The pass itself reports an unreachable database, with the fix.
  }
}
