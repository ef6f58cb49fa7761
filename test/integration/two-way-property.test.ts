/**
 * Two-way sync, property-based (issue 6): fast-check generates random concurrent edit sequences on
 * two computers (real MariaDB servers, one bare remote, DBSYNC_MODE=two-way) interleaved with
 * `sync` on either side, so histories diverge and merge several times; then everyone syncs until
 * stable. Checked: (1) convergence: equal databases (CHECKSUM TABLE and rows), the same commit,
 * and a further round commits nothing; (2) no value lost: every value written on either side is
 * in the final databases, or in a recorded conflict, or was knowingly overwritten.
 *
 * "Knowingly overwritten", precisely: every value written is unique; an edit on a computer (UPDATE
 * of a cell, DELETE of a row) replaces the values that computer's database held in those cells at
 * that moment. Such a value may disappear (its computer, or one that had pulled it, changed it on
 * purpose); this includes a value overwritten on the computer that wrote it before any sync, which
 * never reached a commit. Every other value must survive. "Recorded conflict": a record in any
 * version of `database/conflicts/*.jsonl` in the final history (a later conflict on the same cell
 * replaces the record in the current file; both are reported).
 *
 * DBSYNC_FC_SEED, DBSYNC_FC_RUNS override the seed and the number of runs (6; 40 with
 * DBSYNC_LONG_TESTS=1); DBSYNC_FC_SHRINK=1
 * shrinks a failure to a minimal sequence (slow: every try is real syncs).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import fc from 'fast-check';
import { MariaDbServer } from '../support/mariadb-server.js';
import { bareRemote, computers, type Computer } from '../support/computers.js';
import { git } from '../support/project.js';
import { cellsOf } from '../../src/snapshot/row-line.js';

const TABLES = ['t_inno', 't_my'] as const;
const COLUMNS = ['a', 'b'] as const;
const KEYS = 3;
const SCHEMA = `
CREATE TABLE t_inno (id INT PRIMARY KEY, a VARCHAR(20), b INT) ENGINE=InnoDB;
CREATE TABLE t_my (id INT PRIMARY KEY, a VARCHAR(20), b VARCHAR(20)) ENGINE=MyISAM;
`;

type Who = 0 | 1;
type Step =
  | { readonly who: Who; readonly op: 'write'; readonly table: 0 | 1; readonly key: number; readonly col: 0 | 1 }
  | { readonly who: Who; readonly op: 'delete'; readonly table: 0 | 1; readonly key: number }
  | { readonly who: Who; readonly op: 'sync' };

const who = fc.constantFrom<Who>(0, 1);
const table = fc.constantFrom<0 | 1>(0, 1);
const key = fc.integer({ min: 1, max: KEYS });
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ who, op: fc.constant('write' as const), table, key, col: fc.constantFrom<0 | 1>(0, 1) }) },
  { weight: 2, arbitrary: fc.record({ who, op: fc.constant('delete' as const), table, key }) },
  { weight: 3, arbitrary: fc.record({ who, op: fc.constant('sync' as const) }) },
);
const scenario = fc.record({
  rule: fc.constantFrom('theirs', 'ours', 'newest'),
  steps: fc.array(step, { minLength: 6, maxLength: 14 }),
});

/** One value written: unique, so it can be followed through merges and conflicts. */
interface Written {
  readonly table: string;
  readonly key: number;
  readonly col: string;
  readonly value: string;
  readonly by: string;
  overwritten: boolean;
}

/** A cell value as the test compares it: the SQL literal without string quotes. */
function plain(literal: string | null | undefined): string | null {
  if (literal === null || literal === undefined) return null;
  return literal.startsWith("'") ? literal.slice(1, -1) : literal;
}

/** Every conflict record in any version of the conflicts files reachable from HEAD, and those of HEAD. */
function conflictRecords(dir: string): { history: Array<Record<string, unknown>>; current: Array<Record<string, unknown>> } {
  const parse = (text: string) =>
    text
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  const blobs = new Set<string>();
  for (const commit of git(dir, ['rev-list', 'HEAD']).trim().split('\n')) {
    for (const line of git(dir, ['ls-tree', '-r', commit, '--', 'database/conflicts/']).trim().split('\n').filter(Boolean)) blobs.add(line.split(/\s+/)[2]!);
  }
  const history = [...blobs].flatMap((b) => parse(git(dir, ['cat-file', '-p', b])));
  const current = git(dir, ['ls-tree', '-r', 'HEAD', '--', 'database/conflicts/'])
    .trim()
    .split('\n')
    .filter(Boolean)
    .flatMap((l) => parse(git(dir, ['cat-file', '-p', l.split(/\s+/)[2]!])));
  return { history, current };
}

/** Whether a conflict record holds value `w` (as ours or theirs: the cell, or that cell of a row line). */
function recordHolds(r: Record<string, unknown>, w: Written): boolean {
  if (r.table !== w.table || JSON.stringify(r.key) !== JSON.stringify([String(w.key)])) return false;
  const sides = [r.ours, r.theirs] as Array<string | null>;
  if (r.kind === 'cell') return r.column === w.col && sides.some((s) => plain(s) === w.value);
  const index = 1 + COLUMNS.indexOf(w.col as (typeof COLUMNS)[number]);
  return sides.some((line) => line !== null && plain(cellsOf(line)[index]) === w.value);
}

let servers: MariaDbServer[] = [];
let seq = 0;

/** Run one scenario on fresh databases, project folders and remote; throws at the first broken expectation, pushes a summary line to `log`. */
async function runScenario(s: { rule: string; steps: readonly Step[] }, log: string[]): Promise<void> {
  const [a, b] = (await computers(servers, `pp${++seq}`, bareRemote(), { DBSYNC_CONFLICT_RULE: s.rule })) as [Computer, Computer];
  const pcs = [a, b] as const;
  const written: Written[] = [];
  let counter = 0;
  const fresh = (t: string, col: string) => (t === 't_inno' && col === 'b' ? String(1_000_000 + ++counter) : `v${++counter}`);
  const literal = (t: string, col: string, v: string) => (t === 't_inno' && col === 'b' ? v : `'${v}'`);
  const commits = () => [a.commits(), b.commits()];
  const t0 = Date.now();
  let syncs = 0;
  for (const c of [a, b]) {
    const plainSync = c.sync.bind(c);
    c.sync = async (extra = {}) => {
      syncs++;
      return plainSync(extra);
    };
  }
  try {
    mkdirSync(a.dir, { recursive: true });
    await a.sql(SCHEMA);
    for (const t of TABLES) {
      for (const k of [1, 2]) {
        const [va, vb] = [fresh(t, 'a'), fresh(t, 'b')];
        await a.sql(`INSERT INTO ${t} VALUES (${k}, ${literal(t, 'a', va)}, ${literal(t, 'b', vb)})`);
        written.push(
          { table: t, key: k, col: 'a', value: va, by: 'setup', overwritten: false },
          { table: t, key: k, col: 'b', value: vb, by: 'setup', overwritten: false },
        );
      }
    }
    await a.sync();
    assert.match(await b.sync(), /^joined: /m);

    /** The value of every cell this computer's database holds for `key` now (null: no row). */
    const live = async (c: Computer, t: string, k: number) => {
      const rows = await c.sql<Array<Record<string, unknown>>>(`SELECT a, b FROM ${t} WHERE id = ?`, [k]);
      return rows[0] ? { a: rows[0].a === null ? null : String(rows[0].a), b: rows[0].b === null ? null : String(rows[0].b) } : null;
    };
    const overwrite = (t: string, k: number, col: string, value: string | null) => {
      for (const w of written) if (w.table === t && w.key === k && w.col === col && w.value === value) w.overwritten = true;
    };

    for (const st of s.steps) {
      const c = pcs[st.who];
      if (st.op === 'sync') {
        await c.sync();
        continue;
      }
      const t = TABLES[st.table];
      const row = await live(c, t, st.key);
      if (st.op === 'delete') {
        if (!row) continue;
        for (const col of COLUMNS) overwrite(t, st.key, col, row[col]);
        await c.sql(`DELETE FROM ${t} WHERE id = ?`, [st.key]);
      } else if (row) {
        const col = COLUMNS[st.col];
        const v = fresh(t, col);
        overwrite(t, st.key, col, row[col]);
        await c.sql(`UPDATE ${t} SET ${col} = ${literal(t, col, v)} WHERE id = ?`, [st.key]);
        written.push({ table: t, key: st.key, col, value: v, by: c.name, overwritten: false });
      } else {
        const [va, vb] = [fresh(t, 'a'), fresh(t, 'b')];
        await c.sql(`INSERT INTO ${t} VALUES (?, ${literal(t, 'a', va)}, ${literal(t, 'b', vb)})`, [st.key]);
        written.push(
          { table: t, key: st.key, col: 'a', value: va, by: c.name, overwritten: false },
          { table: t, key: st.key, col: 'b', value: vb, by: c.name, overwritten: false },
        );
      }
    }

    // Everyone syncs, in turn, until both are on the same commit (bounded).
    let rounds = 0;
    do {
      await a.sync();
      await b.sync();
      rounds++;
      assert.ok(rounds <= 4 || a.head() === b.head(), `no convergence after ${rounds} sync rounds (heads ${a.head()} / ${b.head()})`);
    } while (a.head() !== b.head());

    // (1) Convergence.
    assert.equal(a.head(), b.head(), 'both computers on the same commit');
    assert.deepEqual(await a.checksum(TABLES), await b.checksum(TABLES), 'CHECKSUM TABLE equal');
    for (const t of TABLES) assert.deepEqual(await a.rows(t), await b.rows(t), `rows of ${t} equal`);
    const settled = commits();
    await a.sync();
    await b.sync();
    assert.deepEqual(commits(), settled, 'a further sync round makes no commit');

    // (2) No value lost.
    const finalRows = new Map<string, { a: string | null; b: string | null } | null>();
    for (const t of TABLES) for (let k = 1; k <= KEYS; k++) finalRows.set(`${t}/${k}`, await live(a, t, k));
    const { history, current } = conflictRecords(a.dir);
    const lost: string[] = [];
    let onlyInHistory = 0;
    let inConflicts = 0;
    for (const w of written.filter((x) => !x.overwritten)) {
      const row = finalRows.get(`${w.table}/${w.key}`);
      if (row && row[w.col as 'a' | 'b'] === w.value) continue;
      if (current.some((r) => recordHolds(r, w))) inConflicts++;
      else if (history.some((r) => recordHolds(r, w))) onlyInHistory++;
      else lost.push(`${w.table} id=${w.key} ${w.col}=${w.value} (written by ${w.by})`);
    }
    log.push(
      `rule ${s.rule}, ${s.steps.length} steps, ${written.length} values written, ${written.filter((w) => w.overwritten).length} knowingly overwritten, ` +
        `${inConflicts} kept only in open conflicts, ${onlyInHistory} only in older conflict records, ${current.length} open conflict(s), ${a.commits()} commits of which ${git(a.dir, ['rev-list', '--merges', '--count', 'HEAD']).trim()} merges, ${rounds} final round(s); ${syncs} syncs in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
    );
    assert.deepEqual(lost, [], 'values neither in the databases nor in a recorded conflict');
  } finally {
    await a.close();
    await b.close();
  }
}

describe('two-way sync: property-based', () => {
  before(async () => {
    servers = await Promise.all([MariaDbServer.start(), MariaDbServer.start()]);
  });
  after(async () => {
    await Promise.all(servers.map((s) => s.destroy()));
  });

  it('random concurrent edits on two computers converge and lose no value', async (t) => {
    const seed = process.env.DBSYNC_FC_SEED ? Number(process.env.DBSYNC_FC_SEED) : (Date.now() ^ (Math.random() * 0x7fffffff)) | 0;
    // 6 runs of about 20 s each in `npm test` (a new seed every run, so CI runs add up); 40 with DBSYNC_LONG_TESTS=1.
    const numRuns = Number(process.env.DBSYNC_FC_RUNS ?? (process.env.DBSYNC_LONG_TESTS === '1' ? 40 : 6));
    t.diagnostic(`fast-check seed ${seed}, ${numRuns} runs (DBSYNC_FC_SEED=${seed} DBSYNC_FC_RUNS=${numRuns} reproduce this run)`);
    const log: string[] = [];
    const started = Date.now();
    try {
      await fc.assert(
        fc.asyncProperty(scenario, async (s) => {
          try {
            await runScenario(s, log);
          } catch (err) {
            log.push(`FAILED (rule ${s.rule}, steps ${JSON.stringify(s.steps)}): ${(err as Error).message}`);
            throw err;
          }
        }),
        { seed, numRuns, endOnFailure: process.env.DBSYNC_FC_SHRINK !== '1' },
      );
    } finally {
      for (const l of log) t.diagnostic(l);
      t.diagnostic(`${log.length} scenario(s) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    }
  });
});
