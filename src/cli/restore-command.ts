import { ExitCode } from '../errors/exit-codes.js';
import { describePlan } from '../restore/restore-plan.js';
import { continueRestore, restoreInto, restoreSnapshot, type RestoreResult } from '../restore/restore-snapshot.js';
import { describeUnrestored } from '../restore/secret-restore.js';
import { historyNotRestoredNote } from '../restore/history-restore.js';
import type { CommandContext } from './context.js';
import { renderPass } from './render.js';
import { restoreJson } from './restore-json.js';

/** `git-dbsync restore [REV] [--yes] [--drop-extra] [--json]`: without --yes it only prints the plan (`--json`: as one object). */
export async function restoreCommand(
  ctx: CommandContext,
  rev: string | undefined,
  opts: {
    yes: boolean;
    dropExtra: boolean;
    continuation?: 'resume' | 'abort' | undefined;
    at?: { ms: number; text: string };
    tables?: readonly string[] | null;
    into?: string;
    filesTo?: string;
    json?: boolean;
  },
): Promise<number> {
  if (opts.continuation) {
    const c = await continueRestore(ctx.project, opts.continuation);
    if (opts.json) {
      ctx.out(JSON.stringify(restoreJson(c.result, { note: c.note })));
      return ExitCode.Ok;
    }
    if (c.result) printResult(ctx, c.result);
    ctx.out(c.note);
    return ExitCode.Ok;
  }
  if (opts.into !== undefined) {
    const r = await restoreInto(ctx.project, {
      into: opts.into,
      rev,
      apply: opts.yes,
      dropExtra: false,
      tables: opts.tables ?? null,
      ...(opts.at ? { at: opts.at.ms, atText: opts.at.text } : {}),
    });
    if (opts.json) {
      ctx.out(JSON.stringify(restoreJson(r, { into: r.into })));
      return ExitCode.Ok;
    }
    if (r.chosen) ctx.out(`the snapshot as of then: commit ${r.chosen.commit.slice(0, 12)} of ${r.chosen.time}: ${r.chosen.subject}`);
    const what = `${r.plan.create.length} table(s)${r.plan.objects.length ? ` and ${r.plan.objects.length} view(s), routine(s) and trigger(s)` : ''}`;
    for (const u of r.unrestored) ctx.out(describeUnrestored(u, !r.applied));
    if (r.historyNotRestored?.length) ctx.out(historyNotRestoredNote(r.historyNotRestored));
    ctx.out(
      r.applied
        ? `restored snapshot ${r.plan.commit.slice(0, 12)} into database ${r.into}: ${what}; the live database and the repository are untouched (events are not created in a copy)`
        : `would load snapshot ${r.plan.commit.slice(0, 12)} into database ${r.into} (created if missing, refused unless empty): ${what}; the live database and the repository are not touched\nRun again with --yes to do it.`,
    );
    return ExitCode.Ok;
  }
  const r = await restoreSnapshot(ctx.project, {
    rev,
    apply: opts.yes,
    dropExtra: opts.dropExtra,
    tables: opts.tables ?? null,
    filesTo: opts.filesTo ?? null,
    ...(opts.at ? { at: opts.at.ms, atText: opts.at.text } : {}),
  });
  if (opts.json) ctx.out(JSON.stringify(restoreJson(r)));
  else printResult(ctx, r);
  return ExitCode.Ok;
}

function printResult(ctx: CommandContext, r: RestoreResult): void {
  if (r.chosen) ctx.out(`the snapshot as of then: commit ${r.chosen.commit.slice(0, 12)} of ${r.chosen.time}: ${r.chosen.subject}`);
  ctx.out(describePlan(r.plan, !r.applied));
  // One line per secret rule whose values the database does not get back, with what to do about it.
  for (const u of r.unrestored) ctx.out(describeUnrestored(u, !r.applied));
  if (r.saved?.commit.commit) ctx.out(`saved unsaved changes first: ${renderPass(r.saved)}`);
  if (r.historyNotRestored?.length) ctx.out(historyNotRestoredNote(r.historyNotRestored));
  if (r.applied) ctx.out(r.after?.commit.commit ? `restored; ${renderPass(r.after)}` : 'restored; the database equals the snapshot');
}
