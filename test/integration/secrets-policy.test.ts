/**
 * The secrets policy end to end, on an InvoicePlane-shaped database with known secret values:
 * keep (the value is in the repository), redact (no secret anywhere: every object of the full
 * history, commit messages, .git/config, logs), encrypt (no plaintext anywhere, no diff for an
 * unchanged secret, a one-line diff for a changed one), restore with the key (the original values
 * back, CHECKSUM TABLE equal), without the key (everything else restored, one line per rule with
 * its hint), with a wrong key (a clear error, nothing changed), and the start-up notice of `watch`.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type mysql from 'mysql2/promise';
import { MariaDbServer } from '../support/mariadb-server.js';
import { background } from '../support/background.js';
import { baseEnv, cli, commitCount, git, ROOT, tempDir, waitFor, type CliResult } from '../support/project.js';

/** Every secret of the sample data: none of them may appear in the repository unless kept. */
const SECRET = {
  adminHash: '$2y$10$AdminHashQ7pL2xN9vR4tY6uI8oP0aS3dF5gH7jK9lZ1xC3vB5n',
  clerkHash: '$2y$10$ClerkHashM1nB2vC3xZ4lK5jH6gF7dS8aP9oI0uY1tR2eW3qQ4',
  adminSalt: 'AdminSaltW8eR4tY2uI6o',
  resetToken: 'ResetTokenZx81Qw37Er',
  smtp: 'SmtpPassw0rd-Hq7Lm2',
  stripe: 'sk_live_StripeSecretKey9Vb3Nm',
  cron: 'CronKey5Fg8Hj1Kl4Zx',
  invoicePdf: 'InvoicePdfPw-Ty62',
  quotePdf: 'QuotePdfPw-Ui93',
};
const CHANGED_SMTP = 'SmtpPassw0rd-Changed-Jk55';
/** Values that are not secrets and must be in the repository (so the searches below can find things). */
const VISIBLE = ['pk_live_PublicKeyVisible', 'Net 30 days visible', 'ACME Visible Ltd', 'admin@example.com'];

let server: MariaDbServer;
let seq = 0;
const SECRET_TABLES = ['ip_users', 'ip_settings', 'ip_invoices', 'ip_quotes', 'ip_clients'];

async function q(db: string, sql: string, params: unknown[] = []): Promise<Array<Record<string, unknown>>> {
  const c = await server.connect(db);
  try {
    return (await c.query(sql, params))[0] as Array<Record<string, unknown>>;
  } finally {
    await c.end();
  }
}

/** A new database with InvoicePlane's schema and sample rows holding every SECRET. */
async function invoicePlaneDb(): Promise<string> {
  const db = `ip${++seq}`;
  const c: mysql.Connection = await server.connect(db);
  await c.query("SET SESSION sql_mode = 'NO_ENGINE_SUBSTITUTION'");
  await c.query(readFileSync(path.join(ROOT, 'assets/invoiceplane/schema.sql'), 'utf8'));
  await c.query(
    `INSERT INTO ip_users (user_id, user_date_created, user_date_modified, user_name, user_email, user_password, user_psalt, user_passwordreset_token) VALUES
       (1, '2026-01-05 09:00:00', '2026-01-05 09:00:00', 'Admin', 'admin@example.com', ?, ?, ?),
       (2, '2026-01-06 09:00:00', '2026-01-06 09:00:00', 'Clerk', 'clerk@example.com', ?, NULL, '')`,
    [SECRET.adminHash, SECRET.adminSalt, SECRET.resetToken, SECRET.clerkHash],
  );
  await c.query(
    `INSERT INTO ip_settings (setting_id, setting_key, setting_value) VALUES
       (1, 'smtp_password', ?), (2, 'gateway_stripe_apiKey', ?), (3, 'gateway_stripe_apiKeyPublic', ?),
       (4, 'cron_key', ?), (5, 'default_invoice_terms', ?), (6, 'invoice_pre_password', '')`,
    [SECRET.smtp, SECRET.stripe, VISIBLE[0], SECRET.cron, VISIBLE[1]],
  );
  await c.query(
    `INSERT INTO ip_clients (client_id, client_date_created, client_date_modified, client_name) VALUES (1, '2026-01-07 10:00:00', '2026-01-07 10:00:00', ?)`,
    [VISIBLE[2]],
  );
  await c.query(
    `INSERT INTO ip_invoices (invoice_id, user_id, client_id, invoice_group_id, invoice_password, invoice_date_created, invoice_date_modified, invoice_date_due, invoice_number, invoice_terms, invoice_url_key) VALUES
       (1, 1, 1, 1, ?, '2026-02-01', '2026-02-01 10:00:00', '2026-03-01', 'INV-1', 'terms', 'urlkey00000000000000000000000001'),
       (2, 1, 1, 1, NULL, '2026-02-02', '2026-02-02 10:00:00', '2026-03-02', 'INV-2', 'terms', 'urlkey00000000000000000000000002')`,
    [SECRET.invoicePdf],
  );
  await c.query(
    `INSERT INTO ip_quotes (quote_id, user_id, client_id, invoice_group_id, quote_date_created, quote_date_modified, quote_date_expires, quote_number, quote_url_key, quote_password) VALUES
       (1, 1, 1, 2, '2026-02-03', '2026-02-03 10:00:00', '2026-02-18', 'QUO-1', 'quotekey000000000000000000000001', ?)`,
    [SECRET.quotePdf],
  );
  await c.end();
  return db;
}

async function emptyDb(): Promise<string> {
  const db = `ip${++seq}`;
  await (await server.connect(db)).end();
  return db;
}

/** One scenario's environment, and every line it printed (checked for secrets at the end). */
class Scenario {
  readonly output: string[] = [];
  constructor(
    readonly dir: string,
    readonly db: string,
    readonly extra: Record<string, string> = {},
  ) {}
  env(more: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
    return baseEnv({ ...server.env(this.db), PROJECT_DIR: this.dir, DBSYNC_LOG_LEVEL: 'debug', ...this.extra, ...more });
  }
  run(args: string[], more: Record<string, string | undefined> = {}): CliResult {
    const r = cli(args, this.env(more));
    this.output.push(r.stdout, r.stderr);
    return r;
  }
  ok(args: string[], more: Record<string, string | undefined> = {}): CliResult {
    const r = this.run(args, more);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    return r;
  }
}

/** Every byte the repository holds in its whole history (all objects of all refs), its messages, config and logs. */
function everything(dir: string, output: string[]): Buffer {
  const ids = git(dir, ['rev-list', '--all', '--objects'])
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split(' ')[0]);
  assert.ok(ids.length > 10, 'the history has objects');
  const objects = execFileSync('git', ['cat-file', '--batch'], { cwd: dir, input: ids.join('\n') + '\n', maxBuffer: 1 << 30 });
  const messages = git(dir, ['log', '--all', '--format=%H %an %ae%n%B']);
  const config = readFileSync(path.join(dir, '.git', 'config'));
  // Plain files anywhere in the working tree and .git (state.json, reflogs, leftovers of staging).
  const files = spawnSync('grep', ['-r', '-a', '-h', '-e', '', dir], { maxBuffer: 1 << 30 }).stdout;
  return Buffer.concat([objects, Buffer.from(messages), config, files, Buffer.from(output.join('\n'))]);
}

function assertNoSecrets(dir: string, output: string[], secrets: readonly string[]): void {
  const all = everything(dir, output);
  for (const v of VISIBLE.slice(0, 3)) assert.ok(all.includes(v), `the repository holds the visible value ${v} (the search works)`);
  for (const s of secrets) assert.equal(all.indexOf(s), -1, `secret ${s} found in the repository, its history, config or logs`);
}

const fileAt = (dir: string, rev: string, table: string) => git(dir, ['show', `${rev}:database/data/${table}.sql`]);

async function checksums(db: string): Promise<string[]> {
  return (await q(db, `CHECKSUM TABLE ${SECRET_TABLES.map((t) => `\`${db}\`.${t}`).join(', ')}`)).map((r) => String(r.Checksum));
}

function keyFile(): string {
  const f = path.join(tempDir('dbsync-key-'), 'dbsync.key');
  writeFileSync(f, randomBytes(32).toString('base64') + '\n', { mode: 0o600 });
  return f;
}

function cloneOf(dir: string): string {
  const to = tempDir('dbsync-clone-');
  git(to, ['clone', '-q', dir, '.']);
  return to;
}

describe('secrets policy (keep, redact, encrypt; restore with and without the key)', { timeout: 180_000 }, () => {
  before(async () => {
    server = await MariaDbServer.start();
  });
  after(async () => server?.destroy());

  it('a setting key with a trailing space or other case is redacted as the server matches it (PAD SPACE, _ci; issue 11)', async () => {
    const s = new Scenario(tempDir(), await invoicePlaneDb());
    const quotePre = 'QuotePrePw-Padded-Rt40';
    await q(s.db, "UPDATE ip_settings SET setting_key = 'smtp_password ' WHERE setting_id = 1");
    await q(s.db, "INSERT INTO ip_settings (setting_id, setting_key, setting_value) VALUES (7, 'QUOTE_PRE_PASSWORD  ', ?)", [quotePre]);
    // The oracle: the server's own comparison finds both rows by the names the application asks for.
    const found = await q(s.db, "SELECT setting_id FROM ip_settings WHERE setting_key IN ('smtp_password', 'quote_pre_password') ORDER BY setting_id");
    assert.deepEqual(
      found.map((r) => Number(r.setting_id)),
      [1, 7],
    );
    s.ok(['sync']);
    const settings = fileAt(s.dir, 'HEAD', 'ip_settings');
    assert.match(settings, /'smtp_password ','dbsync:redacted:[0-9a-f]{12}'/);
    assert.match(settings, /'QUOTE_PRE_PASSWORD {2}','dbsync:redacted:[0-9a-f]{12}'/);
    assertNoSecrets(s.dir, s.output, [SECRET.smtp, quotePre]);
  });

  it('keep: the values are in the repository, and no notice', async () => {
    const s = new Scenario(tempDir(), await invoicePlaneDb(), { DBSYNC_SECRETS: 'keep' });
    const r = s.ok(['sync']);
    assert.doesNotMatch(r.stderr, /secrets: redacting/);
    assert.ok(fileAt(s.dir, 'HEAD', 'ip_users').includes(SECRET.adminHash));
    assert.ok(fileAt(s.dir, 'HEAD', 'ip_settings').includes(SECRET.smtp));
    assert.ok(!fileAt(s.dir, 'HEAD', 'ip_users').includes('dbsync:'));
  });

  it('redact (the default without a key): no secret anywhere in the full history; restore elsewhere reports each rule with its hint', async () => {
    const s = new Scenario(tempDir(), await invoicePlaneDb());
    const first = s.ok(['sync']);
    assert.match(
      first.stderr,
      /secrets: redacting ip_users\.user_password \(user password hash\), ip_users\.user_psalt .*ip_settings\.setting_value \(SMTP password; payment gateway key or secret; cron key; .*DBSYNC_SECRET_KEY_FILE.*DBSYNC_SECRET_POLICY=table\.column=keep/,
    );
    const users = fileAt(s.dir, 'HEAD', 'ip_users');
    // Redacted with a marker of the value (an HMAC under the key in .git/dbsync): a changed secret changes the snapshot.
    assert.match(users, /'admin@example\.com','dbsync:redacted:[0-9a-f]{12}'.*'dbsync:redacted:[0-9a-f]{12}'.*'dbsync:redacted:[0-9a-f]{12}'/);
    assert.match(users, /'clerk@example\.com','dbsync:redacted:[0-9a-f]{12}',.*NULL,0,''/, "NULL and '' stay as they are");
    assert.match(fileAt(s.dir, 'HEAD', 'ip_settings'), /'gateway_stripe_apiKeyPublic','pk_live_PublicKeyVisible'/);

    // A changed secret: redacted, its marker changes, so it makes a commit that names it (never its value; issue 12).
    await q(s.db, "UPDATE ip_settings SET setting_value = ? WHERE setting_key = 'smtp_password'", [CHANGED_SMTP]);
    const before = commitCount(s.dir) + 1;
    assert.match(s.ok(['sync']).stdout, /^committed [0-9a-f]+: Settings changed: smtp_password$/m);
    assert.match(s.ok(['sync']).stdout, /no changes/);
    await q(s.db, "UPDATE ip_clients SET client_name = 'ACME Visible Ltd' WHERE client_id = 1");
    await q(
      s.db,
      "INSERT INTO ip_clients (client_id, client_date_created, client_date_modified, client_name) VALUES (2, '2026-01-08 10:00:00', '2026-01-08 10:00:00', 'Second')",
    );
    s.ok(['sync']);
    assert.equal(commitCount(s.dir), before + 1);
    s.ok(['status']);
    assertNoSecrets(s.dir, s.output, [...Object.values(SECRET), CHANGED_SMTP]);

    // Restore on a new computer: a clone and an empty database.
    const n = new Scenario(cloneOf(s.dir), await emptyDb());
    const r = n.ok(['restore', '--yes']);
    const notRestored = r.stdout.split('\n').filter((l) => l.startsWith('not restored:'));
    assert.ok(
      notRestored.some((l) =>
        /^not restored: ip_users\.user_password \(user password hash\), 2 value\(s\) redacted in the snapshot; .* -- each user sets a new password: 'I forgot my password'/.test(
          l,
        ),
      ),
      r.stdout,
    );
    assert.ok(
      notRestored.some((l) => /ip_settings\.setting_value \(SMTP password\), 1 value\(s\) .* Settings > E-mail/.test(l)),
      r.stdout,
    );
    assert.ok(notRestored.some((l) => /ip_settings\.setting_value \(cron key\)/.test(l)));
    assert.ok(notRestored.some((l) => /ip_invoices\.invoice_password \(invoice PDF password\), 1 value\(s\)/.test(l)));
    assert.equal(new Set(notRestored).size, notRestored.length, 'one line per rule');
    assert.match(r.stdout, /^restored/m);
    const restored = await q(n.db, 'SELECT user_id, user_email, user_password, user_psalt, user_passwordreset_token FROM ip_users ORDER BY user_id');
    assert.deepEqual(restored, [
      {
        user_id: 1,
        user_email: 'admin@example.com',
        user_password: 'dbsync:redacted',
        user_psalt: 'dbsync:redacted',
        user_passwordreset_token: 'dbsync:redacted',
      },
      { user_id: 2, user_email: 'clerk@example.com', user_password: 'dbsync:redacted', user_psalt: null, user_passwordreset_token: '' },
    ]);
    assert.deepEqual(
      await q(n.db, 'SELECT client_id, client_name FROM ip_clients ORDER BY client_id'),
      await q(s.db, 'SELECT client_id, client_name FROM ip_clients ORDER BY client_id'),
    );
    // The database equals the snapshot now: nothing to commit. (The secrets that could not be
    // restored are placeholders, not the values the markers stood for: restore's own commit
    // records that, and the clone's origin, a working tree, refuses its push: exit 4.)
    const after = n.run(['sync']);
    assert.match(after.stdout, /^no changes/, after.stderr);
    assert.match(git(n.dir, ['log', '-1', '--format=%s']), /password changed/);
  });

  it('encrypt: no plaintext anywhere, no diff for unchanged secrets, a one-line diff for a changed one; restore with the key, without it, with a wrong one', async () => {
    const key = keyFile();
    const s = new Scenario(tempDir(), await invoicePlaneDb(), { DBSYNC_SECRET_KEY_FILE: key });
    const first = s.ok(['sync']);
    assert.doesNotMatch(first.stderr, /secrets: redacting/);
    assert.match(first.stderr, /secrets: encrypting ip_users\.user_password/);
    const users = fileAt(s.dir, 'HEAD', 'ip_users');
    assert.match(users, /'admin@example\.com','dbsync:enc:v1:[A-Za-z0-9_-]+'/);
    assert.match(users, /'clerk@example\.com','dbsync:enc:v1:[A-Za-z0-9_-]+',.*NULL,0,''/, "NULL and '' are not encrypted");

    // Unchanged secrets: the same ciphertext, so no commit.
    const before = commitCount(s.dir);
    assert.match(s.ok(['sync']).stdout, /no changes/);
    assert.equal(commitCount(s.dir), before);

    // One secret changed: exactly its line changes.
    await q(s.db, "UPDATE ip_settings SET setting_value = ? WHERE setting_key = 'smtp_password'", [CHANGED_SMTP]);
    s.ok(['sync']);
    assert.equal(commitCount(s.dir), before + 1);
    assert.deepEqual(git(s.dir, ['diff', '--name-only', 'HEAD~1', 'HEAD']).trim().split('\n'), ['database/data/ip_settings.sql']);
    const changed = git(s.dir, ['diff', '--unified=0', 'HEAD~1', 'HEAD'])
      .split('\n')
      .filter((l) => /^[-+][^-+]/.test(l));
    assert.equal(changed.length, 2, changed.join('\n'));
    for (const l of changed) assert.match(l, /^[-+]INSERT INTO `ip_settings` VALUES \(1,'smtp_password','dbsync:enc:v1:/);
    s.ok(['status']);
    assertNoSecrets(s.dir, s.output, [...Object.values(SECRET), CHANGED_SMTP]);

    // Without the key over this history, a pass refuses instead of replacing the secrets by placeholders.
    const keyless = s.run(['sync'], { DBSYNC_SECRET_KEY_FILE: undefined });
    assert.equal(keyless.code, 2, keyless.stderr);
    assert.match(keyless.stderr, /the last snapshot holds encrypted secrets .* but DBSYNC_SECRET_KEY_FILE is not set.*-- set DBSYNC_SECRET_KEY_FILE/);
    assert.equal(commitCount(s.dir), before + 1);

    // Restore with the key on a new computer: the original values, byte for byte.
    const withKey = new Scenario(cloneOf(s.dir), await emptyDb(), { DBSYNC_SECRET_KEY_FILE: key });
    const r1 = withKey.ok(['restore', '--yes']);
    assert.doesNotMatch(r1.stdout, /not restored/);
    assert.deepEqual(await checksums(withKey.db), await checksums(s.db));
    assert.deepEqual(await q(withKey.db, 'SELECT user_password, user_psalt FROM ip_users ORDER BY user_id'), [
      { user_password: SECRET.adminHash, user_psalt: SECRET.adminSalt },
      { user_password: SECRET.clerkHash, user_psalt: null },
    ]);
    assert.equal((await q(withKey.db, "SELECT setting_value AS v FROM ip_settings WHERE setting_key = 'smtp_password'"))[0]!.v, CHANGED_SMTP);
    assert.match(withKey.ok(['sync']).stdout, /no changes/, 're-encrypted, the restored database equals the snapshot');

    // A wrong key: one clear line, exit 2, nothing changed (no table created, no commit).
    const wrong = new Scenario(cloneOf(s.dir), await emptyDb(), { DBSYNC_SECRET_KEY_FILE: keyFile() });
    const headBefore = git(wrong.dir, ['rev-parse', 'HEAD']);
    const r2 = wrong.run(['restore', '--yes']);
    assert.equal(r2.code, 2, r2.stderr);
    assert.match(
      r2.stderr,
      /^git-dbsync: restore: DBSYNC_SECRET_KEY_FILE \(.*\) does not decrypt ip_\w+\.\w+ in data\/ip_\w+\.sql line \d+ .*nothing was changed -- set DBSYNC_SECRET_KEY_FILE to the key used/m,
    );
    assert.equal(
      r2.stderr
        .trim()
        .split('\n')
        .filter((l) => l.startsWith('git-dbsync:')).length,
      1,
    );
    assert.deepEqual(await q(wrong.db, 'SHOW TABLES'), []);
    assert.equal(git(wrong.dir, ['rev-parse', 'HEAD']), headBefore);

    // Without the key: everything else restored, one line per rule, the verification passes.
    const noKey = new Scenario(cloneOf(s.dir), await emptyDb());
    const r3 = noKey.ok(['restore', '--yes']);
    assert.match(
      r3.stdout,
      /^not restored: ip_users\.user_password \(user password hash\), 2 value\(s\) encrypted, and DBSYNC_SECRET_KEY_FILE is not set; .* -- restore again with the key, or each user sets a new password/m,
    );
    assert.match(r3.stdout, /^not restored: ip_quotes\.quote_password \(quote PDF password\), 1 value\(s\)/m);
    assert.match(r3.stdout, /^restored/m);
    const cols = 'user_id, user_email, user_name, user_date_created, user_passwordreset_token IS NULL AS t';
    assert.deepEqual(await q(noKey.db, `SELECT ${cols} FROM ip_users ORDER BY user_id`), await q(s.db, `SELECT ${cols} FROM ip_users ORDER BY user_id`));
    assert.deepEqual(await q(noKey.db, 'SELECT user_password FROM ip_users ORDER BY user_id'), [
      { user_password: 'dbsync:redacted' },
      { user_password: 'dbsync:redacted' },
    ]);
    assert.deepEqual(await q(noKey.db, 'SELECT * FROM ip_clients'), await q(s.db, 'SELECT * FROM ip_clients'));
    assert.deepEqual(
      await q(
        noKey.db,
        "SELECT setting_key, setting_value FROM ip_settings WHERE setting_key NOT IN ('smtp_password', 'gateway_stripe_apiKey', 'cron_key') ORDER BY setting_id",
      ),
      await q(
        s.db,
        "SELECT setting_key, setting_value FROM ip_settings WHERE setting_key NOT IN ('smtp_password', 'gateway_stripe_apiKey', 'cron_key') ORDER BY setting_id",
      ),
    );
    for (const sc of [withKey, wrong, noKey]) assertNoSecrets(sc.dir, sc.output, [...Object.values(SECRET), CHANGED_SMTP]);
  });

  it('watch prints the notice once, however many passes it makes', async () => {
    // DBSYNC_VERIFY_INTERVAL=0: a full pass every poll (no change probe), so every poll reads the secrets.
    const s = new Scenario(tempDir(), await invoicePlaneDb(), { POLL_INTERVAL: '0.2', DBSYNC_VERIFY_INTERVAL: '0' });
    const w = background(['watch'], s.env());
    try {
      await waitFor('four passes', () => (w.stderr().match(/pass done/g) ?? []).length >= 4, 30_000);
      await q(s.db, "UPDATE ip_users SET user_password = '$2y$10$AnotherHashAfterStart' WHERE user_id = 2");
      await q(s.db, "UPDATE ip_clients SET client_name = 'Changed' WHERE client_id = 1");
      const n = commitCount(s.dir);
      await waitFor('a commit of the change', () => commitCount(s.dir) > n, 30_000);
      w.child.kill('SIGTERM');
      assert.equal(await w.waitExit(), 0);
    } finally {
      await w.kill();
    }
    assert.equal((w.stderr().match(/secrets: redacting/g) ?? []).length, 1, w.stderr());
    assert.ok((w.stderr().match(/pass done/g) ?? []).length >= 5);
    assertNoSecrets(s.dir, [w.stdout(), w.stderr()], [...Object.values(SECRET), '$2y$10$AnotherHashAfterStart']);
  });
});
