import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { KeySpec } from '../detect/binlog-rows.js';
import type { KeyRange, TableKeys } from '../detect/change-source.js';
import { isBoundary, keyHash, nameHash } from './chunking.js';
import { DATA_DIR, dataFilesByTable, encodeTableFileName } from './layout.js';
import { parseRowLine } from './line-codec.js';
import type { TableInfo } from './table-info.js';

/** More dirty chunks than this share of the table's chunks: the table is re-read whole (one scan beats many range reads). */
export const MAX_DIRTY_SHARE = 0.25;

/** One data file of a table in the working tree, with its first row's key. */
export interface ChunkFile {
  /** Path relative to the snapshot folder (`data/...`). */
  readonly file: string;
  /** The first row's key (integers, in key order). */
  readonly first: readonly bigint[];
  readonly bytes: number;
}

/** Which chunks of a table to read again: runs of consecutive chunks (indexes into `chunks`, inclusive). */
export interface ChunkReread {
  readonly stem: string;
  readonly exponent: number;
  /** Every data file of the table, in key order (the first is `data/<table>.sql`). */
  readonly chunks: readonly ChunkFile[];
  readonly runs: ReadonlyArray<{ readonly from: number; readonly to: number }>;
  /** The table's rows in the last snapshot (read-position.json). */
  readonly previousRows: number;
  /** Bytes of all the table's data files. */
  readonly totalBytes: number;
  /** The ordering key's columns. */
  readonly keyColumns: readonly string[];
}

export type ChunkPlan =
  | { readonly kind: 'keep' }
  | { readonly kind: 'chunks'; readonly reread: ChunkReread }
  | { readonly kind: 'table'; readonly reason: string };

/** Order of two keys (tuples compared column by column, as the server orders an integer key). */
export function compareKeys(a: readonly bigint[], b: readonly bigint[]): number {
  for (let i = 0; i < a.length; i++) {
    if (a[i]! < b[i]!) return -1;
    if (a[i]! > b[i]!) return 1;
  }
  return 0;
}

/**
 * The first line of a file (without its line break; null for an empty file or one without a line
 * break) and the file's size. Synchronous on purpose: a table of 1,000,000 rows has ~500 chunk
 * files, and four thread-pool round trips per file (open, read, stat, close) cost hundreds of
 * milliseconds on a loaded machine, the synchronous calls a few microseconds each; nothing else
 * runs meanwhile (the pass waits for this answer inside its snapshot).
 */
function firstLine(file: string): { line: string | null; bytes: number } {
  const fd = openSync(file, 'r');
  try {
    const bytes = fstatSync(fd).size;
    const parts: Buffer[] = [];
    let at = 0;
    for (;;) {
      const buf = Buffer.allocUnsafe(at === 0 ? 4096 : 64 * 1024);
      const n = readSync(fd, buf, 0, buf.length, at);
      if (n === 0) return { line: null, bytes };
      const nl = buf.subarray(0, n).indexOf(0x0a);
      if (nl >= 0) {
        parts.push(buf.subarray(0, nl));
        return { line: Buffer.concat(parts).toString('utf8'), bytes };
      }
      parts.push(buf.subarray(0, n));
      at += n;
    }
  } finally {
    closeSync(fd);
  }
}

/** A table's chunk files in the working tree, in key order (the first is `data/<table>.sql`). */
export interface ChunkLayout {
  readonly stem: string;
  readonly exponent: number;
  readonly chunks: readonly ChunkFile[];
}

/**
 * Read a table's chunk layout from the working tree's files, which equal the last snapshot
 * (read-plan.ts checks that before any of this is used): each chunk file's first line gives its
 * first key (read with the strict line codec); chunks are ordered by key.
 * Anything unexpected (files of several exponents, a first line that is not a row of this table, a
 * non-integer key cell, chunks out of order, a chunk name that is not its first key's hash, as after
 * a name clash) answers `table` with the reason: the table is read whole, never guessed.
 */
export async function readChunkLayout(snapshotAbs: string, table: TableInfo, spec: KeySpec): Promise<ChunkLayout | { kind: 'table'; reason: string }> {
  const stem = encodeTableFileName(table.name);
  const names = await readdir(path.join(snapshotAbs, DATA_DIR)).catch(() => [] as string[]);
  const files = dataFilesByTable(names.map((n) => `${DATA_DIR}/${n}`)).get(stem) ?? [];
  const head = `${DATA_DIR}/${stem}.sql`;
  if (files.length < 2 || files[0] !== head) return { kind: 'table', reason: 'a single data file' };
  let exponent: number | null = null;
  const chunks: ChunkFile[] = [];
  for (const file of files) {
    const m = /@(\d+)-([0-9a-f]{8})\.sql$/.exec(file);
    if (file !== head) {
      if (!m) return { kind: 'table', reason: `unexpected data file ${file}` };
      const e = Number(m[1]);
      if (exponent !== null && e !== exponent) return { kind: 'table', reason: 'chunk files of several exponents' };
      exponent = e;
    }
    const { line, bytes } = firstLine(path.join(snapshotAbs, file));
    if (line === null) return { kind: 'table', reason: `${file} has no first row` };
    let cells: readonly string[];
    try {
      cells = parseRowLine(line, { table: table.name, columns: null }).cells;
    } catch (err) {
      return { kind: 'table', reason: `the first line of ${file} is not read (${(err as Error).message})` };
    }
    if (cells.length !== table.columns.length)
      return { kind: 'table', reason: `the first line of ${file} has ${cells.length} values for ${table.columns.length} columns` };
    const keyCells = spec.key.map((k) => cells[k.index]!);
    if (!keyCells.every((c) => /^-?\d+$/.test(c))) return { kind: 'table', reason: `a key of ${file} is not an integer` };
    if (m) {
      // A chunk's name is its first key's hash unless two names clashed (ChunkWriter.unique): then a
      // re-read could give names a whole read would not, so the table is read whole.
      const text = keyCells.join(',');
      if (nameHash(text) !== parseInt(m[2]!, 16) || !isBoundary(keyHash(text), exponent!))
        return { kind: 'table', reason: `${file} is not named after its first key` };
    }
    chunks.push({ file, first: keyCells.map((c) => BigInt(c)), bytes });
  }
  const [first, ...rest] = chunks;
  rest.sort((a, b) => compareKeys(a.first, b.first));
  const ordered = [first!, ...rest];
  for (let i = 1; i < ordered.length; i++) {
    if (compareKeys(ordered[i - 1]!.first, ordered[i]!.first) >= 0) return { kind: 'table', reason: 'chunk files out of key order' };
  }
  return { stem, exponent: exponent!, chunks: ordered };
}

/**
 * Map a table's changed keys (or changed key ranges) to the chunk files they fall in (chunking.ts):
 *  - a key belongs to the last chunk whose first key is <= it (the first chunk also takes keys
 *    below its first); a range dirties every chunk whose keys it overlaps;
 *  - a changed key equal to a chunk's first key (or a range holding one) also dirties the chunk
 *    before it: deleting that boundary row merges the two chunks (and updating it may delete it);
 *  - consecutive dirty chunks form runs, each read again as one key range.
 * `layout`: the table's layout when the caller has read it already (readChunkLayout).
 */
export async function planChunkReread(opts: {
  snapshotAbs: string;
  table: TableInfo;
  spec: KeySpec;
  keys?: TableKeys;
  ranges?: readonly KeyRange[];
  previousRows: number;
  layout?: ChunkLayout;
}): Promise<ChunkPlan> {
  const { table, spec } = opts;
  const layout = opts.layout ?? (await readChunkLayout(opts.snapshotAbs, table, spec));
  if ('kind' in layout) return layout;
  const { stem, exponent, chunks: ordered } = layout;
  const dirty = new Set<number>();
  for (const range of opts.ranges ?? []) {
    const { from, to } = range;
    if ((from && from.length !== spec.key.length) || (to && to.length !== spec.key.length))
      return { kind: 'table', reason: 'a changed range of another width' };
    for (let j = 0; j < ordered.length; j++) {
      const start = j === 0 ? null : ordered[j]!.first;
      const end = j + 1 < ordered.length ? ordered[j + 1]!.first : null;
      // [start, end) overlaps [from, to)?
      if ((from === null || end === null || compareKeys(from, end) < 0) && (to === null || start === null || compareKeys(start, to) < 0)) {
        dirty.add(j);
        if (start !== null && (from === null || compareKeys(from, start) <= 0)) dirty.add(j - 1);
      }
    }
  }
  for (const key of opts.keys ?? []) {
    if (key.length !== spec.key.length) return { kind: 'table', reason: 'a changed key of another width' };
    // The last chunk whose first key is <= key (binary search); 0 for a key below every chunk.
    let lo = 0;
    let hi = ordered.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (compareKeys(ordered[mid]!.first, key) <= 0) lo = mid;
      else hi = mid - 1;
    }
    dirty.add(lo);
    if (lo > 0 && compareKeys(ordered[lo]!.first, key) === 0) dirty.add(lo - 1);
  }
  if (dirty.size === 0) return { kind: 'keep' };
  if (dirty.size > ordered.length * MAX_DIRTY_SHARE) return { kind: 'table', reason: `${dirty.size} of ${ordered.length} chunks changed` };
  const sorted = [...dirty].sort((a, b) => a - b);
  const runs: Array<{ from: number; to: number }> = [];
  for (const i of sorted) {
    const last = runs[runs.length - 1];
    if (last && last.to === i - 1) last.to = i;
    else runs.push({ from: i, to: i });
  }
  const totalBytes = ordered.reduce((n, c) => n + c.bytes, 0);
  return {
    kind: 'chunks',
    reread: { stem, exponent: exponent!, chunks: ordered, runs, previousRows: opts.previousRows, totalBytes, keyColumns: table.orderKey },
  };
}
