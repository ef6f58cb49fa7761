import { hostname } from 'node:os';
import { WatchLoop } from '../daemon/watch-loop.js';
import { ChangeProbe, ProbeUnavailable } from '../detect/change-probe.js';
import { ExitCode } from '../errors/exit-codes.js';
import { updateState } from '../state/state-store.js';
import { runPass } from '../sync/sync-pass.js';
import type { CommandContext } from './context.js';
import { recordFailure } from './record.js';
import { renderPass, renderTakeover } from './render.js';
import { secretsNotice } from './secrets-notice.js';
import { profileNotice } from './profile-notice.js';
import { ProgressDisplay } from './progress-display.js';
import { watchPulls } from './watch-pulls.js';
import { isVerification } from '../daemon/pass-scheduler.js';
import { selectChangeSource, type SourceChoice } from '../sync/select-source.js';

/**
 * `git-dbsync watch`: the daemon. The first SIGINT/SIGTERM lets a running pass finish and then
 * exits 0; a second one exits at once (130) -- safe, because files are renamed into place and
 * commits are made by git atomically, so an interrupted pass leaves only temporary files that the
 * next pass removes.
 */
export async function watchCommand(ctx: CommandContext, signals: NodeJS.EventEmitter, forceExit: (code: number) => void): Promise<number> {
  const { project, log, config } = ctx;
  // DBSYNC_VERIFY_INTERVAL=0: no probe, a full pass every poll.
  const probe = config.verifyIntervalMs > 0 ? new ChangeProbe(project.connect) : null;
  // Progress of a long pass (the first snapshot of a large database): a terminal line, or a summary in the log.
  const display = new ProgressDisplay({ stream: process.stderr, log });
  // Two-way mode: a pass is a pull every DBSYNC_PULL_INTERVAL (see watch-pulls.ts).
  const pulls = watchPulls(ctx);
  // Chosen at the first pass (the database may be down at start-up) and logged once.
  let choice: SourceChoice | null = null;
  const changeSource = async () => {
    if (!choice) {
      choice = await selectChangeSource(project);
      log.info(choice.line);
    }
    return choice.source;
  };
  const loop = new WatchLoop({
    runPass: ({ push, trigger }) =>
      pulls
        .pass(push, async () =>
          // Verification passes read every table: they catch what the source cannot see (sql_log_bin=0, binlog filters).
          runPass(project, { push, progress: display.update, changeSource: await changeSource(), fullRead: isVerification(trigger) ? `verification pass (${trigger})` : null }),
        )
        .finally(() => display.clear()),
    wanted: pulls.wanted,
    intervalMs: config.pollIntervalMs,
    maxBackoffMs: config.maxBackoffMs,
    ...(probe ? { probe: () => probe.read() } : {}),
    schedule: { verifyMs: config.verifyIntervalMs, quietMs: config.quietPeriodMs, maxDelayMs: config.maxDelayMs },
  });
  const since = () => new Date().toISOString();
  const daemonState = (state: string) =>
    updateState(project.stateDir, { daemon: { pid: process.pid, host: hostname(), pollIntervalMs: config.pollIntervalMs, state, since: since() } }).catch(() => undefined);

  loop.on('state', (s) => void daemonState(s));
  // One debug line per poll, so a log tells skipped polls, probe-triggered passes and verifications apart.
  let checkWrittenAt = 0;
  loop.on('poll:skipped', () => {
    log.debug({ trigger: 'none' }, 'poll skipped: no change');
    // `health` needs to know the daemon still checks; a state write every poll would be wasted disk I/O.
    if (Date.now() - checkWrittenAt < 10_000) return;
    checkWrittenAt = Date.now();
    void updateState(project.stateDir, { lastCheckAt: since() }).catch(() => undefined);
  });
  loop.on('poll:changed', () => log.debug('change seen: waiting for quiet'));
  let probeFailureLogged = false;
  loop.on('probe:failure', (err) => {
    if (err instanceof ProbeUnavailable) {
      if (!probeFailureLogged) log.warn(`change probe unavailable: ${err.message}; every poll is a full pass`);
      probeFailureLogged = true;
    } else log.debug({ error: err instanceof Error ? err.message : String(err) }, 'change probe failed: a full pass runs instead');
  });
  loop.on('pass:success', (r, trigger) => {
    // `trigger` last: log readers match `pass done ms=... lockMs=...`.
    const takeover = renderTakeover(r);
    if (takeover) log.info(takeover);
    log.debug({ ms: r.durationMs, lockMs: r.lockMs, lockWaitMs: r.lockWaitMs, tables: r.tables, rows: r.rows, rowsRead: r.rowsRead, tablesRead: r.read?.tablesRead, ...(r.read?.tablesByChunk ? { chunksRead: r.read.chunksRead } : {}), trigger }, 'pass done');
    if (r.read?.warn) log.warn(`change source ${r.read.source}: read every table: ${r.read.fullBecause}`);
    const notice = secretsNotice(r.secrets);
    if (notice) log[notice.level](notice.line);
    const profile = profileNotice(r.profile);
    if (profile) log[profile.level](profile.line);
    if (r.removedLocks) log.warn(`removed ${r.removedLocks.join(', ')}: left by a git process that was killed (no git process runs in the repository, older than 5 s)`);
    if (r.commit.commit || (r.push && r.push.status === 'pushed')) log.info(renderPass(r));
    void updateState(project.stateDir, {
      lastPassAt: since(),
      lastCheckAt: since(),
      lastCommit: r.commit.commit,
      lastResult: renderPass(r),
      lastError: null,
      consecutiveFailures: 0,
      ...(r.push ? { push: { at: since(), status: r.push.status, message: r.push.message } } : {}),
    }).catch(() => undefined);
  });
  loop.on('pass:failure', (err, failures, retryIn) => {
    // The first failure is an error; repeats are logged less loudly until recovery.
    const line = `${err.toLine()} (failure ${failures}, retrying in ${Math.round(retryIn / 1000)} s)`;
    if (failures === 1 || failures % 10 === 0) log.error(line);
    else log.warn(line);
    void recordFailure(project.stateDir, err);
  });
  loop.on('pass:recovered', (failures) => log.info(`recovered after ${failures} failed pass(es)`));
  loop.on('push:failure', (message, failures, retryIn) => log.warn(`${message} (push failure ${failures}, next push attempt in ${Math.round(retryIn / 1000)} s)`));

  let signalled = 0;
  const onSignal = (sig: string) => {
    signalled++;
    if (signalled === 1) {
      log.info(`${sig} received: stopping after the current pass (send again to stop at once)`);
      loop.stop();
    } else {
      log.warn(`${sig} received again: exiting now; the next start completes any interrupted pass`);
      forceExit(ExitCode.Interrupted);
    }
  };
  signals.on('SIGINT', () => onSignal('SIGINT'));
  signals.on('SIGTERM', () => onSignal('SIGTERM'));

  const how = probe ? `change probe, full verification every ${config.verifyIntervalMs / 1000} s` : 'a full pass every poll';
  log.info(`watching database ${config.db.database} every ${config.pollIntervalMs / 1000} s into ${project.top}/${project.snapshotPath} (${how})`);
  await loop.run();
  await probe?.close();
  await updateState(project.stateDir, { daemon: null }).catch(() => undefined);
  log.info('stopped');
  return ExitCode.Ok;
}
