/**
 * A column (or the column of some rows) that holds a secret: a password hash, a token, an API key.
 * Profiles declare them; the secrets policy decides per rule whether the value is kept, redacted or
 * encrypted before it reaches the snapshot.
 */
export interface SecretRule {
  readonly table: string;
  readonly column: string;
  /**
   * Only rows whose `column` holds one of `values` or matches `pattern` (e.g. ip_settings rows by
   * setting_key). Absent: every row.
   */
  readonly rows?: { readonly column: string; readonly values?: readonly string[]; readonly pattern?: RegExp };
  /** What the value is, in the application's words (e.g. "user password hash"). */
  readonly label: string;
  /** What the user does when this value could not be restored (it was redacted). */
  readonly restoreHint: string;
}

/** Whether a row whose filter column holds `value` is covered by the rule's row filter. */
export function rowMatches(rows: NonNullable<SecretRule['rows']>, value: string): boolean {
  return (rows.values?.includes(value) ?? false) || (rows.pattern?.test(value) ?? false);
}
