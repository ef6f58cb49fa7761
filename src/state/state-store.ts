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
  /** When the current run of failed passes began (cleared by a successful pass). */
  readonly failingSince?: string | null;
  readonly push?: PushRecord | null;
  /** The last verdict an alert was sent for (see src/notify): kept here so a restart does not repeat it. */
  readonly alert?: { readonly level: string; readonly line: string; readonly at: string } | null;
  /** The running `watch`: its pid and host name (for `health`: a pid means nothing on another host or container) and its poll interval. */
  readonly daemon?: {
    readonly pid: number;
    readonly host?: string;
    readonly pollIntervalMs?: number;
    readonly state: string;
    readonly since: string;
    readonly nextPassAt?: string;
  } | null;
}

/** The last push attempt, and how long pushes have been failing (for the verdict and `health`). */
export interface PushRecord {
  readonly at: string;
  readonly status: string;
  readonly message: string;
  /** The last time the remote was known to hold every commit (a push, or nothing to push). */
  readonly lastOkAt?: string | null;
  /** The first failed push since then: the age of the backlog. */
  readonly failingSince?: string | null;
}

/** Push statuses after which the remote holds every commit. */
const PUSH_OK = new Set(['pushed', 'up-to-date']);

/** The push record after an attempt with this outcome at `at` ('no-remote' keeps no backlog). */
export function nextPushRecord(prev: RunState, push: { readonly status: string; readonly message: string }, at: string): PushRecord {
  const ok = PUSH_OK.has(push.status) || push.status === 'no-remote';
  return {
    at,
    status: push.status,
    message: push.message,
    lastOkAt: ok ? at : (prev.push?.lastOkAt ?? null),
    failingSince: ok ? null : (prev.push?.failingSince ?? at),
  };
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
