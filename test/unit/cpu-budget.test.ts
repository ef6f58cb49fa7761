import { it } from 'node:test';
import assert from 'node:assert/strict';
import { CpuBudget } from '../../src/daemon/cpu-budget.js';

it('a full bucket lets passes run at once; spent beyond it, the next pass waits until it is back at zero', () => {
  const b = new CpuBudget(0.03, 2000, 0);
  assert.equal(b.holdMs(0), 0);
  b.spend(1500, 0);
  assert.equal(b.holdMs(0), 0, '500 ms left');
  b.spend(800, 0);
  assert.equal(b.holdMs(0), 10_000, '300 ms over at 3 % of a core: 10 s');
  assert.equal(b.holdMs(10_000), 0);
  assert.equal(b.holdMs(3_600_000), 0);
  b.spend(2000, 3_600_000);
  assert.equal(b.holdMs(3_600_000), 0, 'refilled only up to the burst');
  b.spend(1, 3_600_000);
  assert.equal(b.holdMs(3_600_000), 34);
});

it('under constant demand the average use converges to the cap', () => {
  const b = new CpuBudget(0.05, 2000, 0);
  let now = 0;
  let used = 0;
  for (let i = 0; i < 1000; i++) {
    now += b.holdMs(now);
    const cost = 200 + (i % 7) * 30;
    used += cost;
    now += cost * 2; // the pass takes wall time too
    b.spend(cost, now);
  }
  const share = used / now;
  // The bucket may end one pass below zero: the cap, plus the burst, plus the last pass.
  assert.ok(share <= 0.05 + (2000 + 380) / now, `average ${share} within the cap plus one burst and one pass`);
  assert.ok(share >= 0.045, `the cap is used, not wasted (${share})`);
});
