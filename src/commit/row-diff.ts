import { keyHash } from '../snapshot/chunking.js';
import { cellsOf } from '../snapshot/row-line.js';

export interface RowCounts {
  readonly added: number;
  readonly changed: number;
  readonly deleted: number;
}

function lines(text: string): string[] {
  return text.split('\n').filter((l) => l.length > 0);
}

/** A row line's key text: its key cells joined with NUL, or the whole line without a key (or when it does not fit). */
export function rowKey(line: string, keyPositions: readonly number[]): string {
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
export function diffRowLines(
  oldText: string,
  newText: string,
  keyPositions: readonly number[],
  oldKeyPositions: readonly number[] = keyPositions,
): RowLineChanges {
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

export interface RowDiffVisitor {
  added(line: string): void;
  changed(before: string, after: string): void;
  deleted(line: string): void;
}

function walkRowDiff(oldText: string, newText: string, keyPositions: readonly number[], oldKeyPositions: readonly number[], visit: RowDiffVisitor): void {
  const before = new Map<string, string[]>();
  for (const l of lines(oldText)) {
    const k = rowKey(l, oldKeyPositions);
    const list = before.get(k);
    if (list) list.push(l);
    else before.set(k, [l]);
  }
  for (const l of lines(newText)) matchNewRow(before, rowKey(l, keyPositions), l, visit);
  for (const list of before.values()) for (const l of list) visit.deleted(l);
}

/** One new row against the old rows of its key: unchanged (consumed), changed, or added. */
function matchNewRow(before: Map<string, string[]>, key: string, line: string, visit: RowDiffVisitor): void {
  const list = before.get(key);
  if (!list || list.length === 0) {
    visit.added(line);
    return;
  }
  const same = list.indexOf(line);
  if (same >= 0) list.splice(same, 1);
  else visit.changed(list.shift()!, line);
}

/** One data file's lines, read afresh on each call (a large diff reads its files more than once). */
export type LineSource = () => AsyncIterable<string>;

/**
 * Memory for the old rows of one pass of diffRowSources (line text plus about 100 bytes of
 * bookkeeping per row): bigger changes are diffed in several passes over the files.
 */
export const DIFF_MEMORY_BYTES = 24 * 1024 * 1024;

/**
 * The row diff of a table whose data is in several files (chunks): the changed files of the last
 * commit against those of the new snapshot, all together, so a row that moved from one chunk to
 * another (a deleted boundary row merges two chunks) is unchanged, not deleted plus added.
 *
 * Streams the files: without an old side every new line is added (and the other way round),
 * unparsed. Otherwise the old rows are held in memory by key; when they would take more than
 * `memoryBytes`, rows are split by a hash of their key into 4, 16, ... groups diffed one after
 * the other, so memory stays bounded whatever the table's size (each pass reads every file again).
 */
export async function diffRowSources(
  oldSources: readonly LineSource[],
  newSources: readonly LineSource[],
  keyPositions: readonly number[],
  oldKeyPositions: readonly number[],
  visit: RowDiffVisitor,
  memoryBytes = DIFF_MEMORY_BYTES,
): Promise<void> {
  if (oldSources.length === 0 || newSources.length === 0) {
    for (const source of oldSources.length === 0 ? newSources : oldSources) {
      for await (const l of source()) if (l.length > 0) oldSources.length === 0 ? visit.added(l) : visit.deleted(l);
    }
    return;
  }
  let groups = 1;
  for (let g = 0; g < groups; g++) {
    const inGroup = (key: string) => groups === 1 || keyHash(key) % groups === g;
    // Only the first group may give up for lack of memory: nothing has been reported yet.
    const before = await oldRows(oldSources, oldKeyPositions, inGroup, g === 0 && groups < 4096 ? memoryBytes : Infinity);
    if (before === null) {
      groups *= 4;
      g = -1;
      continue;
    }
    for (const source of newSources) {
      for await (const l of source()) {
        if (l.length === 0) continue;
        const k = rowKey(l, keyPositions);
        if (inGroup(k)) matchNewRow(before, k, l, visit);
      }
    }
    for (const list of before.values()) for (const l of list) visit.deleted(l);
  }
}

/** The old rows of one key group by key, or null when they would take more than `memoryBytes`. */
async function oldRows(
  sources: readonly LineSource[],
  keyPositions: readonly number[],
  inGroup: (key: string) => boolean,
  memoryBytes: number,
): Promise<Map<string, string[]> | null> {
  const before = new Map<string, string[]>();
  let bytes = 0;
  for (const source of sources) {
    for await (const l of source()) {
      if (l.length === 0) continue;
      const k = rowKey(l, keyPositions);
      if (!inGroup(k)) continue;
      bytes += l.length + k.length + 100;
      if (bytes > memoryBytes) return null;
      const list = before.get(k);
      if (list) list.push(l);
      else before.set(k, [l]);
    }
  }
  return before;
}
