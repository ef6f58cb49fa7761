/**
 * docker-compose.yml, validated offline with `docker-compose config` (Debian's docker-compose 1.29:
 * it checks the file against the Compose schema and exits 1 on an unknown key) and read back as
 * data: the three services, the old container's variable names and mounts, the secrets, the
 * health-gated start, pinned images, the binary log options, and git-dbsync's own user. The init
 * script that creates that user runs for real against a MariaDB server started with the compose
 * file's options: `sync` and `status` as that user then use the binlog source.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { baseEnv, cli, ROOT, tempDir } from '../support/project.js';
import { MariaDbServer } from '../support/mariadb-server.js';
import { loadConfig } from '../../src/config/config.js';

const COMPOSE_FILE = path.join(ROOT, 'docker-compose.yml');

interface Service {
  image?: string;
  build?: { context: string };
  command?: string[];
  entrypoint?: string[];
  environment?: Record<string, string>;
  volumes?: Array<string | { source: string; target: string; type: string; read_only?: boolean }>;
  secrets?: Array<{ source: string }>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  ports?: Array<string | { published: number | string; target: number; host_ip?: string }>;
}
interface ComposeConfig {
  services: Record<string, Service>;
  secrets: Record<string, { file: string }>;
}

/** `docker-compose -f FILE config` with only PATH and HOME from the machine (no stray settings interpolated). */
function composeConfig(file: string, env: Record<string, string> = {}): { code: number; stdout: string; stderr: string } {
  const r = spawnSync('docker-compose', ['-f', file, 'config'], {
    cwd: path.dirname(file),
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT')
    throw new Error('docker-compose is not installed: apt-get install docker-compose (bash .ci/run does)');
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
    for (const s of ['git-dbsync', 'invoiceplane'])
      assert.equal(c.services[s]!.depends_on?.mariadb?.condition, 'service_healthy', `${s} waits for a healthy MariaDB`);
  });

  it("keeps the old container's variable names and mounts, and passes the password as a secret", () => {
    const c = parse(result.stdout);
    const dbsync = c.services['git-dbsync']!;
    const env = dbsync.environment ?? {};
    for (const name of ['DB_HOST', 'DB_USER', 'DB_NAME', 'PROJECT_DIR', 'POLL_INTERVAL', 'GIT_REMOTE_URL']) assert.ok(name in env, `git-dbsync sets ${name}`);
    assert.equal(env.PROJECT_DIR, '/project');
    // git-dbsync's own user and password, not InvoicePlane's.
    assert.equal(env.DB_USER, 'dbsync');
    assert.equal(env.DB_PASSWORD_FILE, '/run/secrets/dbsync_db_password');
    assert.ok(!('DB_PASSWORD' in env), 'no password in the file');
    const mounts = (dbsync.volumes ?? []).map(String);
    assert.ok(
      mounts.some((v) => /:\/project(:rw)?$/.test(v)),
      `project folder at /project: ${JSON.stringify(dbsync.volumes)}`,
    );
    assert.ok(
      mounts.some((v) => v.endsWith(':/root/.ssh:ro')),
      'SSH keys read-only at /root/.ssh',
    );
    // InvoicePlane's uploads, read-only, versioned with the database (DBSYNC_FILES).
    assert.ok(mounts.includes('invoiceplane_uploads:/invoiceplane/uploads:ro'), `uploads read-only: ${JSON.stringify(dbsync.volumes)}`);
    assert.ok(
      (c.services.invoiceplane!.volumes ?? []).map(String).includes('invoiceplane_uploads:/var/www/html/uploads:rw'),
      'the same volume in InvoicePlane',
    );
    assert.equal(env.DBSYNC_FILES_ROOT, '/invoiceplane');
    assert.equal(env.DBSYNC_FILES, 'uploads/**');
    assert.deepEqual(
      c.services.invoiceplane!.secrets?.map((x) => x.source),
      ['db_password'],
      'InvoicePlane gets its password only',
    );
    assert.deepEqual(
      dbsync.secrets?.map((x) => x.source),
      ['dbsync_db_password'],
      'git-dbsync gets its own password only',
    );
    assert.deepEqual(
      c.services.mariadb!.secrets?.map((x) => x.source),
      ['db_password', 'dbsync_db_password'],
      'MariaDB creates both users',
    );
    assert.equal(c.services.mariadb!.environment?.MARIADB_PASSWORD_FILE, '/run/secrets/db_password');
    assert.match(c.secrets.db_password!.file, /secrets\/db_password\.txt$/);
    assert.match(c.secrets.dbsync_db_password!.file, /secrets\/dbsync_db_password\.txt$/);
    const text = readFileSync(COMPOSE_FILE, 'utf8');
    assert.doesNotMatch(text, /^\s*-?\s*(DB_PASSWORD|MYSQL_PASSWORD|MARIADB_PASSWORD|MARIADB_ROOT_PASSWORD)\s*[:=]/m, 'no password value written in the file');
  });

  it('takes settings from the environment (.env) with the same names', () => {
    const r = composeConfig(COMPOSE_FILE, { POLL_INTERVAL: '7', GIT_REMOTE_URL: 'git@example.com:me/history.git', PROJECT_FOLDER: '/srv/history' });
    assert.equal(r.code, 0, r.stderr);
    const dbsync = parse(r.stdout).services['git-dbsync']!;
    assert.equal(dbsync.environment?.POLL_INTERVAL, '7');
    assert.equal(dbsync.environment?.GIT_REMOTE_URL, 'git@example.com:me/history.git');
    assert.ok(dbsync.volumes?.map(String).includes('/srv/history:/project:rw'), JSON.stringify(dbsync.volumes));
  });

  it('runs MariaDB with the binary log in row format, a retention, and the init script for the dbsync user', () => {
    const c = parse(result.stdout);
    const command = c.services.mariadb!.command ?? [];
    for (const option of ['--binlog-format=ROW', '--server-id=1']) assert.ok(command.includes(option), `${option} in ${JSON.stringify(command)}`);
    assert.ok(
      command.some((o) => /^--log-bin(=|$)/.test(o)),
      'binary log on',
    );
    const retention = Number(command.find((o) => o.startsWith('--binlog-expire-logs-seconds='))?.split('=')[1]);
    assert.ok(retention >= 3 * 86400 && retention <= 14 * 86400, `a retention of days, not forever: ${retention} s`);
    const mounts = (c.services.mariadb!.volumes ?? []).map(String);
    assert.ok(
      mounts.some((v) => /docker\/mariadb-init:\/docker-entrypoint-initdb\.d:ro$/.test(v)),
      JSON.stringify(mounts),
    );
  });

  it('the init script creates a user with the least grants, and git-dbsync uses the binlog with it', { timeout: 120_000 }, async () => {
    const c = parse(result.stdout);
    const binlogOptions = (c.services.mariadb!.command ?? []).filter((o) => /^--(log-bin|binlog-|server-id)/.test(o));
    const server = await MariaDbServer.start(binlogOptions);
    const dir = tempDir('dbsync-compose-init-');
    try {
      const root = await server.connect('invoiceplane');
      await root.query('CREATE TABLE ip_products (product_id INT PRIMARY KEY, product_name TEXT) ENGINE=InnoDB');
      await root.query("INSERT INTO ip_products VALUES (1, 'Consulting')");
      // The official image sources the script with its docker_process_sql function: here that runs the client as root.
      const script = readFileSync(path.join(ROOT, 'docker', 'mariadb-init', '10-dbsync-user.sh'), 'utf8').replaceAll(
        '/run/secrets/dbsync_db_password',
        path.join(dir, 'pw'),
      );
      writeFileSync(path.join(dir, 'pw'), "s3cret'\\x\n");
      writeFileSync(path.join(dir, 'init.sh'), script);
      const sh = spawnSync(
        'sh',
        [
          '-c',
          `docker_process_sql() { mariadb --no-defaults --socket=${server.socket} -uroot "$@"; }; MARIADB_DATABASE=invoiceplane; . ${path.join(dir, 'init.sh')}`,
        ],
        { encoding: 'utf8' },
      );
      assert.equal(sh.status, 0, sh.stderr);
      const [grants] = (await root.query("SHOW GRANTS FOR 'dbsync'@'%'")) as unknown as [Array<Record<string, string>>];
      const text = grants.map((g) => Object.values(g)[0]).join('\n');
      assert.match(text, /GRANT REPLICATION SLAVE ON \*\.\* TO `dbsync`@`%`/);
      assert.match(text, /GRANT SELECT, LOCK TABLES, EXECUTE, SHOW VIEW, EVENT, TRIGGER ON `invoiceplane`\.\* TO `dbsync`@`%`/);
      assert.doesNotMatch(text, /INSERT|UPDATE|DELETE|ALL PRIVILEGES|SUPER/, 'nothing more');
      const project = path.join(dir, 'project');
      const env = baseEnv({
        DB_HOST: '127.0.0.1',
        DB_PORT: String(server.port),
        DB_USER: 'dbsync',
        DB_PASSWORD_FILE: path.join(dir, 'pw'),
        DB_NAME: 'invoiceplane',
        PROJECT_DIR: project,
        DBSYNC_CHANGE_SOURCE: 'binlog',
      });
      mkdirSync(project);
      const sync = cli(['sync'], env);
      assert.equal(sync.code, 0, sync.stderr);
      const status = cli(['status'], env);
      assert.match(status.stdout, /change source: binlog \(mysql-bin\.\d+\)/, status.stdout + status.stderr);
      await root.end();
    } finally {
      await server.destroy();
      rmSync(dir, { recursive: true, force: true });
    }
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
  it('serves the history page at http://localhost:8081: 0.0.0.0 in the container, published on 127.0.0.1 only, the token still required', () => {
    const c = parse(result.stdout);
    const dbsync = c.services['git-dbsync']!;
    const env = dbsync.environment ?? {};
    assert.equal(env.DBSYNC_UI_ADDR, '0.0.0.0:8081', 'every interface inside the container (else the published port reaches nothing)');
    assert.equal(env.DBSYNC_UI_TOKEN, '', 'no token written in the file: a random one, printed in the container log, unless .env sets one');
    assert.equal(env.DBSYNC_UI_ALLOW_RESTORE, '0', 'read-only unless .env allows writes');
    assert.deepEqual((dbsync.ports ?? []).map(String), ['127.0.0.1:8081:8081/tcp'], 'published on the host loopback only');
    for (const [name, s] of Object.entries(c.services))
      for (const p of (s.ports ?? []).map(String)) if (p.endsWith(':8081/tcp')) assert.equal(name, 'git-dbsync');
    // The values are ones git-dbsync takes: watch serves the page there, with a token from .env if set.
    const ui = Object.fromEntries(Object.entries(env).filter(([k]) => k.startsWith('DBSYNC_UI_')));
    const config = loadConfig({ env: { ...ui, DBSYNC_UI_TOKEN: 'a-token-from-dot-env-0123' }, flags: {}, cwd: ROOT, requireDatabase: false });
    assert.deepEqual(config.ui, { addr: { host: '0.0.0.0', port: 8081 }, token: 'a-token-from-dot-env-0123', allowRestore: false });
    assert.equal(loadConfig({ env: ui, flags: {}, cwd: ROOT, requireDatabase: false }).ui.token, undefined, 'empty: a random token at each start');
    // Where the token is: said next to the setting.
    assert.match(readFileSync(COMPOSE_FILE, 'utf8'), /printed once in the container's\s+# log \(`docker compose logs git-dbsync/);
    const other = composeConfig(COMPOSE_FILE, { UI_PORT: '9081', DBSYNC_UI_ALLOW_RESTORE: '1' });
    assert.equal(other.code, 0, other.stderr);
    const moved = parse(other.stdout).services['git-dbsync']!;
    assert.deepEqual((moved.ports ?? []).map(String), ['127.0.0.1:9081:8081/tcp'], 'another host port, still on the loopback');
    assert.equal(moved.environment?.DBSYNC_UI_ALLOW_RESTORE, '1');
  });
});
