/** A git-dbsync process running in the background (e.g. `watch`), with its output collected as it arrives. */
import type { ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { cliAsync, patient, waitFor } from './project.js';

export interface Background {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Everything written to stdout / stderr so far. */
  stdout(): string;
  stderr(): string;
  /** Still running? */
  running(): boolean;
  /** Resolves with the exit code (or the signal name) once the process has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Wait until stderr matches (or fail with the output so far). */
  waitForLog(re: RegExp, timeoutMs?: number): Promise<void>;
  /** Wait for the exit, failing after `timeoutMs`; returns the exit code. */
  waitExit(timeoutMs?: number): Promise<number | null>;
  /** SIGKILL if still running (for cleanup). */
  kill(): Promise<void>;
}

export function background(args: string[], env: NodeJS.ProcessEnv, opts: { cwd?: string } = {}): Background {
  const child = cliAsync(args, env, opts);
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  let done = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('close', (code, signal) => {
      done = true;
      resolve({ code, signal });
    }),
  );
  const self: Background = {
    child,
    pid: child.pid!,
    stdout: () => out,
    stderr: () => err,
    running: () => !done,
    exited,
    async waitForLog(re, timeoutMs = 30_000) {
      try {
        await waitFor(`log ${re}`, () => re.test(err) || done, timeoutMs);
      } catch (e) {
        throw new Error(`${(e as Error).message}; stderr so far:\n${err}`);
      }
      if (!re.test(err)) throw new Error(`process exited before logging ${re}; stderr:\n${err}`);
    },
    async waitExit(limitMs = 30_000) {
      const timeoutMs = patient(limitMs);
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`process did not exit within ${timeoutMs} ms; stderr:\n${err}`)), timeoutMs);
      });
      try {
        return (await Promise.race([exited, timeout])).code;
      } finally {
        clearTimeout(timer);
      }
    },
    async kill() {
      if (done) return;
      child.kill('SIGKILL');
      await exited;
    },
  };
  return self;
}

/** The command line of every process on the machine right now (`/proc/PID/cmdline`, NULs as spaces). */
export function allCommandLines(): Array<{ pid: number; cmdline: string }> {
  const out: Array<{ pid: number; cmdline: string }> = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      out.push({ pid: Number(name), cmdline: readFileSync(`/proc/${name}/cmdline`, 'utf8').replaceAll('\0', ' ') });
    } catch {
      // The process ended between listing and reading.
    }
  }
  return out;
}

/** A process's environment, or null when it is gone or not readable. */
export function environOf(pid: number): string | null {
  try {
    return readFileSync(`/proc/${pid}/environ`, 'utf8');
  } catch {
    return null;
  }
}
