/**
 * One row to change in the live database, as found by a merge or a fast-forward. Lines are row
 * lines of a data file (`INSERT INTO `t` VALUES (...);`) WITHOUT the trailing newline.
 */
export interface RowChange {
  /**
   * Literals of the key columns, in the order of the table's key. For a table without a key, every
   * cell of the line (the whole row is its identity; one change per copy of a duplicated row).
   */
  readonly keyCells: readonly string[];
  /** Line expected in the live database now (null: the row must not exist). */
  readonly before: string | null;
  /** Line wanted (null: delete the row). */
  readonly after: string | null;
}
