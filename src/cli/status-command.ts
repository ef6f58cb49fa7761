import { ExitCode } from '../errors/exit-codes.js';
import { collectStatus, formatStatus } from '../status/status.js';
import type { CommandContext } from './context.js';

/** `git-dbsync status [--json]`. */
export async function statusCommand(ctx: CommandContext, opts: { json: boolean }): Promise<number> {
  const s = await collectStatus(ctx.project);
  ctx.out(opts.json ? JSON.stringify(s, null, 2) : formatStatus(s));
  return ExitCode.Ok;
}
