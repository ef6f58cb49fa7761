/**
 * A column (or the column of some rows) that holds a secret: a password hash, a token, an API key.
 * Profiles declare them; the secrets policy decides per rule whether the value is kept, redacted or
 * encrypted before it reaches the snapshot.
 */
export interface SecretRule {
  readonly table: string;
  readonly column: string;
  /** Only rows whose `column` holds one of `values` (e.g. ip_settings rows by setting_key). Absent: every row. */
  readonly rows?: { readonly column: string; readonly values: readonly string[] };
  /** What the value is, in the application's words (e.g. "user password hash"). */
  readonly label: string;
  /** What the user does when this value could not be restored (it was redacted). */
  readonly restoreHint: string;
}
