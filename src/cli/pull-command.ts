import { DbsyncError } from '../errors/dbsync-error.js';
import { ExitCode } from '../errors/exit-codes.js';
import { runPull, type PullResult } from '../pull/pull-pass.js';
import type { CommandContext } from './context.js';
import { profileNotice } from './profile-notice.js';
import { recordFailure, recordSuccess } from './record.js';
import { pullJson } from './pull-json.js';
import { renderPull } from './render-pull.js';
import { secretsNotice } from './secrets-notice.js';
import { selectChangeSource } from '../sync/select-source.js';

/** Exit code of a pull: 4 when the remote could not be reached or the push failed. */
export function pullExitCode(r: PullResult): number {
  if (r.outcome === 'fetch-failed') return ExitCode.NotPushed;
  return r.push && (r.push.status === 'failed' || r.push.status === 'diverged') ? ExitCode.NotPushed : ExitCode.Ok;
}

/**
 * `git-dbsync pull` (and `sync` in two-way mode): commit local changes, fetch, merge the other
 * computers' changes into the database, push. Refused in backup mode: it writes to the database.
 */
export async function pullCommand(ctx: CommandContext, opts: { adopt?: 'remote' | 'local'; json?: boolean; joined?: string | null } = {}): Promise<number> {
  if (ctx.config.sync.mode !== 'two-way') {
    throw new DbsyncError({
      operation: 'pull',
      message: "DBSYNC_MODE is backup: this computer only pushes and never writes other computers' changes into its database",
      hint: 'set DBSYNC_MODE=two-way (or --mode two-way) to merge them; see docs/guides/two-way-sync.md',
      exitCode: ExitCode.Config,
    });
  }
  try {
    // The pull's own pass (this computer's changes first) reads only what changed, as `sync` does.
    const choice = await selectChangeSource(ctx.project);
    ctx.log.debug(choice.line);
    const r = await runPull(ctx.project, { adopt: opts.adopt, read: { changeSource: choice.source } });
    const notice = secretsNotice(r.pass.secrets);
    if (notice) ctx.log[notice.level](notice.line);
    const profile = profileNotice(r.pass.profile);
    if (profile) ctx.log[profile.level](profile.line);
    const { lines, warnings } = renderPull(r);
    for (const w of warnings) ctx.log.warn(w);
    await recordSuccess(ctx.project.stateDir, { commit: r.commit ?? r.pass.commit.commit, result: lines[0] ?? '', push: r.push });
    // --json: one object on stdout; the warnings still go to the log (stderr).
    if (opts.json) ctx.out(JSON.stringify({ ...pullJson(r), joined: opts.joined ?? null }));
    else for (const l of lines) ctx.out(l);
    return pullExitCode(r);
  } catch (err) {
    await recordFailure(ctx.project.stateDir, err);
    throw err;
  }
}
