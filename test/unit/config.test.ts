import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig, SETTINGS, splitRemoteCredentials, settingsTable } from '../../src/config/config.js';
import { DbsyncError } from '../../src/errors/dbsync-error.js';
import { tempDir } from '../support/project.js';

const base = { DB_USER: 'u', DB_NAME: 'd' };
const load = (env: Record<string, string>, flags: Record<string, string> = {}) => loadConfig({ env, flags, cwd: '/tmp' });

function configError(fn: () => unknown): DbsyncError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof DbsyncError);
    assert.equal(err.exitCode, 2);
    return err;
  }
  assert.fail('expected a configuration error');
}

describe('configuration', () => {
  it('has the documented defaults, including the old container names', () => {
    const c = load(base);
    assert.equal(c.db.host, '127.0.0.1');
    assert.equal(c.db.port, 3306);
    assert.equal(c.pollIntervalMs, 30_000);
    assert.equal(c.snapshotDir, 'database');
    assert.equal(c.projectDir, '/tmp');
    assert.equal(c.git.authorName, 'git-dbsync');
    assert.equal(c.git.remoteUrl, undefined);
    assert.ok(Object.isFrozen(c) && Object.isFrozen(c.db));
  });

  it('takes flags over environment over defaults', () => {
    assert.equal(load({ ...base, POLL_INTERVAL: '5' }).pollIntervalMs, 5000);
    assert.equal(load({ ...base, POLL_INTERVAL: '5' }, { pollInterval: '0.5' }).pollIntervalMs, 500);
    assert.equal(load({ ...base, DB_HOST: 'db' }, { dbHost: 'other' }).db.host, 'other');
  });

  for (const [value, problem] of [
    ['0', 'at least 0.1'],
    ['-1', 'at least 0.1'],
    ['abc', 'number'],
  ] as const) {
    it(`rejects POLL_INTERVAL=${value}, naming the variable`, () => {
      const e = configError(() => load({ ...base, POLL_INTERVAL: value }));
      assert.match(e.message, new RegExp(`POLL_INTERVAL="${value}": .*${problem}`));
    });
  }

  it('every numeric setting has an upper bound, refused with a message naming the variable (issue 11)', () => {
    let numeric = 0;
    for (const [key, s] of Object.entries(SETTINGS) as Array<
      [string, { env: readonly string[]; schema: { safeParse(v: unknown): { success: boolean; data?: unknown } } }]
    >) {
      const probe = s.schema.safeParse('5');
      if (!(probe.success && typeof probe.data === 'number') && key !== 'chunkSize') continue;
      numeric++;
      const name = s.env[0]!;
      const e = configError(() => load({ ...base, [name]: '999999999999' }));
      assert.match(e.message, new RegExp(`${name}="999999999999": must be (at most|between)`), name);
    }
    assert.ok(numeric >= 10, `${numeric} numeric settings`);
  });

  for (const [name, max, words] of [
    ['POLL_INTERVAL', 86_400, '1 day'],
    ['DBSYNC_PULL_INTERVAL', 86_400, '1 day'],
    ['DBSYNC_MAX_BACKOFF', 86_400, '1 day'],
    ['DBSYNC_LOCK_TIMEOUT', 86_400, '1 day'],
    ['DBSYNC_VERIFY_INTERVAL', 604_800, '1 week'],
    ['DBSYNC_CONNECT_TIMEOUT', 3600, '1 hour'],
    ['DBSYNC_QUIET_PERIOD', 3600, '1 hour'],
    ['DBSYNC_MAX_DELAY', 3600, '1 hour'],
  ] as const) {
    it(`${name}: ${max} s is accepted, more is refused (setTimeout's limit is 2^31-1 ms)`, () => {
      assert.ok(max * 1000 <= 2 ** 31 - 1);
      load({ ...base, [name]: String(max) });
      const e = configError(() => load({ ...base, [name]: String(max + 1) }));
      assert.match(e.message, new RegExp(`${name}="${max + 1}": must be at most ${max} seconds \\(${words}\\)`));
    });
  }
  it('the values of issue 11 (POLL_INTERVAL=1e9, DBSYNC_LOCK_TIMEOUT=31536000) are refused', () => {
    assert.match(configError(() => load({ ...base, POLL_INTERVAL: '1e9' })).message, /POLL_INTERVAL="1e9": must be at most 86400 seconds/);
    assert.match(
      configError(() => load({ ...base, DBSYNC_LOCK_TIMEOUT: '31536000' })).message,
      /DBSYNC_LOCK_TIMEOUT="31536000": must be at most 86400 seconds/,
    );
  });

  it('names the flag when the bad value came from a flag', () => {
    const e = configError(() => load({ ...base, POLL_INTERVAL: '3' }, { pollInterval: 'soon' }));
    assert.match(e.message, /--poll-interval="soon"/);
  });

  it('rejects bad ports, missing user and database, and snapshot folders outside the project', () => {
    assert.match(configError(() => load({ ...base, DB_PORT: '70000' })).message, /DB_PORT="70000": must be between 1 and 65535/);
    assert.match(configError(() => load({ DB_NAME: 'd' })).message, /DB_USER is not set/);
    assert.match(configError(() => load({ DB_USER: 'u' })).message, /DB_NAME is not set/);
    assert.match(configError(() => load({ ...base, DBSYNC_DIR: '/abs' })).message, /DBSYNC_DIR.*relative/);
    assert.match(configError(() => load({ ...base, DBSYNC_DIR: '../out' })).message, /DBSYNC_DIR.*inside PROJECT_DIR/);
    assert.match(configError(() => load({ ...base, DBSYNC_DIR: '.git/x' })).message, /DBSYNC_DIR.*\.git/);
  });

  it('reads DB_PASSWORD_FILE (Docker secrets) and prefers it to DB_PASSWORD', () => {
    const dir = tempDir('dbsync-cfg-');
    writeFileSync(path.join(dir, 'pw'), 'from-file\n');
    assert.equal(load({ ...base, DB_PASSWORD: 'env', DB_PASSWORD_FILE: path.join(dir, 'pw') }).db.password, 'from-file');
    assert.match(configError(() => load({ ...base, DB_PASSWORD_FILE: path.join(dir, 'nope') })).message, /DB_PASSWORD_FILE.*cannot read/);
  });

  it('never shows a password in a message', () => {
    // DB_PASSWORD accepts any string; an invalid token value is hidden.
    const e = configError(() => load({ ...base, DBSYNC_GIT_TOKEN: '   ' }));
    assert.doesNotMatch(e.message, /" {3}"/);
  });

  it('splits credentials out of https remote URLs and leaves ssh and paths alone', () => {
    assert.deepEqual(splitRemoteCredentials('https://me:tok@example.org/o/r.git'), { url: 'https://example.org/o/r.git', username: 'me', password: 'tok' });
    assert.deepEqual(splitRemoteCredentials('git@example.org:o/r.git'), { url: 'git@example.org:o/r.git' });
    assert.deepEqual(splitRemoteCredentials('/srv/git/r.git'), { url: '/srv/git/r.git' });
    assert.deepEqual(splitRemoteCredentials('ssh://git@example.org/o/r.git'), { url: 'ssh://git@example.org/o/r.git' });
    const c = load({ ...base, GIT_REMOTE_URL: 'https://x:secret@h/r.git' });
    assert.equal(c.git.remoteUrl, 'https://h/r.git');
    assert.equal(c.git.token, 'secret');
    assert.throws(() => splitRemoteCredentials('ftp://h/r'), /unsupported scheme/);
  });

  it('documents every setting', () => {
    const rows = settingsTable();
    for (const name of [
      'DB_HOST',
      'DB_PORT',
      'DB_USER',
      'DB_PASSWORD',
      'DB_NAME',
      'PROJECT_DIR',
      'POLL_INTERVAL',
      'GIT_REMOTE_URL',
      'DB_SOCKET',
      'DB_PASSWORD_FILE',
      'DBSYNC_DIR',
      'DBSYNC_INCLUDE_TABLES',
      'DBSYNC_EXCLUDE_TABLES',
      'DBSYNC_AUTHOR_NAME',
      'DBSYNC_AUTHOR_EMAIL',
    ]) {
      assert.ok(
        rows.some((r) => r.env === name && r.doc.length > 10),
        name,
      );
    }
  });
});

describe('remote URLs in output', () => {
  it('hides a token kept in a hand-made remote URL', async () => {
    const { redactRemoteUrl } = await import('../../src/config/config.js');
    assert.equal(redactRemoteUrl('https://me:s3cret@host/r.git'), 'https://me:***@host/r.git');
    assert.equal(redactRemoteUrl('https://s3cret@host/r.git'), 'https://***@host/r.git');
    assert.equal(redactRemoteUrl('ssh://git@host/r.git'), 'ssh://git@host/r.git');
    assert.equal(redactRemoteUrl('git@host:r.git'), 'git@host:r.git');
  });
});
