import type { Database } from '../db/database.js';
import type { TableInfo } from '../snapshot/table-info.js';
import type { KeySpec } from './binlog-rows.js';

/**
 * What may have changed in the database between two snapshots, as a change source can tell it.
 * `everything`: the source cannot say (no history, a gap, a statement it cannot attribute): every
 * table is read. `tables`: only these tables' rows (or definitions) may differ; every other
 * table's rows are as they were in the earlier snapshot.
 */
/** Changed keys of one table: integer tuples, one value per ordering-key column, in no particular order. */
export type TableKeys = ReadonlyArray<readonly bigint[]>;

/** A half-open range of integer keys, `from <= key < to`; null: unbounded on that side. */
export interface KeyRange {
  readonly from: readonly bigint[] | null;
  readonly to: readonly bigint[] | null;
}

export type ChangedSince =
  | { readonly kind: 'everything'; readonly reason: string }
  | {
      readonly kind: 'tables';
      readonly tables: ReadonlySet<string>;
      /**
       * Key granularity, for some of `tables` (only tables asked for with `keyed`): the keys of
       * every row changed, inserted or deleted (both keys of a key update). Every other row of the
       * table is as it was at `from`. A table in `tables` without an entry here may have changed anywhere.
       */
      readonly keys?: ReadonlyMap<string, TableKeys>;
      /**
       * Range granularity, for some of `tables` (only tables given chunk boundaries in the scope):
       * every changed, inserted or deleted row lies in one of these ranges. A range whose `from` is
       * a chunk's first key starts there only when that row may have changed or gone; when the row
       * is known to be there unchanged as a boundary, `from` is the key after it.
       */
      readonly ranges?: ReadonlyMap<string, readonly KeyRange[]>;
      /** Why tables asked for with `keyed` fell back to table granularity (for logs and tests). */
      readonly wholeBecause?: ReadonlyMap<string, string>;
    };

/** Whether a source can serve this server, and why not (for `status` and the start-up log). */
export type SourceAvailability = { readonly ok: true; readonly detail: string } | { readonly ok: false; readonly reason: string };

/** What a source may look at to compute a snapshot's position (read-plan.ts gives it). */
export interface SnapshotScope {
  readonly schema: string;
  /** The tables whose rows this snapshot versions (schema-only tables are not among them). */
  readonly tables: readonly TableInfo[];
  /**
   * Tables split into chunk files in the working tree (which equals the last snapshot when the
   * recorded state is valid) whose key is one integer column: the first key of every chunk file
   * after the first, in key order.
   */
  boundaries(): Promise<ReadonlyMap<string, readonly bigint[]>>;
  /** The position recorded with the last snapshot, or null. */
  readonly previous: string | null;
  /**
   * The session that may read a table's rows in this snapshot: a non-transactional (MyISAM, Aria)
   * table only on the session that holds LOCK TABLES on it (take-snapshot.ts: a read on another
   * session queues behind any writer waiting for that lock, and the writer behind the lock), the
   * rest on the snapshot's reading session.
   */
  sessionFor(table: TableInfo): Database;
}

/**
 * A change source: a history of the database's writes that can be asked "what changed between
 * the snapshot taken at position A and the one taken at position B". Positions are opaque
 * strings, recorded with each committed snapshot (see read-plan.ts). The status-counter probe
 * (change-probe.ts) still decides WHEN a pass runs; a source decides WHAT it must read.
 *
 * Contract (test/integration/binlog-property.test.ts is the contract's test): a table not named by
 * `changedBetween` must hold exactly the rows it held at `from` in the snapshot taken at `to`.
 * Any doubt must be answered with `everything`.
 */
export interface ChangeSource {
  /** Short name for logs and status ("binlog"). */
  readonly name: string;
  /**
   * Whether its answers cover every row's content, so that a periodic verification pass needs no
   * full read (the checksum source); false when writes can escape it (the binary log: sql_log_bin=0, filters).
   */
  readonly verifies: boolean;
  /** Can this source serve the server now; the detail names where it reads from. */
  availability(): Promise<SourceAvailability>;
  /** This snapshot's position, read on the snapshot's own session inside its consistent-snapshot transaction; null when the source cannot tell. */
  positionOf(reader: Database, scope: SnapshotScope): Promise<string | null>;
  /**
   * One position from the positions of disjoint parts of the same snapshot's tables (a snapshot
   * asks in two parts, see take-snapshot.ts). Absent: positions do not depend on the tables
   * asked about, and the parts' positions must be equal.
   */
  combine?(parts: readonly string[]): string | null;
  /**
   * What may have changed from `from` to exactly `to` (both from positionOf), in the database
   * `schema`; for the tables in `keyed` (name -> the live ordering key), which keys, where the source can tell.
   */
  changedBetween(from: string, to: string, schema: string, signal?: AbortSignal, keyed?: ReadonlyMap<string, KeySpec>): Promise<ChangedSince>;
}
