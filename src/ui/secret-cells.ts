import { rowMatches, type SecretRule } from '../secrets/secret-rule.js';
import type { RowHistoryEntry } from '../history/commit-row-changes.js';
import { holdsNoSecret, isRedactedLiteral, cellText, tokenOf } from '../secrets/secret-literal.js';

/** What a secret cell held in clear (DBSYNC_SECRETS=keep) shows instead of its value. */
export const HIDDEN_SECRET = '[secret]';

/**
 * A row's cells (column -> literal) with every secret cell that is not already redacted or
 * encrypted in the file replaced by HIDDEN_SECRET. Redacted and encrypted cells are shown as the
 * file holds them (a placeholder, a token): the page never decrypts anything, and a secret kept in
 * clear under the `keep` policy is still not put on a page.
 */
export function hideSecrets(rules: readonly SecretRule[], table: string, row: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = { ...row };
  for (const rule of rules) {
    if (rule.table !== table) continue;
    const lit = out[rule.column];
    if (lit === undefined || holdsNoSecret(lit) || isRedactedLiteral(lit) || tokenOf(lit) !== null) continue;
    if (rule.rows) {
      const filter = row[rule.rows.column];
      if (filter === undefined || !rowMatches(rule.rows, cellText(filter))) continue;
    }
    out[rule.column] = HIDDEN_SECRET;
  }
  return out;
}

/** A row change with its secret cells hidden (see hideSecrets), in its cells and in its whole rows. */
export function hideEntrySecrets(rules: readonly SecretRule[], e: RowHistoryEntry): RowHistoryEntry {
  if (!rules.some((r) => r.table === e.table)) return e;
  const before = e.rows.before && hideSecrets(rules, e.table, e.rows.before);
  const after = e.rows.after && hideSecrets(rules, e.table, e.rows.after);
  const cells = e.cells.map((c) => ({
    column: c.column,
    before: c.before === null ? null : (before?.[c.column] ?? c.before),
    after: c.after === null ? null : (after?.[c.column] ?? c.after),
  }));
  return { ...e, cells, rows: { before, after } };
}

/**
 * One cell of a secret column on its own (a conflict's value, without the rest of its row): hidden
 * when any rule names the column, whichever rows the rule picks (the row is not at hand), unless the
 * file holds it redacted or encrypted already.
 */
export function hideSecretCell(rules: readonly SecretRule[], table: string, column: string, literal: string): string {
  if (!rules.some((r) => r.table === table && r.column === column)) return literal;
  return holdsNoSecret(literal) || isRedactedLiteral(literal) || tokenOf(literal) !== null ? literal : HIDDEN_SECRET;
}
