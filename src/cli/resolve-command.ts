import { DbsyncError } from '../errors/dbsync-error.js';
import { ExitCode } from '../errors/exit-codes.js';
import { resolveConflict, type Choice } from '../resolve/resolve-conflict.js';
import type { CommandContext } from './context.js';
import { recordFailure } from './record.js';

/** `git-dbsync resolve TABLE [KEY] --ours|--theirs|--value V [--column C]`. */
export async function resolveCommand(
  ctx: CommandContext,
  table: string,
  key: string | undefined,
  opts: { ours?: boolean; theirs?: boolean; value?: string; column?: string },
): Promise<number> {
  const chosen = [opts.ours ? 'ours' : null, opts.theirs ? 'theirs' : null, opts.value !== undefined ? 'value' : null].filter(Boolean);
  if (chosen.length !== 1) {
    throw new DbsyncError({
      operation: 'resolve',
      message: chosen.length === 0 ? 'say which value to keep' : 'give only one of --ours, --theirs, --value',
      hint: 'git-dbsync resolve TABLE KEY --ours|--theirs|--value V (see git-dbsync conflicts)',
      exitCode: ExitCode.Config,
    });
  }
  const choice: Choice = opts.value !== undefined ? { value: opts.value } : { side: opts.ours ? 'ours' : 'theirs' };
  try {
    const r = await resolveConflict(ctx.project, { table, key: key ?? null, column: opts.column, choice });
    const how = r.changed ? 'the database now has it' : 'the database already had it';
    ctx.out(
      `${r.subject}; ${how}${r.commit ? `; committed ${r.commit.slice(0, 12)}` : ''}${r.push && r.push.status === 'pushed' ? `; ${r.push.message}` : ''}`,
    );
    if (r.push && (r.push.status === 'failed' || r.push.status === 'diverged')) {
      ctx.out(`NOT PUSHED: ${r.push.message}`);
      return ExitCode.NotPushed;
    }
    return ExitCode.Ok;
  } catch (err) {
    await recordFailure(ctx.project.stateDir, err);
    throw err;
  }
}
