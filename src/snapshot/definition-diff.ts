import type { DbObject } from './object-file.js';

/** Lines of a diff shown at most, per object: a restore plan or a pull report must stay readable. */
const MAX_LINES = 40;

/**
 * What changes in a view, routine, trigger or event, as diff lines (`- ` old, `+ ` new, `  `
 * unchanged; settings line first), for the restore plan and pull's report of objects recorded for
 * review: they are code that runs in the database, so the user sees the code before it is created.
 * `before` null: the object is new (every line added). A plain longest-common-subsequence diff of
 * lines, hand-written for a few dozen lines (no dependency for it); a view is one line, shown
 * whole on each side; at most MAX_LINES lines, then a count of the rest.
 */
export function definitionDiff(before: DbObject | null, after: DbObject): string[] {
  const lines = (o: DbObject) => [o.settings, ...o.create.split('\n')];
  const a = before ? lines(before) : [];
  const b = lines(after);
  const n = a.length;
  const m = b.length;
  // lcs[i][j]: length of the longest common subsequence of a[i..] and b[j..].
  const lcs = Array.from({ length: n + 1 }, () => new Int32Array(m + 1));
  for (let i = n - 1; i >= 0; i--)
    for (let j = m - 1; j >= 0; j--) lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      out.push(`  ${a[i]}`);
      i++;
      j++;
    } else if (i < n && (j === m || lcs[i + 1]![j]! >= lcs[i]![j + 1]!)) out.push(`- ${a[i++]}`);
    else out.push(`+ ${b[j++]}`);
  }
  // Unchanged lines far from a change say nothing: keep two around each change.
  const near = out.map((l, k) => !l.startsWith('  ') || out.slice(Math.max(0, k - 2), k + 3).some((x) => !x.startsWith('  ')));
  const shown = out.filter((_, k) => near[k]);
  return shown.length > MAX_LINES ? [...shown.slice(0, MAX_LINES), `  ... ${shown.length - MAX_LINES} more line(s)`] : shown;
}
