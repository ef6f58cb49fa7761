import { ExitCode } from '../errors/exit-codes.js';
import { describePlan } from '../restore/restore-plan.js';
import { restoreSnapshot } from '../restore/restore-snapshot.js';
import type { CommandContext } from './context.js';
import { renderPass } from './render.js';

/** `git-dbsync restore [REV] [--yes] [--drop-extra]`: without --yes it only prints the plan. */
export async function restoreCommand(ctx: CommandContext, rev: string | undefined, opts: { yes: boolean; dropExtra: boolean }): Promise<number> {
  const r = await restoreSnapshot(ctx.project, { rev, apply: opts.yes, dropExtra: opts.dropExtra });
  ctx.out(describePlan(r.plan, !r.applied));
  if (r.saved?.commit.commit) ctx.out(`saved unsaved changes first: ${renderPass(r.saved)}`);
  if (r.applied) ctx.out(r.after?.commit.commit ? `restored; ${renderPass(r.after)}` : 'restored; the database equals the snapshot');
  return ExitCode.Ok;
}
