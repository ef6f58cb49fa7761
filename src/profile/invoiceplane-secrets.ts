import type { SecretRule } from '../secrets/secret-rule.js';

/**
 * InvoicePlane's secrets. Password hashes, salts and reset tokens of users; PDF passwords of
 * invoices and quotes (InvoicePlane stores them in clear); and the secret-bearing rows of
 * ip_settings, a key/value table.
 *
 * ip_settings keys, from InvoicePlane's settings views (1.6/1.7): `smtp_password`; payment gateway
 * fields are `gateway_<driver>_<field>` (config/payment_gateways.php: Stripe `apiKey`, PayPal
 * `clientSecret`, older drivers `password`, `signature`, `secretKey`, `secretWord`,
 * `transactionKey`, `secureHash`, ...); `cron_key`; default PDF passwords `invoice_pre_password`
 * and `quote_pre_password`; newer versions add `oidc_client_secret` and `clicksend_api_key`.
 * Known keys are listed where the fix differs; the rest are matched by pattern (key, secret,
 * password, token, ... at the end of the name), so a secret added by a later InvoicePlane version
 * is covered too. A false match costs little: with a key it is encrypted and restored; without one
 * it is reported on restore. Public identifiers (`gateway_stripe_apiKeyPublic`,
 * `gateway_paypal_clientId`) do not match. Rules of one column are tried in order; the first
 * matching one covers the row.
 */
export const INVOICEPLANE_SECRETS: readonly SecretRule[] = [
  {
    table: 'ip_users',
    column: 'user_password',
    label: 'user password hash',
    restoreHint:
      "each user sets a new password: 'I forgot my password' on the login page (needs working e-mail), or an administrator uses Users > Edit > Change password",
  },
  {
    table: 'ip_users',
    column: 'user_psalt',
    label: 'user password salt',
    restoreHint: 'set a new password for the user (see the password hash): it writes a new salt',
  },
  {
    table: 'ip_users',
    column: 'user_passwordreset_token',
    label: 'pending password-reset token',
    restoreHint: "nothing to do: the old reset link no longer works; request a new one with 'I forgot my password' if needed",
  },
  {
    table: 'ip_settings',
    column: 'setting_value',
    rows: { column: 'setting_key', values: ['smtp_password'] },
    label: 'SMTP password',
    restoreHint: 'enter the SMTP password again in Settings > E-mail',
  },
  {
    table: 'ip_settings',
    column: 'setting_value',
    rows: { column: 'setting_key', pattern: /^gateway_.+(key|secret|password|signature|token|hash|word)$/i },
    label: 'payment gateway key or secret',
    restoreHint: "enter the payment provider's keys again in Settings > Online Payment",
  },
  {
    table: 'ip_settings',
    column: 'setting_value',
    rows: { column: 'setting_key', values: ['cron_key'] },
    label: 'cron key',
    restoreHint: "generate a new cron key in Settings (Cron key: Generate) and put it in your cron job's URL",
  },
  {
    table: 'ip_settings',
    column: 'setting_value',
    rows: { column: 'setting_key', values: ['invoice_pre_password', 'quote_pre_password'] },
    label: 'default PDF password',
    restoreHint: 'enter the default PDF password again in Settings > Invoices and Settings > Quotes (or leave it empty)',
  },
  {
    table: 'ip_settings',
    column: 'setting_value',
    rows: { column: 'setting_key', pattern: /secret|(password|api_?key|private_?key|token)$/i },
    label: 'other secret setting',
    restoreHint: 'enter the value again in Settings',
  },
  {
    table: 'ip_invoices',
    column: 'invoice_password',
    label: 'invoice PDF password',
    restoreHint: "set the PDF password of each invoice that had one again (invoice > Options), or clear it; until then it is the placeholder 'dbsync:redacted'",
  },
  {
    table: 'ip_quotes',
    column: 'quote_password',
    label: 'quote PDF password',
    restoreHint: "set the PDF password of each quote that had one again (quote > Options), or clear it; until then it is the placeholder 'dbsync:redacted'",
  },
];
