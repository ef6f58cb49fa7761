import { it } from 'node:test';
import assert from 'node:assert/strict';
import { verdictOf, type VerdictInput } from '../../src/status/verdict.js';

const now = Date.parse('2026-12-04T12:00:00Z');
const ago = (s: number) => new Date(now - s * 1000).toISOString();
type Live = NonNullable<VerdictInput['live']>;
const liveOk: Live = {
  database: { reachable: true, error: null },
  remote: { ahead: 0, error: null, blockedBehind: false, oldestUnpushedAt: null },
  lastSnapshotAt: now - 40_000,
};
const status = (over: { live?: Partial<Live>; remote?: Partial<NonNullable<Live['remote']>> | null; state?: VerdictInput['state'] } = {}) => {
  const live = { ...liveOk, ...over.live, remote: over.remote === null ? null : { ...liveOk.remote!, ...over.remote } };
  return verdictOf({ now, state: over.state ?? { lastPassAt: ago(40) }, maxUnpushedMs: 3_600_000, remoteConfigured: live.remote !== null, live });
};

it('status exit codes follow the verdict: 0 healthy, 1 unreachable database or failing passes, 4 not pushed (issues 11, 13)', () => {
  assert.equal(status().exitCode, 0);
  assert.equal(status({ remote: null }).exitCode, 0, 'no remote: nothing to push');
  assert.equal(status({ live: { database: { reachable: false, error: 'refused' } } }).exitCode, 1);
  assert.equal(status({ state: { consecutiveFailures: 3, lastError: { at: ago(10), operation: 'pass', message: 'x', hint: '' } } }).exitCode, 1);
  assert.equal(status({ remote: { ahead: 2, oldestUnpushedAt: now - 60_000 } }).exitCode, 4);
  assert.equal(status({ remote: { ahead: null, error: 'cannot reach the remote' } }).exitCode, 4);
  assert.equal(status({ remote: { blockedBehind: true } }).exitCode, 4, 'backup mode: a remote that moved on blocks the push');
  assert.equal(
    status({ remote: { ahead: 2 }, state: { consecutiveFailures: 1, lastError: { at: ago(10), operation: 'pass', message: 'x', hint: '' } } }).exitCode,
    1,
    'the worse wins',
  );
});

it('the verdict line says what is wrong and since when (issue 13)', () => {
  assert.equal(status().line, 'OK: last snapshot 40 s ago, pushed');
  assert.equal(status({ remote: null }).line, 'OK: last snapshot 40 s ago, no remote configured');
  assert.equal(status({ state: {}, live: { lastSnapshotAt: null } }).line, 'NO SNAPSHOT YET: start `git-dbsync watch` (or run `git-dbsync sync`)');
  const young = status({ remote: { ahead: 2, error: 'cannot reach the remote: timeout', oldestUnpushedAt: now - 5 * 60_000 } });
  assert.equal(young.level, 'not-pushed');
  assert.equal(young.line, 'NOT PUSHED since 2026-12-04 11:55 UTC (5 min 0 s): 2 commit(s) wait to be pushed; cannot reach the remote: timeout');
  const old = status({ remote: { ahead: 7, error: 'cannot reach the remote: timeout', oldestUnpushedAt: now - (3 * 3600 + 12 * 60) * 1000 } });
  assert.deepEqual(
    [old.level, old.exitCode, old.line],
    ['failing', 4, 'FAILING: nothing pushed for 3 h 12 min: 7 commit(s) wait to be pushed; cannot reach the remote: timeout'],
  );
  const down = status({
    live: { database: { reachable: false, error: 'connect ECONNREFUSED' } },
    state: {
      consecutiveFailures: 4,
      failingSince: ago(600),
      lastError: { at: ago(5), operation: 'connect to database', message: 'refused', hint: 'start it' },
    },
  });
  assert.deepEqual(
    [down.level, down.since, down.line],
    ['unreachable', ago(600), 'DATABASE UNREACHABLE since 2026-12-04 11:50 UTC (10 min 0 s): connect ECONNREFUSED'],
  );
  const failing = status({
    state: { consecutiveFailures: 2, failingSince: ago(120), lastError: { at: ago(5), operation: 'commit', message: 'disk full', hint: 'free disk space' } },
  });
  assert.equal(failing.line, 'FAILING since 2026-12-04 11:58 UTC (2 min 0 s), 2 failed pass(es) in a row: commit: disk full -- free disk space');
});

it('without a live reading (daemon, health) the verdict comes from the state file', () => {
  const judge = (state: VerdictInput['state'], maxUnpushedMs = 3_600_000) => verdictOf({ now, state, maxUnpushedMs, remoteConfigured: true });
  assert.equal(judge({ lastPassAt: ago(3), push: { at: ago(3), status: 'pushed', message: 'pushed' } }).line, 'OK: last snapshot 3 s ago, pushed');
  const unreachable = judge({
    consecutiveFailures: 1,
    failingSince: ago(30),
    lastError: { at: ago(30), operation: 'connect to database', message: 'ECONNREFUSED', hint: 'start the server' },
  });
  assert.deepEqual([unreachable.level, unreachable.exitCode], ['unreachable', 1]);
  assert.match(unreachable.line, /^DATABASE UNREACHABLE since .*: ECONNREFUSED -- start the server$/);
  const backlog = { lastPassAt: ago(3), push: { at: ago(3), status: 'failed', message: 'push to origin failed: gone', failingSince: ago(7200) } };
  assert.deepEqual([judge(backlog).level, judge(backlog).line], ['failing', 'FAILING: nothing pushed for 2 h 0 min: push to origin failed: gone']);
  assert.equal(judge(backlog, 0).level, 'not-pushed', '0: a backlog never fails');
  assert.equal(verdictOf({ now, state: backlog, maxUnpushedMs: 1000, remoteConfigured: false }).level, 'ok', 'no remote configured any more');
});
