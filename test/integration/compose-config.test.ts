/**
 * docker-compose.yml, validated offline with `docker-compose config` (Debian's docker-compose 1.29:
 * it checks the file against the Compose schema and exits 1 on an unknown key) and read back as
 * data: the three services, the old container's variable names and mounts, the secret, the
 * health-gated start, pinned images.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT, tempDir } from '../support/project.js';

const COMPOSE_FILE = path.join(ROOT, 'docker-compose.yml');

interface Service {
  image?: string;
  build?: { context: string };
  command?: string[];
  entrypoint?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  secrets?: Array<{ source: string }>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
}
interface ComposeConfig {
  services: Record<string, Service>;
  secrets: Record<string, { file: string }>;
}

/** `docker-compose -f FILE config` with only PATH and HOME from the machine (no stray settings interpolated). */
function composeConfig(file: string, env: Record<string, string> = {}): { code: number; stdout: string; stderr: string } {
  const r = spawnSync('docker-compose', ['-f', file, 'config'], { cwd: path.dirname(file), env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root', ...env }, encoding: 'utf8', timeout: 60_000 });
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT') throw new Error('docker-compose is not installed: apt-get install docker-compose (bash .ci/run does)');
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** The YAML that `config` prints, as data (docker-compose depends on PyYAML, so python3 has it). */
function parse(yaml: string): ComposeConfig {
  const r = spawnSync('python3', ['-c', 'import json, sys, yaml; json.dump(yaml.safe_load(sys.stdin), sys.stdout)'], { input: yaml, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as ComposeConfig;
}

describe('docker-compose.yml', () => {
  const result = composeConfig(COMPOSE_FILE);

  it('is valid for docker-compose (offline)', () => {
    assert.equal(result.code, 0, result.stderr);
  });

  it('starts InvoicePlane, MariaDB 10.11 and git-dbsync watch, with pinned images', () => {
    const c = parse(result.stdout);
    assert.deepEqual(Object.keys(c.services).sort(), ['git-dbsync', 'invoiceplane', 'mariadb']);
    assert.match(c.services.invoiceplane!.image ?? '', /^mhzawadi\/invoiceplane:\d+(\.\d+)+$/);
    assert.match(c.services.mariadb!.image ?? '', /^mariadb:10\.11\.\d+$/);
    const dbsync = c.services['git-dbsync']!;
    assert.equal(dbsync.build?.context, ROOT, 'git-dbsync is built from this repository');
    assert.equal(dbsync.command, undefined, 'the image default (watch) is used');
    assert.match(readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8'), /^CMD \["watch"\]$/m);
    // InvoicePlane needs a non-strict SQL mode.
    assert.ok(c.services.mariadb!.command?.includes('--sql-mode=NO_ENGINE_SUBSTITUTION'), JSON.stringify(c.services.mariadb!.command));
    assert.ok(c.services.mariadb!.healthcheck?.test.length, 'MariaDB has a health check');
    for (const s of ['git-dbsync', 'invoiceplane']) assert.equal(c.services[s]!.depends_on?.mariadb?.condition, 'service_healthy', `${s} waits for a healthy MariaDB`);
  });

  it("keeps the old container's variable names and mounts, and passes the password as a secret", () => {
    const c = parse(result.stdout);
    const dbsync = c.services['git-dbsync']!;
    const env = dbsync.environment ?? {};
    for (const name of ['DB_HOST', 'DB_USER', 'DB_NAME', 'PROJECT_DIR', 'POLL_INTERVAL', 'GIT_REMOTE_URL']) assert.ok(name in env, `git-dbsync sets ${name}`);
    assert.equal(env.PROJECT_DIR, '/project');
    assert.equal(env.DB_PASSWORD_FILE, '/run/secrets/db_password');
    assert.ok(!('DB_PASSWORD' in env), 'no password in the file');
    assert.ok(dbsync.volumes?.some((v) => /:\/project(:rw)?$/.test(v)), `project folder at /project: ${JSON.stringify(dbsync.volumes)}`);
    assert.ok(dbsync.volumes?.some((v) => v.endsWith(':/root/.ssh:ro')), 'SSH keys read-only at /root/.ssh');
    for (const s of ['git-dbsync', 'mariadb', 'invoiceplane']) assert.deepEqual(c.services[s]!.secrets?.map((x) => x.source), ['db_password'], `${s} gets the db_password secret`);
    assert.equal(c.services.mariadb!.environment?.MARIADB_PASSWORD_FILE, '/run/secrets/db_password');
    assert.match(c.secrets.db_password!.file, /secrets\/db_password\.txt$/);
    const text = readFileSync(COMPOSE_FILE, 'utf8');
    assert.doesNotMatch(text, /^\s*-?\s*(DB_PASSWORD|MYSQL_PASSWORD|MARIADB_PASSWORD|MARIADB_ROOT_PASSWORD)\s*[:=]/m, 'no password value written in the file');
  });

  it('takes settings from the environment (.env) with the same names', () => {
    const r = composeConfig(COMPOSE_FILE, { POLL_INTERVAL: '7', GIT_REMOTE_URL: 'git@example.com:me/history.git', PROJECT_FOLDER: '/srv/history' });
    assert.equal(r.code, 0, r.stderr);
    const dbsync = parse(r.stdout).services['git-dbsync']!;
    assert.equal(dbsync.environment?.POLL_INTERVAL, '7');
    assert.equal(dbsync.environment?.GIT_REMOTE_URL, 'git@example.com:me/history.git');
    assert.ok(dbsync.volumes?.includes('/srv/history:/project:rw'), JSON.stringify(dbsync.volumes));
  });

  it('the validation fails on a mistake (the check can fail)', () => {
    const dir = tempDir('dbsync-compose-');
    try {
      const broken = path.join(dir, 'docker-compose.yml');
      writeFileSync(broken, readFileSync(COMPOSE_FILE, 'utf8').replace('    depends_on:\n', '    depends_onn:\n'));
      const r = composeConfig(broken);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /depends_onn/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
