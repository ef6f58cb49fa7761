/**
 * Child processes of the benchmark: timed runs (with the peak memory of the process sampled) and
 * long-running daemons. Every child gets its own process group, so a stop or a clean-up also ends
 * what it started (git, mariadb-dump, sleep), and every live one is remembered for the clean-up.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

const live = new Set<ChildProcess>();

function killGroup(child: ChildProcess, signal: NodeJS.Signals, evenAfterExit = false): void {
  if (child.pid === undefined) return;
  if (!evenAfterExit && (child.exitCode !== null || child.signalCode !== null)) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // The group is already gone.
  }
}

/** SIGKILL every child process group still running (for the clean-up). */
export function killAllChildren(): void {
  for (const c of live) killGroup(c, 'SIGKILL');
  live.clear();
}

/** Resident memory of a process from /proc: current and high-water mark, in kB; null when gone. */
export function memoryOf(pid: number): { rssKb: number; hwmKb: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    const m = { rssKb: kb('VmRSS'), hwmKb: kb('VmHWM') };
    return Number.isFinite(m.hwmKb) ? m : null;
  } catch {
    return null;
  }
}

/**
 * CPU seconds a process has used so far, its waited-for children included (utime + stime +
 * cutime + cstime of /proc/PID/stat): for `watch`, its own work and that of the git processes it
 * ran. Null when the process is gone.
 */
export function cpuSecondsOf(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces: the fields after it start past the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state); utime..cstime are fields 14-17.
    const ticks = [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]), 0);
    return Number.isFinite(ticks) ? ticks / CLOCK_TICKS : null;
  } catch {
    return null;
  }
}

/** USER_HZ: clock ticks per second in /proc (100 on Linux for every architecture Node runs on here). */
const CLOCK_TICKS = 100;

/** Samples a process's VmHWM every few milliseconds (the kernel keeps the peak; sampling only has to catch it before the exit). */
export class MemorySampler {
  peakKb = 0;
  lastRssKb = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly pid: number,
    everyMs = 20,
  ) {
    this.sample();
    this.timer = setInterval(() => this.sample(), everyMs);
  }

  sample(): void {
    const m = memoryOf(this.pid);
    if (!m) return;
    this.peakKb = Math.max(this.peakKb, m.hwmKb);
    this.lastRssKb = m.rssKb;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

export interface RunResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly ms: number;
  readonly stdout: string;
  readonly stderr: string;
  /** Peak resident memory (VmHWM) of the process itself, when sampled. */
  readonly peakRssKb: number | null;
}

export interface RunOptions {
  readonly env: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** Feed this file to stdin / write stdout to this file (else stdout is collected). */
  readonly stdinFile?: string;
  readonly stdoutFile?: string;
  readonly sampleMemory?: boolean;
  readonly timeoutMs?: number;
}

/** Run a command to its end; wall time from spawn to exit. */
export function run(cmd: string, args: readonly string[], opts: RunOptions): Promise<RunResult> {
  const stdin = opts.stdinFile ? openSync(opts.stdinFile, 'r') : 'ignore';
  const stdout = opts.stdoutFile ? openSync(opts.stdoutFile, 'w') : 'pipe';
  const started = performance.now();
  const child = spawn(cmd, args, { env: opts.env, cwd: opts.cwd, stdio: [stdin, stdout, 'pipe'], detached: true });
  live.add(child);
  if (typeof stdin === 'number') closeSync(stdin);
  if (typeof stdout === 'number') closeSync(stdout);
  const sampler = opts.sampleMemory && child.pid ? new MemorySampler(child.pid) : null;
  let out = '';
  let err = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (err += d));
  const timer = opts.timeoutMs ? setTimeout(() => killGroup(child, 'SIGKILL'), opts.timeoutMs) : null;
  return new Promise((resolve, reject) => {
    child.once('error', (e) => {
      live.delete(child);
      sampler?.stop();
      if (timer) clearTimeout(timer);
      reject(e);
    });
    child.once('exit', () => sampler?.sample());
    child.once('close', (code, signal) => {
      const ms = performance.now() - started;
      live.delete(child);
      sampler?.stop();
      if (timer) clearTimeout(timer);
      resolve({ code, signal, ms, stdout: out, stderr: err, peakRssKb: sampler ? sampler.peakKb : null });
    });
  });
}

/** A run that must succeed: otherwise an error naming the command and the end of its output. */
export async function runOk(what: string, cmd: string, args: readonly string[], opts: RunOptions): Promise<RunResult> {
  const r = await run(cmd, args, opts);
  if (r.code !== 0) {
    const tail = (r.stderr || r.stdout).trim().split('\n').slice(-3).join(' / ');
    throw new Error(`${what} exited with ${r.code ?? r.signal}${tail ? `: ${tail}` : ''}`);
  }
  return r;
}

/** A long-running process (git-dbsync watch, the old approach's loop) with its output collected. */
export class Daemon {
  private out = '';
  private err = '';
  private done = false;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly memory: MemorySampler;
  readonly pid: number;

  constructor(private readonly child: ChildProcess) {
    this.pid = child.pid!;
    live.add(child);
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (this.out += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (this.err += d));
    this.memory = new MemorySampler(this.pid, 100);
    this.exited = new Promise((resolve) =>
      child.once('close', (code, signal) => {
        this.done = true;
        live.delete(child);
        this.memory.stop();
        resolve({ code, signal });
      }),
    );
  }

  static start(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv, cwd?: string): Daemon {
    return new Daemon(spawn(cmd, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: true }));
  }

  stdout(): string {
    return this.out;
  }

  stderr(): string {
    return this.err;
  }

  running(): boolean {
    return !this.done;
  }

  /** Wait for a condition; fails when the process exits first or after the timeout. */
  async waitFor(what: string, cond: () => boolean, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!cond()) {
      if (this.done) throw new Error(`exited before ${what}: ${this.tail()}`);
      if (Date.now() > deadline) throw new Error(`no ${what} within ${Math.round(timeoutMs / 1000)} s: ${this.tail()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** The last lines of its output, for error messages. */
  tail(): string {
    return (this.err.trim() || this.out.trim()).split('\n').slice(-2).join(' / ').slice(0, 300) || '(no output)';
  }

  /** SIGTERM to the process itself (a graceful stop), then SIGKILL to its group after `graceMs`. */
  async stop(graceMs = 60_000): Promise<void> {
    if (this.done) return;
    try {
      process.kill(this.pid, 'SIGTERM');
    } catch {
      // gone already
    }
    const timer = setTimeout(() => killGroup(this.child, 'SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
    // Whatever it started and left behind (a sleep of the shell loop) goes with it.
    killGroup(this.child, 'SIGKILL', true);
  }
}
