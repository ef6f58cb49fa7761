/** Helpers shared by integration tests: temporary repositories, running the CLI, git queries. */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const CLI = path.join(ROOT, 'bin', 'git-dbsync.js');

const tempDirs: string[] = [];
// Each test file runs in a process of its own: its temporary folders go when it ends, unless a test
// failed (exit code not 0: left for inspection) or DBSYNC_KEEP_TEMP=1.
process.on('exit', (code) => {
  if (code !== 0 || process.env.DBSYNC_KEEP_TEMP === '1') return;
  for (const dir of tempDirs) {
    try {
      rmSync(dir, { recursive: true, force: true, maxRetries: 2 });
    } catch {
      // A mount point still in use, or a file a test made undeletable: the rest still goes.
    }
  }
});

/** A new empty folder in the system's temporary folder, removed when the test process ends (see above). */
export function tempDir(prefix = 'dbsync-test-'): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

/** Base environment for the CLI: the machine's, minus anything that would leak into tests. */
export function baseEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(env)) if (/^(DB_|DBSYNC_|GIT_|GITHUB_TOKEN$|PROJECT_DIR|POLL_INTERVAL)/.test(k)) delete env[k];
  env.DBSYNC_LOCK_TIMEOUT = '10';
  // Tests of other behaviour run uncapped (the default; stated so that a cap in the machine's
  // environment cannot slow them). The cap has its own test (cpu-cap.test.ts).
  env.DBSYNC_MAX_CPU = '0';
  // Tests use repositories with no git identity of their own.
  env.GIT_CONFIG_GLOBAL = '/dev/null';
  env.GIT_CONFIG_NOSYSTEM = '1';
  return { ...env, ...extra };
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run `git-dbsync ARGS` synchronously. */
export function cli(args: string[], env: NodeJS.ProcessEnv, opts: { cwd?: string; timeoutMs?: number } = {}): CliResult {
  const r = spawnSync(process.execPath, [CLI, ...args], { env, cwd: opts.cwd ?? ROOT, encoding: 'utf8', timeout: opts.timeoutMs ?? 120_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Run `git-dbsync ARGS` in the background. */
export function cliAsync(args: string[], env: NodeJS.ProcessEnv, opts: { cwd?: string } = {}) {
  return spawn(process.execPath, [CLI, ...args], { env, cwd: opts.cwd ?? ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
}

export function git(cwd: string, args: string[], input?: string): string {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    input,
    env: baseEnv({ GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' }),
    maxBuffer: 1 << 30,
  });
}

export function commitCount(repo: string): number {
  const r = spawnSync('git', ['rev-list', '--count', 'HEAD'], { cwd: repo, encoding: 'utf8' });
  return r.status === 0 ? Number(r.stdout.trim()) : 0;
}

/** The subjects of the newest `n` commits, oldest first ([] for none). */
export function lastSubjects(repo: string, n: number): string[] {
  return n > 0
    ? git(repo, ['log', `-${n}`, '--format=%s'])
        .trim()
        .split('\n')
        .reverse()
    : [];
}

export function lastSubject(repo: string): string {
  return git(repo, ['log', '-1', '--format=%s']).trim();
}

/**
 * The least time any wait of the suites allows. A wait returns as soon as its condition holds, so a
 * generous limit costs nothing on a healthy run; only a stuck one reaches it. Shorter limits in the
 * tests state what is expected on a quiet machine, but these machines are shared: at a load
 * average of 4 on 2 cores a pass takes several times as long, and that must not fail a test.
 */
export const MIN_WAIT_MS = 60_000;

export function patient(ms: number): number {
  return Math.max(ms, MIN_WAIT_MS);
}

export async function waitFor(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + patient(timeoutMs);
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Equal texts, or a failure that shows the first differing line (long dumps make unreadable diffs). */
export function assertSameText(actual: string, expected: string, label: string): void {
  if (actual === expected) return;
  const a = actual.split('\n');
  const e = expected.split('\n');
  let i = 0;
  while (i < a.length && i < e.length && a[i] === e[i]) i++;
  const cut = (s: string | undefined) => (s === undefined ? '(missing)' : s.length > 400 ? s.slice(0, 400) + '...' : s);
  throw new Error(`${label}: first difference at line ${i + 1}\n  actual:   ${cut(a[i])}\n  expected: ${cut(e[i])}`);
}

/** `git-dbsync ARGS` without blocking the event loop (writers may run in this process). */
export function runCli(args: string[], env: NodeJS.ProcessEnv): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = cliAsync(args, env);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}
