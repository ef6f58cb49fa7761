import { ExitCode } from '../errors/exit-codes.js';
import { cellForPeople } from '../history/format-row-change.js';
import { restoreInvoice, type InvoiceRestorePlan, type InvoiceRestoreResult, type InvoiceRowChange } from '../record/restore-invoice.js';
import { displayText, literalText } from '../snapshot/sql-literal.js';
import type { CommandContext } from './context.js';
import { renderPass } from './render.js';

/** `git-dbsync restore invoice NUMBER [REV | --at WHEN] [--yes] [--json]`: without --yes it only prints the plan. */
export async function restoreInvoiceCommand(
  ctx: CommandContext,
  number: string,
  opts: { rev?: string | undefined; at?: { ms: number; text: string } | undefined; yes: boolean; json: boolean },
): Promise<number> {
  const r = await restoreInvoice(ctx.project, {
    number,
    apply: opts.yes,
    ...(opts.rev !== undefined ? { rev: opts.rev } : {}),
    ...(opts.at ? { at: opts.at.ms, atText: opts.at.text } : {}),
  });
  if (opts.json) ctx.out(JSON.stringify(invoiceRestoreJson(r)));
  else for (const line of describeInvoiceRestore(r)) ctx.out(line);
  return ExitCode.Ok;
}

/** InvoicePlane's invoice statuses (ip_invoices.invoice_status_id). */
const STATUS: Readonly<Record<string, string>> = { '1': 'draft', '2': 'sent', '3': 'viewed', '4': 'paid' };

/** An amount as people write it: 1020.50 -> 1,020.50 (anything else as it is). */
export function amountText(literal: string | null | undefined): string {
  const v = literal === undefined || literal === null ? null : literalText(literal);
  if (v === null) return 'none';
  const m = /^(-?)(\d+)(\.\d+)?$/.exec(v);
  return m ? `${m[1]}${m[2]!.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}${m[3] ?? ''}` : displayText(v);
}

function text(row: Readonly<Record<string, string>> | null, column: string): string {
  const v = row?.[column];
  return v === undefined ? '?' : displayText(literalText(v) ?? 'none');
}

/** What happens to one row, in the application's words: `would remove payment 500.00 of 2026-12-03`. */
function rowWords(table: string, r: InvoiceRowChange, would: boolean): string | null {
  const row = r.was ?? r.now;
  const what =
    table === 'ip_invoice_items'
      ? `item '${text(row, 'item_name')}' (${amountText(row?.item_quantity)
          .replace(/(\.\d*?)0+$/, '$1')
          .replace(/\.$/, '')} x ${amountText(row?.item_price)})`
      : table === 'ip_payments'
        ? `payment ${amountText(row?.payment_amount)} of ${text(row, 'payment_date')}`
        : table === 'ip_invoices'
          ? 'the invoice row'
          : null;
  if (what === null) return null;
  const v = (future: string, past: string) => (would ? `would ${future}` : past);
  if (r.now === null) return `${v('bring back', 'brought back')} ${what}`;
  if (r.was === null) return `${v('remove', 'removed')} ${what}`;
  return `${v('set', 'set')} ${what} back: ${r.cells.map((c) => `${c.column} ${cellForPeople(c.before)} -> ${cellForPeople(c.after)}`).join(', ')}`;
}

/** `ip_invoices 1 updated; ip_payments 1 inserted`: the rows each table gets. */
function countsText(plan: InvoiceRestorePlan, would: boolean): string {
  const parts = plan.tables
    .filter((t) => t.rows.length > 0)
    .map((t) => {
      const n = (f: (r: InvoiceRowChange) => boolean) => t.rows.filter(f).length;
      const c = [
        [n((r) => r.now !== null && r.was !== null), 'update', 'updated'],
        [n((r) => r.now === null), 'insert', 'inserted'],
        [n((r) => r.was === null), 'delete', 'deleted'],
      ] as const;
      return `${t.table} ${c
        .filter(([k]) => k > 0)
        .map(([k, f, p]) => `${k} ${would ? `to ${f}` : p}`)
        .join(', ')}`;
    });
  return `rows: ${parts.join('; ')}`;
}

/** The plan (or what was done): the invoice as of then in words, each item and payment that changes, the rows per table. */
export function describeInvoiceRestore(r: InvoiceRestoreResult): string[] {
  const p = r.plan;
  const would = !r.applied;
  const out = [`${p.byTime ? 'the snapshot as of then' : 'the snapshot'}: commit ${p.commit.commit.slice(0, 12)} of ${p.commit.time}: ${p.commit.subject}`];
  if (p.same) {
    out.push(`invoice ${p.number} is already as it was then; nothing to do`);
    return out;
  }
  const items = (n: number) => `${n} item${n === 1 ? '' : 's'}`;
  if (p.atThen)
    out.push(
      `${would ? 'would set' : 'set'} ${p.number} back to: ${items(p.atThen.items)}, total ${amountText(p.atThen.total)}, status ${STATUS[p.atThen.statusId ?? ''] ?? p.atThen.statusId ?? 'none'}`,
    );
  else
    out.push(
      `${would ? 'would delete' : 'deleted'} ${p.number} with its ${items(p.nowCounts.items)} and ${p.nowCounts.payments} payment${p.nowCounts.payments === 1 ? '' : 's'} (it did not exist then)`,
    );
  if (p.atThen)
    for (const t of p.tables)
      for (const row of t.rows) {
        const w = rowWords(t.table, row, would);
        if (w !== null) out.push(`  ${w}`);
      }
  out.push(countsText(p, would));
  for (const s of r.secretsNotApplied) out.push(`  not restored: ${s}`);
  if (would) out.push('Run again with --yes to do it.');
  else {
    if (r.saved?.commit.commit) out.push(`saved unsaved changes first: ${renderPass(r.saved)}`);
    out.push(r.after?.commit.commit ? `restored; ${renderPass(r.after)}` : 'restored');
  }
  return out;
}

/** `--json`: the plan and the outcome as one object (cells as the snapshot's SQL literals). */
export function invoiceRestoreJson(r: InvoiceRestoreResult): Record<string, unknown> {
  const p = r.plan;
  return {
    invoice: p.number,
    invoiceId: p.invoiceId,
    snapshot: p.commit,
    atThen: p.atThen,
    words: describeInvoiceRestore({ ...r, applied: false })
      .filter((l) => l.startsWith('would ') || l.startsWith('  would '))
      .map((l) => l.trim()),
    tables: p.tables.map((t) => ({
      table: t.table,
      rows: t.rows.map((row) => ({
        key: Object.fromEntries(row.key),
        now: row.now,
        was: row.was,
        cells: row.now && row.was ? row.cells.map((c) => ({ column: c.column, now: c.before, was: c.after })) : [],
      })),
    })),
    same: p.same,
    applied: r.applied,
    saved: r.saved?.commit.commit ?? null,
    committed: r.after?.commit.commit ?? null,
    secretsNotApplied: r.secretsNotApplied,
  };
}
