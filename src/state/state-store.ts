import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../fs/atomic-file.js';

/** What `status` can tell about past passes, kept in .git/dbsync/state.json (never committed). */
export interface RunState {
  readonly lastPassAt?: string;
  readonly lastCommit?: string | null;
  readonly lastResult?: string;
  readonly lastError?: { readonly at: string; readonly operation: string; readonly message: string; readonly hint: string } | null;
  readonly consecutiveFailures?: number;
  readonly push?: { readonly at: string; readonly status: string; readonly message: string } | null;
  readonly daemon?: { readonly pid: number; readonly state: string; readonly since: string; readonly nextPassAt?: string } | null;
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

/** Merge `patch` into the stored state (atomic write; concurrent writers are excluded by the run lock or are the one daemon). */
export async function updateState(stateDir: string, patch: Partial<RunState>): Promise<RunState> {
  const next = { ...(await readState(stateDir)), ...patch };
  await writeFileAtomic(statePath(stateDir), JSON.stringify(next, null, 2) + '\n');
  return next;
}
