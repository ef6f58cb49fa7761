/**
 * The moment `restore --at` names, parsed strictly: a typo must fail, never fall back to "now"
 * (git's own approxidate turns most garbage into the current time, which would restore the latest
 * snapshot while the user asked for an old one). Hand-written because the accepted forms are few
 * and an error must list them.
 *
 * Accepted: `2026-12-01`, `2026-12-01 17:00`, `2026-12-01T17:00:30` (local time of this machine,
 * or UTC with a trailing `Z`, or with an offset `+01:00`), `yesterday`, `today` (midnight, local),
 * `now`, `N minutes|hours|days|weeks ago` (also `1 day ago`, `2h ago`), and `@<unix seconds>`.
 * A date alone means the END of that day (`--at 2026-12-01`: the state the day closed with).
 */
export const POINT_IN_TIME_FORMS = '2026-12-01, "2026-12-01 17:00", 2026-12-01T17:00:30Z, yesterday, today, "3 days ago", "2 hours ago", @1764608400';

const UNITS: Record<string, number> = {
  s: 1,
  sec: 1,
  second: 1,
  m: 60,
  min: 60,
  minute: 60,
  h: 3600,
  hour: 3600,
  d: 86_400,
  day: 86_400,
  w: 604_800,
  week: 604_800,
};

/** Milliseconds since the epoch, or null when `text` is none of the accepted forms. */
export function parsePointInTime(text: string, now: number): number | null {
  const t = text.trim().toLowerCase();
  if (t === 'now') return now;
  if (t === 'today' || t === 'yesterday') {
    const d = new Date(now);
    d.setHours(0, 0, 0, 0);
    // yesterday: the end of yesterday, the state the day closed with.
    return t === 'today' ? d.getTime() : d.getTime() - 1;
  }
  const epoch = /^@(\d{1,12})$/.exec(t);
  if (epoch) return Number(epoch[1]) * 1000;
  const ago = /^(\d{1,6})\s*([a-z]+?)s?\s+ago$/.exec(t);
  if (ago) {
    const unit = UNITS[ago[2]!];
    return unit === undefined ? null : now - Number(ago[1]) * unit * 1000;
  }
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[ t](\d{2}):(\d{2})(?::(\d{2}))?)?\s*(z|[+-]\d{2}:?\d{2})?$/.exec(t);
  if (!m) return null;
  const [y, mo, d, h, mi, s] = [m[1], m[2], m[3], m[4], m[5], m[6]].map((x) => (x === undefined ? undefined : Number(x)));
  if (mo! < 1 || mo! > 12 || d! < 1 || d! > 31 || (h ?? 0) > 23 || (mi ?? 0) > 59 || (s ?? 0) > 59) return null;
  const dateOnly = h === undefined;
  const [hh, mm, ss, ms] = dateOnly ? [23, 59, 59, 999] : [h!, mi!, s ?? 0, s === undefined ? 0 : 0];
  let value: number;
  const zone = m[7];
  if (zone === undefined) value = new Date(y!, mo! - 1, d!, hh, mm, ss, ms).getTime();
  else {
    value = Date.UTC(y!, mo! - 1, d!, hh, mm, ss, ms);
    if (zone !== 'z') {
      const z = /^([+-])(\d{2}):?(\d{2})$/.exec(zone)!;
      value -= (z[1] === '-' ? -1 : 1) * (Number(z[2]) * 60 + Number(z[3])) * 60_000;
    }
  }
  // Reject dates that do not exist (2026-02-30 would roll over into March).
  const check = zone === undefined ? new Date(value) : new Date(Date.UTC(y!, mo! - 1, d!));
  if ((zone === undefined ? check.getDate() : check.getUTCDate()) !== d) return null;
  return value;
}
