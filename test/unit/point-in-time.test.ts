import { it } from 'node:test';
import assert from 'node:assert/strict';
import { parsePointInTime } from '../../src/restore/point-in-time.js';

const now = Date.parse('2026-12-04T12:00:00Z');

it('restore --at: the accepted forms', () => {
  assert.equal(parsePointInTime('now', now), now);
  assert.equal(parsePointInTime('2026-12-01T17:00:30Z', now), Date.parse('2026-12-01T17:00:30Z'));
  assert.equal(parsePointInTime('2026-12-01 17:00 +01:00', now), Date.parse('2026-12-01T16:00:00Z'));
  assert.equal(parsePointInTime('2026-12-01T17:00-0230', now), Date.parse('2026-12-01T19:30:00Z'));
  assert.equal(parsePointInTime('2026-12-01 17:00', now), new Date(2026, 11, 1, 17, 0, 0).getTime(), 'local time');
  assert.equal(parsePointInTime('2026-12-01', now), new Date(2026, 11, 1, 23, 59, 59, 999).getTime(), 'a date alone: the end of that day');
  assert.equal(parsePointInTime('3 days ago', now), now - 3 * 86_400_000);
  assert.equal(parsePointInTime('1 day ago', now), now - 86_400_000);
  assert.equal(parsePointInTime('2h ago', now), now - 2 * 3_600_000);
  assert.equal(parsePointInTime('90 minutes ago', now), now - 90 * 60_000);
  assert.equal(parsePointInTime('@1764608400', now), 1764608400_000);
  const midnight = new Date(now);
  midnight.setHours(0, 0, 0, 0);
  assert.equal(parsePointInTime('today', now), midnight.getTime());
  assert.equal(parsePointInTime('Yesterday', now), midnight.getTime() - 1, 'the end of yesterday');
});

it('restore --at: anything else is refused, never read as "now"', () => {
  for (const bad of [
    'yesterdayy',
    'last tuesday',
    '2026-13-01',
    '2026-02-30',
    '2026-12-01 25:00',
    '3 fortnights ago',
    '',
    'HEAD~2',
    '2026-12-01T17',
    '12/01/2026',
  ]) {
    assert.equal(parsePointInTime(bad, now), null, bad);
  }
});
