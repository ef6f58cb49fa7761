import type { Config } from '../config/config.js';
import type { BusinessNumberColumn, Profile, TableColumn } from '../profile/profile.js';
import { resolveProfile } from '../profile/resolve-profile.js';
import { planSecrets, type SecretsPlan } from '../secrets/plan-secrets.js';
import { NO_SECRETS_CONFIG, secretRules, secretsSettings, type SecretsSettings } from '../secrets/secret-policy.js';
import { RedactionMarker } from '../secrets/redaction-marker.js';
import type { SecretRule } from '../secrets/secret-rule.js';
import { matchesAny } from '../snapshot/table-filter.js';
import type { TableInfo } from '../snapshot/table-info.js';

/** The settings a pass's policy is decided from (DBSYNC_PROFILE, DBSYNC_SCHEMA_ONLY_TABLES, the secrets settings). */
export interface PolicySettings {
  /** DBSYNC_PROFILE: auto, none or a profile name (validated by the configuration). */
  readonly profile: string;
  /** DBSYNC_SCHEMA_ONLY_TABLES; null: the profile's list. */
  readonly schemaOnlyTables: readonly string[] | null;
  readonly secrets: SecretsSettings;
}

/** No profile, no schema-only tables, no secret columns (tests and tools reading a plain database). */
export const NO_POLICY: PolicySettings = Object.freeze({ profile: 'none', schemaOnlyTables: null, secrets: secretsSettings(NO_SECRETS_CONFIG) });

/**
 * The settings of a pass. With `stateDir` (the repository's .git/dbsync), redacted secrets carry
 * a marker of their value under a key kept there, so that their changes are committed; not in
 * two-way mode, where each computer's own key would mark the same value differently and every
 * pull would look like a changed secret.
 */
/**
 * Whether snapshots keep the history rows of system-versioned tables (src/snapshot/system-versioning.ts):
 * not in two-way mode, where each server writes its own history (history is per computer).
 */
export function keepsHistory(config: Pick<Config, 'sync'>): boolean {
  return config.sync.mode !== 'two-way';
}

export function policySettings(config: Pick<Config, 'profile' | 'schemaOnlyTables' | 'secrets' | 'sync'>, stateDir?: string): PolicySettings {
  const marker = stateDir !== undefined && config.sync.mode !== 'two-way' ? new RedactionMarker(stateDir) : null;
  return { profile: config.profile, schemaOnlyTables: config.schemaOnlyTables, secrets: secretsSettings(config.secrets, marker) };
}

/**
 * What a pass does with the database's tables beyond reading them: the application profile in
 * force, the tables whose rows are not versioned, and which cells are secrets with which policy.
 * Decided here only, from the settings and the tables the database has, once per pass (the
 * snapshot asks with the tables it lists, inside its consistent read) and handed to the stages
 * that need it: the commit message, pull's merge, the apply engine, restore and doctor.
 */
export class PassPolicy {
  private constructor(
    readonly settings: PolicySettings,
    /** The application profile in force, or null. */
    readonly profile: Profile | null,
    private readonly schemaOnlyPatterns: readonly string[],
  ) {}

  /** `auto` picks the profile whose marker tables are all among `tableNames`. */
  static decide(settings: PolicySettings, tableNames: Iterable<string>): PassPolicy {
    const profile = resolveProfile(settings.profile, tableNames);
    return new PassPolicy(settings, profile, settings.schemaOnlyTables ?? profile?.schemaOnlyTables ?? []);
  }

  get secrets(): SecretsSettings {
    return this.settings.secrets;
  }

  /** Whether only the table's definition is versioned, not its rows. */
  isSchemaOnly(table: string): boolean {
    return matchesAny(this.schemaOnlyPatterns, table);
  }

  /** The profile's secret rules plus the columns DBSYNC_SECRET_POLICY declares. */
  secretRules(): SecretRule[] {
    return secretRules(this.profile, this.secrets.overrides);
  }

  /** Which cells of these tables are secrets, and their policy (throws a configuration error for a rule that cannot apply). */
  planSecrets(tables: readonly TableInfo[]): SecretsPlan {
    return planSecrets(tables, this.profile, this.secrets);
  }

  /** Columns the application means to be unique (two-way sync reports duplicates as conflicts). */
  get businessNumbers(): readonly BusinessNumberColumn[] {
    return this.profile?.businessNumbers?.columns ?? [];
  }

  /** Columns the application sets to the time of each save (a merge keeps the later time; see Profile.lastModified). */
  get lastModified(): readonly TableColumn[] {
    return this.profile?.lastModified ?? [];
  }
}

/** Decides the policy from the tables a snapshot lists (see takeSnapshot). */
export type PolicyDecider = (tableNames: readonly string[]) => PassPolicy;

export function policyDecider(settings: PolicySettings): PolicyDecider {
  return (tableNames) => PassPolicy.decide(settings, tableNames);
}
