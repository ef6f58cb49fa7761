import type { KeyObject } from 'node:crypto';
import type { Profile } from '../profile/profile.js';
import { SecretCipher } from './secret-cipher.js';
import type { RedactionMarker } from './redaction-marker.js';
import type { SecretRule } from './secret-rule.js';

/** What happens to a secret cell before it is written to the snapshot. */
export type SecretPolicy = 'keep' | 'redact' | 'encrypt';
export const SECRET_POLICIES: readonly SecretPolicy[] = ['keep', 'redact', 'encrypt'];
/** DBSYNC_SECRETS: `auto` encrypts when a key is configured, otherwise redacts. */
export type SecretsMode = 'auto' | SecretPolicy;

/** The secrets part of the configuration (DBSYNC_SECRETS, DBSYNC_SECRET_POLICY, DBSYNC_SECRET_KEY_FILE). */
export interface SecretsConfig {
  readonly mode: SecretsMode;
  /** `table.column` -> policy, from DBSYNC_SECRET_POLICY; also declares secret columns no profile knows. */
  readonly overrides: ReadonlyMap<string, SecretPolicy>;
  /** The key file's content as a KeyObject (never printed: it serialises as {}), or undefined. */
  readonly key: KeyObject | undefined;
  /** Absolute path of the key file, for messages. */
  readonly keyFile: string | undefined;
}

/** What the snapshot and restore need: the policy of each column and the cipher (when a key is configured). */
export interface SecretsSettings {
  readonly mode: SecretsMode;
  readonly overrides: ReadonlyMap<string, SecretPolicy>;
  readonly cipher: SecretCipher | null;
  /** Marks redacted cells with an HMAC of their value under a local key (null: the plain placeholder). */
  readonly marker: RedactionMarker | null;
}

export const NO_SECRETS_CONFIG: SecretsConfig = { mode: 'auto', overrides: new Map(), key: undefined, keyFile: undefined };

const ciphers = new WeakMap<KeyObject, SecretCipher>();

export function secretsSettings(config: SecretsConfig, marker: RedactionMarker | null = null): SecretsSettings {
  let cipher: SecretCipher | null = null;
  if (config.key) {
    cipher = ciphers.get(config.key) ?? new SecretCipher(config.key);
    ciphers.set(config.key, cipher);
  }
  return { mode: config.mode, overrides: config.overrides, cipher, marker };
}

export const columnKey = (table: string, column: string) => `${table}.${column}`;

/** The policy of one secret column: its DBSYNC_SECRET_POLICY entry, else DBSYNC_SECRETS (auto: encrypt with a key, redact without). */
export function policyFor(settings: Pick<SecretsSettings, 'mode' | 'overrides' | 'cipher'>, table: string, column: string): SecretPolicy {
  const own = settings.overrides.get(columnKey(table, column));
  if (own) return own;
  if (settings.mode !== 'auto') return settings.mode;
  return settings.cipher ? 'encrypt' : 'redact';
}

/**
 * Parse DBSYNC_SECRET_POLICY: `table.column=policy` entries separated by commas, e.g.
 * `ip_users.user_psalt=keep,mytable.api_key=encrypt`. The first dot separates table and column
 * (table names with a dot cannot be named here). Throws an Error whose message names the bad entry.
 */
export function parsePolicyList(text: string): Map<string, SecretPolicy> {
  const out = new Map<string, SecretPolicy>();
  for (const raw of text.split(',')) {
    const entry = raw.trim();
    if (entry === '') continue;
    const m = /^([^.=\s]+)\.([^=]+?)\s*=\s*([a-z]+)$/.exec(entry);
    if (!m) throw new Error(`entry ${JSON.stringify(entry)} is not table.column=policy (e.g. ip_users.user_psalt=keep)`);
    const policy = m[3] as SecretPolicy;
    if (!SECRET_POLICIES.includes(policy)) throw new Error(`entry ${JSON.stringify(entry)}: policy must be keep, redact or encrypt`);
    out.set(columnKey(m[1]!, m[2]!.trim()), policy);
  }
  return out;
}

const declared = new WeakSet<SecretRule>();

/** Rules for a column named in DBSYNC_SECRET_POLICY that no profile rule covers. */
function declaredRule(key: string): SecretRule {
  const dot = key.indexOf('.');
  const rule: SecretRule = {
    table: key.slice(0, dot),
    column: key.slice(dot + 1),
    label: `${key} (DBSYNC_SECRET_POLICY)`,
    restoreHint: 'enter the value again where the application keeps it',
  };
  declared.add(rule);
  return rule;
}

/** The profile's secret rules plus the columns declared by DBSYNC_SECRET_POLICY. */
export function secretRules(profile: Profile | null, overrides: ReadonlyMap<string, SecretPolicy>): SecretRule[] {
  const rules = [...(profile?.secrets ?? [])];
  const known = new Set(rules.map((r) => columnKey(r.table, r.column)));
  for (const key of overrides.keys()) if (!known.has(key)) rules.push(declaredRule(key));
  return rules;
}

/** Whether DBSYNC_SECRET_POLICY (not a profile) declared this rule: a profile's rule for a missing column is skipped quietly, a declared one is a configuration error. */
export function isDeclaredRule(rule: SecretRule): boolean {
  return declared.has(rule);
}
