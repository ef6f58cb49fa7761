/**
 * A write load whose correctness can be checked on every snapshot, and the oracles the load and
 * soak tests share.
 *
 * Money moves from acct_a (MyISAM: no MVCC) to acct_b (InnoDB) and every move is recorded in
 * ledger (InnoDB, insert-only), in one transaction or under LOCK TABLES. At any single point in time
 *     SUM(acct_a) + SUM(acct_b) = 2 * rows * start   and   SUM(acct_b) - rows * start = SUM(ledger.amount),
 * so a snapshot that read the tables at different moments breaks the invariant. A second writer
 * inserts, updates and deletes rows of notes (InnoDB) with awkward text (quotes, backslashes,
 * newlines, emoji, 'NULL', ''). Every writer keeps a model of the writes the server acknowledged,
 * so the last snapshot can be checked for lost changes independently of the tool.
 */
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Connection } from 'mysql2/promise';
import type { MariaDbServer } from './mariadb-server.js';
import { baseEnv, git, runCli } from './project.js';

const execFileAsync = promisify(execFile);
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const pick = (n: number) => 1 + Math.floor(Math.random() * n);

export interface BankShape {
  readonly rows: number;
  readonly start: number;
}

/** The tables of the workload; `ledger` and `notes` start empty. */
export async function createBank(conn: Connection, shape: BankShape): Promise<void> {
  const values = Array.from({ length: shape.rows }, (_, i) => `(${i + 1}, ${shape.start})`).join(',');
  await conn.query(`
    CREATE TABLE acct_a (id INT NOT NULL PRIMARY KEY, balance BIGINT NOT NULL) ENGINE=MyISAM;
    CREATE TABLE acct_b (id INT NOT NULL PRIMARY KEY, balance BIGINT NOT NULL) ENGINE=InnoDB;
    CREATE TABLE ledger (id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, amount INT NOT NULL, writer INT NOT NULL) ENGINE=InnoDB;
    CREATE TABLE notes (id INT NOT NULL PRIMARY KEY, body VARCHAR(200) CHARACTER SET utf8mb4 NOT NULL, rev INT NOT NULL) ENGINE=InnoDB;
    INSERT INTO acct_a VALUES ${values};
    INSERT INTO acct_b VALUES ${values};
  `);
}

/** What the server acknowledged: the state the database must have (and the last snapshot must show). */
export class BankModel {
  readonly a = new Map<number, number>();
  readonly b = new Map<number, number>();
  readonly ledger = new Map<number, { amount: number; writer: number }>();
  readonly notes = new Map<number, { body: string; rev: number }>();
  transfers = 0;
  /** Transfers that lost a deadlock (nothing applied) and were not counted. */
  retries = 0;
  noteInserts = 0;
  noteUpdates = 0;
  noteDeletes = 0;

  constructor(readonly shape: BankShape) {
    for (let i = 1; i <= shape.rows; i++) {
      this.a.set(i, shape.start);
      this.b.set(i, shape.start);
    }
  }
}

/**
 * Lets a controller stop all writers between two writes (before the server is restarted: a
 * transfer that spans MyISAM and InnoDB cannot be atomic across a server shutdown), and tells
 * writers to reconnect afterwards.
 */
export class Gate {
  private active = 0;
  private closed: Promise<void> | null = null;
  private reopen: (() => void) | null = null;
  private idle: (() => void) | null = null;
  /** Bumped on every close: writers open a new connection when it changed. */
  generation = 0;

  async enter(): Promise<void> {
    while (this.closed) await this.closed;
    this.active++;
  }

  leave(): void {
    this.active--;
    if (this.active === 0) this.idle?.();
  }

  /** Resolves once no writer is inside a write. */
  async close(): Promise<void> {
    this.generation++;
    if (!this.closed) this.closed = new Promise<void>((r) => (this.reopen = r));
    if (this.active > 0) await new Promise<void>((r) => (this.idle = r));
    this.idle = null;
  }

  open(): void {
    const r = this.reopen;
    this.closed = null;
    this.reopen = null;
    r?.();
  }
}

export interface WriterOptions {
  readonly id: number;
  readonly model: BankModel;
  readonly connect: () => Promise<Connection>;
  readonly stop: () => boolean;
  readonly gate?: Gate;
  /** Pause between writes (ms): keeps the data growing slowly in long runs. */
  readonly pauseMs?: number;
}

function isRetryable(err: unknown): boolean {
  const code = (err as { code?: string }).code;
  return code === 'ER_LOCK_DEADLOCK' || code === 'ER_LOCK_WAIT_TIMEOUT';
}

/** Run `write` until stopped, through the gate, on a connection renewed after every gate close. */
async function writeLoop(opts: WriterOptions, write: (conn: Connection, i: number) => Promise<void>): Promise<void> {
  const gate = opts.gate ?? new Gate();
  let conn: Connection | null = null;
  let generation = -1;
  try {
    for (let i = 0; !opts.stop(); i++) {
      await gate.enter();
      try {
        if (opts.stop()) break;
        if (!conn || generation !== gate.generation) {
          conn?.destroy();
          conn = await opts.connect();
          // A connection the server closed while idle reports it as an event; the next write renews it.
          conn.on('error', () => undefined);
          generation = gate.generation;
        }
        await write(conn, i);
      } finally {
        gate.leave();
      }
      if (opts.pauseMs) await sleep(opts.pauseMs);
    }
  } finally {
    await conn?.end().catch(() => conn?.destroy());
  }
}

/**
 * Transfers from acct_a to acct_b, each recorded in ledger. Even iterations (for even writer ids)
 * use a transaction, InnoDB parts first so that a failure before the MyISAM update rolls
 * everything back; odd ones use LOCK TABLES ... WRITE. A transfer that loses a deadlock against
 * the snapshot's LOCK TABLES applied nothing and is simply not counted.
 */
export async function transferWriter(opts: WriterOptions): Promise<void> {
  const { model } = opts;
  const rows = model.shape.rows;
  await writeLoop(opts, async (conn, i) => {
    const amount = pick(200) - 100;
    const a = pick(rows);
    const b = pick(rows);
    let ledgerId: number;
    try {
      if ((opts.id + i) % 2 === 1) {
        await conn.query('LOCK TABLES acct_a WRITE, acct_b WRITE, ledger WRITE');
        try {
          await conn.query('UPDATE acct_a SET balance = balance - ? WHERE id = ?', [amount, a]);
          // A pause inside the critical section makes half-done transfers visible to a bad reader.
          if (i % 7 === 0) await sleep(2);
          const [r] = (await conn.query('INSERT INTO ledger (amount, writer) VALUES (?, ?)', [amount, opts.id])) as unknown as [{ insertId: number }];
          ledgerId = Number(r.insertId);
          await conn.query('UPDATE acct_b SET balance = balance + ? WHERE id = ?', [amount, b]);
        } finally {
          await conn.query('UNLOCK TABLES');
        }
      } else {
        await conn.query('START TRANSACTION');
        try {
          await conn.query('UPDATE acct_b SET balance = balance + ? WHERE id = ?', [amount, b]);
          const [r] = (await conn.query('INSERT INTO ledger (amount, writer) VALUES (?, ?)', [amount, opts.id])) as unknown as [{ insertId: number }];
          ledgerId = Number(r.insertId);
          if (i % 7 === 0) await sleep(2);
          await conn.query('UPDATE acct_a SET balance = balance - ? WHERE id = ?', [amount, a]);
          await conn.query('COMMIT');
        } catch (err) {
          await conn.query('ROLLBACK');
          throw err;
        }
      }
    } catch (err) {
      if (!isRetryable(err)) throw err;
      model.retries++;
      return;
    }
    model.a.set(a, model.a.get(a)! - amount);
    model.b.set(b, model.b.get(b)! + amount);
    model.ledger.set(ledgerId, { amount, writer: opts.id });
    model.transfers++;
  });
}

const NOTE_TEXTS = [
  'O\'Brien said "hi"',
  'back\\slash \\n not a newline',
  'line one\nline two\r\nthree',
  'tab\there',
  'ünïcødé € 中文',
  'emoji 🙂🚀',
  'NULL',
  '',
  ' trailing space ',
  '\\0 and \u0000 nul',
  'ctrl-z \u001a',
  "--' ; DROP TABLE notes; --",
];

/** Inserts (most), updates and deletes of notes, ids owned by this writer; every acknowledged write goes into the model. */
export async function notesWriter(opts: WriterOptions): Promise<void> {
  const { model } = opts;
  const mine: number[] = [];
  let next = opts.id * 10_000_000;
  await writeLoop(opts, async (conn, i) => {
    const r = Math.random();
    const body = `${NOTE_TEXTS[i % NOTE_TEXTS.length]} #${i}`;
    if (mine.length < 10 || r < 0.6) {
      const id = ++next;
      await conn.query('INSERT INTO notes VALUES (?, ?, 0)', [id, body]);
      mine.push(id);
      model.notes.set(id, { body, rev: 0 });
      model.noteInserts++;
    } else if (r < 0.85) {
      const id = mine[Math.floor(Math.random() * mine.length)]!;
      const rev = model.notes.get(id)!.rev + 1;
      await conn.query('UPDATE notes SET body = ?, rev = ? WHERE id = ?', [body, rev, id]);
      model.notes.set(id, { body, rev });
      model.noteUpdates++;
    } else {
      const k = Math.floor(Math.random() * mine.length);
      const id = mine[k]!;
      await conn.query('DELETE FROM notes WHERE id = ?', [id]);
      mine[k] = mine[mine.length - 1]!;
      mine.pop();
      model.notes.delete(id);
      model.noteDeletes++;
    }
  });
}

/** Differences between the acknowledged model and a database (the live one, or a restored snapshot): changes lost or invented. */
export async function modelDifferences(conn: Connection, db: string, model: BankModel): Promise<string[]> {
  const out: string[] = [];
  const q = async (sql: string) => ((await conn.query(sql)) as unknown as [Array<Record<string, string | number>>])[0];
  for (const [table, want] of [
    ['acct_a', model.a],
    ['acct_b', model.b],
  ] as const) {
    const have = new Map((await q(`SELECT id, balance FROM \`${db}\`.${table}`)).map((r) => [Number(r.id), Number(r.balance)]));
    for (const [id, v] of want) if (have.get(id) !== v) out.push(`${table} id ${id}: expected ${v}, found ${have.get(id)}`);
    for (const id of have.keys()) if (!want.has(id)) out.push(`${table} id ${id}: unexpected row`);
  }
  const ledger = new Map((await q(`SELECT id, amount, writer FROM \`${db}\`.ledger`)).map((r) => [Number(r.id), `${r.amount}/${r.writer}`]));
  for (const [id, e] of model.ledger)
    if (ledger.get(id) !== `${e.amount}/${e.writer}`) out.push(`ledger id ${id}: expected ${e.amount}/${e.writer}, found ${ledger.get(id)}`);
  for (const id of ledger.keys()) if (!model.ledger.has(id)) out.push(`ledger id ${id}: unexpected row`);
  const notes = new Map((await q(`SELECT id, body, rev FROM \`${db}\`.notes`)).map((r) => [Number(r.id), { body: String(r.body), rev: Number(r.rev) }]));
  for (const [id, e] of model.notes) {
    const h = notes.get(id);
    if (!h || h.body !== e.body || h.rev !== e.rev)
      out.push(`notes id ${id}: expected rev ${e.rev} ${JSON.stringify(e.body)}, found ${h ? `rev ${h.rev} ${JSON.stringify(h.body)}` : 'nothing'}`);
  }
  for (const id of notes.keys()) if (!model.notes.has(id)) out.push(`notes id ${id}: unexpected row`);
  return out;
}

// --- snapshot history ----------------------------------------------------------------------

export { runCli } from './project.js';

/** Commits of HEAD, oldest first. */
export function commitsOldestFirst(repo: string): string[] {
  return git(repo, ['rev-list', '--reverse', 'HEAD']).trim().split('\n').filter(Boolean);
}

/** The contents of many `rev:path` blobs (null where missing), read through one `git cat-file --batch` per chunk. */
export function readBlobs(repo: string, specs: readonly string[]): Array<string | null> {
  const out: Array<string | null> = [];
  for (let i = 0; i < specs.length; i += 60) {
    const chunk = specs.slice(i, i + 60);
    const buf = execFileSync('git', ['cat-file', '--batch'], { cwd: repo, input: chunk.join('\n') + '\n', maxBuffer: 1 << 30 });
    let pos = 0;
    for (const spec of chunk) {
      const nl = buf.indexOf(10, pos);
      const header = buf.subarray(pos, nl).toString('utf8');
      pos = nl + 1;
      if (header.endsWith(' missing')) {
        out.push(null);
        continue;
      }
      const size = Number(header.split(' ')[2]);
      if (!Number.isFinite(size)) throw new Error(`git cat-file --batch: unexpected header ${JSON.stringify(header)} for ${spec}`);
      out.push(buf.subarray(pos, pos + size).toString('utf8'));
      pos += size + 1;
    }
  }
  return out;
}

/**
 * The data of each table at a revision: all its data files (a large table is split into chunks,
 * data/<t>.sql and data/<t>@<e>-<hash>.sql) joined; null for a table without any.
 */
export function tableTexts(repo: string, rev: string, tables: readonly string[], dir = 'database'): Array<string | null> {
  const files = execFileSync('git', ['ls-tree', '-r', '--name-only', rev, '--', `${dir}/data`], { cwd: repo, encoding: 'utf8' }).split('\n');
  return tables.map((t) => {
    const mine = files.filter((f) => f === `${dir}/data/${t}.sql` || f.startsWith(`${dir}/data/${t}@`));
    if (mine.length === 0) return null;
    const texts = readBlobs(
      repo,
      mine.map((f) => `${rev}:${f}`),
    );
    return texts.some((x) => x == null) ? null : texts.join('');
  });
}

/** Parse a data file of integer-only rows: each line `INSERT INTO `table` VALUES (n,n,...);`. */
export function parseIntRows(text: string, table: string, columns: number): Map<number, number[]> {
  const out = new Map<number, number[]>();
  const re = new RegExp('^INSERT INTO `' + table + '` VALUES \\((' + Array(columns).fill('-?\\d+').join(',') + ')\\);$');
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const m = re.exec(line);
    if (!m) throw new Error(`unexpected line in ${table}: ${line.slice(0, 200)}`);
    const cells = m[1]!.split(',').map(Number);
    out.set(cells[0]!, cells.slice(1));
  }
  return out;
}

export interface HistoryCheck {
  readonly commits: number;
  /** Commits whose files break the invariant (or could not be read). */
  readonly violations: string[];
  /** Ledger rows (insert-only) that vanished or changed from one commit to the next. */
  readonly regressions: string[];
  /** Commits that changed acct_a and acct_b together. */
  readonly crossEngineCommits: number;
}

/** Check the invariant on every commit of `repo` and that the insert-only ledger only ever grows. */
export function checkHistory(repo: string, shape: BankShape, dir = 'database'): HistoryCheck {
  const commits = commitsOldestFirst(repo);
  const violations: string[] = [];
  const regressions: string[] = [];
  let cross = 0;
  let prevLedger = new Map<number, number[]>();
  let prevA = '';
  let prevB = '';
  for (let i = 0; i < commits.length; i += 50) {
    const chunk = commits.slice(i, i + 50);
    // A table's data may be split into chunks (data/<t>.sql, data/<t>@<e>-<hash>.sql): read them all.
    const specs = chunk.map((c) => {
      const files = execFileSync('git', ['ls-tree', '-r', '--name-only', c, '--', `${dir}/data`], { cwd: repo, encoding: 'utf8' }).split('\n');
      return ['acct_a', 'acct_b', 'ledger'].map((t) =>
        files.filter((f) => f === `${dir}/data/${t}.sql` || f.startsWith(`${dir}/data/${t}@`)).map((f) => `${c}:${f}`),
      );
    });
    const blobs = readBlobs(repo, specs.flat(2));
    let at = 0;
    const tableText = (files: readonly string[]) => {
      const texts = blobs.slice(at, at + files.length);
      at += files.length;
      return files.length === 0 || texts.some((x) => x == null) ? null : texts.join('');
    };
    chunk.forEach((c, k) => {
      const [ta, tb, tl] = specs[k]!.map(tableText);
      if (ta == null || tb == null || tl == null) {
        violations.push(`${c}: a data file is missing`);
        return;
      }
      try {
        const a = parseIntRows(ta, 'acct_a', 2);
        const b = parseIntRows(tb, 'acct_b', 2);
        const ledger = parseIntRows(tl, 'ledger', 3);
        const sum = (m: Map<number, number[]>) => [...m.values()].reduce((s, v) => s + v[0]!, 0);
        const base = shape.rows * shape.start;
        if (a.size !== shape.rows || b.size !== shape.rows) violations.push(`${c}: ${a.size} rows in acct_a, ${b.size} in acct_b`);
        if (sum(a) + sum(b) !== 2 * base) violations.push(`${c}: SUM(acct_a) + SUM(acct_b) = ${sum(a) + sum(b)}, not ${2 * base}`);
        if (sum(b) - base !== sum(ledger)) violations.push(`${c}: SUM(acct_b) - ${base} = ${sum(b) - base}, but SUM(ledger.amount) = ${sum(ledger)}`);
        for (const [id, v] of prevLedger) {
          const now = ledger.get(id);
          if (!now || now.join() !== v.join()) regressions.push(`${c}: ledger id ${id} was ${v.join('/')}, now ${now ? now.join('/') : 'gone'}`);
        }
        if (i + k > 0 && ta !== prevA && tb !== prevB) cross++;
        prevLedger = ledger;
        prevA = ta;
        prevB = tb;
      } catch (err) {
        violations.push(`${c}: ${(err as Error).message}`);
      }
    });
  }
  return { commits: commits.length, violations, regressions, crossEngineCommits: cross };
}

// --- restore oracles ---------------------------------------------------------------------------

/** Drop and recreate a database, empty. */
export async function recreateDatabase(conn: Connection, db: string): Promise<void> {
  await conn.query(`DROP DATABASE IF EXISTS \`${db}\`; CREATE DATABASE \`${db}\` CHARACTER SET utf8mb4`);
}

/**
 * Load the snapshot of `commit` into the (empty) database `db` with the stock client, exactly as the
 * README says: `cat header.sql sequences.sql tables/*.sql data/*.sql routines.sql views.sql ... | mariadb --binary-mode DB`,
 * on a `git archive` of the commit.
 */
export async function stockClientLoad(server: MariaDbServer, repo: string, commit: string, db: string, dir = 'database'): Promise<void> {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'dbsync-archive-'));
  try {
    await execFileAsync('bash', ['-c', `git archive --format=tar "$1" "$2" | tar -x -C "$3"`, 'archive', commit, dir, tmp], { cwd: repo });
    const mariadb = spawnSync('bash', ['-c', 'command -v mariadb || command -v mysql'], { encoding: 'utf8' }).stdout.trim();
    await execFileAsync(
      'bash',
      [
        '-c',
        'cd "$1" && cat header.sql sequences.sql tables/*.sql data/*.sql routines.sql views.sql triggers.sql events.sql | "$2" --no-defaults --socket="$3" -uroot --binary-mode "$4"',
        'load',
        path.join(tmp, dir),
        mariadb,
        server.socket,
        db,
      ],
      { maxBuffer: 1 << 26 },
    );
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** path -> blob id of the snapshot folder at a revision. */
export function snapshotTree(repo: string, rev: string, dir = 'database'): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of git(repo, ['ls-tree', '-r', rev, '--', dir]).split('\n')) {
    const m2 = /^\d+ blob ([0-9a-f]+)\t(.*)$/.exec(line);
    if (m2) m.set(m2[2]!, m2[1]!);
  }
  return m;
}

/** Files that differ (or exist on one side only) between two snapshot trees. */
export function treeDifferences(a: Map<string, string>, b: Map<string, string>): string[] {
  const out: string[] = [];
  for (const [p, sha] of a) if (b.get(p) !== sha) out.push(p);
  for (const p of b.keys()) if (!a.has(p)) out.push(p);
  return out;
}

export interface RestoreCheck {
  readonly commit: string;
  readonly method: 'tool' | 'stock client';
  /** Snapshot files whose bytes differ between the commit and a new snapshot of the restored database. */
  readonly differing: string[];
  readonly ms: number;
}

/**
 * Restore `commit` of `repo` into a new, empty `scratch` database (`git-dbsync restore COMMIT --yes`
 * from `clone`, a clone of `repo`, or the stock client), then snapshot the scratch database with
 * `git-dbsync sync` into `compareRepo` and compare the files with the commit's, byte for byte.
 */
export async function restoreAndCompare(opts: {
  server: MariaDbServer;
  admin: Connection;
  repo: string;
  clone: string;
  compareRepo: string;
  commit: string;
  method: 'tool' | 'stock client';
  scratch: string;
}): Promise<RestoreCheck> {
  const started = Date.now();
  await recreateDatabase(opts.admin, opts.scratch);
  if (opts.method === 'tool') {
    const r = await runCli(['restore', opts.commit, '--yes'], baseEnv({ ...opts.server.env(opts.scratch), PROJECT_DIR: opts.clone }));
    if (r.code !== 0) throw new Error(`restore ${opts.commit} failed (${r.code}): ${r.stderr}${r.stdout}`);
  } else {
    await stockClientLoad(opts.server, opts.repo, opts.commit, opts.scratch);
  }
  const s = await runCli(['sync'], baseEnv({ ...opts.server.env(opts.scratch), PROJECT_DIR: opts.compareRepo }));
  if (s.code !== 0) throw new Error(`snapshot of the restored database failed (${s.code}): ${s.stderr}${s.stdout}`);
  const differing = treeDifferences(snapshotTree(opts.repo, opts.commit), snapshotTree(opts.compareRepo, 'HEAD'));
  return { commit: opts.commit, method: opts.method, differing, ms: Date.now() - started };
}

/** Every row of a database as the stock `mariadb-dump` writes it (data only, one INSERT per row, key order). */
export function dataDump(server: MariaDbServer, db: string): string {
  return server
    .client('mariadb-dump', [
      '--no-create-info',
      '--skip-extended-insert',
      '--order-by-primary',
      '--skip-comments',
      '--compact',
      '--skip-triggers',
      '--hex-blob',
      db,
    ])
    .toString('utf8');
}

/** `CHECKSUM TABLE ... EXTENDED` of each table: table -> checksum. */
export async function tableChecksums(conn: Connection, db: string): Promise<Map<string, string>> {
  const [tables] = (await conn.query(
    "SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME",
    [db],
  )) as unknown as [Array<{ t: string }>];
  const out = new Map<string, string>();
  for (const { t } of tables) {
    const [rows] = (await conn.query(`CHECKSUM TABLE \`${db}\`.\`${t}\` EXTENDED`)) as unknown as [Array<{ Checksum: string | number }>];
    out.set(t, String(rows[0]?.Checksum));
  }
  return out;
}

/** Memory of a process from /proc/PID/status, in kB (null when it is gone). */
export function processMemory(pid: number): { rssKb: number; hwmKb: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { rssKb: kb('VmRSS'), hwmKb: kb('VmHWM') };
  } catch {
    return null;
  }
}

/** Median and maximum of a list of numbers. */
export function medianMax(xs: number[]): { median: number; max: number } {
  if (xs.length === 0) return { median: NaN, max: NaN };
  const s = [...xs].sort((x, y) => x - y);
  return { median: s[Math.floor(s.length / 2)]!, max: s[s.length - 1]! };
}

/** `pass done` lines of a watcher's debug log: duration and lock time of each pass. */
export function passStats(stderr: string): { passes: number; ms: number[]; lockMs: number[] } {
  const ms: number[] = [];
  const lockMs: number[] = [];
  for (const m of stderr.matchAll(/ DEBUG pass done ms=(\d+) lockMs=(\d+)/g)) {
    ms.push(Number(m[1]));
    lockMs.push(Number(m[2]));
  }
  return { passes: ms.length, ms, lockMs };
}
