import { ExitCode } from '../errors/exit-codes.js';
import { updateState } from '../state/state-store.js';
import { runPass } from '../sync/sync-pass.js';
import type { CommandContext } from './context.js';
import { recordFailure } from './record.js';
import { renderPass, renderTakeover } from './render.js';
import { secretsNotice } from './secrets-notice.js';
import { profileNotice } from './profile-notice.js';
import { ProgressDisplay } from './progress-display.js';
import { selectChangeSource } from '../sync/select-source.js';

/** `git-dbsync sync`: one pass; exit 0 whether or not anything changed, 4 when the commit could not be pushed. */
export async function syncCommand(ctx: CommandContext): Promise<number> {
  const display = new ProgressDisplay({ stream: process.stderr, log: ctx.log });
  try {
    const choice = await selectChangeSource(ctx.project);
    ctx.log.debug(choice.line);
    const r = await runPass(ctx.project, { progress: display.update, changeSource: choice.source }).finally(() => display.clear());
    const takeover = renderTakeover(r);
    if (takeover) ctx.log.info(takeover);
    ctx.log.debug({ ms: r.durationMs, lockMs: r.lockMs, lockWaitMs: r.lockWaitMs, tables: r.tables, rows: r.rows, rowsRead: r.rowsRead, tablesRead: r.read?.tablesRead, ...(r.read?.tablesByChunk ? { chunksRead: r.read.chunksRead } : {}) }, 'pass done');
    if (r.read?.warn) ctx.log.warn(`change source ${r.read.source}: read every table: ${r.read.fullBecause}`);
    const notice = secretsNotice(r.secrets);
    if (notice) ctx.log[notice.level](notice.line);
    const profile = profileNotice(r.profile);
    if (profile) ctx.log[profile.level](profile.line);
    if (r.removedLocks) ctx.log.warn(`removed ${r.removedLocks.join(', ')}: left by a git process that was killed (no git process runs in the repository, older than 5 s)`);
    await updateState(ctx.project.stateDir, {
      lastPassAt: new Date().toISOString(),
      lastCommit: r.commit.commit,
      lastResult: renderPass(r),
      lastError: null,
      consecutiveFailures: 0,
      ...(r.push ? { push: { at: new Date().toISOString(), status: r.push.status, message: r.push.message } } : {}),
    });
    ctx.out(renderPass(r));
    return r.push && (r.push.status === 'failed' || r.push.status === 'diverged') ? ExitCode.NotPushed : ExitCode.Ok;
  } catch (err) {
    await recordFailure(ctx.project.stateDir, err);
    throw err;
  }
}
