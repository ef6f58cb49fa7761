import { STRING_TYPES } from '../db/mariadb/column-types.js';
import { DbsyncError } from '../errors/dbsync-error.js';
import { ExitCode } from '../errors/exit-codes.js';
import type { Profile } from '../profile/profile.js';
import type { TableInfo } from '../snapshot/table-info.js';
import { secretRules, type SecretsSettings } from './secret-policy.js';
import { TableSecrets, type AppliedSecret } from './table-secrets.js';

export interface SecretsPlan {
  /** Table name -> what to do with its secret cells (tables without secrets are absent). */
  readonly tables: ReadonlyMap<string, TableSecrets>;
  /** Every rule in force, in table order. */
  readonly applied: readonly AppliedSecret[];
}

/**
 * Which cells of which tables are secrets, and their policy: the profile's rules plus the columns
 * named in DBSYNC_SECRET_POLICY, for the tables whose rows are read. Checked before any row is
 * read: a DBSYNC_SECRET_POLICY column that does not exist, or a secret column that cannot hold a
 * placeholder or a token (numbers, dates, JSON, generated columns), is a configuration error.
 */
export function planSecrets(tables: readonly TableInfo[], profile: Profile | null, settings: SecretsSettings): SecretsPlan {
  const rules = secretRules(profile, settings.overrides);
  const plans = new Map<string, TableSecrets>();
  const applied: AppliedSecret[] = [];
  for (const t of tables) {
    const { secrets, missing } = TableSecrets.forTable(
      t.name,
      t.columns.map((c) => c.name),
      rules,
      settings,
      t.columns.map((c) => c.collation),
    );
    if (missing.length > 0) {
      const r = missing[0]!;
      throw configError(
        `DBSYNC_SECRET_POLICY names ${r.table}.${r.column}, but table ${r.table} has no column ${JSON.stringify(r.column)}`,
        'correct the column name in DBSYNC_SECRET_POLICY',
      );
    }
    if (!secrets) continue;
    for (const a of secrets.applied) {
      if (a.policy === 'keep') continue;
      const col = t.columns.find((c) => c.name === a.rule.column)!;
      if (col.generated || !STRING_TYPES.has(col.dataType.toLowerCase())) {
        throw configError(
          `cannot ${a.policy} ${t.name}.${col.name} (${a.rule.label}): a ${col.generated ? 'generated' : col.dataType} column cannot hold the placeholder or the encrypted text`,
          `keep it with DBSYNC_SECRET_POLICY=${t.name}.${col.name}=keep, or leave the table out with DBSYNC_EXCLUDE_TABLES`,
        );
      }
    }
    plans.set(t.name, secrets);
    applied.push(...secrets.applied);
  }
  // In the order the profile declares them (users first for InvoicePlane), then DBSYNC_SECRET_POLICY's.
  applied.sort((a, b) => rules.indexOf(a.rule) - rules.indexOf(b.rule));
  return { tables: plans, applied };
}

function configError(message: string, hint: string): DbsyncError {
  return new DbsyncError({ operation: 'configuration', message, hint, exitCode: ExitCode.Config });
}
