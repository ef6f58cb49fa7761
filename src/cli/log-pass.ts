import type { Logger } from '../log/logger.js';
import type { PassResult } from '../sync/sync-pass.js';
import { profileNotice } from './profile-notice.js';
import { renderTakeover } from './render.js';
import { secretsNotice } from './secrets-notice.js';

/**
 * What every successful pass logs, for `sync` and `watch` alike: a run-lock takeover, the debug
 * `pass done` line (its fields in this order: log readers match `pass done ms=... lockMs=...`;
 * `trigger` last, for `watch`), a change source that had to read everything, the secrets and
 * profile notices, and git locks removed after a crash.
 */
export function logPass(log: Logger, r: PassResult, trigger?: string): void {
  const takeover = renderTakeover(r);
  if (takeover) log.info(takeover);
  log.debug(
    {
      ms: r.durationMs,
      lockMs: r.lockMs,
      lockWaitMs: r.lockWaitMs,
      tables: r.tables,
      rows: r.rows,
      rowsRead: r.rowsRead,
      tablesRead: r.read?.tablesRead,
      ...(r.read?.tablesByChunk ? { chunksRead: r.read.chunksRead } : {}),
      ...(trigger !== undefined ? { trigger } : {}),
    },
    'pass done',
  );
  for (const line of r.skipped ?? []) log.warn(line);
  if (r.read?.warn) log.warn(`change source ${r.read.source}: read every table: ${r.read.fullBecause}`);
  const notice = secretsNotice(r.secrets);
  if (notice) log[notice.level](notice.line);
  const profile = profileNotice(r.profile);
  if (profile) log[profile.level](profile.line);
  for (const f of r.files?.skipped ?? []) log.warn(`DBSYNC_FILES: ${f.reason}`);
  if (r.removedLocks)
    log.warn(`removed ${r.removedLocks.join(', ')}: left by a git process that was killed (no git process runs in the repository, older than 5 s)`);
}
