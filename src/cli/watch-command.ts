import { hostname } from 'node:os';
import { WatchLoop } from '../daemon/watch-loop.js';
import { CPU_BURST_MS, CpuBudget } from '../daemon/cpu-budget.js';
import { processCpuMs } from '../daemon/process-cpu.js';
import { BinlogWaker } from '../detect/binlog-waker.js';
import { ChangeProbe, ProbeUnavailable, type ProbeReading } from '../detect/change-probe.js';
import type { FilesConfig } from '../config/config.js';
import { filesFingerprint } from '../files/files-fingerprint.js';
import { ExitCode } from '../errors/exit-codes.js';
import { updateState } from '../state/state-store.js';
import { runPass } from '../sync/sync-pass.js';
import type { CommandContext } from './context.js';
import { recordFailure, recordSuccess } from './record.js';
import { BackupJudge } from './backup-judge.js';
import { openCount, readConflicts } from '../pull/conflict-store.js';
import { renderPass } from './render.js';
import { logPass } from './log-pass.js';
import { ProgressDisplay } from './progress-display.js';
import { watchPull } from './watch-pulls.js';
import { isVerification } from '../daemon/pass-scheduler.js';
import { selectChangeSource, type SourceChoice } from '../sync/select-source.js';
import { startHistoryPage } from './ui-command.js';

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
  // Two-way mode: a pass is a pull every DBSYNC_PULL_INTERVAL (the loop decides when; watch-pulls.ts runs one).
  const twoWay = config.sync.mode === 'two-way';
  if (twoWay)
    log.info(`two-way mode: pulling from ${config.git.remoteName} every ${config.sync.pullIntervalMs / 1000} s (conflict rule: ${config.sync.conflictRule})`);
  // Chosen at the first pass (the database may be down at start-up) and logged once.
  let choice: SourceChoice | null = null;
  // With the binary log as the source and a probe: woken by the log's events instead of waiting for the next poll.
  let waker: BinlogWaker | null = null;
  const changeSource = async () => {
    if (!choice) {
      choice = await selectChangeSource(project);
      log.info(choice.line);
      metrics?.changeSource(choice.source?.name ?? 'full');
      if (choice.source?.name === 'binlog' && probe) {
        waker = new BinlogWaker({
          connect: project.connect,
          db: config.db,
          schema: config.db.database,
          onChange: () => loop.nudge(),
          onUnavailable: (reason) => log.warn(`not woken by the binary log: ${reason}; polling every ${config.pollIntervalMs / 1000} s`),
        });
        waker.start();
      }
    }
    return choice.source;
  };
  const loop = new WatchLoop({
    runPass: async ({ push, trigger, pull }) => {
      try {
        // Verification passes read every table: they catch what the source cannot see (sql_log_bin=0,
        // binlog filters). A source that checks every row itself (chunk checksums) is its own verification.
        const source = await changeSource();
        const read = { changeSource: source, fullRead: isVerification(trigger) && !source?.verifies ? `verification pass (${trigger})` : null };
        // Two-way mode: the pull's first pass (our side) reads only what changed too.
        if (pull) return await watchPull(ctx, push, read);
        return await runPass(project, { push, progress: display.update, ...read });
      } finally {
        display.clear();
      }
    },
    ...(twoWay ? { pullIntervalMs: config.sync.pullIntervalMs } : {}),
    intervalMs: config.pollIntervalMs,
    maxBackoffMs: config.maxBackoffMs,
    ...(probe ? { probe: withFiles(() => probe.read(), config.files) } : {}),
    schedule: { verifyMs: config.verifyIntervalMs, quietMs: config.quietPeriodMs, maxDelayMs: config.maxDelayMs },
    // DBSYNC_MAX_CPU: passes spend from a CPU budget (src/daemon/cpu-budget.ts).
    ...(config.maxCpuShare > 0 ? { cpu: { budget: new CpuBudget(config.maxCpuShare, CPU_BURST_MS, Date.now()), usedMs: processCpuMs } } : {}),
  });
  const since = () => new Date().toISOString();
  // Alerts, heartbeat and metrics: judged after every pass and every 10 s of idle polls.
  const judge = await BackupJudge.create(ctx, { metrics: true });
  const metrics = judge.metrics;
  const checkAlerts = () => judge.judge();
  const daemonState = (state: string) =>
    updateState(project.stateDir, { daemon: { pid: process.pid, host: hostname(), pollIntervalMs: config.pollIntervalMs, state, since: since() } }).catch(
      () => undefined,
    );

  loop.on('state', (s) => void daemonState(s));
  // One debug line per poll, so a log tells skipped polls, probe-triggered passes and verifications apart.
  let checkWrittenAt = 0;
  loop.on('poll:skipped', () => {
    log.debug({ trigger: 'none' }, 'poll skipped: no change');
    metrics?.pollSkipped();
    // `health` needs to know the daemon still checks; a state write every poll would be wasted disk I/O.
    if (Date.now() - checkWrittenAt < 10_000) return;
    checkWrittenAt = Date.now();
    void updateState(project.stateDir, { lastCheckAt: since() })
      .catch(() => undefined)
      .then(checkAlerts);
  });
  // One line per throttled pass at debug level; a daemon held back for long says so at info level, at most every 10 minutes.
  let throttleLoggedAt = 0;
  loop.on('cpu:throttled', (holdMs) => {
    log.debug({ holdMs }, 'pass held back by DBSYNC_MAX_CPU');
    if (holdMs >= 10_000 && Date.now() - throttleLoggedAt > 600_000) {
      throttleLoggedAt = Date.now();
      log.info(
        `passes are held back ${Math.round(holdMs / 1000)} s to keep CPU use under DBSYNC_MAX_CPU=${Math.round(config.maxCpuShare * 1000) / 10}% (the database keeps changing); raise it for faster commits`,
      );
    }
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
    logPass(log, r, trigger);
    if (r.commit.commit || (r.push && r.push.status === 'pushed')) log.info(renderPass(r));
    metrics?.pass({
      ok: true,
      durationMs: r.durationMs,
      rowsRead: r.rowsRead ?? r.rows,
      lockMs: r.lockMs,
      committed: r.commit.commit !== null,
      ...(r.push?.pending !== undefined ? { pending: r.push.pending } : {}),
    });
    if (metrics && config.sync.mode === 'two-way')
      void readConflicts(project).then(
        (c) => metrics.openConflicts(openCount(c)),
        () => metrics.openConflicts(null),
      );
    void recordSuccess(project.stateDir, { commit: r.commit.commit, result: renderPass(r), push: r.push, checked: true }).then(checkAlerts);
  });
  loop.on('pass:failure', (err, failures, retryIn) => {
    // The first failure is an error; repeats are logged less loudly until recovery.
    const line = `${err.toLine()} (failure ${failures}, retrying in ${Math.round(retryIn / 1000)} s)`;
    if (failures === 1 || failures % 10 === 0) log.error(line);
    else log.warn(line);
    metrics?.pass({ ok: false });
    void recordFailure(project.stateDir, err).then(checkAlerts);
  });
  loop.on('pass:recovered', (failures) => log.info(`recovered after ${failures} failed pass(es)`));
  loop.on('push:failure', (message, failures, retryIn) =>
    log.warn(`${message} (push failure ${failures}, next push attempt in ${Math.round(retryIn / 1000)} s)`),
  );
  loop.on('fetch:failure', (message, failures, retryIn) => log.warn(`${message} (fetch failure ${failures}, next pull in ${Math.round(retryIn / 1000)} s)`));
  loop.on('fetch:recovered', (failures) => log.info(`fetch from ${config.git.remoteName} works again after ${failures} failed fetch(es)`));

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
  const stopMetrics = await judge.serve();
  // DBSYNC_UI_ADDR set: the history page beside the loop (the same page as `ui`; read-only unless DBSYNC_UI_ALLOW_RESTORE=1:
  // its restores and resolutions take the run lock as a pass does, so they wait for the loop's pass and it for them).
  const historyPage = config.ui.addr ? await startHistoryPage(ctx, { allowRestore: config.ui.allowRestore }) : null;
  await loop.run();
  await (waker as BinlogWaker | null)?.stop();
  await historyPage?.close();
  await stopMetrics();
  await probe?.close();
  await updateState(project.stateDir, { daemon: null }).catch(() => undefined);
  log.info('stopped');
  return ExitCode.Ok;
}

/**
 * DBSYNC_FILES: the probe's reading with the files' fingerprint as one more counter, so a change of
 * files alone moves the reading (and starts a pass after the quiet period) like a change of rows.
 */
function withFiles(read: () => Promise<ProbeReading>, files: FilesConfig | null): () => Promise<ProbeReading> {
  if (!files) return read;
  return async () => {
    const [reading, fingerprint] = await Promise.all([read(), filesFingerprint(files)]);
    return { ...reading, counters: { ...reading.counters, 'dbsync:files': fingerprint } };
  };
}
