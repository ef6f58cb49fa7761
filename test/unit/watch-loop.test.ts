import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { LoopClock } from '../../src/daemon/loop-clock.js';
import { WatchLoop, backoffMs } from '../../src/daemon/watch-loop.js';
import { CpuBudget } from '../../src/daemon/cpu-budget.js';
import { DbsyncError } from '../../src/errors/dbsync-error.js';
import type { PassResult } from '../../src/sync/sync-pass.js';
import type { ProbeReading } from '../../src/detect/change-probe.js';

const ok = (push: PassResult['push'] = null): PassResult => ({
  tables: 1,
  rows: 1,
  lockMs: 0,
  filesChanged: 0,
  durationMs: 1,
  commit: { commit: null, subject: 'no changes', summary: { tables: [], objects: [] } },
  push,
});

/** Time that jumps ahead to each timer instead of waiting for it: a loop under it takes no real time to wait. */
function fakeClock(start = 1_000_000): LoopClock & { elapsed: () => number } {
  let t = start;
  return {
    now: () => t,
    after: (ms, fn) => {
      const h = setImmediate(() => {
        t += ms;
        fn();
      });
      return () => clearImmediate(h);
    },
    elapsed: () => t - start,
  };
}

describe('watch loop', () => {
  it('backs off exponentially from one interval, capped', () => {
    assert.deepEqual(
      [1, 2, 3, 4, 10].map((n) => backoffMs(1000, n, 5000)),
      [1000, 2000, 4000, 5000, 5000],
    );
    assert.equal(backoffMs(100, 1, 5000), 1000, 'never retries faster than once a second');
  });

  it('retries after failures, reports recovery, and stops after the running pass', async () => {
    const outcomes = ['fail', 'fail', 'ok', 'ok'];
    const events: string[] = [];
    let passes = 0;
    const loop = new WatchLoop({
      intervalMs: 10,
      maxBackoffMs: 20,
      runPass: async () => {
        const o = outcomes[passes++];
        if (passes === outcomes.length) loop.stop();
        if (o === 'fail') throw new DbsyncError({ operation: 'connect to database', message: 'connection refused', hint: 'start it' });
        return ok();
      },
    });
    loop.on('pass:failure', (e, n) => events.push(`fail ${n} ${e.operation}`));
    loop.on('pass:recovered', (n) => events.push(`recovered ${n}`));
    loop.on('pass:success', () => events.push('ok'));
    await loop.run();
    assert.deepEqual(events, ['fail 1 connect to database', 'fail 2 connect to database', 'recovered 2', 'ok', 'ok']);
    assert.equal(loop.currentState, 'stopped');
  });

  it('keeps taking snapshots while pushes back off', async () => {
    const pushFlags: boolean[] = [];
    let passes = 0;
    const loop = new WatchLoop({
      intervalMs: 5,
      maxBackoffMs: 60_000,
      runPass: async ({ push }) => {
        pushFlags.push(push);
        if (++passes === 3) loop.stop();
        return ok(push ? { status: 'failed', message: 'remote unreachable' } : null);
      },
    });
    const pushFailures: number[] = [];
    loop.on('push:failure', (_m, n) => pushFailures.push(n));
    await loop.run();
    assert.deepEqual(pushFlags, [true, false, false], 'after a failed push the next passes skip pushing until the backoff ends');
    assert.deepEqual(pushFailures, [1]);
  });

  it('stop() while idle ends the wait at once', async () => {
    const loop = new WatchLoop({ intervalMs: 60_000, maxBackoffMs: 60_000, runPass: async () => ok() });
    const started = Date.now();
    const done = loop.run();
    await new Promise((r) => setTimeout(r, 50));
    loop.stop();
    await done;
    assert.ok(Date.now() - started < 5000);
  });

  it('nudge(): an idle wait ends at once and the probe decides; a nudge during a pass skips the wait after it', async () => {
    // A clock whose timers never fire: the loop moves on only when nudged (or stopped).
    const clock: LoopClock = { now: () => 1_000_000, after: () => () => undefined };
    let writes = 0;
    const passes: string[] = [];
    let probes = 0;
    const loop = new WatchLoop({
      intervalMs: 60_000,
      maxBackoffMs: 60_000,
      clock,
      schedule: { verifyMs: 3_600_000, quietMs: 0, maxDelayMs: 60_000 },
      probe: async () => {
        probes++;
        return { session: 1, server: 's', startedAt: 1, counters: { handler_write: String(writes) } };
      },
      runPass: async ({ trigger }) => {
        passes.push(trigger);
        // The second pass: a write lands while it runs, and its nudge comes before the pass ends.
        if (passes.length === 2) {
          writes++;
          loop.nudge();
        }
        return ok();
      },
    });
    const settle = () => new Promise((r) => setTimeout(r, 20));
    const done = loop.run();
    await settle();
    assert.deepEqual(passes, ['start'], 'then it waits: its timer never fires');
    const probesIdle = probes;
    loop.nudge();
    await settle();
    assert.equal(probes, probesIdle + 1, 'a nudge without a change: one probe, no pass');
    assert.deepEqual(passes, ['start']);
    writes++;
    loop.nudge();
    await settle();
    assert.deepEqual(passes, ['start', 'change', 'change'], 'the nudge during the second pass ran the probe again at once');
    loop.stop();
    await done;
  });

  it('with a change probe: passes at start, skips idle polls, passes on a change or when the probe fails', async () => {
    const reading = (writes: number): ProbeReading => ({ session: 1, server: 's', startedAt: 1, counters: { handler_write: String(writes) } });
    // What the probe returns at each poll: 0 = unchanged, a number = writes so far, 'fail' = the probe throws.
    const script: Array<number | 'fail'> = [0, 0, 0, 0, 3, 3, 3, 'fail', 3, 3, 3];
    let poll = 0;
    const passes: string[] = [];
    const events: string[] = [];
    const states: string[] = [];
    const loop = new WatchLoop({
      intervalMs: 2,
      maxBackoffMs: 1000,
      schedule: { verifyMs: 60_000, quietMs: 0, maxDelayMs: 1000 },
      probe: async () => {
        const step = script[poll++];
        if (poll >= script.length) loop.stop();
        if (step === 'fail') throw new Error('connection lost');
        return reading(step ?? 3);
      },
      runPass: async ({ trigger }) => {
        passes.push(`${trigger}@${poll - 1}`);
        return ok();
      },
    });
    loop.on('poll:skipped', () => events.push('skipped'));
    loop.on('pass:success', (_r, trigger) => events.push(trigger));
    loop.on('probe:failure', () => events.push('probe failed'));
    loop.on('state', (st) => states.push(st));
    await loop.run();
    assert.deepEqual(passes, ['start@0', 'change@4', 'every-poll@7', 'restart@8']);
    assert.deepEqual(events, ['start', 'skipped', 'skipped', 'skipped', 'change', 'skipped', 'skipped', 'probe failed', 'every-poll', 'restart', 'skipped']);
    assert.deepEqual(
      states.slice(0, 6),
      ['verifying', 'idle', 'running', 'idle', 'verifying', 'idle'],
      'the state changes only when it changes: no state write per idle poll',
    );
    assert.equal(states.at(-1), 'stopped');
  });

  it('without a verification interval never asks the probe', async () => {
    let probed = 0;
    let passes = 0;
    const loop = new WatchLoop({
      intervalMs: 2,
      maxBackoffMs: 1000,
      schedule: { verifyMs: 0, quietMs: 300, maxDelayMs: 1000 },
      probe: async () => {
        probed++;
        return { session: 1, server: 's', startedAt: 1, counters: {} };
      },
      runPass: async ({ trigger }) => {
        assert.equal(trigger, 'every-poll');
        if (++passes === 3) loop.stop();
        return ok();
      },
    });
    await loop.run();
    assert.equal(probed, 0);
    assert.equal(passes, 3, 'a pass every poll, without waiting for quiet: the old behaviour');
  });

  it('with a change probe: retries a failed push by a pass even when nothing changes', async () => {
    const passes: string[] = [];
    const clock = fakeClock();
    const loop = new WatchLoop({
      clock,
      intervalMs: 5,
      maxBackoffMs: 60_000,
      schedule: { verifyMs: 60_000, quietMs: 0, maxDelayMs: 1000 },
      probe: async () => ({ session: 1, server: 's', startedAt: 1, counters: { handler_write: '0' } }),
      runPass: async ({ push, trigger }) => {
        passes.push(`${trigger}${push ? '+push' : ''}`);
        if (passes.length === 2) loop.stop();
        return ok(push ? { status: passes.length === 1 ? 'failed' : 'pushed', message: 'x' } : null);
      },
    });
    const realStart = Date.now();
    await loop.run();
    assert.deepEqual(passes, ['start+push', 'push+push']);
    assert.ok(clock.elapsed() >= 1000, 'after the push backoff (one second at least)');
    assert.ok(Date.now() - realStart < 900, 'on the fake clock: the backoff took no real time');
  });

  it('two-way: a pass is a pull every pull interval, also when nothing changes; a failed fetch is a fetch failure, not a push failure', async () => {
    const clock = fakeClock();
    const passes: string[] = [];
    const events: string[] = [];
    // Pulls at 0 s (fetch fails), 10 s (fails), 20 s (works).
    const fetches = ['fail', 'fail', 'ok'];
    const loop = new WatchLoop({
      clock,
      intervalMs: 1000,
      maxBackoffMs: 60_000,
      pullIntervalMs: 10_000,
      schedule: { verifyMs: 600_000, quietMs: 0, maxDelayMs: 1000 },
      probe: async () => ({ session: 1, server: 's', startedAt: 1, counters: { handler_write: '0' } }),
      runPass: async ({ push, trigger, pull }) => {
        passes.push(`${Math.round(clock.elapsed() / 1000)}s ${trigger}${pull ? ' pull' : ''}${push ? '+push' : ''}`);
        if (!pull) return ok(push ? { status: 'pushed', message: 'x' } : null);
        const fetch = fetches.shift();
        if (fetches.length === 0) loop.stop();
        return fetch === 'fail'
          ? { ...ok(null), fetchError: 'NOT PULLED: fetch from origin/main failed' }
          : ok(push ? { status: 'pushed', message: 'x' } : null);
      },
    });
    loop.on('fetch:failure', (m, n, retryIn) => events.push(`fetch failure ${n} retry in ${retryIn / 1000} s: ${m}`));
    loop.on('fetch:recovered', (n) => events.push(`fetch recovered after ${n}`));
    loop.on('push:failure', () => events.push('push failure'));
    await loop.run();
    assert.deepEqual(passes, ['0s start pull+push', '10s pull pull+push', '20s pull pull+push']);
    assert.deepEqual(events, [
      'fetch failure 1 retry in 10 s: NOT PULLED: fetch from origin/main failed',
      'fetch failure 2 retry in 10 s: NOT PULLED: fetch from origin/main failed',
      'fetch recovered after 2',
    ]);
  });

  it('DBSYNC_MAX_CPU: holds a pass back until the budget is repaid; the first pass is free', async () => {
    const clock = fakeClock();
    let cpu = 0;
    const startedAt: number[] = [];
    const held: number[] = [];
    const loop = new WatchLoop({
      intervalMs: 10,
      maxBackoffMs: 20,
      clock,
      cpu: { budget: new CpuBudget(0.1, 100, clock.now()), usedMs: () => cpu },
      runPass: async () => {
        startedAt.push(clock.elapsed());
        cpu += 5000; // each pass costs 5 s of CPU (the first, the start, is not charged)
        if (startedAt.length === 3) loop.stop();
        return ok();
      },
    });
    loop.on('cpu:throttled', (ms) => held.push(ms));
    await loop.run();
    // Pass 2 runs after one interval (the first pass was free); it costs 5 s with 100 ms in the
    // bucket, so pass 3 waits (5000 - 100 - 10 ms of refill) / 0.1 before it runs.
    assert.deepEqual(startedAt.slice(0, 2), [0, 10]);
    assert.equal(held.length, 1);
    assert.ok(Math.abs(held[0]! - (5000 - 100 - 1) / 0.1) <= 200, `held ${held[0]} ms`);
    assert.ok(startedAt[2]! - startedAt[1]! >= held[0]!, 'the pass ran only after the hold');
  });
});
