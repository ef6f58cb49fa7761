import { cellsOf } from '../snapshot/row-line.js';

export interface RowCounts {
  readonly added: number;
  readonly changed: number;
  readonly deleted: number;
}

function lines(text: string): string[] {
  return text.split('\n').filter((l) => l.length > 0);
}

function keyOf(line: string, keyPositions: readonly number[]): string {
  if (keyPositions.length === 0) return line;
  const cells = cellsOf(line);
  if (keyPositions.some((p) => p >= cells.length)) return line;
  return keyPositions.map((p) => cells[p]).join('\0');
}

/** Rows that differ between two data files, as their lines (see diffRowLines). */
export interface RowLineChanges {
  readonly added: readonly string[];
  readonly deleted: readonly string[];
  /** [old line, new line] of rows whose key stayed and whose cells changed. */
  readonly changed: ReadonlyArray<readonly [string, string]>;
}

/**
 * Rows added, changed and deleted between two data files, matched by key (the ordering key's
 * cells). Without a key, rows are matched as whole lines: a change shows as one deleted and one added.
 * `oldKeyPositions` differ from `keyPositions` when a schema change moved the key columns.
 */
export function diffRows(oldText: string, newText: string, keyPositions: readonly number[], oldKeyPositions: readonly number[] = keyPositions): RowCounts {
  let added = 0;
  let changed = 0;
  let deleted = 0;
  walkRowDiff(oldText, newText, keyPositions, oldKeyPositions, {
    added: () => added++,
    changed: () => changed++,
    deleted: () => deleted++,
  });
  return { added, changed, deleted };
}

/** The same comparison as diffRows, keeping the lines of the rows that differ (for messages that name them). */
export function diffRowLines(oldText: string, newText: string, keyPositions: readonly number[], oldKeyPositions: readonly number[] = keyPositions): RowLineChanges {
  const added: string[] = [];
  const deleted: string[] = [];
  const changed: Array<readonly [string, string]> = [];
  walkRowDiff(oldText, newText, keyPositions, oldKeyPositions, {
    added: (l) => added.push(l),
    changed: (before, after) => changed.push([before, after]),
    deleted: (l) => deleted.push(l),
  });
  return { added, deleted, changed };
}

interface RowDiffVisitor {
  added(line: string): void;
  changed(before: string, after: string): void;
  deleted(line: string): void;
}

function walkRowDiff(oldText: string, newText: string, keyPositions: readonly number[], oldKeyPositions: readonly number[], visit: RowDiffVisitor): void {
  const before = new Map<string, string[]>();
  for (const l of lines(oldText)) {
    const k = keyOf(l, oldKeyPositions);
    const list = before.get(k);
    if (list) list.push(l);
    else before.set(k, [l]);
  }
  for (const l of lines(newText)) {
    const k = keyOf(l, keyPositions);
    const list = before.get(k);
    if (!list || list.length === 0) {
      visit.added(l);
      continue;
    }
    const same = list.indexOf(l);
    if (same >= 0) list.splice(same, 1);
    else visit.changed(list.shift()!, l);
  }
  for (const list of before.values()) for (const l of list) visit.deleted(l);
}
