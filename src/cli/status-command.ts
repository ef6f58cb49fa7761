import { collectStatus, formatStatus } from '../status/status.js';
import { statusExitCode } from '../status/status-exit-code.js';
import { colourVerdictLine } from './colour.js';
import type { CommandContext } from './context.js';

/** `git-dbsync status [--json]`: the report on stdout in any case; the exit code says whether all is well (status-exit-code.ts). */
export async function statusCommand(ctx: CommandContext, opts: { json: boolean }): Promise<number> {
  const s = await collectStatus(ctx.project);
  if (opts.json) ctx.out(JSON.stringify(s, null, 2));
  else {
    // The verdict leads (formatStatus's first line), in colour on a terminal.
    const [first, ...rest] = formatStatus(s).split('\n');
    ctx.out([colourVerdictLine(first ?? '', s.verdict.level), ...rest].join('\n'));
  }
  return statusExitCode(s);
}
