import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { WatchLoop, backoffMs } from '../../src/daemon/watch-loop.js';
import { DbsyncError } from '../../src/errors/dbsync-error.js';
import type { PassResult } from '../../src/sync/sync-pass.js';

const ok = (push: PassResult['push'] = null): PassResult => ({
  tables: 1, rows: 1, lockMs: 0, filesChanged: 0, durationMs: 1,
  commit: { commit: null, subject: 'no changes', summary: { tables: [], objects: [] } },
  push,
});

describe('watch loop', () => {
  it('backs off exponentially from one interval, capped', () => {
    assert.deepEqual([1, 2, 3, 4, 10].map((n) => backoffMs(1000, n, 5000)), [1000, 2000, 4000, 5000, 5000]);
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
});
