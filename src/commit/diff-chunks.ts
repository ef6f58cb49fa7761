import type { SkippedBlob } from '../git/blob-batch.js';
import { DIFF_MEMORY_BYTES, rowKey, type RowCounts, type RowLineChanges } from './row-diff.js';

/** A data file's bytes, null when that side has no such file, or its size when over the limit asked for. */
export type ChunkBytes = Buffer | SkippedBlob | null;

export interface ChunkSources {
  /** The file as the last commit has it. */
  readOld(name: string, maxBytes: number): Promise<ChunkBytes>;
  /** The file as this snapshot wrote it. */
  readNew(name: string, maxBytes: number): Promise<ChunkBytes>;
}

export interface ChunkDiffOptions {
  readonly keyPositions: readonly number[];
  readonly oldKeyPositions: readonly number[];
  /** Keep the lines of the differing rows while there are at most this many (0: count only). */
  readonly keepLines: number;
  readonly memoryBytes?: number;
}

export interface ChunkDiff {
  readonly counts: RowCounts;
  /** The differing rows' lines, in the order diffRowSources reports them; null when more than keepLines. */
  readonly lines: RowLineChanges | null;
}

/** A differing line and where it is: its file (index into that side's list) and byte offset. */
interface Entry {
  readonly line: string;
  readonly file: number;
  readonly at: number;
}

/**
 * How far the walk looks ahead, in lines, for the next line both files share at a difference. Rows
 * keep their order in a rewritten chunk, so an update, insert or delete is passed within a line or
 * two; past this the rest of the pair is compared as a set of lines.
 */
const RESYNC_WINDOW = 16;
/** Rough cost of one held differing line beyond its text (the Map entry, the key, the object). */
const ENTRY_OVERHEAD = 100;

/**
 * The row diff of a table's changed data files, proportional to the change: identical lines are
 * compared as bytes and never parsed; only lines that differ are decoded and split into cells for
 * their key. Same result as diffRowSources for tables whose key is unique (the order key is a
 * primary key or a unique key over NOT NULL columns; without one, whole lines are the key).
 *
 * A file in both lists (a rewritten chunk) is walked line by line against its old version, and
 * rows whose key stays in that file are matched there. Lines left over (rows that moved to another
 * chunk, new and deleted rows), and the files only one side has, are matched by key across the
 * table. Each file is read once. Returns null when the differing lines, or one file, would take
 * more than the memory allowed: the caller then uses the streamed multi-pass diffRowSources.
 */
export async function diffChunks(
  oldFiles: readonly string[],
  newFiles: readonly string[],
  sources: ChunkSources,
  opts: ChunkDiffOptions,
): Promise<ChunkDiff | null> {
  const memory = opts.memoryBytes ?? DIFF_MEMORY_BYTES;
  // Two pairs of files may be held at once (one read ahead), beside the differing lines.
  const fileMax = Math.floor(memory / 8);
  const leftoverMax = memory / 2;
  const sink = new DiffSink(opts.keepLines);
  const oldIndex = new Map(oldFiles.map((f, i) => [f, i]));
  const pairs = newFiles
    .map((f, i) => ({ name: f, newFile: i, oldFile: oldIndex.get(f) }))
    .filter((p): p is { name: string; newFile: number; oldFile: number } => p.oldFile !== undefined);
  const paired = new Set(pairs.map((p) => p.name));
  const oldOnly = oldFiles.map((f, i) => ({ name: f, file: i })).filter((f) => !paired.has(f.name));
  const newOnly = newFiles.map((f, i) => ({ name: f, file: i })).filter((f) => !paired.has(f.name));

  const oldLeft = new KeyedEntries();
  const newLeft = new KeyedEntries();
  const load = (i: number) => Promise.all([sources.readOld(pairs[i]!.name, fileMax), sources.readNew(pairs[i]!.name, fileMax)]);
  let next = pairs.length > 0 ? load(0) : null;
  for (let p = 0; p < pairs.length; p++) {
    const [before, after] = await next!;
    // Read ahead: git and the disk work while this pair is compared.
    next = p + 1 < pairs.length ? load(p + 1) : null;
    if (isSkipped(before) || isSkipped(after)) {
      await next?.catch(() => undefined);
      return null;
    }
    const pair = pairs[p]!;
    walkPair(before, pair.oldFile, after, pair.newFile, opts, sink, oldLeft, newLeft);
    if (oldLeft.bytes + newLeft.bytes + sink.bytes > leftoverMax) {
      await next?.catch(() => undefined);
      return null;
    }
  }
  // Rows that moved between rewritten chunks.
  matchAcross(newLeft, oldLeft, sink);

  // Files only one side has: new chunks (rows added, or moved from another chunk) and removed ones.
  if (oldOnly.length > 0 && newOnly.length > 0) {
    // Both: rows may move from a removed chunk to a new one (a re-split); the removed ones are held.
    for (const f of oldOnly) {
      const bytes = await sources.readOld(f.name, fileMax);
      if (isSkipped(bytes)) return null;
      eachLine(bytes, (line, at) => oldLeft.add(rowKey(line, opts.oldKeyPositions), { line, file: f.file, at }));
      if (oldLeft.bytes + newLeft.bytes + sink.bytes > leftoverMax) return null;
    }
    oldOnly.length = 0;
    matchAcross(newLeft, oldLeft, sink);
  }
  for (const f of newOnly) {
    const bytes = await sources.readNew(f.name, fileMax);
    if (isSkipped(bytes)) return null;
    // Nothing left to match: every line is a new row, counted unparsed.
    if (oldLeft.size === 0 && !sink.keeping) sink.addedUnseen(bytes ? lineSpans(bytes).length / 2 : 0);
    else eachLine(bytes, (line, at) => matchOne(oldLeft, rowKey(line, opts.keyPositions), { line, file: f.file, at }, sink, false));
    if (sink.bytes > leftoverMax) return null;
  }
  for (const f of oldOnly) {
    const bytes = await sources.readOld(f.name, fileMax);
    if (isSkipped(bytes)) return null;
    if (newLeft.size === 0 && !sink.keeping) sink.deletedUnseen(bytes ? lineSpans(bytes).length / 2 : 0);
    else eachLine(bytes, (line, at) => matchOne(newLeft, rowKey(line, opts.oldKeyPositions), { line, file: f.file, at }, sink, true));
    if (sink.bytes > leftoverMax) return null;
  }
  for (const [, e] of oldLeft.all()) sink.deleted(e);
  for (const [, e] of newLeft.all()) sink.added(e);
  return sink.result();
}

function isSkipped(b: ChunkBytes): b is SkippedBlob {
  return b !== null && !Buffer.isBuffer(b);
}

/** Differing lines by key, for matching a row's old and new line. */
class KeyedEntries {
  private readonly map = new Map<string, Entry[]>();
  bytes = 0;
  size = 0;

  add(key: string, e: Entry): void {
    const list = this.map.get(key);
    if (list) list.push(e);
    else this.map.set(key, [e]);
    this.bytes += e.line.length + key.length + ENTRY_OVERHEAD;
    this.size++;
  }

  /** The entries of `key`, taken out (undefined when none). */
  take(key: string): Entry[] | undefined {
    const list = this.map.get(key);
    if (!list) return undefined;
    this.map.delete(key);
    this.size -= list.length;
    for (const e of list) this.bytes -= e.line.length + key.length + ENTRY_OVERHEAD;
    return list;
  }

  /** Put back what `take` took and did not use. */
  restore(key: string, list: Entry[]): void {
    for (const e of list) this.add(key, e);
  }

  *all(): Iterable<readonly [string, Entry]> {
    for (const [key, list] of this.map) for (const e of list) yield [key, e];
  }

  keys(): string[] {
    return [...this.map.keys()];
  }
}

/**
 * One row against the other side's lines of its key, as diffRowSources' matchNewRow: the same
 * line is an unchanged row (both consumed), another line a changed row, none an added (or, with
 * `reversed`, a deleted) row. `reversed`: `entry` is an old line matched against new ones.
 */
function matchOne(other: KeyedEntries, key: string, entry: Entry, sink: DiffSink, reversed: boolean): void {
  const list = other.take(key);
  if (!list || list.length === 0) {
    if (reversed) sink.deleted(entry);
    else sink.added(entry);
    return;
  }
  const same = list.findIndex((e) => e.line === entry.line);
  if (same >= 0) list.splice(same, 1);
  else {
    const partner = list.shift()!;
    if (reversed) sink.changed(entry, partner);
    else sink.changed(partner, entry);
  }
  if (list.length > 0) other.restore(key, list);
}

/** Every entry of `news` against `olds` by key; what matches leaves both. */
function matchAcross(news: KeyedEntries, olds: KeyedEntries, sink: DiffSink): void {
  if (news.size === 0 || olds.size === 0) return;
  for (const key of news.keys()) {
    const list = news.take(key)!;
    const left: Entry[] = [];
    for (const e of list) {
      const before = olds.take(key);
      if (!before) {
        left.push(e);
        continue;
      }
      const same = before.findIndex((b) => b.line === e.line);
      if (same >= 0) before.splice(same, 1);
      else sink.changed(before.shift()!, e);
      if (before.length > 0) olds.restore(key, before);
    }
    if (left.length > 0) news.restore(key, left);
  }
}

/**
 * A rewritten chunk against its old version: equal stretches are skipped as bytes (a few native
 * compares per stretch, whatever its length: no line of it is even split); at each difference the
 * lines around it are lined up again. The differing lines are matched by key within the pair, and
 * what has no partner there goes to `oldLeft`/`newLeft`.
 */
function walkPair(
  before: Buffer | null,
  oldFile: number,
  after: Buffer | null,
  newFile: number,
  opts: ChunkDiffOptions,
  sink: DiffSink,
  oldLeft: KeyedEntries,
  newLeft: KeyedEntries,
): void {
  const o = before ?? Buffer.alloc(0);
  const n = after ?? Buffer.alloc(0);
  const oldDiffer: number[] = [];
  const newDiffer: number[] = [];
  let po = 0;
  let pn = 0;
  for (;;) {
    const k = equalPrefix(o, po, n, pn);
    if (po + k === o.length && pn + k === n.length) break;
    // Back to the start of the line holding the first difference (the same distance on both sides).
    const nl = k === 0 ? -1 : o.lastIndexOf(0x0a, po + k - 1);
    const back = nl < po ? 0 : nl + 1 - po;
    po += back;
    pn += back;
    const os = spansFrom(o, po, RESYNC_WINDOW + 1);
    const ns = spansFrom(n, pn, RESYNC_WINDOW + 1);
    const eq = (a: number, b: number): boolean => {
      const len = os[2 * a + 1]! - os[2 * a]!;
      return len === ns[2 * b + 1]! - ns[2 * b]! && o.compare(n, ns[2 * b]!, ns[2 * b + 1]!, os[2 * a]!, os[2 * a + 1]!) === 0;
    };
    const on = os.length / 2;
    const nn = ns.length / 2;
    let synced = false;
    // The nearest pair of equal lines ahead (fewest lines skipped on both sides together).
    search: for (let d = 0; d <= 2 * RESYNC_WINDOW; d++) {
      for (let a = Math.max(0, d - RESYNC_WINDOW); a <= Math.min(d, RESYNC_WINDOW); a++) {
        const b = d - a;
        if (a < on && b < nn && eq(a, b)) {
          oldDiffer.push(...os.slice(0, 2 * a));
          newDiffer.push(...ns.slice(0, 2 * b));
          // Past the equal line (always forward, even where one side lacks the final line break).
          po = Math.min(o.length, os[2 * a + 1]! + 1);
          pn = Math.min(n.length, ns[2 * b + 1]! + 1);
          synced = true;
          break search;
        }
      }
    }
    if (synced) continue;
    if (on <= RESYNC_WINDOW && nn <= RESYNC_WINDOW) {
      // Both ends reached without a common line: all that is left differs.
      oldDiffer.push(...os);
      newDiffer.push(...ns);
      break;
    }
    // Out of step: the rest of the pair as a set of lines.
    const oRest = spansFrom(o, po, Infinity);
    const nRest = spansFrom(n, pn, Infinity);
    const rest = new Map<string, number[]>();
    for (let x = 0; x < oRest.length; x += 2) {
      const text = o.toString('utf8', oRest[x]!, oRest[x + 1]!);
      const list = rest.get(text);
      if (list) list.push(x);
      else rest.set(text, [x]);
    }
    for (let x = 0; x < nRest.length; x += 2) {
      const list = rest.get(n.toString('utf8', nRest[x]!, nRest[x + 1]!));
      if (list && list.length > 0) list.shift();
      else newDiffer.push(nRest[x]!, nRest[x + 1]!);
    }
    for (const list of rest.values()) for (const x of list) oldDiffer.push(oRest[x]!, oRest[x + 1]!);
    break;
  }
  if (oldDiffer.length === 0 && newDiffer.length === 0) return;

  const local = new KeyedEntries();
  for (let x = 0; x < oldDiffer.length; x += 2) {
    const e = { line: o.toString('utf8', oldDiffer[x]!, oldDiffer[x + 1]!), file: oldFile, at: oldDiffer[x]! };
    local.add(rowKey(e.line, opts.oldKeyPositions), e);
  }
  for (let x = 0; x < newDiffer.length; x += 2) {
    const e = { line: n.toString('utf8', newDiffer[x]!, newDiffer[x + 1]!), file: newFile, at: newDiffer[x]! };
    const key = rowKey(e.line, opts.keyPositions);
    const list = local.take(key);
    if (!list) {
      newLeft.add(key, e);
      continue;
    }
    const same = list.findIndex((y) => y.line === e.line);
    if (same >= 0) list.splice(same, 1);
    else sink.changed(list.shift()!, e);
    if (list.length > 0) local.restore(key, list);
  }
  for (const [key, e] of local.all()) oldLeft.add(key, e);
}

/**
 * How many bytes from `a[as]` and `b[bs]` on are equal: compares of growing length while equal,
 * halving once not (Node has no native "first mismatch", but compare is a native memcmp).
 */
function equalPrefix(a: Buffer, as: number, b: Buffer, bs: number): number {
  const max = Math.min(a.length - as, b.length - bs);
  let k = 0;
  let step = 4096;
  while (k < max) {
    const len = Math.min(step, max - k);
    if (a.compare(b, bs + k, bs + k + len, as + k, as + k + len) === 0) {
      k += len;
      step *= 2;
    } else if (len === 1) break;
    else step = len >> 1;
  }
  return k;
}

/** Offsets of up to `max` non-empty lines of `buf` from `start` (a line start), flat: [s0, e0, s1, e1, ...]. */
function spansFrom(buf: Buffer, start: number, max: number): number[] {
  const spans: number[] = [];
  let from = start;
  while (from < buf.length && spans.length < 2 * max) {
    let nl = buf.indexOf(0x0a, from);
    if (nl < 0) nl = buf.length;
    if (nl > from) spans.push(from, nl);
    from = nl + 1;
  }
  return spans;
}

/** Start and end offsets of the non-empty lines of `buf`, flat: [s0, e0, s1, e1, ...]. */
function lineSpans(buf: Buffer): number[] {
  return spansFrom(buf, 0, Infinity);
}

function eachLine(buf: Buffer | null, visit: (line: string, at: number) => void): void {
  if (!buf) return;
  const spans = lineSpans(buf);
  for (let k = 0; k < spans.length; k += 2) visit(buf.toString('utf8', spans[k]!, spans[k + 1]!), spans[k]!);
}

/**
 * Counts every differing row; keeps their lines while there are at most `keep`, and gives them
 * in diffRowSources' order: added and changed rows as they come in the new files, deleted ones as
 * they came in the old files.
 */
class DiffSink {
  added_: Entry[] = [];
  changed_: Array<readonly [Entry, Entry]> = [];
  deleted_: Entry[] = [];
  counts = { added: 0, changed: 0, deleted: 0 };
  bytes = 0;

  constructor(private readonly keep: number) {}

  private get kept(): boolean {
    return this.counts.added + this.counts.changed + this.counts.deleted <= this.keep;
  }

  /** Whether lines are still wanted (false once past `keep`: then only counts matter). */
  get keeping(): boolean {
    return this.kept && this.keep > 0;
  }

  /** `n` added rows whose lines are not wanted. */
  addedUnseen(n: number): void {
    this.counts.added += n;
    if (!this.kept) this.drop();
  }

  deletedUnseen(n: number): void {
    this.counts.deleted += n;
    if (!this.kept) this.drop();
  }

  added(e: Entry): void {
    this.counts.added++;
    if (this.kept) this.hold(this.added_, e, e.line.length);
    else this.drop();
  }

  changed(before: Entry, after: Entry): void {
    this.counts.changed++;
    if (this.kept) this.hold(this.changed_, [before, after] as const, before.line.length + after.line.length);
    else this.drop();
  }

  deleted(e: Entry): void {
    this.counts.deleted++;
    if (this.kept) this.hold(this.deleted_, e, e.line.length);
    else this.drop();
  }

  private hold<T>(list: T[], item: T, length: number): void {
    list.push(item);
    this.bytes += length + ENTRY_OVERHEAD;
  }

  private drop(): void {
    if (this.bytes === 0) return;
    this.added_ = [];
    this.changed_ = [];
    this.deleted_ = [];
    this.bytes = 0;
  }

  result(): ChunkDiff {
    const counts = { ...this.counts };
    if (!this.kept) return { counts, lines: null };
    const order = (a: Entry, b: Entry) => a.file - b.file || a.at - b.at;
    return {
      counts,
      lines: {
        added: this.added_.sort(order).map((e) => e.line),
        changed: this.changed_.sort((x, y) => order(x[1], y[1])).map(([b, a]) => [b.line, a.line] as const),
        deleted: this.deleted_.sort(order).map((e) => e.line),
      },
    };
  }
}
