/**
 * Crash anywhere: `git-dbsync watch` (a pass every 0.2 s, pushing to a local bare remote) is
 * killed with SIGKILL at random moments and at targeted ones (while `git commit` runs, while
 * `git push` runs, while a snapshot is staged) while a writer inserts, updates and deletes rows
 * in a MyISAM and an InnoDB table and records every change it made. Half the kills hit the node
 * process alone (its git children run on, as after an OOM kill), half the whole process group
 * (git children die mid-write too, as when a container is killed).
 *
 * After every kill, against oracles independent of the tool:
 *  - `git fsck --full` is clean, in the repository and in the bare remote;
 *  - no snapshot file, in the working tree or in any commit, is partial: every data line is one
 *    complete `INSERT ...;` row of the right table, in key order, and every file ends with a newline;
 *  - the next start (`sync`, or `watch` stopped with SIGTERM after a pass) exits 0, leaves
 *    `git status --porcelain database` empty, no `.git/index.lock`, no `*.dbsync-tmp`, no staging
 *    folder, the remote equal to HEAD, and the HEAD from before the kill an ancestor of the new one.
 * At the end (writer stopped, one final `sync`), the snapshot equals the writer's record of every
 * committed change (zero changes lost), the live tables, and -- restored into a scratch database
 * with the README's stock-client command -- the live database's `mariadb-dump` and CHECKSUM TABLE.
 *
 * DBSYNC_LONG_TESTS=1 runs 100 trials instead of 16.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { Connection, ResultSetHeader } from 'mysql2/promise';
import { MariaDbServer } from '../support/mariadb-server.js';
import { baseEnv, CLI, tempDir, type CliResult } from '../support/project.js';

const LONG = process.env.DBSYNC_LONG_TESTS === '1';
const TRIALS = Number(process.env.DBSYNC_CRASH_TRIALS) || (LONG ? 100 : 16);
const TABLES = { myi: 'MyISAM', inno: 'InnoDB' } as const;
type Table = keyof typeof TABLES;
const TABLE_NAMES = Object.keys(TABLES) as Table[];
const TARGET_ROWS = 150;

/** The bare remote's side of a local push: another machine in real life, so a crash here does not kill it. */
const REMOTE_SIDE = /receive-pack|index-pack|unpack-objects/;
const REMOVED_LOCK = /WARN removed \S+\.lock.*: left by a git process that was killed/;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const rnd = (n: number) => Math.floor(Math.random() * n);

// --- processes ----------------------------------------------------------------------------------

/** Run a command without blocking the event loop (the writer runs in this process). */
function run(
  cmd: string,
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string | Buffer; timeoutMs?: number } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? baseEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 180_000);
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', reject);
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.input ?? '');
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : -1), stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
  });
}

async function gitOk(cwd: string, args: string[]): Promise<string> {
  const r = await run('git', args, { cwd });
  assert.equal(r.code, 0, `git ${args.join(' ')} in ${cwd}: ${r.stderr}`);
  return r.stdout;
}

interface ProcInfo {
  pid: number;
  state: string;
  pgrp: number;
  cmdline: string;
}

/** Live (non-zombie) processes of a process group, from /proc. */
function groupMembers(pgrp: number): ProcInfo[] {
  const out: ProcInfo[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const info = { pid: Number(name), state: fields[0]!, pgrp: Number(fields[2]), cmdline: '' };
      if (info.pgrp !== pgrp || info.state === 'Z' || info.state === 'X') continue;
      info.cmdline = readFileSync(`/proc/${name}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
      out.push(info);
    } catch {
      // Gone between listing and reading.
    }
  }
  return out;
}

/** A `git-dbsync` process in its own process group (so the whole group can be killed, like a container). */
interface Daemon {
  child: ChildProcess;
  pid: number;
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  done(): boolean;
}

/** Daemons not yet seen to exit: killed (with their process group) if the test fails midway. */
const daemons = new Set<Daemon>();

function killLeftoverDaemons(): void {
  for (const d of daemons) {
    try {
      process.kill(-d.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  daemons.clear();
}

function startDaemon(args: string[], env: NodeJS.ProcessEnv): Daemon {
  const child = spawn(process.execPath, [CLI, ...args], { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  let finished = false;
  child.stdout!.resume();
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('close', (code, signal) => {
      finished = true;
      resolve({ code, signal });
    }),
  );
  const daemon = { child, pid: child.pid!, stderr: () => err, exited, done: () => finished };
  daemons.add(daemon);
  void exited.then(() => daemons.delete(daemon));
  return daemon;
}

async function waitUntil(_what: string, cond: () => boolean | Promise<boolean>, timeoutMs: number, stepMs = 20): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) return false;
    await sleep(stepMs);
  }
  return true;
}

/** Which stage the daemon was in when killed, from its live child processes and its files. */
function phaseOf(members: ProcInfo[], daemonPid: number, repo: string, started: boolean): string {
  const gits = members.filter((m) => m.pid !== daemonPid).map((m) => m.cmdline);
  if (gits.some((c) => /receive-pack|\bpush\b/.test(c))) return 'git push';
  if (gits.some((c) => /\bcommit\b/.test(c))) return 'git commit';
  if (gits.some((c) => /\badd\b/.test(c))) return 'git add';
  if (gits.length > 0) return 'other git';
  if (!started) return 'startup';
  if (existsSync(path.join(repo, '.git', 'dbsync', 'staging'))) return 'snapshot/write';
  if (existsSync(path.join(repo, '.git', 'dbsync', 'run.lock'))) return 'pass (no child)';
  return 'between passes';
}

// --- the writer ---------------------------------------------------------------------------------

interface Row {
  val: string | null;
  n: bigint;
}

/** The oracle: every change the writer made and the server acknowledged as committed. */
class Writer {
  model: Record<Table, Map<number, Row>> = { myi: new Map(), inno: new Map() };
  readonly counts = { insert: 0, update: 0, delete: 0, transactions: 0, retried: 0 };
  private nextId = 0;
  private stopping = false;
  private loop: Promise<void> | null = null;
  error: unknown = null;

  constructor(private readonly conn: Connection) {}

  get changes(): number {
    return this.counts.insert + this.counts.update + this.counts.delete;
  }

  start(): void {
    this.loop = this.run().catch((err) => {
      this.error = err;
    });
  }

  /** Stop without waiting (cleanup after a failure). */
  halt(): void {
    this.stopping = true;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.loop;
    if (this.error) throw this.error;
  }

  private randomVal(): string | null {
    if (rnd(12) === 0) return null;
    const alphabet = ['a', 'b', 'z', 'Q', '0', '7', ' ', "'", '\\', '"', '\n', 'é', '€', ',', ');', 'NULL'];
    let s = '';
    for (let i = rnd(20); i >= 0; i--) s += alphabet[rnd(alphabet.length)];
    return s;
  }

  private randomN(): bigint {
    return BigInt(rnd(2_000_000_000)) * BigInt(rnd(4_000_000)) - 4_000_000_000_000_000n;
  }

  private pickId(t: Table): number | null {
    const ids = [...this.model[t].keys()];
    return ids.length === 0 ? null : ids[rnd(ids.length)]!;
  }

  private async insert(t: Table): Promise<() => void> {
    const id = ++this.nextId;
    const row = { val: this.randomVal(), n: this.randomN() };
    await this.conn.query(`INSERT INTO ${t} (id, val, n) VALUES (?, ?, ?)`, [id, row.val, row.n.toString()]);
    return () => {
      this.model[t].set(id, row);
      this.counts.insert++;
    };
  }

  private async update(t: Table): Promise<(() => void) | null> {
    const id = this.pickId(t);
    if (id === null) return null;
    const val = this.randomVal();
    const [res] = await this.conn.query<ResultSetHeader>(`UPDATE ${t} SET val = ?, n = n + 1 WHERE id = ?`, [val, id]);
    assert.equal(res.affectedRows, 1, `update of ${t} ${id}`);
    return () => {
      this.model[t].set(id, { val, n: this.model[t].get(id)!.n + 1n });
      this.counts.update++;
    };
  }

  private async delete(t: Table): Promise<(() => void) | null> {
    const id = this.pickId(t);
    if (id === null) return null;
    const [res] = await this.conn.query<ResultSetHeader>(`DELETE FROM ${t} WHERE id = ?`, [id]);
    assert.equal(res.affectedRows, 1, `delete of ${t} ${id}`);
    return () => {
      this.model[t].delete(id);
      this.counts.delete++;
    };
  }

  private async op(t: Table): Promise<(() => void) | null> {
    const size = this.model[t].size;
    const r = Math.random();
    const pInsert = size < TARGET_ROWS ? 0.55 : 0.3;
    const pDelete = size > TARGET_ROWS * 0.7 ? 0.3 : 0.1;
    if (r < pInsert) return this.insert(t);
    if (r < pInsert + pDelete) return this.delete(t);
    return this.update(t);
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      const t = TABLE_NAMES[rnd(2)]!;
      if (t === 'inno' && rnd(8) === 0) {
        // A transaction of several changes. The model follows each statement (so later ones see
        // earlier ones) and is put back if the transaction does not commit.
        const savedRows = new Map(this.model.inno);
        const savedCounts = { ...this.counts };
        await this.conn.query('START TRANSACTION');
        try {
          for (let i = 0; i < 3; i++) (await this.op('inno'))?.();
          await this.conn.query('COMMIT');
        } catch (err) {
          await this.conn.query('ROLLBACK');
          this.model.inno = savedRows;
          Object.assign(this.counts, savedCounts);
          const code = (err as { code?: string }).code;
          if (code === 'ER_LOCK_DEADLOCK' || code === 'ER_LOCK_WAIT_TIMEOUT') {
            this.counts.retried++;
            continue;
          }
          throw err;
        }
        this.counts.transactions++;
      } else {
        const a = await this.op(t);
        a?.();
      }
      await sleep(2 + rnd(4));
    }
  }
}

// --- snapshot parsing ---------------------------------------------------------------------------

const ROW_LINE = /^INSERT INTO `(myi|inno)` VALUES \((\d+),(NULL|'(?:[^'\\\n]|\\.)*'),(-?\d+)\);$/;

function unescapeSql(q: string): string {
  return q.slice(1, -1).replace(/\\(.)/g, (_, c: string) => ({ '0': '\0', n: '\n', r: '\r', Z: '\x1a' })[c] ?? c);
}

/** Parse one data file strictly; throws on anything that is not a complete, ordered row line. */
function parseDataFile(table: Table, text: string, where: string): Map<number, Row> {
  const rows = new Map<number, Row>();
  if (text === '') return rows;
  assert.ok(text.endsWith('\n'), `${where}: does not end with a newline (partial file)`);
  let last = -1;
  for (const line of text.slice(0, -1).split('\n')) {
    const m = ROW_LINE.exec(line);
    assert.ok(m, `${where}: not a complete row line: ${line.slice(0, 200)}`);
    assert.equal(m[1], table, `${where}: row of another table`);
    const id = Number(m[2]);
    assert.ok(id > last, `${where}: rows out of key order at id ${id}`);
    last = id;
    rows.set(id, { val: m[3] === 'NULL' ? null : unescapeSql(m[3]!), n: BigInt(m[4]!) });
  }
  return rows;
}

/** Check any snapshot file by its path (relative to the snapshot folder). */
function checkSnapshotFile(rel: string, text: string, where: string): void {
  const data = /^data\/(myi|inno)\.sql$/.exec(rel);
  if (data) {
    parseDataFile(data[1] as Table, text, where);
    return;
  }
  const schema = /^tables\/(myi|inno)\.sql$/.exec(rel);
  if (schema) {
    assert.ok(text.startsWith(`CREATE TABLE \`${schema[1]}\` (`) && text.endsWith(';\n'), `${where}: partial schema file`);
    return;
  }
  if (['header.sql', 'sequences.sql', 'views.sql', 'routines.sql', 'triggers.sql', 'events.sql'].includes(rel)) {
    assert.ok(text === '' || text.endsWith('\n'), `${where}: partial file`);
    if (rel === 'header.sql') assert.match(text, /^-- git-dbsync snapshot\./, `${where}: header`);
    return;
  }
  assert.fail(`${where}: unexpected file in the snapshot`);
}

/** Lock files in a repository's .git, git-dbsync's own folder aside (relative, POSIX). */
function gitLocks(repo: string): string[] {
  return walk(path.join(repo, '.git'))
    .map((f) => path.relative(repo, f).split(path.sep).join('/'))
    .filter((f) => f.endsWith('.lock') && !f.startsWith('.git/dbsync/'));
}

function median(ms: number[]): number {
  const s = [...ms].sort((a, b) => a - b);
  return Math.round((s[Math.floor(s.length / 2)] ?? 0) / 100) / 10;
}

function walk(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath ?? (e as unknown as { path: string }).path, e.name));
}

function sameRows(actual: Map<number, Row>, expected: Map<number, Row>): { missing: number; extra: number; differ: number } {
  let missing = 0;
  let extra = 0;
  let differ = 0;
  for (const [id, row] of expected) {
    const a = actual.get(id);
    if (!a) missing++;
    else if (a.val !== row.val || a.n !== row.n) differ++;
  }
  for (const id of actual.keys()) if (!expected.has(id)) extra++;
  return { missing, extra, differ };
}

// --- the test -----------------------------------------------------------------------------------

describe('crash anywhere: kill -9 of watch under a steady write load', () => {
  let server: MariaDbServer;
  before(async () => {
    server = await MariaDbServer.start();
  });
  after(async () => {
    killLeftoverDaemons();
    await server?.destroy();
  });

  it(`${TRIALS} kills lose nothing, corrupt nothing, and never block the next start`, { timeout: LONG ? 120 * 60_000 : 30 * 60_000 }, async (t) => {
    const started = Date.now();
    const db = 'crash';
    const setup = await server.connect(db);
    for (const [name, engine] of Object.entries(TABLES)) {
      await setup.query(`CREATE TABLE ${name} (id INT NOT NULL PRIMARY KEY, val VARCHAR(64) NULL, n BIGINT NOT NULL) ENGINE=${engine} DEFAULT CHARSET=utf8mb4`);
    }
    const repo = tempDir('dbsync-crash-');
    const bare = tempDir('dbsync-crash-remote-');
    await gitOk(bare, ['init', '-q', '--bare', '--initial-branch=main']);
    const env = baseEnv({
      ...server.env(db),
      PROJECT_DIR: repo,
      GIT_REMOTE_URL: bare,
      POLL_INTERVAL: '0.2',
      // Under the steady write load the database is never quiet: without a quiet period a pass
      // runs at every poll (the change probe stays on), so kills find passes at every stage.
      DBSYNC_QUIET_PERIOD: '0',
      DBSYNC_MAX_BACKOFF: '1',
      // A killed daemon's repository lock is taken over at once (its owner is gone); the limit only
      // matters for a lock that is really held, which no trial should meet.
      DBSYNC_LOCK_TIMEOUT: '60',
      DBSYNC_LOG_LEVEL: 'debug',
    });

    const writerConn = await server.connect(db);
    const writer = new Writer(writerConn);
    writer.start();
    t.after(() => {
      writer.halt();
      killLeftoverDaemons();
    });
    await sleep(300);
    const first = await run(process.execPath, [CLI, 'sync'], { env });
    assert.equal(first.code, 0, first.stderr);

    const checkedBlobs = new Set<string>();
    const checkedCommits = new Set<string>();
    const phases = new Map<string, number>();
    const figures = {
      groupKills: 0,
      processKills: 0,
      orphansFinished: 0,
      dirtyAfterKill: 0,
      indexLockAfterKill: 0,
      refLocksAfterKill: 0,
      tempsAfterKill: 0,
      stagingAfterKill: 0,
      passesBeforeKill: 0,
      recoverySync: 0,
      recoveryWatch: 0,
      targetedHit: 0,
      targetedTried: 0,
      remoteSideSpared: 0,
      locksRemovedByNextStart: 0,
      tempIndexAfterKill: 0,
      lockTrials: 0,
    };
    const lockSeen: string[] = [];
    const recoveryMs: number[] = [];
    const firstPassMs: number[] = [];

    /** Every commit not yet checked, in the repository: every snapshot file of it parses. */
    async function checkNewCommits(): Promise<number> {
      const all = (await gitOk(repo, ['rev-list', 'HEAD'])).trim().split('\n').filter(Boolean);
      let fresh = 0;
      for (const c of all) {
        if (checkedCommits.has(c)) continue;
        fresh++;
        for (const rec of (await gitOk(repo, ['ls-tree', '-r', '-z', c, '--', 'database'])).split('\0')) {
          if (!rec) continue;
          const [meta, file] = rec.split('\t');
          const sha = meta!.split(' ')[2]!;
          if (checkedBlobs.has(sha)) continue;
          const text = await gitOk(repo, ['cat-file', 'blob', sha]);
          checkSnapshotFile(file!.slice('database/'.length), text, `commit ${c.slice(0, 12)} ${file}`);
          checkedBlobs.add(sha);
        }
        checkedCommits.add(c);
      }
      return fresh;
    }

    async function fsck(dir: string, label: string): Promise<void> {
      const r = await run('git', ['fsck', '--full', '--no-progress', '--no-dangling'], { cwd: dir });
      assert.equal(r.code, 0, `git fsck --full of ${label}: ${r.stdout}${r.stderr}`);
      assert.doesNotMatch(r.stdout + r.stderr, /error|missing|broken|corrupt|bad /i, `git fsck of ${label}`);
    }

    /** Whatever a recovery must have cleaned up. */
    async function assertRecovered(label: string, headBefore: string): Promise<void> {
      assert.equal(await gitOk(repo, ['status', '--porcelain', '--', 'database']), '', `${label}: the snapshot folder is committed`);
      assert.equal(existsSync(path.join(repo, '.git', 'index.lock')), false, `${label}: no .git/index.lock left`);
      assert.deepEqual(gitLocks(repo), [], `${label}: no git lock file left`);
      assert.deepEqual(
        walk(repo).filter((f) => f.endsWith('.dbsync-tmp')),
        [],
        `${label}: no temporary files left`,
      );
      assert.equal(existsSync(path.join(repo, '.git', 'dbsync', 'staging')), false, `${label}: no staging folder left`);
      const head = (await gitOk(repo, ['rev-parse', 'HEAD'])).trim();
      assert.equal((await gitOk(bare, ['rev-parse', 'refs/heads/main'])).trim(), head, `${label}: the remote has every commit`);
      const anc = await run('git', ['merge-base', '--is-ancestor', headBefore, head], { cwd: repo });
      assert.equal(anc.code, 0, `${label}: history was rewritten (${headBefore} is not an ancestor of ${head})`);
      for (const f of ['data/myi.sql', 'data/inno.sql'])
        checkSnapshotFile(f, readFileSync(path.join(repo, 'database', f), 'utf8'), `${label}: working tree ${f}`);
    }

    const strategies = ['random', 'git commit', 'git push', 'snapshot'] as const;
    for (let i = 0; i < TRIALS; i++) {
      const strategy = strategies[i % 4]!;
      const killGroup = Math.floor(i / 4) % 2 === 0;
      const recovery = Math.floor(i / 8) % 2 === 0 ? 'sync' : 'watch';
      const label = `trial ${i + 1} (${strategy}, kill ${killGroup ? 'group' : 'process'}, recover by ${recovery})`;

      const daemon = startDaemon(['watch'], env);
      const isStarted = () => /INFO watching database/.test(daemon.stderr());
      const passesDone = () => daemon.stderr().match(/pass done/g)?.length ?? 0;
      // Nothing here depends on how fast the machine is: each trial waits for the work it needs
      // (a pass, or the targeted stage), with a limit that only a stuck daemon reaches.
      assert.ok(
        await waitUntil('writer changes', () => writer.changes >= (i + 1) * 20 || writer.error !== null, 300_000),
        `${label}: the writer made only ${writer.changes} changes`,
      );
      let members: ProcInfo[] = [];
      if (strategy === 'random') {
        // At least one complete pass of this daemon first, then a random moment of the next ones.
        const passed = await waitUntil('a pass of the daemon', () => passesDone() > 0 || daemon.done(), 300_000);
        assert.ok(passed && !daemon.done(), `${label}: the daemon made no pass: ${daemon.stderr()}`);
        await sleep(rnd(3000));
        process.kill(-daemon.pid, 'SIGSTOP');
        members = groupMembers(daemon.pid);
      } else {
        figures.targetedTried++;
        const running = (ms: ProcInfo[], re: RegExp) => ms.some((m) => m.pid !== daemon.pid && re.test(m.cmdline));
        const match = (ms: ProcInfo[]) =>
          strategy === 'snapshot'
            ? existsSync(path.join(repo, '.git', 'dbsync', 'staging'))
            : strategy === 'git push'
              ? running(ms, /receive-pack|\bpush\b/)
              : // While it holds the index lock: the worst moment for the next start.
                running(ms, /\bcommit\b/) && existsSync(path.join(repo, '.git', 'index.lock'));
        // Look until the stage is seen, freeze the whole group, and look again: a stage that ended
        // between the look and the freeze is not a hit (thaw and look on), so a hit is exact.
        const deadline = Date.now() + 300_000;
        let hit = false;
        while (!hit && !daemon.done() && Date.now() < deadline) {
          const look = () => {
            members = groupMembers(daemon.pid);
            return match(members);
          };
          if (!(await waitUntil(strategy, look, deadline - Date.now(), 1))) break;
          // A staged snapshot somewhere while it is read or moved into place; git commit and push the moment they are seen.
          const extra = strategy === 'snapshot' ? rnd(60) : 0;
          if (extra > 0) await sleep(extra);
          process.kill(-daemon.pid, 'SIGSTOP');
          members = groupMembers(daemon.pid);
          hit = strategy === 'snapshot' || match(members);
          if (!hit) process.kill(-daemon.pid, 'SIGCONT');
        }
        assert.ok(hit, `${label}: the targeted stage was never seen: ${daemon.stderr()}`);
        figures.targetedHit++;
      }
      assert.equal(daemon.done(), false, `${label}: the daemon exited by itself: ${daemon.stderr()}`);
      const phase = phaseOf(members, daemon.pid, repo, isStarted());
      // The group is frozen: kill the daemon and (group kill) its git children, let the remote's side go on.
      if (killGroup) {
        for (const m of groupMembers(daemon.pid)) {
          if (REMOTE_SIDE.test(m.cmdline)) figures.remoteSideSpared++;
          else process.kill(m.pid, 'SIGKILL');
        }
      } else {
        process.kill(daemon.pid, 'SIGKILL');
      }
      process.kill(-daemon.pid, 'SIGCONT');
      if (killGroup) figures.groupKills++;
      else figures.processKills++;
      const exit = await daemon.exited;
      assert.equal(exit.signal, 'SIGKILL', `${label}: killed`);
      phases.set(phase, (phases.get(phase) ?? 0) + 1);
      figures.passesBeforeKill += daemon.stderr().match(/pass done/g)?.length ?? 0;
      // Git children of a process kill run on as orphans: wait for them, as a restarted daemon would find them finished.
      if (!killGroup && groupMembers(daemon.pid).length > 0) figures.orphansFinished++;
      assert.ok(
        await waitUntil('orphaned git processes', () => groupMembers(daemon.pid).length === 0, 60_000),
        `${label}: git processes still running a minute after the kill`,
      );

      // Right after the kill: nothing corrupt, nothing partial.
      await fsck(repo, `the repository after ${label}`);
      await fsck(bare, `the remote after ${label}`);
      for (const f of walk(path.join(repo, 'database'))) {
        const rel = path.relative(path.join(repo, 'database'), f).split(path.sep).join('/');
        if (rel.endsWith('.dbsync-tmp')) continue;
        checkSnapshotFile(rel, readFileSync(f, 'utf8'), `${label}: working tree ${rel}`);
      }
      await checkNewCommits();
      const headBefore = (await gitOk(repo, ['rev-parse', 'HEAD'])).trim();
      if ((await gitOk(repo, ['status', '--porcelain', '--', 'database'])) !== '') figures.dirtyAfterKill++;
      if (existsSync(path.join(repo, '.git', 'index.lock'))) figures.indexLockAfterKill++;
      const locks = gitLocks(repo);
      if (locks.some((f) => f !== '.git/index.lock' && !/next-index/.test(f))) figures.refLocksAfterKill++;
      if (locks.some((f) => /next-index/.test(f))) figures.tempIndexAfterKill++;
      if (locks.length > 0) figures.lockTrials++;
      lockSeen.push(...locks.map((f) => f.replace(/next-index-\d+/, 'next-index-PID')));
      if (walk(repo).some((f) => f.endsWith('.dbsync-tmp'))) figures.tempsAfterKill++;
      if (existsSync(path.join(repo, '.git', 'dbsync', 'staging'))) figures.stagingAfterKill++;

      // The next start completes the interrupted work.
      const recoveryStart = Date.now();
      /** Spawn to the moment the first pass held the run lock, from its "pass done" line (time, ms, lockWaitMs). */
      const firstPassAt = (stderr: string): number => {
        const m = /^(\S+) DEBUG pass done ms=(\d+) .*lockWaitMs=(\d+)/m.exec(stderr);
        assert.ok(m, `${label}: no "pass done" line with lockWaitMs: ${stderr}`);
        return Date.parse(m[1]!) - Number(m[2]) + Number(m[3]) - recoveryStart;
      };
      if (recovery === 'sync') {
        figures.recoverySync++;
        const r = await run(process.execPath, [CLI, 'sync'], { env });
        assert.equal(r.code, 0, `${label}: sync after the kill: ${r.stderr}`);
        assert.match(r.stdout, /^(committed [0-9a-f]{12}: .*; pushed to origin\/main|no changes)/, `${label}: sync output`);
        if (REMOVED_LOCK.test(r.stderr)) figures.locksRemovedByNextStart++;
        firstPassMs.push(firstPassAt(r.stderr));
      } else {
        figures.recoveryWatch++;
        const again = startDaemon(['watch'], env);
        try {
          const passed = await waitUntil('a pass of the restarted watch', () => /pass done/.test(again.stderr()) || again.done(), 90_000);
          assert.ok(passed && !again.done(), `${label}: the restarted watch made no pass: ${again.stderr()}`);
          again.child.kill('SIGTERM');
          let timer: NodeJS.Timeout | undefined;
          const code = await Promise.race([again.exited.then((e) => e.code), new Promise((r) => (timer = setTimeout(() => r('timeout'), 60_000)))]);
          clearTimeout(timer);
          assert.equal(code, 0, `${label}: restarted watch stopped by SIGTERM: ${again.stderr()}`);
          if (REMOVED_LOCK.test(again.stderr())) figures.locksRemovedByNextStart++;
          firstPassMs.push(firstPassAt(again.stderr()));
          assert.doesNotMatch(
            again
              .stderr()
              .split('\n')
              .filter((l) => !REMOVED_LOCK.test(l))
              .join('\n'),
            / (ERROR|WARN) /,
            `${label}: the restarted watch failed a pass`,
          );
        } finally {
          if (!again.done()) process.kill(-again.pid, 'SIGKILL');
        }
      }
      recoveryMs.push(Date.now() - recoveryStart);
      await assertRecovered(label, headBefore);
      assert.equal(writer.error, null, `the writer failed: ${String(writer.error)}`);
    }

    // The end: writer stopped, one final pass; the snapshot must hold every committed change.
    await writer.stop();
    await writerConn.end();
    const headBeforeFinal = (await gitOk(repo, ['rev-parse', 'HEAD'])).trim();
    const final = await run(process.execPath, [CLI, 'sync'], { env });
    assert.equal(final.code, 0, final.stderr);
    await assertRecovered('final sync', headBeforeFinal);
    await fsck(repo, 'the repository at the end');
    await fsck(bare, 'the remote at the end');
    await checkNewCommits();
    const commitsChecked = checkedCommits.size;

    let lost = 0;
    for (const table of TABLE_NAMES) {
      const committed = parseDataFile(table, await gitOk(repo, ['show', `HEAD:database/data/${table}.sql`]), `final ${table}`);
      const [rows] = await setup.query(`SELECT id, val, n FROM ${table} ORDER BY id`);
      const live = new Map((rows as Array<{ id: number; val: string | null; n: string }>).map((r) => [Number(r.id), { val: r.val, n: BigInt(r.n) }]));
      assert.deepEqual(sameRows(live, writer.model[table]), { missing: 0, extra: 0, differ: 0 }, `the live ${table} equals the writer's record`);
      const d = sameRows(committed, writer.model[table]);
      lost += d.missing + d.extra + d.differ;
      assert.deepEqual(d, { missing: 0, extra: 0, differ: 0 }, `the final snapshot of ${table} holds every committed change`);
      assert.ok(committed.size > 20, `${table} has only ${committed.size} rows: the check would be weak`);
    }

    // Restore the final snapshot with the README's stock-client command into a scratch database.
    await setup.query('CREATE DATABASE crash_restore');
    const snap = path.join(repo, 'database');
    const files = [
      'header.sql',
      'sequences.sql',
      ...['tables', 'data'].flatMap((d) =>
        readdirSync(path.join(snap, d))
          .filter((f) => f.endsWith('.sql'))
          .sort()
          .map((f) => `${d}/${f}`),
      ),
      'views.sql',
      'routines.sql',
      'triggers.sql',
      'events.sql',
    ];
    const load = await run('sh', ['-c', `cat ${files.join(' ')} | mariadb --no-defaults --socket="$SOCK" -uroot --binary-mode crash_restore`], {
      cwd: snap,
      env: { ...baseEnv(), SOCK: server.socket },
    });
    assert.equal(load.code, 0, `restore with the stock client: ${load.stderr}`);
    const dumpArgs = ['--skip-dump-date', '--skip-extended-insert', '--order-by-primary', '--hex-blob', '--skip-comments'];
    const sortedDump = (name: string) =>
      server
        .client('mariadb-dump', [...dumpArgs, name])
        .toString('utf8')
        .split('\n')
        .sort()
        .join('\n');
    const liveDump = sortedDump(db);
    assert.equal(sortedDump('crash_restore'), liveDump, 'mariadb-dump of the restored snapshot equals that of the live database');
    assert.ok((liveDump.match(/^INSERT INTO /gm) ?? []).length > 40, 'the dumps hold rows');
    const checksum = async (name: string) => {
      const [rows] = await setup.query(`CHECKSUM TABLE ${name}.myi, ${name}.inno EXTENDED`);
      return (rows as Array<{ Checksum: string | number }>).map((r) => String(r.Checksum));
    };
    assert.deepEqual(await checksum('crash_restore'), await checksum(db), 'CHECKSUM TABLE of restored and live tables');
    await setup.end();

    const commits = Number((await gitOk(repo, ['rev-list', '--count', 'HEAD'])).trim());
    const seconds = Math.round((Date.now() - started) / 1000);
    const phaseText = [...phases.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([p, n]) => `${p} ${n}`)
      .join(', ');
    const summary =
      `crash: ${TRIALS} kill -9 trials of watch (${figures.groupKills} with its git children, ${figures.processKills} node only, ${figures.orphansFinished} leaving git children to finish) in ${seconds} s; ` +
      `killed during: ${phaseText}; ` +
      `after the kill: ${figures.dirtyAfterKill} uncommitted snapshot, ${figures.indexLockAfterKill} stale index.lock, ${figures.refLocksAfterKill} ref .lock, ${figures.tempIndexAfterKill} next-index-*.lock, ${figures.tempsAfterKill} temp files; stale locks left by ${figures.lockTrials} kills, removed by the next start after ${figures.locksRemovedByNextStart}; ` +
      `every next start exit 0 (${figures.recoverySync} sync, ${figures.recoveryWatch} watch; median ${median(recoveryMs)} s, max ${Math.round(Math.max(...recoveryMs) / 100) / 10} s); ` +
      `time to first pass after the kill (start to run lock held): median ${median(firstPassMs)} s, max ${Math.round(Math.max(...firstPassMs) / 100) / 10} s (target <= 1 s); ` +
      `${writer.changes} writer changes (${writer.counts.insert} inserts, ${writer.counts.update} updates, ${writer.counts.delete} deletes), ${commits} commits, ${commitsChecked} commits and ${checkedBlobs.size} files parsed, 0 partial; git fsck clean; changes lost: ${lost}`;
    t.diagnostic(summary);
    if (lockSeen.length > 0) t.diagnostic(`lock files seen right after kills: ${[...new Set(lockSeen)].join(', ')}`);
    // Nothing vacuous: every trial killed a running daemon at work, against real changes.
    const trialsRun = figures.groupKills + figures.processKills;
    assert.equal(trialsRun, TRIALS);
    assert.equal(figures.recoverySync + figures.recoveryWatch, TRIALS);
    assert.ok(writer.changes >= TRIALS * 20, `the writer made only ${writer.changes} changes`);
    assert.ok(commits >= TRIALS, `only ${commits} commits in ${TRIALS} trials`);
    // Each random trial waited for a pass before its kill, each targeted one for its stage.
    assert.ok(figures.passesBeforeKill >= TRIALS / 4, `the killed daemons completed only ${figures.passesBeforeKill} passes`);
    assert.equal(figures.targetedHit, figures.targetedTried, 'every targeted kill found its stage');
    assert.ok((phases.get('git commit') ?? 0) >= TRIALS / 8, `only ${phases.get('git commit') ?? 0} kills during git commit`);
    assert.ok((phases.get('git push') ?? 0) >= TRIALS / 8, `only ${phases.get('git push') ?? 0} kills during git push`);
    assert.ok(figures.indexLockAfterKill >= 1, 'no kill left a stale .git/index.lock: the recovery from it was not exercised');
    assert.equal(figures.locksRemovedByNextStart, figures.lockTrials, 'the next start removed the stale locks of every kill that left some');
    assert.equal(lost, 0);
    console.log(summary);
    rmSync(repo, { recursive: true, force: true });
    rmSync(bare, { recursive: true, force: true });
  });
});
