import { it } from 'node:test';
import assert from 'node:assert/strict';
import { ALERT_GRACE_MS, ALERT_MIN_GAP_MS, ALERT_REMINDER_MS, decideAlert } from '../../src/notify/alert-decision.js';
import type { Verdict } from '../../src/status/verdict.js';

const t0 = Date.parse('2026-12-04T12:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();
const v = (level: Verdict['level'], since: number | null = t0 - 10 * 60_000, exitCode: Verdict['exitCode'] = 1): Verdict => ({
  level,
  line: level,
  since: since === null ? null : iso(since),
  exitCode,
});

it('alerts when the verdict turns alarming, recovers at once, stays quiet otherwise', () => {
  assert.equal(decideAlert(null, v('ok', null, 0), t0), null);
  assert.equal(decideAlert(null, v('not-pushed', t0 - 1000, 4), t0), null, 'a young push backlog pages nobody');
  assert.equal(decideAlert(null, v('failing'), t0), 'alert');
  assert.equal(decideAlert({ level: 'failing', at: iso(t0 - 1000) }, v('failing'), t0), null, 'same failure: already sent');
  assert.equal(decideAlert({ level: 'failing', at: iso(t0 - 1000) }, v('ok', null, 0), t0), 'recovery', 'recovery is sent at once');
  assert.equal(decideAlert({ level: 'failing', at: iso(t0 - 1000) }, v('not-pushed', t0, 4), t0), 'recovery', 'a young backlog is not alarming');
  assert.equal(decideAlert({ level: 'ok', at: iso(t0 - 1000) }, v('ok', null, 0), t0), null);
});

it('a failing pass younger than the grace period is not alerted; a push backlog has its own grace (DBSYNC_MAX_UNPUSHED)', () => {
  assert.equal(decideAlert(null, v('unreachable', t0 - ALERT_GRACE_MS + 1000), t0), null);
  assert.equal(decideAlert(null, v('unreachable', t0 - ALERT_GRACE_MS), t0), 'alert');
  assert.equal(decideAlert(null, v('failing', t0 - 1000, 4), t0), 'alert', 'push backlog: the verdict is only failing past the limit');
});

it('rate limits: no alert within the gap after the last message; reminder once a day', () => {
  const recovered = { level: 'ok', at: iso(t0 - ALERT_MIN_GAP_MS + 1000) };
  assert.equal(decideAlert(recovered, v('failing'), t0), null, 'flapping: held');
  assert.equal(decideAlert(recovered, v('failing'), t0 + 1000), 'alert', 'sent once the gap has passed and it still fails');
  assert.equal(decideAlert({ level: 'failing', at: iso(t0 - 60 * 60_000) }, v('unreachable'), t0), 'alert', 'another kind of failure');
  assert.equal(decideAlert({ level: 'failing', at: iso(t0 - ALERT_REMINDER_MS) }, v('failing'), t0), 'reminder');
  assert.equal(decideAlert({ level: 'failing', at: iso(t0 - ALERT_REMINDER_MS + 1000) }, v('failing'), t0), null);
});
