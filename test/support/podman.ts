/**
 * Podman for the container test, within this sandbox's limits (see the README's "Docker" section):
 * runc instead of crun (hybrid cgroups), cgroupfs, container ulimits below the hard open-files
 * limit, host networking only, and every configuration and storage path outside the machine's own:
 * configuration, socket and logs in a temporary folder of the run; images, layers and the state
 * database in a cache folder kept across runs (so the base images and the build's layer cache are
 * reused). No registry is reachable: base images are made here (debootstrap) and stand in for the
 * pinned ones of the Dockerfile and the compose file.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/** Kept across runs; delete it at any time to start cold. */
export const CACHE_DIR = process.env.DBSYNC_CONTAINER_CACHE ?? '/var/tmp/git-dbsync-container-cache';

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Run a command without blocking the event loop; never rejects for a non-zero exit. */
export function run(
  cmd: string,
  args: readonly string[],
  opts: { env?: NodeJS.ProcessEnv; cwd?: string; input?: string; timeoutMs?: number } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: opts.env, cwd: opts.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timer: NodeJS.Timeout | undefined;
    if (opts.timeoutMs) timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs);
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : -1), stdout, stderr: signal ? `${stderr}\n(killed by ${signal})` : stderr });
    });
    // A command that exits without reading its input must not fail the test with EPIPE.
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.input ?? '');
  });
}

function tail(s: string, n = 40): string {
  return s.trimEnd().split('\n').slice(-n).join('\n');
}

/** Which of the commands the container test needs are missing (`command -v`). */
export async function missingCommands(names: readonly string[]): Promise<string[]> {
  const missing: string[] = [];
  for (const n of names) if ((await run('sh', ['-c', `command -v ${n}`])).code !== 0) missing.push(n);
  return missing;
}

export class Podman {
  /** Environment for podman and for docker-compose talking to the service. */
  readonly env: NodeJS.ProcessEnv;
  private service: ChildProcess | null = null;
  readonly socket: string;

  private constructor(readonly runDir: string) {
    const storage = path.join(CACHE_DIR, 'storage');
    // The state database records its paths and refuses others on the next run: the run root and
    // libpod's own temporary folder stay in the cache folder too (stale states are cleared by reset()).
    const conf = path.join(runDir, 'containers.conf');
    writeFileSync(
      conf,
      [
        '[containers]',
        'default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]',
        '[engine]',
        'runtime = "runc"',
        'cgroup_manager = "cgroupfs"',
        'events_logger = "file"',
        `tmp_dir = "${path.join(CACHE_DIR, 'libpod-tmp')}"`,
        '[network]',
        `network_config_dir = "${path.join(CACHE_DIR, 'networks')}"`,
        '',
      ].join('\n'),
    );
    const storageConf = path.join(runDir, 'storage.conf');
    writeFileSync(storageConf, ['[storage]', 'driver = "overlay"', `graphroot = "${storage}"`, `runroot = "${path.join(CACHE_DIR, 'run')}"`, ''].join('\n'));
    const tmp = path.join(runDir, 'tmp');
    mkdirSync(tmp);
    mkdirSync(path.join(CACHE_DIR, 'networks'), { recursive: true });
    this.socket = path.join(runDir, 'podman.sock');
    this.env = {
      ...process.env,
      CONTAINERS_CONF: conf,
      CONTAINERS_STORAGE_CONF: storageConf,
      TMPDIR: tmp,
      DOCKER_HOST: `unix://${this.socket}`,
      COMPOSE_INTERACTIVE_NO_CLI: '1',
    };
  }

  static create(): Podman {
    mkdirSync(CACHE_DIR, { recursive: true });
    return new Podman(mkdtempSync(path.join(os.tmpdir(), 'dbsync-podman-')));
  }

  run(args: readonly string[], opts: { timeoutMs?: number; input?: string } = {}): Promise<RunResult> {
    return run('podman', args, { env: this.env, timeoutMs: opts.timeoutMs ?? 600_000, input: opts.input });
  }

  /** podman ARGS, stdout; throws with the end of its output on failure. */
  async ok(args: readonly string[], opts: { timeoutMs?: number } = {}): Promise<string> {
    const r = await this.run(args, opts);
    if (r.code !== 0) throw new Error(`podman ${args.join(' ')} exited ${r.code}:\n${tail(r.stderr || r.stdout)}`);
    return r.stdout;
  }

  async imageExists(name: string): Promise<boolean> {
    return (await this.run(['image', 'exists', name])).code === 0;
  }

  /** Remove every container, pod and network left in this test's own storage by an interrupted run. */
  async reset(): Promise<void> {
    await this.run(['pod', 'rm', '--all', '--force'], { timeoutMs: 60_000 });
    await this.run(['rm', '--all', '--force', '--time', '0'], { timeoutMs: 60_000 });
    await this.run(['volume', 'prune', '--force'], { timeoutMs: 60_000 });
    const nets = (await this.run(['network', 'ls', '--format', '{{.Name}}'])).stdout.split('\n').filter((n) => n && n !== 'podman');
    if (nets.length > 0) await this.run(['network', 'rm', '--force', ...nets], { timeoutMs: 60_000 });
  }

  /** The Docker-compatible API on a socket in the run folder, for docker-compose. Idle exit as a safety net. */
  async startService(): Promise<void> {
    const log = openSync(path.join(this.runDir, 'service.log'), 'a');
    this.service = spawn('podman', ['system', 'service', '--time=300', `unix://${this.socket}`], { env: this.env, stdio: ['ignore', log, log] });
    const deadline = Date.now() + 20_000;
    for (;;) {
      if (this.service.exitCode !== null) throw new Error(`podman system service exited ${this.service.exitCode}:\n${this.serviceLog()}`);
      if (await canConnect(this.socket)) return;
      if (Date.now() > deadline) throw new Error(`podman system service did not listen on ${this.socket}:\n${this.serviceLog()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  serviceLog(): string {
    try {
      return tail(readFileSync(path.join(this.runDir, 'service.log'), 'utf8'));
    } catch {
      return '(no log)';
    }
  }

  /** Stop the service this object started (by its pid), then remove the run folder. */
  async close(): Promise<void> {
    const s = this.service;
    if (s && s.exitCode === null && s.signalCode === null) {
      const exited = new Promise((r) => s.once('exit', r));
      s.kill('SIGTERM');
      const timer = setTimeout(() => s.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    this.service = null;
    rmSync(this.runDir, { recursive: true, force: true });
  }
}

function canConnect(socket: string): Promise<boolean> {
  return new Promise((resolve) => {
    const c = net.connect(socket);
    c.once('connect', () => {
      c.end();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });
}

function hashOf(parts: ReadonlyArray<string | Buffer>): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p).update('\0');
  return h.digest('hex').slice(0, 12);
}

/** Every file under `dir`, in a stable order, for cache keys. */
function filesOf(dir: string): Buffer[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name))
    .sort()
    .flatMap((f) => [Buffer.from(path.relative(dir, f)), readFileSync(f)]);
}

export interface LocalImages {
  /** Debian bookworm, minimal (debootstrap --variant=minbase). */
  readonly debian: string;
  /** The Debian base plus this machine's Node 20 and npm where the official node image has them. */
  readonly node: string;
  /** Debian's mariadb-server with the official image's entrypoint interface (test/container/mariadb). */
  readonly mariadb: string;
}

/**
 * The local base images, made once and then reused from the cache. `say` reports progress (and
 * how long each step took). Names carry a hash of their inputs, so a new Node, CA bundle or
 * MariaDB stand-in makes a new image instead of reusing a stale one.
 */
export async function localImages(p: Podman, opts: { mariadbContext: string; say: (msg: string) => void }): Promise<LocalImages> {
  const timed = async (what: string, fn: () => Promise<void>) => {
    const t0 = Date.now();
    await fn();
    opts.say(`${what}: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  };

  const debian = 'localhost/git-dbsync-test/debian:bookworm-minbase';
  if (!(await p.imageExists(debian))) {
    await timed('debootstrap bookworm minbase and import', async () => {
      const root = mkdtempSync(path.join(CACHE_DIR, 'rootfs-'));
      try {
        const d = await run('debootstrap', ['--variant=minbase', 'bookworm', root, 'http://deb.debian.org/debian'], { timeoutMs: 600_000 });
        if (d.code !== 0) throw new Error(`debootstrap exited ${d.code}:\n${tail(d.stdout + d.stderr)}`);
        rmSync(path.join(root, 'var/cache/apt/archives'), { recursive: true, force: true });
        mkdirSync(path.join(root, 'var/cache/apt/archives/partial'), { recursive: true });
        const imp = await run('sh', ['-c', `tar -C "${root}" -c . | podman import --change 'CMD ["/bin/bash"]' - ${debian}`], {
          env: p.env,
          timeoutMs: 300_000,
        });
        if (imp.code !== 0) throw new Error(`podman import exited ${imp.code}:\n${tail(imp.stderr)}`);
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    });
  }

  // Node 20 as in the official node image: /usr/local/bin/node and npm in /usr/local/lib/node_modules.
  const npmDir = path.join(path.dirname(path.dirname(process.execPath)), 'lib', 'node_modules', 'npm');
  if (!existsSync(path.join(npmDir, 'bin', 'npm-cli.js'))) throw new Error(`npm not found next to ${process.execPath} (looked in ${npmDir})`);
  // An intercepting proxy's CA (this sandbox has one) must reach npm inside the build too.
  const extraCa = process.env.NODE_EXTRA_CA_CERTS && existsSync(process.env.NODE_EXTRA_CA_CERTS) ? readFileSync(process.env.NODE_EXTRA_CA_CERTS) : null;
  const npmVersion = (JSON.parse(readFileSync(path.join(npmDir, 'package.json'), 'utf8')) as { version: string }).version;
  const node = `localhost/git-dbsync-test/node:${process.versions.node}-${hashOf([process.version, npmVersion, extraCa ?? ''])}`;
  if (!(await p.imageExists(node))) {
    await timed(`node base (Node ${process.version}, npm ${npmVersion})`, async () => {
      const ctx = mkdtempSync(path.join(p.runDir, 'node-'));
      copyFileSync(process.execPath, path.join(ctx, 'node'));
      cpSync(npmDir, path.join(ctx, 'npm'), { recursive: true });
      const lines = [`FROM ${debian}`, 'COPY node /usr/local/bin/node', 'COPY npm /usr/local/lib/node_modules/npm'];
      if (extraCa) {
        writeFileSync(path.join(ctx, 'extra-ca.pem'), extraCa);
        lines.push('COPY extra-ca.pem /usr/local/share/git-dbsync-test/extra-ca.pem', 'ENV NODE_EXTRA_CA_CERTS=/usr/local/share/git-dbsync-test/extra-ca.pem');
      }
      lines.push(
        'RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx && node --version && npm --version',
      );
      writeFileSync(path.join(ctx, 'Containerfile'), lines.join('\n') + '\n');
      await p.ok(['build', '--network=host', '--format', 'docker', '-t', node, ctx]);
      rmSync(ctx, { recursive: true, force: true });
    });
  }

  const mariadb = `localhost/git-dbsync-test/mariadb:10.11-${hashOf(filesOf(opts.mariadbContext))}`;
  if (!(await p.imageExists(mariadb))) {
    await timed('MariaDB stand-in image (Debian mariadb-server)', async () => {
      await p.ok(['build', '--network=host', '--format', 'docker', '--build-arg', `BASE_IMAGE=${debian}`, '-t', mariadb, opts.mariadbContext]);
    });
  }
  return { debian, node, mariadb };
}

/**
 * The real InvoicePlane 1.7.0 as an image (test/container/invoiceplane: Debian's PHP 8.2 on the
 * local Debian base, the public image's start-script interface), from the shared offline bundle,
 * made once and then reused from the cache; the name carries a hash of the context and the bundle.
 */
export async function invoicePlaneImage(p: Podman, opts: { debian: string; context: string; tarball: string; say: (msg: string) => void }): Promise<string> {
  const name = `localhost/git-dbsync-test/invoiceplane:1.7.0-${hashOf([...filesOf(opts.context), readFileSync(opts.tarball)])}`;
  if (await p.imageExists(name)) return name;
  const t0 = Date.now();
  const ctx = mkdtempSync(path.join(p.runDir, 'invoiceplane-'));
  try {
    cpSync(opts.context, ctx, { recursive: true });
    copyFileSync(opts.tarball, path.join(ctx, 'invoiceplane.tar.gz'));
    await p.ok(['build', '--network=host', '--format', 'docker', '--build-arg', `BASE_IMAGE=${opts.debian}`, '-t', name, ctx]);
  } finally {
    rmSync(ctx, { recursive: true, force: true });
  }
  opts.say(`InvoicePlane image (the shared bundle, Debian PHP 8.2): ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return name;
}
