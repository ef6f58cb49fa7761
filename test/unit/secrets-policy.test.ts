import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../../src/config/config.js';
import { DbsyncError } from '../../src/errors/dbsync-error.js';
import { INVOICEPLANE } from '../../src/profile/invoiceplane.js';
import { SecretCipher, secretContext } from '../../src/secrets/secret-cipher.js';
import { cellText, isRedactedLiteral, REDACTED_LITERAL, tokenOf } from '../../src/secrets/secret-literal.js';
import { parsePolicyList, policyFor, secretRules, type SecretsSettings } from '../../src/secrets/secret-policy.js';
import { TableSecrets } from '../../src/secrets/table-secrets.js';
import { collationKey } from '../../src/secrets/secret-rule.js';
import { quoteString } from '../../src/snapshot/sql-text.js';
import { tempDir } from '../support/project.js';

const KEY = Buffer.alloc(32, 3);
const cipher = new SecretCipher(KEY);
const settings = (mode: SecretsSettings['mode'], withKey: boolean, overrides: Record<string, 'keep' | 'redact' | 'encrypt'> = {}): SecretsSettings => ({
  mode,
  overrides: new Map(Object.entries(overrides)),
  cipher: withKey ? cipher : null,
  marker: null,
});

const USERS = ['user_id', 'user_email', 'user_password', 'user_psalt', 'user_passwordreset_token'];
const SETTINGS_COLS = ['setting_id', 'setting_key', 'setting_value'];
const ipRules = () => secretRules(INVOICEPLANE, new Map());

function plan(table: string, cols: string[], s: SecretsSettings): TableSecrets {
  const p = TableSecrets.forTable(table, cols, secretRules(INVOICEPLANE, s.overrides), s).secrets;
  assert.ok(p, `rules for ${table}`);
  return p;
}

describe('secrets policy', () => {
  it('auto encrypts with a key and redacts without; DBSYNC_SECRET_POLICY wins per column', () => {
    assert.equal(policyFor(settings('auto', true), 'ip_users', 'user_password'), 'encrypt');
    assert.equal(policyFor(settings('auto', false), 'ip_users', 'user_password'), 'redact');
    assert.equal(policyFor(settings('keep', true), 'ip_users', 'user_password'), 'keep');
    assert.equal(policyFor(settings('auto', false, { 'ip_users.user_psalt': 'keep' }), 'ip_users', 'user_psalt'), 'keep');
  });

  it('redacts secret cells, leaves NULL, empty strings and other columns alone', () => {
    const p = plan('ip_users', USERS, settings('auto', false));
    const row = ['1', "'a@b.c'", "'$2y$10$hash'", 'NULL', "''"];
    assert.deepEqual(p.transform([...row]), ['1', "'a@b.c'", REDACTED_LITERAL, 'NULL', "''"]);
    assert.equal(REDACTED_LITERAL.length - 2 <= 60, true, 'fits VARCHAR(60)');
  });

  it('encrypts deterministically, bound to the column; the token decrypts to the literal', () => {
    const p = plan('ip_users', USERS, settings('auto', true));
    const row = ['1', "'a@b.c'", "'$2y$10$hash'", "'salt'", "'tok\\'en'"];
    const out = p.transform([...row]);
    assert.deepEqual(p.transform([...row]), out, 'same row, same line');
    assert.equal(out[1], row[1]);
    for (const i of [2, 3, 4]) {
      const token = tokenOf(out[i]!);
      assert.ok(token, `cell ${i} encrypted`);
      assert.equal(cipher.decrypt(secretContext('ip_users', USERS[i]!), token), row[i]);
    }
    assert.notEqual(tokenOf(out[2]!), tokenOf(p.transform(['1', "'a@b.c'", "'$2y$10$other'", "'salt'", "''"])[2]!));
  });

  it('keeps a placeholder as the placeholder under encrypt (a restored-without-key value stays recognisable)', () => {
    const p = plan('ip_users', USERS, settings('auto', true));
    assert.equal(p.transform(['1', "''", REDACTED_LITERAL, "''", "''"])[2], REDACTED_LITERAL);
    assert.ok(isRedactedLiteral('0x646273796E633A7265646163746564'), 'also as hex (a BLOB column)');
  });

  it('ip_settings: only secret rows, matched by setting_key; the first matching rule names the row', () => {
    const p = plan('ip_settings', SETTINGS_COLS, settings('auto', false));
    const value = (key: string) => p.transform(['1', quoteString(key), "'v'"])[2];
    for (const key of [
      'smtp_password',
      'gateway_stripe_apiKey',
      'gateway_paypal_clientSecret',
      'gateway_paypal_express_signature',
      'cron_key',
      'invoice_pre_password',
      'quote_pre_password',
      'oidc_client_secret',
      'clicksend_api_key',
    ]) {
      assert.equal(value(key), REDACTED_LITERAL, key);
    }
    for (const key of [
      'default_invoice_terms',
      'smtp_username',
      'smtp_server_address',
      'gateway_stripe_apiKeyPublic',
      'gateway_paypal_clientId',
      'gateway_stripe_enabled',
      'gateway_stripe_currency',
      'oidc_token_auth_methods',
      'currency_symbol',
    ]) {
      assert.equal(value(key), "'v'", key);
    }
    const label = (key: string) => p.ruleAt(['1', quoteString(key), "'v'"], 2)?.label;
    assert.equal(label('smtp_password'), 'SMTP password');
    assert.equal(label('gateway_stripe_apiKey'), 'payment gateway key or secret');
    assert.equal(label('cron_key'), 'cron key');
    assert.equal(label('oidc_client_secret'), 'other secret setting');
    assert.equal(label('smtp_username'), undefined);
  });

  it('every InvoicePlane rule has a label and a restore hint', () => {
    for (const r of ipRules()) {
      assert.ok(r.label.length > 3 && r.restoreHint.length > 10, `${r.table}.${r.column}`);
    }
    const cols = new Set(ipRules().map((r) => `${r.table}.${r.column}`));
    for (const c of [
      'ip_users.user_password',
      'ip_users.user_psalt',
      'ip_users.user_passwordreset_token',
      'ip_settings.setting_value',
      'ip_invoices.invoice_password',
      'ip_quotes.quote_password',
    ])
      assert.ok(cols.has(c), c);
  });

  it('DBSYNC_SECRET_POLICY declares columns no profile knows; a declared column the table lacks is reported', () => {
    const s = settings('auto', true, { 'notes.api_key': 'encrypt' });
    const { secrets } = TableSecrets.forTable('notes', ['id', 'api_key'], secretRules(null, s.overrides), s);
    assert.ok(tokenOf(secrets!.transform(['1', "'k'"])[1]!));
    const missing = TableSecrets.forTable('notes', ['id', 'key'], secretRules(null, s.overrides), s).missing;
    assert.equal(missing[0]?.column, 'api_key');
    // A profile rule for a column this version of the application lacks is skipped quietly.
    const r = TableSecrets.forTable('ip_users', ['user_id', 'user_password'], ipRules(), settings('auto', false));
    assert.deepEqual(r.missing, []);
    assert.deepEqual(r.secrets!.columnIndexes, [1]);
  });

  it('parses DBSYNC_SECRET_POLICY and names a bad entry', () => {
    assert.deepEqual(
      [...parsePolicyList(' ip_users.user_psalt=keep, mytable.api_key = encrypt ,')],
      [
        ['ip_users.user_psalt', 'keep'],
        ['mytable.api_key', 'encrypt'],
      ],
    );
    assert.throws(() => parsePolicyList('ip_users=keep'), /ip_users=keep/);
    assert.throws(() => parsePolicyList('a.b=hide'), /keep, redact or encrypt/);
  });

  it('reads cell literals the same way when writing and restoring', () => {
    assert.equal(cellText("'a\\'b'"), "a'b");
    assert.equal(cellText('_latin1 0x6162'), 'ab');
    assert.equal(cellText('42'), '42');
    assert.equal(cellText('NULL'), 'NULL');
  });
});

describe('secrets configuration', () => {
  const dir = tempDir('dbsync-key-');
  const base = { DB_USER: 'u', DB_NAME: 'd' };
  const load = (env: Record<string, string>) => loadConfig({ env: { ...base, ...env }, flags: {}, cwd: dir });
  function configError(fn: () => unknown): string {
    try {
      fn();
    } catch (err) {
      assert.ok(err instanceof DbsyncError);
      assert.equal(err.exitCode, 2);
      return err.message;
    }
    assert.fail('expected a configuration error');
  }

  it('reads the key file (trailing newline ignored) and never exposes it', () => {
    writeFileSync(path.join(dir, 'good.key'), 'A'.repeat(44) + '\n');
    writeFileSync(path.join(dir, 'good2.key'), 'A'.repeat(44));
    const a = load({ DBSYNC_SECRET_KEY_FILE: 'good.key' });
    const b = load({ DBSYNC_SECRET_KEY_FILE: path.join(dir, 'good2.key') });
    assert.ok(a.secrets.key && b.secrets.key);
    assert.ok(a.secrets.key.equals(b.secrets.key), 'same key with or without the newline');
    assert.equal(a.secrets.keyFile, path.join(dir, 'good.key'));
    assert.ok(!JSON.stringify(a).includes('AAAA'), 'the configuration serialises without the key');
    assert.equal(a.secrets.mode, 'auto');
  });

  it('refuses a short, missing or unreadable key file, and encrypt without a key, in one line', () => {
    writeFileSync(path.join(dir, 'short.key'), 'too short\n');
    assert.match(
      configError(() => load({ DBSYNC_SECRET_KEY_FILE: 'short.key' })),
      /9 bytes, at least 32 .*openssl rand/,
    );
    assert.match(
      configError(() => load({ DBSYNC_SECRET_KEY_FILE: 'nope.key' })),
      /cannot read the file \(ENOENT\)/,
    );
    assert.match(
      configError(() => load({ DBSYNC_SECRET_KEY_FILE: '.' })),
      /not a file/,
    );
    assert.match(
      configError(() => load({ DBSYNC_SECRETS: 'encrypt' })),
      /DBSYNC_SECRETS=encrypt needs a key/,
    );
    assert.match(
      configError(() => load({ DBSYNC_SECRET_POLICY: 'a.b=encrypt' })),
      /a\.b=encrypt needs a key/,
    );
    assert.match(
      configError(() => load({ DBSYNC_SECRETS: 'hide' })),
      /DBSYNC_SECRETS="hide": must be auto, redact, encrypt or keep/,
    );
    assert.match(
      configError(() => load({ DBSYNC_SECRET_POLICY: 'nodot=keep' })),
      /DBSYNC_SECRET_POLICY=.*table\.column=policy/,
    );
    for (const msg of [configError(() => load({ DBSYNC_SECRET_KEY_FILE: 'short.key' }))]) assert.ok(!msg.includes('\n'));
  });
});

describe('secret row filters follow the column collation (issue 11)', () => {
  const SETTINGS_COLS = ['setting_id', 'setting_key', 'setting_value'];
  const rules = secretRules(INVOICEPLANE, new Map());
  const redactRow = (key: string, collation: string | null) => {
    const p = TableSecrets.forTable('ip_settings', SETTINGS_COLS, rules, settings('redact', false), [null, collation, null]).secrets!;
    return p.transform(['1', quoteString(key), quoteString('s3cret')])[2];
  };

  it('PAD SPACE and case-insensitive collations (the default ones) match trailing spaces and other case', () => {
    for (const coll of ['utf8mb3_general_ci', 'utf8mb4_unicode_ci', 'utf8mb4_uca1400_ai_ci', null]) {
      for (const key of ['smtp_password', 'smtp_password ', 'SMTP_Password  ', 'cron_key ', 'gateway_stripe_apiKey ', 'my_api_token ']) {
        assert.equal(redactRow(key, coll), REDACTED_LITERAL, `${JSON.stringify(key)} under ${coll}`);
      }
      assert.equal(redactRow('gateway_stripe_apiKeyPublic ', coll), quoteString('s3cret'), 'a public key stays visible');
    }
  });

  it('a binary collation is case-sensitive but still pads; a NO PAD one does not ignore trailing spaces', () => {
    assert.equal(redactRow('smtp_password ', 'utf8mb4_bin'), REDACTED_LITERAL);
    assert.equal(collationKey('SMTP_password ', 'utf8mb4_bin'), 'SMTP_password');
    assert.equal(collationKey('smtp_password ', 'utf8mb4_nopad_bin'), 'smtp_password ');
    assert.equal(collationKey('Smtp_Pässword ', 'utf8mb4_general_ci'), 'smtp_password');
    assert.equal(collationKey('Smtp_Pässword', 'utf8mb4_uca1400_as_ci'), 'smtp_pässword');
  });
});
