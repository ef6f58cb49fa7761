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

/**
 * Whether a row whose filter column holds `value` is covered by the rule's row filter, compared
 * the way the server compares that column: the application reads `WHERE setting_key =
 * 'smtp_password'`, which under a PAD SPACE collation also finds `'smtp_password '`, and under a
 * case- and accent-insensitive one `'SMTP_Password'`. A value the application would read as a
 * secret must be redacted like one. `collation` unknown (null): the most lenient rules, since a
 * false match only costs a placeholder.
 */
export function rowMatches(rows: NonNullable<SecretRule['rows']>, value: string, collation: string | null = null): boolean {
  const key = collationKey(value, collation);
  return (rows.values?.some((v) => collationKey(v, collation) === key) ?? false) || (rows.pattern?.test(key) ?? false);
}

/**
 * The form in which two strings are equal exactly when the collation says they are, for the rules
 * that matter to names: trailing spaces (ignored by every PAD SPACE collation, i.e. all but the
 * `_nopad_` ones), letter case (`_ci`) and accents (`_ci` without `_as_`, as general_ci and
 * unicode_ci compare 'a' and 'ä' equal).
 */
export function collationKey(value: string, collation: string | null): string {
  const c = (collation ?? '').toLowerCase();
  let key = c.includes('_nopad_') ? value : value.replace(/ +$/, '');
  const insensitive = c === '' || c.endsWith('_ci');
  if (insensitive) {
    key = key.toLowerCase();
    if (!c.includes('_as_')) key = key.normalize('NFD').replace(/\p{M}/gu, '');
  }
  return key;
}
