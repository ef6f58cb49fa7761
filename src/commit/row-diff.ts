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

/**
 * Rows added, changed and deleted between two data files, matched by key (the ordering key's
 * cells). Without a key, rows are matched as whole lines: a change shows as one deleted and one added.
 * `oldKeyPositions` differ from `keyPositions` when a schema change moved the key columns.
 */
export function diffRows(oldText: string, newText: string, keyPositions: readonly number[], oldKeyPositions: readonly number[] = keyPositions): RowCounts {
  const before = new Map<string, string[]>();
  for (const l of lines(oldText)) {
    const k = keyOf(l, oldKeyPositions);
    const list = before.get(k);
    if (list) list.push(l);
    else before.set(k, [l]);
  }
  let added = 0;
  let changed = 0;
  for (const l of lines(newText)) {
    const k = keyOf(l, keyPositions);
    const list = before.get(k);
    if (!list || list.length === 0) {
      added++;
      continue;
    }
    const same = list.indexOf(l);
    if (same >= 0) list.splice(same, 1);
    else {
      list.shift();
      changed++;
    }
  }
  let deleted = 0;
  for (const list of before.values()) deleted += list.length;
  return { added, changed, deleted };
}
