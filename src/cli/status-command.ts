import { collectStatus, formatStatus } from '../status/status.js';
import { statusExitCode } from '../status/status-exit-code.js';
import type { CommandContext } from './context.js';

/** `git-dbsync status [--json]`: the report on stdout in any case; the exit code says whether all is well (status-exit-code.ts). */
export async function statusCommand(ctx: CommandContext, opts: { json: boolean }): Promise<number> {
  const s = await collectStatus(ctx.project);
  ctx.out(opts.json ? JSON.stringify(s, null, 2) : formatStatus(s));
  return statusExitCode(s);
}
