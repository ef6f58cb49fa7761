import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DbsyncError } from '../../src/errors/dbsync-error.js';
import { NO_POLICY, PassPolicy, policyDecider, type PolicySettings } from '../../src/policy/pass-policy.js';
import { INVOICEPLANE } from '../../src/profile/invoiceplane.js';
import type { TableInfo } from '../../src/snapshot/table-info.js';

const IP_TABLES = [...INVOICEPLANE.detectTables, 'ip_sessions', 'ip_login_log', 'ip_quotes'];
const settings = (over: Partial<PolicySettings> = {}): PolicySettings => ({ ...NO_POLICY, profile: 'auto', ...over });
const table = (name: string, columns: Array<[string, string]>): TableInfo => ({
  name,
  engine: 'InnoDB',
  orderKey: [columns[0]![0]],
  columns: columns.map(([c, dataType]) => ({
    name: c,
    dataType,
    charset: dataType.includes('char') ? 'utf8mb4' : null,
    collation: null,
    generated: false,
    invisible: false,
  })),
});

describe('pass policy (src/policy): decided once from the settings and the tables', () => {
  it('auto picks the profile whose marker tables are all there; none and a missing marker give none', () => {
    assert.equal(PassPolicy.decide(settings(), IP_TABLES).profile?.name, 'invoiceplane');
    assert.equal(PassPolicy.decide(settings(), IP_TABLES.slice(1)).profile, null);
    assert.equal(PassPolicy.decide(settings({ profile: 'none' }), IP_TABLES).profile, null);
    assert.equal(PassPolicy.decide(settings({ profile: 'invoiceplane' }), ['other']).profile?.name, 'invoiceplane', 'a forced profile needs no marker');
    assert.equal(PassPolicy.decide(NO_POLICY, IP_TABLES).profile, null, 'NO_POLICY: no profile');
  });

  it("schema-only tables: DBSYNC_SCHEMA_ONLY_TABLES (patterns) wins over the profile's list", () => {
    const ip = PassPolicy.decide(settings(), IP_TABLES);
    assert.deepEqual(
      IP_TABLES.filter((t) => ip.isSchemaOnly(t)),
      ['ip_sessions', 'ip_login_log'],
    );
    const own = PassPolicy.decide(settings({ schemaOnlyTables: ['ip_s*'] }), IP_TABLES);
    assert.deepEqual(
      IP_TABLES.filter((t) => own.isSchemaOnly(t)),
      ['ip_settings', 'ip_sessions'],
    );
    const none = PassPolicy.decide(settings({ profile: 'none', schemaOnlyTables: ['log'] }), ['log', 'x']);
    assert.deepEqual(
      ['log', 'x'].filter((t) => none.isSchemaOnly(t)),
      ['log'],
      'without a profile too',
    );
  });

  it("business numbers and secret rules are the profile's; the decider decides per table list", () => {
    assert.deepEqual(
      PassPolicy.decide(settings(), IP_TABLES).businessNumbers.map((c) => `${c.table}.${c.column}`),
      ['ip_invoices.invoice_number', 'ip_quotes.quote_number'],
    );
    assert.deepEqual(PassPolicy.decide(settings(), []).businessNumbers, []);
    assert.ok(
      PassPolicy.decide(settings(), IP_TABLES)
        .secretRules()
        .some((r) => r.table === 'ip_users'),
    );
    const decide = policyDecider(settings());
    assert.equal(decide(IP_TABLES).profile?.name, 'invoiceplane');
    assert.equal(decide(['t']).profile, null);
  });

  it("plans the profile's secrets for the tables given, and refuses a secret column that cannot hold a placeholder", () => {
    const users = table('ip_users', [
      ['user_id', 'int'],
      ['user_password', 'varchar'],
      ['user_psalt', 'varchar'],
    ]);
    const plan = PassPolicy.decide(settings(), IP_TABLES).planSecrets([users, table('ip_clients', [['client_id', 'int']])]);
    assert.deepEqual([...plan.tables.keys()], ['ip_users']);
    assert.ok(plan.applied.length > 0 && plan.applied.every((a) => a.policy === 'redact'), 'auto without a key redacts');
    const numeric = table('ip_users', [
      ['user_id', 'int'],
      ['user_password', 'int'],
      ['user_psalt', 'varchar'],
    ]);
    assert.throws(
      () => PassPolicy.decide(settings(), IP_TABLES).planSecrets([numeric]),
      (e: unknown) => e instanceof DbsyncError && /int column cannot hold/.test(e.message),
    );
    assert.equal(PassPolicy.decide(NO_POLICY, IP_TABLES).planSecrets([users]).tables.size, 0, 'no profile, no DBSYNC_SECRET_POLICY: no secrets');
  });
});
