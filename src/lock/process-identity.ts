import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { errnoCode } from '../errors/fs-error.js';

/**
 * Who holds a lock, written into the lock file so that the next process can tell an abandoned
 * lock (its owner was killed: kill -9, OOM, a container restart) from a live one at once, instead
 * of waiting for it to go stale.
 *
 * A process is named by its pid plus its start time (field 22 of /proc/<pid>/stat, clock ticks
 * since boot): a pid alone is reused, and in a container the daemon has the same small pid after
 * every restart. The host is the host name (a container's is its id) plus the kernel's boot id, so
 * a pid is only ever judged on the machine, and the boot, that it belongs to.
 */
export interface ProcessIdentity {
  readonly pid: number;
  readonly host: string;
  /** /proc/sys/kernel/random/boot_id; null where there is none (not Linux). */
  readonly bootId: string | null;
  /** Start time of the process in clock ticks since boot; null where /proc is not readable. */
  readonly startTicks: string | null;
}

/** What /proc says of a process: null when it does not exist (or is a zombie: it has ended). */
function procStat(pid: number): { startTicks: string } | null | 'unknown' {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch (err) {
    const code = errnoCode(err);
    // No /proc at all (macOS, BSD): the caller falls back to a signal check.
    if (code === 'ENOENT') return readableProc() ? null : 'unknown';
    return 'unknown';
  }
  // The command name (field 2) is in parentheses and may hold spaces: fields after the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const state = fields[0];
  if (state === 'Z' || state === 'X') return null;
  const startTicks = fields[19];
  return startTicks ? { startTicks } : 'unknown';
}

let procReadable: boolean | undefined;
function readableProc(): boolean {
  if (procReadable === undefined) {
    try {
      readFileSync('/proc/self/stat');
      procReadable = true;
    } catch {
      procReadable = false;
    }
  }
  return procReadable;
}

let bootId: string | null | undefined;
function readBootId(): string | null {
  if (bootId === undefined) {
    try {
      bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || null;
    } catch {
      bootId = null;
    }
  }
  return bootId;
}

let self: ProcessIdentity | undefined;
/** This process. */
export function currentProcess(): ProcessIdentity {
  if (!self) {
    const stat = procStat(process.pid);
    self = { pid: process.pid, host: hostname(), bootId: readBootId(), startTicks: stat && stat !== 'unknown' ? stat.startTicks : null };
  }
  return self;
}

export function sameProcess(a: ProcessIdentity, b: ProcessIdentity): boolean {
  return a.pid === b.pid && a.host === b.host && a.bootId === b.bootId && a.startTicks === b.startTicks;
}

/**
 * Whether the process is provably gone, provably alive, or unknown. Only a process of this host
 * and boot can be judged: another host (or a boot id that differs, which may also be another
 * machine with the same name) is 'unknown', and its lock is judged by age alone.
 */
export function ownerState(owner: ProcessIdentity): 'gone' | 'alive' | 'unknown' {
  const me = currentProcess();
  if (owner.host !== me.host || owner.bootId !== me.bootId) return 'unknown';
  const stat = procStat(owner.pid);
  if (stat === null) return 'gone';
  if (stat !== 'unknown') {
    // The pid is in use by another process (reused after the owner died) when the start time differs.
    if (owner.startTicks === null) return 'unknown';
    return stat.startTicks === owner.startTicks ? 'alive' : 'gone';
  }
  try {
    process.kill(owner.pid, 0);
    return 'unknown';
  } catch (err) {
    return errnoCode(err) === 'ESRCH' ? 'gone' : 'unknown';
  }
}

/** Parse an identity written by `JSON.stringify`; null for anything else (a lock of an older version, a partial write). */
export function parseIdentity(text: string): ProcessIdentity | null {
  try {
    const v = JSON.parse(text) as Partial<Record<keyof ProcessIdentity, unknown>>;
    if (typeof v.pid !== 'number' || !Number.isInteger(v.pid) || v.pid <= 0 || typeof v.host !== 'string') return null;
    const optional = (x: unknown) => (typeof x === 'string' ? x : null);
    return { pid: v.pid, host: v.host, bootId: optional(v.bootId), startTicks: optional(v.startTicks) };
  } catch {
    return null;
  }
}
