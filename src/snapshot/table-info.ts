import type { SystemPeriod } from './system-versioning.js';

/** What the snapshot needs to know about a table, read from information_schema. */
export interface ColumnInfo {
  readonly name: string;
  /** information_schema DATA_TYPE, lower case (int, varchar, geometry, ...). */
  readonly dataType: string;
  /** Whether a numeric column is UNSIGNED (information_schema COLUMN_TYPE); absent where unknown. */
  readonly unsigned?: boolean;
  /** Character set of a text column, or null. */
  readonly charset: string | null;
  /** Collation of a text column (information_schema), or null; decides how a secret rule's row filter compares (secret-rule.ts). */
  readonly collation?: string | null;
  /** Generated (virtual or stored) columns get DEFAULT on restore. */
  readonly generated: boolean;
  /**
   * Only in a history file's columns (system-versioning.ts): the row end of a system-versioned
   * table, with the SQL expression of the current rows' row end. A current row's end is written
   * `DEFAULT` (the server's "no end", whatever its value on the loading server), any other as its value.
   */
  readonly currentRowEnd?: string;
  /** INVISIBLE columns are left out of `INSERT ... VALUES` unless named, so tables with them name every column. */
  readonly invisible: boolean;
}

export interface TableInfo {
  readonly name: string;
  readonly engine: string;
  readonly columns: readonly ColumnInfo[];
  /**
   * Columns of the primary key (or of a unique key over NOT NULL columns when there is no primary
   * key): rows are written in this key's order. Empty: no such key; rows are sorted by their whole text.
   */
  readonly orderKey: readonly string[];
  /**
   * A system-versioned table whose history this snapshot keeps (history/<table>.sql): its system
   * period's columns. Absent for other tables, and where history is not kept (system-versioning.ts).
   */
  readonly history?: SystemPeriod;
}

/** Engines that give a consistent read inside START TRANSACTION WITH CONSISTENT SNAPSHOT. Every other engine is read under the table lock. */
export function isMvccEngine(engine: string): boolean {
  return /^(innodb|xtradb|rocksdb)$/i.test(engine);
}
