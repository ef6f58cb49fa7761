import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createSecretKey } from 'node:crypto';
import { isToken, SecretAuthError, SecretCipher, secretContext, TOKEN_PREFIX } from '../../src/secrets/secret-cipher.js';

const KEY = Buffer.alloc(32, 7);
const USERS_PASSWORD = secretContext('ip_users', 'user_password');
const HASH = "'$2y$10$abcdefghijklmnopqrstuv'";

function authFails(fn: () => unknown): void {
  assert.throws(fn, (err: unknown) => err instanceof SecretAuthError);
}

describe('secret cipher (HMAC-SHA256 SIV + AES-256-CTR)', () => {
  it('is deterministic: same key, column and value give the same token; a new cipher from the same key too', () => {
    const a = new SecretCipher(KEY).encrypt(USERS_PASSWORD, HASH);
    const b = new SecretCipher(createSecretKey(Buffer.from(KEY))).encrypt(USERS_PASSWORD, HASH);
    assert.equal(a, b);
    assert.ok(a.startsWith(TOKEN_PREFIX));
    assert.match(a, /^dbsync:enc:v1:[A-Za-z0-9_-]+$/, 'plain ASCII: a valid SQL string without escapes');
    assert.ok(isToken(a));
  });

  it('pins the format: this token was also computed with the openssl command line (HKDF, HMAC, AES-256-CTR)', () => {
    // Changing it breaks every existing snapshot: bump the version in TOKEN_PREFIX instead.
    assert.equal(new SecretCipher(KEY).encrypt(USERS_PASSWORD, HASH), 'dbsync:enc:v1:Q_Cq3qdRP4oGDzPZ-sWWcv_jQGNRd-k7mlgSGIrhSfGIGpIc7I1eTAxHo1gWYPk');
  });

  it('gives different tokens for different values, columns and keys', () => {
    const c = new SecretCipher(KEY);
    const tokens = new Set([
      c.encrypt(USERS_PASSWORD, HASH),
      c.encrypt(USERS_PASSWORD, HASH.replace('a', 'b')),
      c.encrypt(secretContext('ip_users', 'user_psalt'), HASH),
      c.encrypt(secretContext('ip_user', 'suser_password'), HASH),
      new SecretCipher(Buffer.alloc(32, 8)).encrypt(USERS_PASSWORD, HASH),
    ]);
    assert.equal(tokens.size, 5);
  });

  it('round-trips any text, including quotes, escapes, multi-byte characters and the empty string', () => {
    const c = new SecretCipher(KEY);
    for (const v of [HASH, "'a\\'b\\\\c\\n'", "'Grüße 密码 🔑'", '_latin1 0xE9', "''", 'x'.repeat(10_000)]) {
      assert.equal(c.decrypt(USERS_PASSWORD, c.encrypt(USERS_PASSWORD, v)), v);
    }
  });

  it('detects a wrong key', () => {
    const token = new SecretCipher(KEY).encrypt(USERS_PASSWORD, HASH);
    authFails(() => new SecretCipher(Buffer.alloc(32, 9)).decrypt(USERS_PASSWORD, token));
    // Same bytes plus one: not a prefix-compatible key either.
    authFails(() => new SecretCipher(Buffer.concat([KEY, Buffer.from([0])])).decrypt(USERS_PASSWORD, token));
  });

  it('detects a token moved to another column or table (the column is associated data)', () => {
    const c = new SecretCipher(KEY);
    const token = c.encrypt(USERS_PASSWORD, HASH);
    authFails(() => c.decrypt(secretContext('ip_users', 'user_psalt'), token));
    authFails(() => c.decrypt(secretContext('ip_users2', 'user_password'), token));
    // "a"+"bc" and "ab"+"c" are different contexts.
    assert.notDeepEqual(secretContext('a', 'bc'), secretContext('ab', 'c'));
  });

  it('detects tampering: every flipped character of the ciphertext or IV, truncation, extension', () => {
    const c = new SecretCipher(KEY);
    const token = c.encrypt(USERS_PASSWORD, HASH);
    const body = token.slice(TOKEN_PREFIX.length);
    for (let i = 0; i < body.length; i++) {
      const flipped = body[i] === 'A' ? 'B' : 'A';
      const bad = TOKEN_PREFIX + body.slice(0, i) + flipped + body.slice(i + 1);
      // The last base64url character carries padding bits: a flip there may decode to the same bytes.
      if (Buffer.from(bad.slice(TOKEN_PREFIX.length), 'base64url').equals(Buffer.from(body, 'base64url'))) continue;
      authFails(() => c.decrypt(USERS_PASSWORD, bad));
    }
    authFails(() => c.decrypt(USERS_PASSWORD, token.slice(0, -4)));
    authFails(() => c.decrypt(USERS_PASSWORD, token + 'AAAA'));
    authFails(() => c.decrypt(USERS_PASSWORD, 'dbsync:enc:v2:' + body));
    authFails(() => c.decrypt(USERS_PASSWORD, TOKEN_PREFIX + 'short'));
    authFails(() => c.decrypt(USERS_PASSWORD, TOKEN_PREFIX + body.replace(/.$/, '+')));
  });

  it('leaks equality within a column only, as documented: the same value twice gives one token', () => {
    const c = new SecretCipher(KEY);
    assert.equal(c.encrypt(USERS_PASSWORD, "'1234'"), c.encrypt(USERS_PASSWORD, "'1234'"));
    assert.notEqual(c.encrypt(USERS_PASSWORD, "'1234'"), c.encrypt(secretContext('ip_invoices', 'invoice_password'), "'1234'"));
  });
});
