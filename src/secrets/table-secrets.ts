import { quoteString } from '../snapshot/sql-text.js';
import { secretContext } from './secret-cipher.js';
import { holdsNoSecret, isRedactedLiteral, cellText, REDACTED_LITERAL, redactedLiteral } from './secret-literal.js';
import { isDeclaredRule, policyFor, type SecretPolicy, type SecretsSettings } from './secret-policy.js';
import { rowMatches, type SecretRule } from './secret-rule.js';

/** A rule in force for a table of the snapshot, with the policy it gets (what the start-up notice lists). */
export interface AppliedSecret {
  readonly rule: SecretRule;
  readonly policy: SecretPolicy;
}

interface SecretColumn {
  readonly index: number;
  readonly context: Buffer;
  readonly policy: SecretPolicy;
  /** In declaration order; the first whose row filter matches covers the cell. `filter` is a column index or -1, `collation` the filter column's. */
  readonly rules: ReadonlyArray<{ readonly rule: SecretRule; readonly filter: number; readonly collation: string | null }>;
}

/**
 * The secret columns of one table and what to do with their cells. Works on cell literals as
 * written in the data files (`'abc'`, `NULL`, `_latin1 0xE9`): the snapshot transforms the
 * literals of each row it writes, restore finds the rule of a cell it could not restore.
 */
export class TableSecrets {
  private constructor(
    readonly table: string,
    private readonly columns: readonly SecretColumn[],
    private readonly settings: SecretsSettings,
    readonly applied: readonly AppliedSecret[],
  ) {}

  /**
   * The plan for a table with these columns (in data-file order), or null when no rule applies.
   * A profile's rule whose column (or row-filter column) the table lacks is skipped (another
   * version of the application); a DBSYNC_SECRET_POLICY entry naming a missing column is returned
   * in `missing`, for a configuration error.
   */
  static forTable(
    table: string,
    columnNames: readonly string[],
    rules: readonly SecretRule[],
    settings: SecretsSettings,
    collations: readonly (string | null | undefined)[] = [],
  ): { secrets: TableSecrets | null; missing: SecretRule[] } {
    const missing: SecretRule[] = [];
    const byColumn = new Map<number, Array<{ rule: SecretRule; filter: number; collation: string | null }>>();
    const applied: AppliedSecret[] = [];
    for (const rule of rules) {
      if (rule.table !== table) continue;
      const index = columnNames.indexOf(rule.column);
      const filter = rule.rows ? columnNames.indexOf(rule.rows.column) : -1;
      if (index < 0 || (rule.rows && filter < 0)) {
        if (isDeclaredRule(rule)) missing.push(rule);
        continue;
      }
      const list = byColumn.get(index) ?? [];
      list.push({ rule, filter, collation: filter >= 0 ? (collations[filter] ?? null) : null });
      byColumn.set(index, list);
      applied.push({ rule, policy: policyFor(settings, table, rule.column) });
    }
    if (byColumn.size === 0) return { secrets: null, missing };
    const columns = [...byColumn].map(([index, list]) => ({
      index,
      context: secretContext(table, columnNames[index]!),
      policy: policyFor(settings, table, columnNames[index]!),
      rules: list,
    }));
    return { secrets: new TableSecrets(table, columns, settings, applied), missing };
  }

  /** Column indexes that hold secrets. */
  get columnIndexes(): number[] {
    return this.columns.map((c) => c.index);
  }

  /** The rule covering cell `index` of a row (given as literals), or null. */
  ruleAt(cells: readonly string[], index: number): SecretRule | null {
    const col = this.columns.find((c) => c.index === index);
    return col ? this.matching(col, cells) : null;
  }

  /** The row's literals as the snapshot writes them: secret cells kept, replaced by the placeholder, or encrypted. */
  transform(cells: string[]): string[] {
    for (const col of this.columns) {
      const literal = cells[col.index]!;
      if (col.policy === 'keep' || holdsNoSecret(literal) || !this.matching(col, cells)) continue;
      // A placeholder (a value restore could not bring back) stays one: encrypting it would only hide that.
      if (isRedactedLiteral(literal)) cells[col.index] = REDACTED_LITERAL;
      else if (col.policy === 'redact') cells[col.index] = redactedLiteral(this.settings.marker?.of(col.context, literal) ?? null);
      else cells[col.index] = quoteString(this.settings.cipher!.encrypt(col.context, literal));
    }
    return cells;
  }

  private matching(col: SecretColumn, cells: readonly string[]): SecretRule | null {
    for (const { rule, filter, collation } of col.rules) {
      if (filter < 0 || rowMatches(rule.rows!, cellText(cells[filter]!), collation)) return rule;
    }
    return null;
  }
}
