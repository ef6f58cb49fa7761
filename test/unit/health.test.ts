import { it } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateHealth, formatHealthy, healthLimitMs, type HealthInput } from '../../src/status/health.js';

const now = Date.parse('2026-01-01T12:00:00Z');
const ago = (s: number) => new Date(now - s * 1000).toISOString();
const input = (over: Partial<HealthInput> & { state?: HealthInput['state'] } = {}): HealthInput => ({
  state: { lastPassAt: ago(5), consecutiveFailures: 0, daemon: { pid: 42, host: 'box', state: 'idle', since: ago(1) } },
  now,
  pollIntervalMs: 30_000,
  hostname: 'box',
  alive: (pid) => pid === 42,
  maxUnpushedMs: 3_600_000,
  ...over,
});

it('the limit is max(3 x interval, 60 s) unless given', () => {
  assert.equal(healthLimitMs(30_000), 90_000);
  assert.equal(healthLimitMs(1_000), 60_000);
  assert.equal(healthLimitMs(1_000, 5_000), 5_000);
});

it('healthy: live daemon on this host, recent pass', () => {
  const r = evaluateHealth(input());
  assert.equal(r.healthy, true);
  assert.equal(formatHealthy(r as Extract<typeof r, { healthy: true }>), 'healthy: watch pid 42, last successful check 5 s ago (limit 90 s)');
});

it('uses the interval the daemon recorded over the local setting', () => {
  const state = { lastPassAt: ago(70), daemon: { pid: 42, host: 'box', pollIntervalMs: 1_000, state: 'idle', since: ago(1) } };
  const r = evaluateHealth(input({ state }));
  assert.equal(r.healthy, false);
  assert.match((r as { reason: string }).reason, /70 s ago, more than the limit of 60 s/);
  assert.equal(evaluateHealth(input({ state: { ...state, daemon: { ...state.daemon, pollIntervalMs: 30_000 } } })).healthy, true);
});

it('an idle watch stays healthy on its polls: a recent lastCheckAt counts like a pass', () => {
  const state = { lastPassAt: ago(500), lastCheckAt: ago(8), daemon: { pid: 42, host: 'box', state: 'idle', since: ago(500) } };
  const r = evaluateHealth(input({ state }));
  assert.equal(r.healthy, true);
  assert.equal((r as { ageMs: number }).ageMs, 8_000);
  assert.equal(evaluateHealth(input({ state: { ...state, lastCheckAt: ago(120) } })).healthy, false);
});

it('unhealthy, with a reason, in each bad state', () => {
  const reason = (over: Partial<HealthInput>) => {
    const r = evaluateHealth(input(over));
    assert.equal(r.healthy, false);
    return (r as { reason: string; hint: string }).reason;
  };
  assert.match(reason({ state: {} }), /no watch process is recorded/);
  assert.match(reason({ alive: () => false }), /pid 42\) is not running/);
  assert.match(reason({ hostname: 'other' }), /runs on host box, not on this one \(other\)/);
  assert.match(reason({ state: { lastPassAt: ago(1), daemon: { pid: 42, host: 'box', state: 'stopping', since: ago(1) } } }), /is stopping/);
  assert.match(reason({ state: { daemon: { pid: 42, host: 'box', state: 'running', since: ago(1) } } }), /has not completed a pass yet/);
  const failing = {
    lastPassAt: ago(600),
    consecutiveFailures: 7,
    lastError: { at: ago(2), operation: 'connect to database', message: 'connection refused at db:3306', hint: 'is the server running?' },
    daemon: { pid: 42, host: 'box', state: 'backoff', since: ago(2) },
  };
  const r = evaluateHealth(input({ state: failing }));
  assert.equal(r.healthy, false);
  assert.equal(
    (r as { reason: string }).reason,
    'the last successful check was 600 s ago, more than the limit of 90 s; 7 failed pass(es) in a row, last: connect to database: connection refused at db:3306',
  );
  assert.equal((r as { hint: string }).hint, 'is the server running?');
});

it('a push backlog older than DBSYNC_MAX_UNPUSHED is unhealthy, a younger one is not (issue 13)', () => {
  const failing = (since: number) => ({
    lastPassAt: ago(5),
    consecutiveFailures: 0,
    daemon: { pid: 42, host: 'box', state: 'idle', since: ago(9000) },
    push: { at: ago(5), status: 'failed', message: 'push to origin failed: cannot reach the remote', lastOkAt: ago(since + 60), failingSince: ago(since) },
  });
  const old = evaluateHealth(input({ state: failing(2 * 3600 + 12 * 60) }));
  assert.equal(old.healthy, false);
  assert.match(
    (old as { reason: string }).reason,
    /^nothing pushed for 2 h 12 min: push to origin failed: cannot reach the remote \(DBSYNC_MAX_UNPUSHED is 1 h 0 min\)$/,
  );
  assert.equal(evaluateHealth(input({ state: failing(1800) })).healthy, true, 'younger than the limit');
  assert.equal(evaluateHealth(input({ state: failing(2 * 3600), maxUnpushedMs: 0 })).healthy, true, '0 turns the check off');
  const pushedAgain = { ...failing(2 * 3600), push: { at: ago(5), status: 'pushed', message: 'pushed', lastOkAt: ago(5), failingSince: null } };
  assert.equal(evaluateHealth(input({ state: pushedAgain })).healthy, true);
});
