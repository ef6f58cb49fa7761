import { it } from 'node:test';
import assert from 'node:assert/strict';
import { formatProgress, formatSummary, ProgressDisplay } from '../../src/cli/progress-display.js';
import { ProgressTracker, type SnapshotProgress } from '../../src/snapshot/snapshot-progress.js';

const p = (over: Partial<SnapshotProgress>): SnapshotProgress => ({
  phase: 'rows',
  tablesDone: 3,
  tablesTotal: 12,
  rowsDone: 400_000,
  rowsEstimate: 1_000_000,
  elapsedMs: 4000,
  table: 'ip_invoices',
  ...over,
});

it('the terminal line shows rows, tables, rate and time left', () => {
  assert.equal(
    formatProgress(p({})),
    'reading the database: 400,000 of about 1,000,000 rows (40%), 3 of 12 tables done (reading ip_invoices), 100,000 rows/s, about 6 s left',
  );
  // Too early for a rate; an estimate below what was read already is raised.
  assert.equal(
    formatProgress(p({ elapsedMs: 100, rowsEstimate: 10, table: null })),
    'reading the database: 400,000 of about 400,000 rows (99%), 3 of 12 tables done',
  );
  assert.match(formatProgress(p({ rowsDone: 1000, elapsedMs: 1000 })), /about 16 min 39 s left$/);
});

it('the summary line', () => {
  assert.equal(
    formatSummary(p({ phase: 'done', rowsDone: 1_000_000, tablesTotal: 12, elapsedMs: 8200 })),
    'read 1,000,000 rows of 12 tables in 8.2 s (121,951 rows/s)',
  );
  assert.equal(formatSummary(p({ phase: 'done', rowsDone: 5, tablesTotal: 1, elapsedMs: 6000 })), 'read 5 rows of 1 table in 6.0 s (1 rows/s)');
});

function fakeStream(tty: boolean) {
  const writes: string[] = [];
  return { writes, stream: { isTTY: tty, columns: 200, write: (s: string) => writes.push(s) > 0 } as unknown as NodeJS.WritableStream & { isTTY: boolean } };
}

it('on a terminal: drawn at most every 250 ms after the first second, cleared at the end, no log line', () => {
  let now = 0;
  const logged: string[] = [];
  const { writes, stream } = fakeStream(true);
  const d = new ProgressDisplay({ stream, log: { info: (l) => logged.push(l) }, now: () => now });
  d.update(p({ phase: 'start', elapsedMs: 0 }));
  d.update(p({ elapsedMs: 500 }));
  assert.equal(writes.length, 0, 'not in the first second');
  for (let t = 1000; t < 2000; t += 50) {
    now = t;
    d.update(p({ elapsedMs: t }));
  }
  assert.equal(writes.length, 4, writes.join('|'));
  assert.ok(writes.every((w) => w.startsWith('\r') && w.endsWith('\x1b[K')));
  d.update(p({ phase: 'done', elapsedMs: 9000, rowsDone: 1_000_000 }));
  assert.equal(writes.at(-1), '\r\x1b[K');
  assert.deepEqual(logged, []);
});

it('not on a terminal: nothing while running, one summary line for a large or slow pass only', () => {
  const logged: string[] = [];
  const { writes, stream } = fakeStream(false);
  const d = new ProgressDisplay({ stream, log: { info: (l) => logged.push(l) } });
  d.update(p({ elapsedMs: 3000 }));
  d.update(p({ phase: 'done', rowsDone: 50_000, elapsedMs: 2000 }));
  assert.deepEqual(logged, []);
  d.update(p({ phase: 'done', rowsDone: 150_000, elapsedMs: 2000 }));
  d.update(p({ phase: 'done', rowsDone: 10, elapsedMs: 7000 }));
  assert.equal(logged.length, 2);
  assert.match(logged[0]!, /^read 150,000 rows of 12 tables in 2\.0 s/);
  assert.deepEqual(writes, []);
});

it('the tracker estimates the total from the server figures and the rows read', () => {
  const seen: SnapshotProgress[] = [];
  let now = 0;
  const t = new ProgressTracker(
    new Map([
      ['a', 100],
      ['b', 1000],
    ]),
    ['a', 'b'],
    (x) => seen.push(x),
    () => now,
  );
  t.start();
  assert.equal(seen.at(-1)!.rowsEstimate, 1100);
  t.rows('a', 150);
  assert.deepEqual([seen.at(-1)!.rowsDone, seen.at(-1)!.rowsEstimate, seen.at(-1)!.table], [150, 1150, 'a']);
  t.tableDone('a', 160);
  t.rows('b', 10);
  assert.deepEqual([seen.at(-1)!.rowsDone, seen.at(-1)!.rowsEstimate, seen.at(-1)!.tablesDone], [170, 1160, 1]);
  now = 2000;
  t.tableDone('b', 900);
  t.done();
  assert.deepEqual({ ...seen.at(-1)! }, { phase: 'done', tablesDone: 2, tablesTotal: 2, rowsDone: 1060, rowsEstimate: 1060, elapsedMs: 2000, table: null });
});
