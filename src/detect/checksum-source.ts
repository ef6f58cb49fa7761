import { createHash } from 'node:crypto';
import type { Database } from '../db/database.js';
import type { ChangedSince, ChangeSource, KeyRange, SnapshotScope, SourceAvailability } from './change-source.js';
import { coarsen, historySum, type RangeSum, tableSums, type TableSums } from './range-checksums.js';

/** A table's recorded checksums: the ranges' bounds (decimal), and per range `rows:sum`. */
interface StoredTable {
  readonly def: string;
  readonly bounds: readonly string[];
  readonly sums: readonly string[];
  /**
   * A system-versioned table whose history is kept: `rows:sum` over every version with its row
   * start and end (history-checksum): a history row added or purged (an UPDATE that changes no
   * value, DELETE HISTORY) changes no current row.
   */
  readonly history?: string;
  /** In `against` only: old bounds that are chunk boundaries now and whose row is there. */
  readonly present?: readonly string[];
}

/**
 * A checksum "position": the checksums of the snapshot it was taken with, per table over the
 * ranges cut at the working tree's chunk boundaries (recorded with the commit, read-plan.ts), and
 * the same snapshot's checksums over the ranges of the position before it (`against`, named by its
 * digest), which is what the next comparison needs.
 */
interface StoredChecksums {
  readonly checksums: 1;
  readonly tables: Readonly<Record<string, StoredTable>>;
  readonly against?: { readonly digest: string; readonly tables: Readonly<Record<string, StoredTable>> };
}

const digestOf = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 32);
const store = (def: string, bounds: readonly bigint[], sums: readonly RangeSum[]): StoredTable => ({
  def,
  bounds: bounds.map(String),
  sums: sums.map((s) => `${s.rows}:${s.sum}`),
});

/**
 * Chunk checksums as a change source, for servers without a usable binary log: inside each pass's
 * consistent snapshot the server computes a checksum (COUNT and the sum of a 64-bit row hash,
 * range-checksums.ts) of every table over key ranges, and the pass compares them with the ones
 * recorded with the last commit. Tables whose checksums are equal keep their files; a table split
 * into chunks whose key is one integer column is compared per range, and only the chunks
 * overlapping a range that differs are read again; any other table is one range.
 *
 * The ranges follow the chunk files: a position holds the checksums over the ranges cut at the
 * working tree's chunk boundaries at the time it was taken. The next pass computes its checksums
 * over the union of those bounds and its own working tree's (one scan per table; range sums add
 * up), compares them over the old ranges and records them over the new ones.
 *
 * No per-table shortcut is used: InnoDB has no transactional per-table change counter
 * (information_schema UPDATE_TIME is in memory only, not per snapshot, and lost at restart), and
 * MyISAM/Aria's live CHECKSUM exists only for tables created with CHECKSUM=1 and is 32 bits, weaker
 * than the range checksums; so every table is scanned by the server on each pass, which costs
 * server CPU in proportion to the database (but no rows cross the network).
 *
 * It sees every row's content, so the periodic verification pass needs no full read (`verifies`).
 * What it cannot see: a change whose checksums collide (see range-checksums.ts for the odds).
 */
export class ChecksumSource implements ChangeSource {
  readonly name = 'checksum';
  readonly verifies = true;

  constructor(private readonly connect: () => Promise<Database>) {}

  async availability(): Promise<SourceAvailability> {
    const db = await this.connect();
    try {
      // CRC32C() came with MariaDB 10.8; older servers (and MySQL) fall back to full reads.
      await db.queryArrays("SELECT CRC32C('')", [], 'check chunk checksums');
      return { ok: true, detail: 'CRC32 + CRC32C sums per chunk, computed by the server' };
    } catch {
      return { ok: false, reason: 'the server has no CRC32C() (MariaDB 10.8 or later)' };
    }
  }

  async positionOf(_reader: Database, scope: SnapshotScope): Promise<string | null> {
    const previous = scope.previous ? parse(scope.previous) : null;
    const tables: Record<string, StoredTable> = {};
    const against: Record<string, StoredTable> = {};
    const boundaries = await scope.boundaries();
    for (const t of scope.tables) {
      const now = boundaries.get(t.name) ?? [];
      const old = previous?.tables[t.name];
      const oldBounds = old ? old.bounds.map(BigInt) : null;
      // The old bounds cut ranges by the table's one integer key column only while it still has
      // one, which the new layout's bounds show; otherwise the old ranges are not compared (read whole).
      const comparable = oldBounds !== null && (now.length > 0 || oldBounds.length === 0);
      const union = comparable ? [...new Set([...now, ...oldBounds])].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)) : [...now];
      const fine = await tableSums(scope.sessionFor(t), t, union);
      const history = t.history ? { history: await historySum(scope.sessionFor(t), t) } : {};
      tables[t.name] = { ...store(fine.def, now, coarsen(fine, now)), ...history };
      if (comparable) against[t.name] = { ...withMins(store(fine.def, oldBounds, coarsen(fine, oldBounds)), fine, now, oldBounds), ...history };
    }
    const position: StoredChecksums = {
      checksums: 1,
      tables,
      ...(scope.previous && previous ? { against: { digest: digestOf(scope.previous), tables: against } } : {}),
    };
    return JSON.stringify(position);
  }

  combine(parts: readonly string[]): string | null {
    const parsed = parts.map(parse);
    if (parsed.some((p) => p === null)) return null;
    const all = parsed as StoredChecksums[];
    const tables = Object.assign({}, ...all.map((p) => p.tables)) as Record<string, StoredTable>;
    const digests = new Set(all.map((p) => p.against?.digest ?? null));
    // Every part compared against the same previous position, or none did (the first snapshot).
    if (digests.size !== 1) return null;
    const [digest] = digests;
    const combined: StoredChecksums = {
      checksums: 1,
      tables,
      ...(digest ? { against: { digest, tables: Object.assign({}, ...all.map((p) => p.against?.tables)) as Record<string, StoredTable> } } : {}),
    };
    return JSON.stringify(combined);
  }

  async changedBetween(fromText: string, toText: string): Promise<ChangedSince> {
    const from = parse(fromText);
    const to = parse(toText);
    if (!from || !to) return { kind: 'everything', reason: 'no chunk checksums were recorded with the last snapshot' };
    if (!to.against || to.against.digest !== digestOf(fromText)) return { kind: 'everything', reason: 'the checksums were computed against another snapshot' };
    const tables = new Set<string>();
    const ranges = new Map<string, KeyRange[]>();
    for (const name of Object.keys(to.tables)) {
      const old = from.tables[name];
      const now = to.against.tables[name];
      // The history changed (or began or stopped being kept): the table is read whole with it.
      if (!old || !now || old.def !== now.def || old.sums.length !== now.sums.length || old.history !== now.history) {
        tables.add(name);
        continue;
      }
      const bounds = old.bounds.map(BigInt);
      const dirty: KeyRange[] = [];
      for (let i = 0; i < old.sums.length; i++) {
        if (old.sums[i] === now.sums[i]) continue;
        let lo = i > 0 ? bounds[i - 1]! : null;
        const hi = i < bounds.length ? bounds[i]! : null;
        // The range's first key is a chunk boundary still there: its chunk is re-read from it, and
        // the chunk before needs no re-read (the row did not go); `present` marks such bounds.
        if (lo !== null && now.present?.includes(String(lo)) && (hi === null || lo + 1n < hi)) lo += 1n;
        dirty.push({ from: lo === null ? null : [lo], to: hi === null ? null : [hi] });
      }
      if (dirty.length === 0) continue;
      tables.add(name);
      // A table not cut into ranges (one range) changed anywhere: no ranges, it is read whole.
      if (bounds.length > 0) ranges.set(name, dirty);
    }
    return { kind: 'tables', tables, ranges };
  }
}

/** The old bounds that are also chunk boundaries now and whose row is there (MIN of the fine range starting at it). */
function withMins(stored: StoredTable, fine: TableSums, now: readonly bigint[], oldBounds: readonly bigint[]): StoredTable {
  const nowSet = new Set(now);
  const present: string[] = [];
  for (const b of oldBounds) {
    if (!nowSet.has(b)) continue;
    const i = fine.bounds.indexOf(b);
    if (i >= 0 && fine.mins?.[i + 1] === b) present.push(String(b));
  }
  return { ...stored, present };
}

function parse(text: string): StoredChecksums | null {
  try {
    const v = JSON.parse(text) as Partial<StoredChecksums>;
    if (v.checksums !== 1 || typeof v.tables !== 'object' || v.tables === null) return null;
    return v as StoredChecksums;
  } catch {
    return null;
  }
}
