import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PassScheduler, quietStepMs, type Decision } from '../../src/daemon/pass-scheduler.js';
import { sameReading, type ProbeReading } from '../../src/detect/change-probe.js';

/** A made-up probe reading: `writes` stands for every counter. */
const reading = (writes: number, extra: Partial<ProbeReading> = {}): ProbeReading => ({
  session: 1,
  server: '["1","10.11.19-MariaDB","db","3306"]',
  startedAt: 1_700_000_000,
  counters: { handler_write: String(writes), innodb_max_trx_id: '100' },
  ...extra,
});

const opts = { pollMs: 1000, verifyMs: 600_000, quietMs: 300, maxDelayMs: 5000 };

/** Drive the scheduler like the loop does; passes succeed unless `fail` says otherwise. */
function drive(s: PassScheduler, r: ProbeReading | null, now: number, fail = false): Decision {
  const d = s.decide(r, now);
  if (d.kind === 'pass') {
    s.passStarted(now);
    if (fail) s.passFailed();
    else s.passSucceeded();
  }
  return d;
}

/** A scheduler past its start pass, with baseline `reading(0)` taken at t=0 and stable since. */
function started(o = opts): PassScheduler {
  const s = new PassScheduler(o);
  if (o.quietMs > 0)
    assert.deepEqual(
      drive(s, reading(0), 0),
      { kind: 'wait', ms: quietStepMs(o), state: 'waiting for quiet', skipped: false, due: 'start' },
      'the start pass waits for quiet too',
    );
  assert.deepEqual(drive(s, reading(0), o.quietMs), { kind: 'pass', trigger: 'start' });
  return s;
}

describe('change probe readings', () => {
  it('are equal only for the same server run, session and counters', () => {
    assert.equal(sameReading(reading(1), reading(1)), true);
    assert.equal(sameReading(reading(1), reading(2)), false);
    assert.equal(sameReading(reading(1), reading(1, { startedAt: 1_700_000_001 })), true, 'Uptime has whole seconds: a second of jitter is the same run');
    assert.equal(sameReading(reading(1), reading(1, { startedAt: 1_700_000_100 })), false, 'a restarted server');
    assert.equal(sameReading(reading(1), reading(1, { session: 2 })), false, 'a reconnect may hide a restart');
    assert.equal(sameReading(reading(1), reading(1, { server: '["2"]' })), false, 'another server behind the address');
    assert.equal(sameReading(reading(1), { ...reading(1), counters: { ...reading(1).counters, syncs: '3' } }), false, 'a counter only one reading has');
  });
});

describe('pass scheduler', () => {
  it('skips idle polls and passes once a change has been quiet for the quiet period', () => {
    const s = started();
    assert.deepEqual(drive(s, reading(0), 1300), { kind: 'wait', ms: 1000, state: 'idle', skipped: true });
    assert.deepEqual(drive(s, reading(0), 2300), { kind: 'wait', ms: 1000, state: 'idle', skipped: true });
    const seen = drive(s, reading(5), 3300);
    assert.equal(seen.kind, 'wait');
    assert.equal(seen.kind === 'wait' && seen.state, 'waiting for quiet');
    assert.ok(seen.kind === 'wait' && seen.ms <= 300 / 6 + 1, 'probes more often than POLL_INTERVAL while waiting');
    assert.equal(drive(s, reading(5), 3450).kind, 'wait', 'quiet for 150 ms only');
    assert.deepEqual(drive(s, reading(5), 3600), { kind: 'pass', trigger: 'change' });
    assert.deepEqual(drive(s, reading(5), 4600), { kind: 'wait', ms: 1000, state: 'idle', skipped: true }, 'the pass took the reading as its baseline');
  });

  it('keeps waiting while statements keep coming, and passes once they stop', () => {
    const s = started();
    let t = 1000;
    let w = 0;
    // Statements 200 ms apart, probed every 50 ms: never quiet for 300 ms.
    for (; t < 3000; t += 50) {
      if (t % 200 === 0) w++;
      assert.equal(drive(s, reading(w), t).kind, 'wait', `no pass at ${t} ms while the burst goes on`);
    }
    const decisions: string[] = [];
    for (; t < 4000; t += 50) {
      const d = drive(s, reading(w), t);
      if (d.kind === 'pass') decisions.push(`${d.trigger}@${t}`);
    }
    assert.deepEqual(decisions, ['change@3100'], 'one pass, one quiet period after the last change was seen (at 2800 ms)');
  });

  it('never waits longer than the maximum delay, and passes again once quiet', () => {
    const s = started();
    const passes: string[] = [];
    let w = 0;
    for (let t = 1000; t <= 14_000; t += 50) {
      if (t <= 12_000) w++; // never quiet until 12 s
      const d = drive(s, reading(w), t);
      if (d.kind === 'pass') passes.push(`${d.trigger}@${t}`);
    }
    assert.deepEqual(
      passes,
      ['change@6000', 'change@11050', 'change@12300'],
      'forced at 5 s, forced again 5 s later, then once quiet (a forced pass records no baseline)',
    );
  });

  it('runs a verification after the interval even when nothing changed', () => {
    const s = started({ ...opts, verifyMs: 10_000 });
    const passes: string[] = [];
    for (let t = 1300; t <= 25_300; t += 1000) {
      const d = drive(s, reading(0), t);
      if (d.kind === 'pass') passes.push(`${d.trigger}@${t}`);
    }
    assert.deepEqual(passes, ['verify@10300', 'verify@20300']);
  });

  it('passes after a server restart or a reconnect of the probe, and after a failed pass', () => {
    const s = started({ ...opts, quietMs: 0 });
    assert.deepEqual(
      drive(s, reading(0, { startedAt: 1_700_003_000, counters: { handler_write: '0', innodb_max_trx_id: '100' } }), 1000),
      { kind: 'pass', trigger: 'restart' },
      'counters equal by chance, but a new server run',
    );
    assert.deepEqual(drive(s, reading(0, { session: 2, startedAt: 1_700_003_000 }), 2000), { kind: 'pass', trigger: 'restart' });
    assert.equal(drive(s, reading(0, { session: 2, startedAt: 1_700_003_000 }), 3000).kind, 'wait');
    assert.deepEqual(drive(s, reading(1, { session: 2, startedAt: 1_700_003_000 }), 4000, true), { kind: 'pass', trigger: 'change' });
    assert.deepEqual(
      drive(s, reading(1, { session: 2, startedAt: 1_700_003_000 }), 5000),
      { kind: 'pass', trigger: 'retry' },
      'a failed pass proves nothing: the next poll passes whatever the probe says',
    );
    assert.equal(drive(s, reading(1, { session: 2, startedAt: 1_700_003_000 }), 6000).kind, 'wait');
  });

  it('passes every poll without a probe reading, and starts over when the probe works again', () => {
    const s = started({ ...opts, quietMs: 0 });
    assert.deepEqual(drive(s, null, 1000), { kind: 'pass', trigger: 'every-poll' });
    assert.deepEqual(drive(s, null, 2000), { kind: 'pass', trigger: 'every-poll' });
    assert.deepEqual(drive(s, reading(0), 3000), { kind: 'pass', trigger: 'restart' }, 'nothing to compare the first reading with');
    assert.equal(drive(s, reading(0), 4000).kind, 'wait');
  });

  it('with no quiet period passes at the first poll that sees a change', () => {
    const s = started({ ...opts, quietMs: 0 });
    assert.deepEqual(drive(s, reading(1), 1000), { kind: 'pass', trigger: 'change' });
  });
});
