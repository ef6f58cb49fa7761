import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../fs/atomic-file.js';

/** What `status` can tell about past passes, kept in .git/dbsync/state.json (never committed). */
export interface RunState {
  readonly lastPassAt?: string;
  /** The last time `watch` found the snapshot current: a pass, or a poll whose change probe saw nothing (written at most every 10 s). */
  readonly lastCheckAt?: string;
  readonly lastCommit?: string | null;
  readonly lastResult?: string;
  readonly lastError?: { readonly at: string; readonly operation: string; readonly message: string; readonly hint: string } | null;
  readonly consecutiveFailures?: number;
  readonly push?: { readonly at: string; readonly status: string; readonly message: string } | null;
  /** The running `watch`: its pid and host name (for `health`: a pid means nothing on another host or container) and its poll interval. */
  readonly daemon?: { readonly pid: number; readonly host?: string; readonly pollIntervalMs?: number; readonly state: string; readonly since: string; readonly nextPassAt?: string } | null;
}

export function statePath(stateDir: string): string {
  return path.join(stateDir, 'state.json');
}

export async function readState(stateDir: string): Promise<RunState> {
  try {
    return JSON.parse(await readFile(statePath(stateDir), 'utf8')) as RunState;
  } catch {
    return {};
  }
}

/** This process's updates, applied one after another (the daemon fires several at once). */
let queue: Promise<unknown> = Promise.resolve();

/**
 * Merge `patch` (or what it computes from the stored state) into the stored state (atomic write;
 * concurrent writers are excluded by the run lock or are the one daemon). Updates from one process
 * are serialised: overlapping read-modify-writes would drop each other's fields.
 */
export function updateState(stateDir: string, patch: Partial<RunState> | ((prev: RunState) => Partial<RunState>)): Promise<RunState> {
  const run = queue.then(async () => {
    const prev = await readState(stateDir);
    const next = { ...prev, ...(typeof patch === 'function' ? patch(prev) : patch) };
    await writeFileAtomic(statePath(stateDir), JSON.stringify(next, null, 2) + '\n');
    return next;
  });
  queue = run.catch(() => undefined);
  return run;
}
