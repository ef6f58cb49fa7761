import { ExitCode } from '../errors/exit-codes.js';
import { cellForPeople } from '../history/format-row-change.js';
import { literalText } from '../snapshot/sql-literal.js';
import { restoreRow, rowName, type RowRestorePlan, type RowRestoreResult } from '../record/restore-row.js';
import type { CommandContext } from './context.js';
import { renderPass } from './render.js';

/** `git-dbsync restore row TABLE KEY [REV | --at WHEN] [--yes] [--json]`: without --yes it only prints the plan. */
export async function restoreRowCommand(
  ctx: CommandContext,
  table: string,
  key: string,
  opts: { rev?: string | undefined; at?: { ms: number; text: string } | undefined; yes: boolean; json: boolean },
): Promise<number> {
  const r = await restoreRow(ctx.project, {
    table,
    key,
    apply: opts.yes,
    ...(opts.rev !== undefined ? { rev: opts.rev } : {}),
    ...(opts.at ? { at: opts.at.ms, atText: opts.at.text } : {}),
  });
  if (opts.json) ctx.out(JSON.stringify(rowRestoreJson(r)));
  else for (const line of describeRowRestore(r)) ctx.out(line);
  return ExitCode.Ok;
}

/**
 * A cell for the plan: as history shows it, except bytes that are no text or hold control characters
 * (a NUL would read as a space or as nothing): their literal, shortened, so `0x00` never looks like `''`.
 */
function cell(literal: string | null): string {
  const text = literal === null ? null : literalText(literal);
  const bytes = text !== null && (/^<\d+ bytes>$/.test(text) || /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(text));
  if (literal !== null && bytes && /^(?:_[a-z0-9]+ )?0x/.test(literal)) return literal.length > 60 ? `${literal.slice(0, 57)}...` : literal;
  return cellForPeople(literal);
}

/** `col=value, ...` for people: every cell but the key's. */
function cellsText(plan: RowRestorePlan, row: Readonly<Record<string, string>>): string {
  const keys = new Set(plan.key.map(([c]) => c));
  const cells = Object.entries(row).filter(([c]) => !keys.has(c));
  return cells.length === 0 ? '(only the key)' : cells.map(([c, v]) => `${c}=${cell(v)}`).join(', ');
}

/** The plan (or what was done) in lines: the row now, what it becomes, the cells that change. */
export function describeRowRestore(r: RowRestoreResult): string[] {
  const p = r.plan;
  const name = `${p.table} ${p.key.map(([c, v]) => `${c}=${cell(v)}`).join(',')}`;
  const out = [`${p.byTime ? 'the snapshot as of then' : 'the snapshot'}: commit ${p.commit.commit.slice(0, 12)} of ${p.commit.time}: ${p.commit.subject}`];
  if (p.same) {
    out.push(`${name} is already as it was then; nothing to do`);
    return out;
  }
  out.push(`${name}`);
  out.push(`  now:          ${p.now ? cellsText(p, p.now) : 'absent'}`);
  out.push(
    `  ${r.applied ? 'restored to: ' : 'would become:'} ${p.was ? cellsText(p, p.was) : r.applied ? 'deleted (it did not exist then)' : 'would be deleted (it did not exist then)'}`,
  );
  if (p.now && p.was) out.push(`  cells:        ${p.cells.map((c) => `${c.column} ${cell(c.before)} -> ${cell(c.after)}`).join(', ')}`);
  for (const s of r.secretsNotApplied) out.push(`  not restored: ${s}`);
  if (!r.applied) out.push('Run again with --yes to do it.');
  else {
    if (r.saved?.commit.commit) out.push(`saved unsaved changes first: ${renderPass(r.saved)}`);
    out.push(r.after?.commit.commit ? `restored; ${renderPass(r.after)}` : 'restored');
  }
  return out;
}

/** `--json`: the plan and the outcome as one object (cells as the snapshot's SQL literals). */
export function rowRestoreJson(r: RowRestoreResult): Record<string, unknown> {
  const p = r.plan;
  return {
    table: p.table,
    row: rowName(p),
    key: Object.fromEntries(p.key),
    snapshot: p.commit,
    now: p.now,
    was: p.was,
    cells: p.cells.map((c) => ({ column: c.column, now: c.before, was: c.after })),
    same: p.same,
    applied: r.applied,
    saved: r.saved?.commit.commit ?? null,
    committed: r.after?.commit.commit ?? null,
    secretsNotApplied: r.secretsNotApplied,
  };
}
