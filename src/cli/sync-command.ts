import { ExitCode } from '../errors/exit-codes.js';
import { runPass, type PassResult } from '../sync/sync-pass.js';
import type { CommandContext } from './context.js';
import { recordFailure, recordSuccess } from './record.js';
import { BackupJudge } from './backup-judge.js';
import { renderPass } from './render.js';
import { logPass } from './log-pass.js';
import { ProgressDisplay } from './progress-display.js';
import { selectChangeSource } from '../sync/select-source.js';

/** What `sync --json` prints (documented in docs/reference/json-output.md). */
export function passJson(r: PassResult): Record<string, unknown> {
  return {
    commit: r.commit.commit,
    subject: r.commit.commit ? r.commit.subject : null,
    summary: renderPass(r),
    push: r.push ? { status: r.push.status, message: r.push.message } : null,
    tables: r.tables,
    rows: r.rows,
    rowsRead: r.rowsRead ?? r.rows,
    filesChanged: r.filesChanged,
    durationMs: r.durationMs,
    lockMs: r.lockMs,
    changeSource: r.read?.source ?? null,
    skipped: r.skipped ?? [],
  };
}

/**
 * `git-dbsync sync [-q|--json]`: one pass; exit 0 whether or not anything changed, 4 when the commit
 * could not be pushed. Prints one line (`committed ...`, `no changes`); `-q` prints nothing when it
 * succeeds (for cron: mail only on trouble, which goes to stderr), `--json` one JSON object.
 */
export async function syncCommand(ctx: CommandContext, opts: { quiet?: boolean; json?: boolean } = {}): Promise<number> {
  const display = new ProgressDisplay({ stream: process.stderr, log: ctx.log });
  try {
    const choice = await selectChangeSource(ctx.project);
    ctx.log.debug(choice.line);
    const r = await runPass(ctx.project, { progress: display.update, changeSource: choice.source }).finally(() => display.clear());
    logPass(ctx.log, r);
    await recordSuccess(ctx.project.stateDir, { commit: r.commit.commit, result: renderPass(r), push: r.push });
    await (await BackupJudge.create(ctx, { metrics: false })).judge();
    if (opts.json) ctx.out(JSON.stringify(passJson(r)));
    else if (!opts.quiet) ctx.out(renderPass(r));
    return r.push && (r.push.status === 'failed' || r.push.status === 'diverged') ? ExitCode.NotPushed : ExitCode.Ok;
  } catch (err) {
    await recordFailure(ctx.project.stateDir, err);
    await (await BackupJudge.create(ctx, { metrics: false })).judge();
    throw err;
  }
}
