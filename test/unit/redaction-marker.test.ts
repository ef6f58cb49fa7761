import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MARKER_KEY_FILE, RedactionMarker } from '../../src/secrets/redaction-marker.js';
import { secretContext } from '../../src/secrets/secret-cipher.js';
import { isRedactedLiteral, REDACTED_LITERAL, redactedLiteral } from '../../src/secrets/secret-literal.js';
import { TableSecrets } from '../../src/secrets/table-secrets.js';
import { INVOICEPLANE_SECRETS } from '../../src/profile/invoiceplane-secrets.js';

describe('redaction marker', () => {
  it('same value, same marker; another value or column, another marker; another key, another marker', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'dbsync-marker-'));
    try {
      const m = new RedactionMarker(dir);
      const ctx = secretContext('ip_users', 'user_password');
      const a = m.of(ctx, "'$2y$10$aaa'");
      assert.match(a, /^[0-9a-f]{12}$/);
      assert.equal(new RedactionMarker(dir).of(ctx, "'$2y$10$aaa'"), a, 'the key is kept: a new process gives the same marker');
      assert.notEqual(m.of(ctx, "'$2y$10$aab'"), a);
      assert.notEqual(m.of(secretContext('ip_users', 'user_psalt'), "'$2y$10$aaa'"), a);
      // The key is a file of the state folder, readable by its owner only; nothing else is left.
      assert.deepEqual(readdirSync(dir), [MARKER_KEY_FILE]);
      assert.equal(statSync(path.join(dir, MARKER_KEY_FILE)).mode & 0o777, 0o600);
      const other = mkdtempSync(path.join(os.tmpdir(), 'dbsync-marker-'));
      assert.notEqual(new RedactionMarker(other).of(ctx, "'$2y$10$aaa'"), a, 'another computer, another key');
      rmSync(other, { recursive: true });
    } finally {
      rmSync(dir, { recursive: true });
    }
  });

  it('a marked cell is a placeholder to restore and pull; redaction writes the marker, a placeholder stays plain', () => {
    assert.ok(isRedactedLiteral(redactedLiteral('0123456789ab')));
    assert.ok(isRedactedLiteral(REDACTED_LITERAL));
    assert.ok(!isRedactedLiteral("'dbsync:redacted:not-hex'"));
    const dir = mkdtempSync(path.join(os.tmpdir(), 'dbsync-marker-'));
    try {
      const settings = { mode: 'redact' as const, overrides: new Map(), cipher: null, marker: new RedactionMarker(dir) };
      const cols = ['user_id', 'user_name', 'user_password', 'user_psalt', 'user_passwordreset_token'];
      const plan = TableSecrets.forTable('ip_users', cols, INVOICEPLANE_SECRETS, settings).secrets!;
      const one = plan.transform(['1', "'Admin'", "'$2y$10$hash1'", "'salt1'", "''"]);
      const two = plan.transform(['1', "'Admin'", "'$2y$10$hash2'", "'salt1'", "''"]);
      assert.match(one[2]!, /^'dbsync:redacted:[0-9a-f]{12}'$/);
      assert.notEqual(one[2], two[2], 'a changed password changes the snapshot');
      assert.equal(one[3], two[3], 'an unchanged salt does not');
      assert.ok(!one.join().includes('hash1') && !one.join().includes('salt1'), 'no secret in the snapshot');
      assert.equal(one[4], "''");
      assert.equal(plan.transform(['1', "'Admin'", REDACTED_LITERAL, "'s'", "''"])[2], REDACTED_LITERAL);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });
});
