import { cellsOf } from '../snapshot/row-line.js';
import type { MergeTableInput, MergeTableResult } from './merge-table.js';
import { countLines } from './row-index.js';
import { compareRowLines } from './row-key.js';
import type { RowChange } from './row-change.js';

/**
 * How many copies of a line the merge keeps, from the counts in base, ours and theirs. The same
 * change on both sides counts once (both added the line: it is there once more; both deleted it:
 * it is gone), different changes add up: an added copy survives any deletion on the other side.
 * So merging x with x gives x, merging with an unchanged side gives the other side, and the rule
 * is symmetric in ours and theirs.
 */
export function mergedCount(b: number, o: number, t: number): number {
  if (o >= b && t >= b) return Math.max(o, t);
  if (o <= b && t <= b) return Math.min(o, t);
  return o + t - b;
}

/**
 * Merge of a table without a key: rows have no identity but their whole text, so rows are merged
 * as a multiset of lines (mergedCount per line). An update is a deleted line plus an added one, so
 * both sides updating one row differently keep both new lines (and drop the old one): no value is
 * lost and nothing is a conflict. Such tables never record conflicts. Each change inserts or
 * deletes one copy of a line; its keyCells are all the line's cells.
 */
export function mergeKeyless(input: MergeTableInput): MergeTableResult {
  const base = countLines(input.base, input.table, 'base');
  const ours = countLines(input.ours, input.table, 'ours');
  const theirs = countLines(input.theirs, input.table, 'theirs');
  const merged: string[] = [];
  const changes: RowChange[] = [];
  const visit = (line: string, o: number, t: number) => {
    const m = mergedCount(base.get(line) ?? 0, o, t);
    for (let i = 0; i < m; i++) merged.push(line);
    if (m === o) return;
    const keyCells = cellsOf(line);
    for (let i = m; i < o; i++) changes.push({ keyCells, before: line, after: null });
    for (let i = o; i < m; i++) changes.push({ keyCells, before: null, after: line });
  };
  for (const [line, o] of ours) visit(line, o, theirs.get(line) ?? 0);
  for (const [line, t] of theirs) if (!ours.has(line)) visit(line, 0, t);
  // Lines only base has were deleted on both sides: gone, and already absent from ours.
  merged.sort(compareRowLines);
  changes.sort((x, y) => compareRowLines((x.before ?? x.after)!, (y.before ?? y.after)!));
  return { merged, changes, conflicts: [] };
}
