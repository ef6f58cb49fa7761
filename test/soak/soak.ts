/**
 * Soak: `npm run soak -- --minutes N` (default 30).
 *
 * A throwaway MariaDB, a write load (transfers between a MyISAM and an InnoDB table with an
 * invariant, recorded in an insert-only ledger, plus inserts/updates/deletes of notes with awkward
 * text) and `git-dbsync watch` with POLL_INTERVAL=1, for N minutes. Meanwhile the server is stopped
 * and started about every minute (the writers pause around it: a transfer spanning MyISAM and InnoDB
 * cannot survive a shutdown atomically, and the subject here is the watcher), and the watcher is
 * stopped and started again about every 2-3 minutes, alternately with SIGTERM and with kill -9 of
 * the watcher and every process it started (git included, as `docker kill` or the OOM killer of a
 * container would). The watcher's memory is sampled from /proc/PID/status.
 *
 * At the end the load stops, the watcher catches up and is stopped, and:
 *  - `git-dbsync sync` finds no changes (the watcher committed the final state);
 *  - every commit satisfies the invariant, and the ledger never loses or changes a row between commits;
 *  - HEAD restored into a scratch database equals the live database (mariadb-dump data, CHECKSUM TABLE);
 *  - the restored snapshot holds every acknowledged write (changes lost = 0);
 *  - `git fsck --full` is clean, no lock or temporary file is left behind.
 * Prints a report; exits 1 on any failure (the folders are then kept for inspection).
 */
import { readdirSync, readFileSync, rmSync, existsSync } from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import type { Connection } from 'mysql2/promise';
import { MariaDbServer } from '../support/mariadb-server.js';
import { background, type Background } from '../support/background.js';
import { baseEnv, git, tempDir } from '../support/project.js';
import {
  BankModel,
  checkHistory,
  createBank,
  dataDump,
  Gate,
  medianMax,
  modelDifferences,
  notesWriter,
  passStats,
  processMemory,
  recreateDatabase,
  runCli,
  tableChecksums,
  transferWriter,
  type BankShape,
} from '../support/bank-workload.js';

function parseMinutes(argv: string[]): number {
  let minutes = 30;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const v = a === '--minutes' ? argv[++i] : a.startsWith('--minutes=') ? a.slice('--minutes='.length) : undefined;
    if (a === '--minutes' || a.startsWith('--minutes=')) {
      minutes = Number(v);
      if (!Number.isFinite(minutes) || minutes <= 0) {
        console.error(`soak: --minutes ${JSON.stringify(v)}: must be a positive number`);
        process.exit(2);
      }
    } else if (a === '--help' || a === '-h') {
      console.log('usage: npm run soak -- [--minutes N]   (default 30)');
      process.exit(0);
    } else {
      console.error(`soak: unknown argument ${JSON.stringify(a)} (usage: npm run soak -- --minutes N)`);
      process.exit(2);
    }
  }
  return minutes;
}

const MINUTES = parseMinutes(process.argv.slice(2));
const DB = 'soak';
const SCRATCH = 'soak_restored';
const SHAPE: BankShape = { rows: 50, start: 1000 };
const SERVER_RESTART_S = [50, 70];
const WATCHER_RESTART_S = [120, 180];
const SERVER_DOWN_S = [1, 8];

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const between = ([lo, hi]: number[]) => (lo! + Math.random() * (hi! - lo!)) * 1000;
const t0 = Date.now();
const elapsed = () => `${((Date.now() - t0) / 60_000).toFixed(1).padStart(5)} min`;
const say = (msg: string) => console.log(`[${elapsed()}] ${msg}`);

/** Every descendant of a process (children, grandchildren, ...), from /proc. */
function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(name)]);
    } catch {
      // gone meanwhile
    }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const c of children.get(p) ?? []) {
      out.push(c);
      walk(c);
    }
  };
  walk(pid);
  return out;
}

interface WatcherRun {
  readonly proc: Background;
  readonly startedAt: number;
  peakHwmKb: number;
  firstRssKb: number;
  lastRssKb: number;
  endedBy?: 'SIGTERM' | 'kill -9' | 'final SIGTERM';
  endedAt?: number;
  exit?: string;
}

/** What to stop if the soak dies of an unexpected error (no orphaned mariadbd or watcher). */
const emergency: Array<() => Promise<void>> = [];

async function main(): Promise<number> {
  const failures: string[] = [];
  const fail = (msg: string) => {
    failures.push(msg);
    say(`FAILURE: ${msg}`);
  };
  say(`soak for ${MINUTES} min: starting a throwaway MariaDB`);
  const server = await MariaDbServer.start();
  emergency.push(() => server.stop());
  const repo = tempDir('dbsync-soak-repo-');
  const clone = tempDir('dbsync-soak-clone-');
  const admin0 = await server.connect(DB);
  await createBank(admin0, SHAPE);
  await admin0.end();
  const env = baseEnv({ ...server.env(DB), PROJECT_DIR: repo, POLL_INTERVAL: '1', DBSYNC_LOG_LEVEL: 'debug', DBSYNC_LOCK_TIMEOUT: '30' });

  const watchers: WatcherRun[] = [];
  const startWatcher = () => {
    const w: WatcherRun = { proc: background(['watch'], env), startedAt: Date.now(), peakHwmKb: 0, firstRssKb: 0, lastRssKb: 0 };
    watchers.push(w);
    emergency.push(() => w.proc.kill());
    return w;
  };
  const sample = (w: WatcherRun) => {
    const m = processMemory(w.proc.pid);
    if (!m || !w.proc.running()) return;
    if (!w.firstRssKb) w.firstRssKb = m.rssKb;
    w.lastRssKb = m.rssKb;
    w.peakHwmKb = Math.max(w.peakHwmKb, m.hwmKb);
  };

  let watcher = startWatcher();
  await watcher.proc.waitForLog(/INFO watching database soak every 1 s/);

  const model = new BankModel(SHAPE);
  const gate = new Gate();
  let stopLoad = false;
  const connect = async (): Promise<Connection> => server.connect(DB);
  const guard = (p: Promise<void>, name: string) => p.catch((err: unknown) => fail(`writer ${name} stopped: ${(err as Error).message}`));
  const writers = [
    guard(transferWriter({ id: 1, model, connect, stop: () => stopLoad, gate, pauseMs: 100 }), 'transfers-1'),
    guard(transferWriter({ id: 2, model, connect, stop: () => stopLoad, gate, pauseMs: 100 }), 'transfers-2'),
    guard(notesWriter({ id: 3, model, connect, stop: () => stopLoad, gate, pauseMs: 150 }), 'notes'),
  ];

  const end = t0 + MINUTES * 60_000;
  let nextServerRestart = Date.now() + between(SERVER_RESTART_S);
  let nextWatcherRestart = Date.now() + between(WATCHER_RESTART_S);
  let serverRestarts = 0;
  let graceful = 0;
  let killed = 0;
  let nextKill = true;
  let lastProgress = Date.now();
  const downtimes: number[] = [];

  while (Date.now() < end && failures.length === 0) {
    sample(watcher);
    if (!watcher.proc.running()) {
      fail(`the watcher exited by itself: ${JSON.stringify(await watcher.proc.exited)}; stderr tail:\n${watcher.proc.stderr().slice(-2000)}`);
      break;
    }
    if (Date.now() >= nextServerRestart) {
      await gate.close();
      const t = Date.now();
      await server.stop();
      // Down for a while now and then, so that passes fail and the watcher backs off and recovers.
      await sleep(Math.random() < 0.5 ? 0 : between(SERVER_DOWN_S));
      await server.restart();
      downtimes.push(Date.now() - t);
      gate.open();
      serverRestarts++;
      say(`server restarted (#${serverRestarts}, down ${Date.now() - t} ms); ${model.transfers} transfers so far`);
      nextServerRestart = Date.now() + between(SERVER_RESTART_S);
    } else if (Date.now() >= nextWatcherRestart) {
      sample(watcher);
      if (nextKill) {
        const victims = [watcher.proc.pid, ...descendants(watcher.proc.pid)];
        for (const pid of victims) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            // already gone
          }
        }
        const e = await watcher.proc.exited;
        watcher.endedBy = 'kill -9';
        watcher.endedAt = Date.now();
        watcher.exit = `signal ${e.signal}`;
        killed++;
        say(`watcher killed with kill -9 (#${killed}; ${victims.length} process(es): ${victims.length > 1 ? 'a git child too' : 'node only'})`);
      } else {
        watcher.proc.child.kill('SIGTERM');
        const code = await watcher.proc.waitExit(120_000).catch((e: Error) => {
          fail(e.message);
          return -1;
        });
        watcher.endedBy = 'SIGTERM';
        watcher.endedAt = Date.now();
        watcher.exit = `code ${code}`;
        if (code !== 0) fail(`watcher exited with ${code} after SIGTERM; stderr tail:\n${watcher.proc.stderr().slice(-2000)}`);
        graceful++;
        say(`watcher stopped with SIGTERM (#${graceful}), exit ${code}`);
      }
      nextKill = !nextKill;
      watcher = startWatcher();
      nextWatcherRestart = Date.now() + between(WATCHER_RESTART_S);
    }
    if (Date.now() - lastProgress > 5 * 60_000) {
      lastProgress = Date.now();
      say(
        `${model.transfers} transfers, ${model.noteInserts + model.noteUpdates + model.noteDeletes} note writes, ${Number(git(repo, ['rev-list', '--count', 'HEAD']).trim())} commits`,
      );
    }
    await sleep(1000);
  }

  say('stopping the load');
  stopLoad = true;
  await Promise.all(writers);
  const loadStopped = Date.now();
  // Let the watcher catch up: a poll after the load stopped whose change probe finds nothing new
  // (its reading equals the one taken before the last pass, so that pass saw every write).
  const logAtStop = watcher.proc.stderr().length;
  try {
    const deadline = Date.now() + 300_000;
    while (!/poll skipped: no change/.test(watcher.proc.stderr().slice(logAtStop))) {
      if (!watcher.proc.running()) throw new Error('the watcher exited');
      if (Date.now() > deadline) throw new Error('no idle poll within 5 minutes after the load stopped');
      sample(watcher);
      await sleep(200);
    }
  } catch (err) {
    fail(`watcher did not catch up: ${(err as Error).message}; stderr tail:\n${watcher.proc.stderr().slice(-2000)}`);
  }
  const catchUpMs = Date.now() - loadStopped;
  sample(watcher);
  watcher.proc.child.kill('SIGTERM');
  const lastExit = await watcher.proc.waitExit(120_000).catch(() => -1);
  watcher.endedBy = 'final SIGTERM';
  watcher.endedAt = Date.now();
  watcher.exit = `code ${lastExit}`;
  if (lastExit !== 0) fail(`final SIGTERM: watcher exited with ${lastExit}`);

  // --- checks ----------------------------------------------------------------------------------
  say('checking');
  const after = await runCli(['sync'], env);
  if (after.code !== 0 || after.stdout.trim() !== 'no changes')
    fail(`sync after the watcher stopped: expected "no changes", got ${after.code}: ${after.stdout.trim()} ${after.stderr.trim()}`);

  const commits = Number(git(repo, ['rev-list', '--count', 'HEAD']).trim());
  const history = checkHistory(repo, SHAPE);
  for (const v of history.violations.slice(0, 10)) fail(`invariant: ${v}`);
  for (const v of history.regressions.slice(0, 10)) fail(`ledger history: ${v}`);

  const admin = await server.connect();
  // Oracle 1: the live database equals the writers' model (the load itself is sound).
  const liveVsModel = await modelDifferences(admin, DB, model);
  for (const d of liveVsModel.slice(0, 10)) fail(`live database vs acknowledged writes: ${d}`);
  // Oracle 2: HEAD restored (by the tool, from a clone) into an empty database equals the live one.
  git(clone, ['clone', '-q', repo, '.']);
  await recreateDatabase(admin, SCRATCH);
  const restore = await runCli(['restore', 'HEAD', '--yes'], baseEnv({ ...server.env(SCRATCH), PROJECT_DIR: clone }));
  let oracle = 'not compared';
  let lost: string[] = [];
  if (restore.code !== 0) {
    fail(`restore of HEAD into ${SCRATCH} failed (${restore.code}): ${restore.stderr}`);
  } else {
    const dumpLive = dataDump(server, DB);
    const dumpRestored = dataDump(server, SCRATCH);
    const sumsLive = await tableChecksums(admin, DB);
    const sumsRestored = await tableChecksums(admin, SCRATCH);
    const dumpsEqual = dumpLive === dumpRestored;
    const sumsEqual = JSON.stringify([...sumsLive]) === JSON.stringify([...sumsRestored]);
    lost = await modelDifferences(admin, SCRATCH, model);
    if (!dumpsEqual) fail(`mariadb-dump of the live database and of the restored HEAD differ (${dumpLive.length} vs ${dumpRestored.length} bytes)`);
    if (!sumsEqual) fail(`CHECKSUM TABLE differs: live ${JSON.stringify([...sumsLive])}, restored ${JSON.stringify([...sumsRestored])}`);
    for (const d of lost.slice(0, 10)) fail(`change lost: ${d}`);
    oracle =
      dumpsEqual && sumsEqual && lost.length === 0
        ? `equal (HEAD restored into an empty database: mariadb-dump data identical, ${dumpLive.split('\n').length - 1} rows; CHECKSUM TABLE equal for ${sumsLive.size} tables)`
        : 'DIFFERENT';
  }
  await admin.end();

  const fsck = spawnSync('git', ['fsck', '--full', '--strict', '--no-dangling'], { cwd: repo, encoding: 'utf8' });
  const fsckClean = fsck.status === 0 && !/error|missing|broken|corrupt/i.test(fsck.stdout + fsck.stderr);
  if (!fsckClean) fail(`git fsck: exit ${fsck.status}: ${fsck.stdout}${fsck.stderr}`);
  const leftovers = [
    ...['index.lock', 'HEAD.lock', 'dbsync/run.lock', 'dbsync/staging'].filter((p) => existsSync(path.join(repo, '.git', p))).map((p) => `.git/${p}`),
    ...git(repo, ['ls-files', '--others', '--', 'database']).split('\n').filter(Boolean),
  ];
  if (leftovers.length > 0) fail(`left behind: ${leftovers.join(', ')}`);
  const dirty = git(repo, ['status', '--porcelain', '--', 'database']).trim();
  if (dirty) fail(`uncommitted snapshot changes after the final pass:\n${dirty}`);

  // --- report ----------------------------------------------------------------------------------
  const logs = watchers.map((w) => w.proc.stderr()).join('');
  const stats = passStats(logs);
  const failedPasses = [...logs.matchAll(/ (ERROR|WARN) (.*) \(failure (\d+), retrying in/g)];
  const failureKinds = new Map<string, number>();
  for (const m of failedPasses) {
    const kind = m[2]!
      .replace(/^git-dbsync: /, '')
      .replace(/\d+/g, 'N')
      .slice(0, 110);
    failureKinds.set(kind, (failureKinds.get(kind) ?? 0) + 1);
  }
  const maxStreak = Math.max(0, ...failedPasses.map((m) => Number(m[3])));
  const recovered = [...logs.matchAll(/ INFO recovered after /g)].length;
  const peak = Math.max(...watchers.map((w) => w.peakHwmKb));
  const longest = watchers.reduce(
    (best, w) => {
      const life = (w.endedAt ?? Date.now()) - w.startedAt;
      return !best || life > best.life ? { w, life } : best;
    },
    null as { w: WatcherRun; life: number } | null,
  );
  const pm = medianMax(stats.ms);
  const lm = medianMax(stats.lockMs);
  const mb = (kb: number) => (kb / 1024).toFixed(1);
  const passed = failures.length === 0;
  const report = [
    'git-dbsync soak report',
    `  minutes:                    ${((loadStopped - t0) / 60_000).toFixed(1)} of load with watch running (asked: ${MINUTES}); POLL_INTERVAL=1`,
    `  commits made:               ${commits} (${stats.passes} passes; pass time median ${pm.median} ms, max ${pm.max} ms; lock held median ${lm.median} ms, max ${lm.max} ms)`,
    `  writes acknowledged:        ${model.transfers} transfers (${model.retries} deadlock retries), ${model.noteInserts} note inserts, ${model.noteUpdates} updates, ${model.noteDeletes} deletes`,
    `  server restarts survived:   ${serverRestarts} (stop + start; down median ${medianMax(downtimes).median} ms, max ${medianMax(downtimes).max} ms)`,
    `  watcher restarts:           ${graceful + killed} (${graceful} graceful SIGTERM, ${killed} kill -9)`,
    `  failed passes:              ${failedPasses.length} (longest streak ${maxStreak}; ${recovered} recoveries logged)${[...failureKinds].map(([k, n]) => `\n      ${n} x ${k}`).join('')}`,
    `  peak RSS of the watcher:    ${mb(peak)} MB (VmHWM); longest-lived watcher ${((longest?.life ?? 0) / 60_000).toFixed(1)} min: RSS ${mb(longest?.w.firstRssKb ?? 0)} MB at start, ${mb(longest?.w.lastRssKb ?? 0)} MB at end`,
    `  RSS at the end of each run: ${watchers.map((w) => mb(w.lastRssKb)).join(', ')} MB`,
    `  invariant violations:       ${history.violations.length} (checked on all ${history.commits} commits; ${history.crossEngineCommits} changed MyISAM and InnoDB together; ledger regressions ${history.regressions.length})`,
    `  final oracle comparison:    ${oracle}; \`sync\` after the watcher stopped: ${after.stdout.trim() || after.stderr.trim()}; caught up ${catchUpMs} ms after the load stopped`,
    `  changes lost:               ${restore.code === 0 ? lost.length : 'unknown'} (acknowledged writes missing or different in the final snapshot)`,
    `  git fsck --full --strict:   ${fsckClean ? 'clean' : 'ERRORS'}${leftovers.length ? `; left behind: ${leftovers.join(', ')}` : '; no lock or temporary file left'}`,
    `  result:                     ${passed ? 'PASS' : `FAIL (${failures.length} failure(s))`}`,
  ].join('\n');
  console.log('\n' + report);
  if (!passed) {
    console.log(`\nfailures:\n${failures.map((f) => '  - ' + f).join('\n')}`);
    console.log(`kept for inspection: repository ${repo}, server ${server.dir} (stopped)`);
    await server.stop();
  } else {
    await server.destroy();
    rmSync(repo, { recursive: true, force: true });
    rmSync(clone, { recursive: true, force: true });
  }
  return passed ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  async (err: unknown) => {
    console.error(`soak: ${(err as Error).stack ?? String(err)}`);
    for (const stop of emergency.reverse()) await stop().catch(() => undefined);
    process.exit(1);
  },
);
