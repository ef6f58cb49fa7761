/**
 * The git-dbsync image built and run for real (opt-in: DBSYNC_CONTAINER_TESTS=1, `npm run test:container`).
 *
 * Builds the image from the repository's Dockerfile with Podman, on a locally made base (no
 * registry here), and starts it with the repository's docker-compose.yml next to a MariaDB
 * container through docker-compose and Podman's Docker-compatible API. A test override only swaps
 * the images for local ones, uses host networking (nothing changes in the machine's network
 * set-up) and points the mounts and the secret at temporary folders. Then a row is changed in the
 * database, the commit must appear in the mounted project folder, and the image's HEALTHCHECK
 * must report healthy. Everything is removed afterwards, also on failure.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import mysql from 'mysql2/promise';
import { freePort } from '../support/mariadb-server.js';
import { CACHE_DIR, invoicePlaneImage, localImages, missingCommands, Podman, run, type RunResult } from '../support/podman.js';
import { git, ROOT, tempDir, waitFor } from '../support/project.js';
import { INVOICEPLANE_TARBALL } from '../support/invoiceplane-app.js';
import { InvoicePlaneUser } from '../support/invoiceplane-user.js';

const enabled = process.env.DBSYNC_CONTAINER_TESTS === '1';
const SKIP = 'container test: set DBSYNC_CONTAINER_TESTS=1 to run it (`npm run test:container`; needs root, podman, runc, debootstrap, docker-compose)';
const TOOLS = ['podman', 'runc', 'debootstrap', 'docker-compose'];
// The real InvoicePlane in the stack needs only the shared bundle here (PHP is inside its image).
const IP_SKIP = existsSync(INVOICEPLANE_TARBALL) ? null : `the real InvoicePlane is not here (${INVOICEPLANE_TARBALL} is missing): the stack runs without it`;

function commitCount(dir: string): number {
  try {
    return Number(git(dir, ['rev-list', '--count', 'HEAD']).trim());
  } catch {
    return 0;
  }
}

describe('git-dbsync image with docker-compose.yml (podman)', { skip: enabled ? false : SKIP }, () => {
  let podman: Podman | null = null;
  const project = `dbsyncct${randomBytes(3).toString('hex')}`;
  let composeArgs: string[] = [];
  let composeUp = false;
  const dirs: string[] = [];
  const timings: string[] = [];
  /** What the first test started, for the InvoicePlane test that runs in the same stack. */
  const stack = { port: 0, password: '', projectDir: '', webPort: 0, invoiceplane: false };
  const say = (msg: string) => {
    timings.push(msg);
    process.stderr.write(`# container test: ${msg}\n`);
  };

  const compose = (args: string[], timeoutMs = 300_000): Promise<RunResult> =>
    run('docker-compose', [...composeArgs, ...args], { env: podman!.env, cwd: ROOT, timeoutMs });

  /** The id of a service's container (compose labels), or '' if none. */
  async function containerOf(service: string): Promise<string> {
    const out = await podman!.ok([
      'ps',
      '-a',
      '-q',
      '--filter',
      `label=com.docker.compose.project=${project}`,
      '--filter',
      `label=com.docker.compose.service=${service}`,
    ]);
    return out.trim().split('\n')[0] ?? '';
  }

  async function logsOf(service: string): Promise<string> {
    const id = await containerOf(service).catch(() => '');
    if (!id) return `(${service}: no container)`;
    const r = await podman!.run(['logs', '--tail', '400', id]);
    return `--- ${service} logs ---\n${r.stdout}${r.stderr}`;
  }

  before(async () => {
    const missing = await missingCommands(TOOLS);
    if (missing.length > 0) throw new Error(`missing ${missing.join(', ')}: apt-get install podman runc debootstrap docker-compose (bash .ci/run does)`);
    if (process.getuid?.() !== 0) throw new Error('the container test needs root (rootful podman, debootstrap)');
    podman = Podman.create();
    await podman.reset();
  });

  after(async () => {
    if (podman) {
      if (composeUp) {
        const down = await compose(['down', '--volumes', '--timeout', '5'], 120_000).catch((e: Error) => ({ code: -1, stdout: '', stderr: e.message }));
        if (down.code !== 0) process.stderr.write(`# container test: compose down failed (${down.code}): ${down.stderr}\n`);
      }
      // Whatever compose did not remove (a failed `up`, a dead service): this storage is the test's own.
      await podman.reset().catch(() => undefined);
      await podman.close();
    }
    for (const d of dirs) await run('rm', ['-rf', d]);
    if (timings.length > 0) process.stderr.write(`# container test timings: ${timings.join('; ')}\n`);
  });

  it('builds the image, starts the compose stack, commits a changed row into /project and reports healthy', { timeout: 900_000 }, async () => {
    const p = podman!;
    const t0 = Date.now();
    const images = await localImages(p, { mariadbContext: path.join(ROOT, 'test', 'container', 'mariadb'), say });
    const ipImage = IP_SKIP
      ? null
      : await invoicePlaneImage(p, {
          debian: images.debian,
          context: path.join(ROOT, 'test', 'container', 'invoiceplane'),
          tarball: INVOICEPLANE_TARBALL,
          say,
        });

    const image = 'localhost/git-dbsync:container-test';
    let t = Date.now();
    await p.ok(['build', '--format', 'docker', '--network=host', '--build-arg', `BASE_IMAGE=${images.node}`, '-t', image, ROOT]);
    say(`image build (repository Dockerfile, BASE_IMAGE=${images.node}): ${((Date.now() - t) / 1000).toFixed(1)} s`);
    const inspected = JSON.parse(await p.ok(['image', 'inspect', image])) as Array<{
      Healthcheck?: { Test: string[] };
      Config: { Entrypoint: string[]; Cmd: string[]; WorkingDir: string; Env: string[] };
    }>;
    const cfg = inspected[0]!.Config;
    assert.deepEqual(inspected[0]!.Healthcheck?.Test, ['CMD', 'git-dbsync', 'health'], 'the image has the HEALTHCHECK');
    assert.deepEqual(cfg.Cmd, ['watch'], 'runs watch by default');
    assert.equal(cfg.WorkingDir, '/project');
    assert.ok(cfg.Env.includes('PROJECT_DIR=/project'));
    const tools = await p.run([
      'run',
      '--rm',
      '--network=host',
      '--entrypoint',
      'sh',
      image,
      '-c',
      'git --version && ssh -V 2>&1 && git-dbsync --version && (command -v npm || command -v gcc || command -v tsc || echo no-build-tools)',
    ]);
    assert.equal(tools.code, 0, tools.stderr);
    assert.match(tools.stdout, /^git version 2\./m);
    assert.match(tools.stdout, /^OpenSSH_/m);
    assert.match(tools.stdout, /^no-build-tools$/m, 'no npm, compiler or tsc in the final image');

    // The stack: the repository's compose file, plus an override for this machine.
    const base = tempDir('dbsync-container-');
    dirs.push(base);
    const projectDir = path.join(base, 'project');
    const sshDir = path.join(base, 'ssh');
    const dataDir = path.join(base, 'mariadb');
    for (const d of [projectDir, sshDir, dataDir]) mkdirSync(d);
    const password = `pw-${randomBytes(9).toString('hex')}`;
    const secret = path.join(base, 'db_password.txt');
    writeFileSync(secret, password + '\n', { mode: 0o600 });
    // git-dbsync's own user (created by the compose file's init script) has its own password.
    const dbsyncSecret = path.join(base, 'dbsync_db_password.txt');
    writeFileSync(dbsyncSecret, `dbsync-${randomBytes(9).toString('hex')}\n`, { mode: 0o600 });
    const port = await freePort();
    const webPort = await freePort();
    const override = {
      services: {
        // The real InvoicePlane from the shared bundle (test/container/invoiceplane), with the compose
        // file's entrypoint (the password from the secret), volumes and MYSQL_* settings; only the
        // database address (host networking) and the command (PHP's built-in server: the stand-in
        // image has no nginx) differ. Without the bundle it is not started.
        invoiceplane: ipImage
          ? {
              image: ipImage,
              network_mode: 'host',
              environment: { MYSQL_HOST: '127.0.0.1', MYSQL_PORT: String(port), IP_URL: `http://127.0.0.1:${webPort}`, PHP_CLI_SERVER_WORKERS: '4' },
              command: ['php', '-d', 'date.timezone=UTC', '-S', `127.0.0.1:${webPort}`, '-t', '/var/www/html'],
            }
          : { network_mode: 'host' },
        mariadb: {
          image: images.mariadb,
          network_mode: 'host',
          // The server's port without replacing the compose file's command (its --sql-mode is checked below).
          environment: { MYSQL_TCP_PORT: String(port) },
          volumes: [`${dataDir}:/var/lib/mysql`],
        },
        'git-dbsync': {
          image,
          network_mode: 'host',
          // Host networking: the history page on a free port of this machine's loopback, not 0.0.0.0:8081.
          environment: { DB_HOST: '127.0.0.1', DB_PORT: String(port), POLL_INTERVAL: '1', DBSYNC_UI_ADDR: '127.0.0.1:0', DBSYNC_LOG_LEVEL: 'debug' },
          volumes: [`${projectDir}:/project`, `${sshDir}:/root/.ssh:ro`],
        },
      },
      secrets: { db_password: { file: secret }, dbsync_db_password: { file: dbsyncSecret } },
    };
    const overrideFile = path.join(base, 'override.yml');
    writeFileSync(overrideFile, JSON.stringify(override, null, 2)); // JSON is YAML
    // Host networking cannot go with published ports, and an override can add to a list but not
    // empty it: the two `ports:` blocks (InvoicePlane's and the history page's, the only lines that
    // differ) are left out of a copy of the compose file, read with the repository as its project
    // folder (for build: . and ./docker).
    let composeText = readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8');
    for (const published of [
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Compose's own variable syntax, as the file has it
      '    ports:\n      - "${IP_PORT:-8080}:80"\n',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Compose's own variable syntax, as the file has it
      '    ports:\n      - "127.0.0.1:${UI_PORT:-8081}:8081"\n',
    ]) {
      assert.ok(composeText.includes(published), `docker-compose.yml publishes ${JSON.stringify(published)} as the test expects`);
      composeText = composeText.replace(published, '');
    }
    const composeFile = path.join(base, 'docker-compose.yml');
    writeFileSync(composeFile, composeText);
    composeArgs = ['--project-name', project, '--project-directory', ROOT, '--file', composeFile, '--file', overrideFile];

    await p.startService();
    t = Date.now();
    composeUp = true;
    // As `docker compose up -d` starts it: every service (InvoicePlane only when its image exists).
    const up = compose(['up', '--detach', '--no-build', 'mariadb', 'git-dbsync', ...(ipImage ? ['invoiceplane'] : [])]);
    // Podman runs health checks from systemd timers, which this machine lacks: run MariaDB's check
    // (the compose file's) while `up` waits for `condition: service_healthy`.
    const upState: { result: RunResult | null } = { result: null };
    void up.then(
      (r) => (upState.result = r),
      (e: Error) => (upState.result = { code: -1, stdout: '', stderr: e.message }),
    );
    while (upState.result === null) {
      const id = await containerOf('mariadb').catch(() => '');
      if (id) await p.run(['healthcheck', 'run', id], { timeoutMs: 30_000 });
      await new Promise((r) => setTimeout(r, 1_000));
    }
    const upResult: RunResult = upState.result;
    assert.equal(
      upResult.code,
      0,
      `docker-compose up failed:\n${upResult.stderr}\n${await logsOf('mariadb')}\n${await logsOf('git-dbsync')}\n${p.serviceLog()}`,
    );
    say(`compose up (MariaDB healthy, git-dbsync started): ${((Date.now() - t) / 1000).toFixed(1)} s`);
    Object.assign(stack, { port, password, projectDir, webPort, invoiceplane: ipImage !== null });

    const dbsync = await containerOf('git-dbsync');
    const failWith = async (msg: string) => `${msg}\n${await logsOf('git-dbsync')}\n${await logsOf('mariadb')}`;
    try {
      await waitFor('the first snapshot commit in the mounted project folder', () => commitCount(projectDir) >= 1, 60_000);
    } catch (err) {
      assert.fail(await failWith((err as Error).message));
    }

    // The server runs with the compose file's SQL mode; the password came from the secret.
    const db = await mysql.createConnection({ host: '127.0.0.1', port, user: 'invoiceplane', password, database: 'invoiceplane' });
    try {
      const [[mode]] = (await db.query('SELECT @@GLOBAL.sql_mode AS m')) as unknown as [[{ m: string }]];
      assert.equal(mode.m, 'NO_ENGINE_SUBSTITUTION');
      t = Date.now();
      await db.query('CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(100)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4');
      await db.query("INSERT INTO items VALUES (1, 'first'), (2, 'second')");
      await waitFor(
        'the new table committed',
        () => existsSync(path.join(projectDir, 'database', 'data', 'items.sql')) && commitCount(projectDir) >= 2,
        30_000,
      ).catch(async (e: Error) => assert.fail(await failWith(e.message)));
      const before = commitCount(projectDir);
      await db.query("UPDATE items SET name = 'changed in the container test' WHERE id = 2");
      await waitFor('the changed row committed', () => commitCount(projectDir) > before, 30_000).catch(async (e: Error) =>
        assert.fail(await failWith(e.message)),
      );
      say(`row change to commit: ${((Date.now() - t) / 1000).toFixed(1)} s (both commits)`);
    } finally {
      await db.end();
    }
    const diff = git(projectDir, ['show', '--format=%an %s', 'HEAD', '--', 'database/data/items.sql']);
    assert.match(diff, /^git-dbsync /, 'committed by git-dbsync');
    assert.match(diff, /^-INSERT INTO `items` VALUES \(2,'second'\);$/m);
    assert.match(diff, /^\+INSERT INTO `items` VALUES \(2,'changed in the container test'\);$/m);
    assert.equal(git(projectDir, ['status', '--porcelain']), '', 'the mounted working tree is clean');

    // HEALTHCHECK: run by hand (no systemd timers here), then read back as podman inspect reports it.
    const hc = await p.run(['healthcheck', 'run', dbsync]);
    assert.equal(hc.code, 0, await failWith(`healthcheck run: ${hc.stdout}${hc.stderr}`));
    const status = (await p.ok(['inspect', '--format', '{{.State.Health.Status}}', dbsync])).trim();
    assert.equal(status, 'healthy');
    const health = await p.run(['exec', dbsync, 'git-dbsync', 'health']);
    assert.equal(health.code, 0, health.stderr);
    assert.match(health.stdout, /^healthy: watch pid \d+, last successful check \d+ s ago \(limit 60 s\)$/m);

    // The password is given as a secret file, never as a variable of the container.
    const env = (await p.ok(['inspect', '--format', '{{json .Config.Env}}', dbsync])).trim();
    assert.ok(!env.includes(password), 'the password is not in the container environment');
    assert.ok(env.includes('DB_PASSWORD_FILE=/run/secrets/dbsync_db_password'));
    // The compose file's MariaDB runs with the binary log, so git-dbsync (as its own user) reads only what changed.
    const logs = await logsOf('git-dbsync');
    assert.match(logs, /change source: binlog \(mysql-bin\.\d+\)/, logs);
    // The compose file has watch serve the history page (DBSYNC_UI_ADDR); the address with its token
    // is in the container log, as the compose file says, and the page lists the commits.
    const served = /history page: (http:\/\/\S+)/.exec(logs);
    assert.ok(served, `the history page address in the log:\n${logs}`);
    const pageAt = new URL(served[1]!);
    // The link sets the token as a cookie and redirects; a script sends the cookie itself.
    const home = await fetch(`${pageAt.origin}/`, { headers: { cookie: `dbsync_ui=${pageAt.searchParams.get('token')}` } });
    assert.equal(home.status, 200);
    assert.match(await home.text(), /items ~1/, 'the timeline shows the commit of the changed row');
    assert.equal((await fetch(pageAt.origin + '/')).status, 403, 'not without the token');
    say(`total: ${((Date.now() - t0) / 1000).toFixed(1)} s (cache ${CACHE_DIR})`);
  });
  it('runs the real InvoicePlane in the stack: its setup, a client, an invoice and an upload committed in its words', {
    skip: IP_SKIP ?? false,
    timeout: 600_000,
  }, async () => {
    assert.ok(stack.invoiceplane, 'the stack of the first test runs InvoicePlane');
    const p = podman!;
    const base = `http://127.0.0.1:${stack.webPort}`;
    const ipLogs = () => logsOf('invoiceplane');
    await waitFor(
      'InvoicePlane answering',
      async () => {
        try {
          const r = await fetch(`${base}/index.php/welcome`, { redirect: 'manual' });
          await r.arrayBuffer();
          return true;
        } catch {
          return false;
        }
      },
      60_000,
    ).catch(async (e: Error) => assert.fail(`${e.message}\n${await ipLogs()}`));

    // The web setup, with the database settings the start script wrote from the compose file.
    const user = new InvoicePlaneUser(base, {
      db_hostname: '127.0.0.1',
      db_port: String(stack.port),
      db_username: 'invoiceplane',
      db_password: stack.password,
      db_database: 'invoiceplane',
    });
    const subjects = () => git(stack.projectDir, ['log', '--format=%s']);
    const esc = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    // Each action's commit is awaited before the next click, as a person's pace gives (actions
    // closer than DBSYNC_MAX_DELAY share one commit, whose subject then names the largest event).
    const step = async (what: string, action: () => Promise<void>, committed: RegExp) => {
      try {
        await action();
      } catch (err) {
        assert.fail(`${what}: ${(err as Error).message}\n${await ipLogs()}`);
      }
      await waitFor(`the commit of: ${what}`, () => committed.test(subjects()), 60_000).catch(async (e: Error) =>
        assert.fail(`${e.message}\n${subjects()}\n${await logsOf('git-dbsync')}`),
      );
    };
    const t = Date.now();
    await step(
      'the web setup up to the last database upgrade',
      async () => {
        await user.setupLanguage();
        await user.setupInstallTables();
        await user.setupUpgradeTables();
      },
      // One commit when the whole setup fell into one pass (a quiet machine), else the installation
      // and then the upgrades up to 1.7.0.
      /^InvoicePlane (?:1\.7\.0 installed|upgraded [\d.]+ -> 1\.7\.0)/m,
    );
    assert.match(subjects(), /^InvoicePlane [\d.]+ installed/m);
    await step('the admin user', () => user.setupCreateUser(), /^User "Admin" added/m);
    await step('a client', () => user.login().then(() => user.createClient('nw', 'Nordwind Trading')), /^Client "Nordwind Trading" added$/m);
    await user.createInvoice('inv', 'nw');
    const number = await user.invoiceNumber('inv');
    await waitFor('the draft invoice committed', () => new RegExp(`^Invoice ${esc(number)} \\(Nordwind Trading\\) added`, 'm').test(subjects()), 60_000);
    await step(
      'an item',
      () => user.saveInvoice('inv', { add: [{ item_name: 'Consulting', item_quantity: '2', item_price: '450' }] }),
      new RegExp(`^Invoice ${esc(number)} \\(Nordwind Trading\\): 1 item added`, 'm'),
    );
    // An attachment uploaded to the invoice lands in the uploads volume, which git-dbsync reads.
    const db = await mysql.createConnection({ host: '127.0.0.1', port: stack.port, user: 'invoiceplane', password: stack.password, database: 'invoiceplane' });
    let urlKey: string;
    try {
      const [[row]] = (await db.query('SELECT invoice_url_key AS k FROM ip_invoices WHERE invoice_id = ?', [user.ids.inv])) as unknown as [[{ k: string }]];
      urlKey = row.k;
    } finally {
      await db.end();
    }
    const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');
    await step(
      'an upload',
      async () => {
        const answer = await user.b.upload(`upload/upload_file/${user.ids.nw}/${urlKey}`, {
          name: 'signed-order.png',
          type: 'image/png',
          bytes: new Uint8Array(png),
        });
        assert.equal(user.b.status, 200, `upload refused: ${answer}`);
      },
      /^File "signed-order\.png" \(Nordwind Trading\) uploaded/m,
    );
    say(`InvoicePlane setup and a day's first actions through the stack, each committed: ${((Date.now() - t) / 1000).toFixed(1)} s`);
    const uploaded = `database/files/uploads/customer_files/${urlKey}_signed-order.png`;
    // What the commits say is what they hold.
    const head = (file: string) => git(stack.projectDir, ['show', `HEAD:database/data/${file}`]);
    assert.match(head('ip_clients.sql'), /'Nordwind Trading'/);
    assert.match(head('ip_invoice_items.sql'), /'Consulting'/);
    // The file is committed byte for byte, in the same commit as the ip_uploads row that names it.
    const fileCommit = git(stack.projectDir, ['log', '-1', '--format=%H', '--', uploaded]).trim();
    assert.deepEqual(execFileSync('git', ['-C', stack.projectDir, 'show', `${fileCommit}:${uploaded}`]), png);
    const touched = git(stack.projectDir, ['show', '--name-only', '--format=', fileCommit]);
    assert.match(touched, /^database\/data\/ip_uploads[^\n]*\.sql$/m, `the upload's row is in the same commit:\n${touched}`);
    // ipconfig.php (the database password, ENCRYPTION_KEY) is in no git object; the password in none.
    const objects = execFileSync('git', ['-C', stack.projectDir, 'cat-file', '--batch-all-objects', '--batch'], { maxBuffer: 1 << 30 }).toString('latin1');
    assert.ok(!objects.includes(stack.password), 'the database password is in no git object');
    assert.ok(!git(stack.projectDir, ['log', '--all', '--name-only', '--format=']).includes('ipconfig.php'), 'ipconfig.php was never committed');
    const health = await p.run(['exec', await containerOf('git-dbsync'), 'git-dbsync', 'health']);
    assert.equal(health.code, 0, health.stdout + health.stderr);
  });
});
