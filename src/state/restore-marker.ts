import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { DbsyncError } from '../errors/dbsync-error.js';
import { ExitCode } from '../errors/exit-codes.js';
import { writeFileAtomic } from '../fs/atomic-file.js';

/**
 * The restore-in-progress marker, `.git/dbsync/restore.json`: written before the first shadow table
 * is created, removed when the restored state is committed. While it exists the database may hold
 * shadow tables, or new tables without their triggers or foreign keys yet, so `sync`, `watch` and
 * `pull` refuse to commit (a kill -9 must never be recorded as data) until `restore --resume`
 * finishes the restore or `restore --abort` goes back.
 */
export interface RestoreMarker {
  /** The commit being restored. */
  readonly commit: string;
  /** The commit holding the database as it was before (null: it was empty), for --abort. */
  readonly before: string | null;
  readonly dropExtra: boolean;
  /** 'load': shadow tables being filled, live tables untouched; 'swapped': the one RENAME TABLE ran. */
  readonly phase: 'load' | 'swapping' | 'swapped';
  /** Tables being replaced or created. */
  readonly tables: readonly string[];
  /** `restore --tables`: the tables asked for (resume and abort touch only these); null or absent: a whole restore. */
  readonly only?: readonly string[] | null;
  readonly startedAt: string;
}

export const markerPath = (stateDir: string) => path.join(stateDir, 'restore.json');

export async function readRestoreMarker(stateDir: string): Promise<RestoreMarker | null> {
  const text = await readFile(markerPath(stateDir), 'utf8').catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? null : Promise.reject(err)));
  return text === null ? null : (JSON.parse(text) as RestoreMarker);
}

export async function writeRestoreMarker(stateDir: string, marker: RestoreMarker): Promise<void> {
  await writeFileAtomic(markerPath(stateDir), JSON.stringify(marker, null, 2) + '\n');
}

export async function removeRestoreMarker(stateDir: string): Promise<void> {
  await rm(markerPath(stateDir), { force: true });
}

export function interruptedError(operation: string, marker: RestoreMarker): DbsyncError {
  return new DbsyncError({
    operation,
    message: `a restore was interrupted (of ${marker.commit.slice(0, 12)}, started ${marker.startedAt}): the database may not be a state worth committing; nothing was committed`,
    hint: 'run `git-dbsync restore --resume` to finish it or `git-dbsync restore --abort` to go back',
    exitCode: ExitCode.RestoreInterrupted,
  });
}

/** Refuse to take a snapshot while a restore is unfinished (sync, watch, pull, the hook). */
export async function refuseDuringRestore(stateDir: string, operation: string): Promise<void> {
  const marker = await readRestoreMarker(stateDir);
  if (marker) throw interruptedError(operation, marker);
}
