/**
 * What kind of disagreement a merge found for one row. The first word is what ours did, the second
 * what theirs did: `delete-update` = ours deleted the row, theirs changed it; `update-delete` the
 * other way round.
 */
export type ConflictKind = 'cell' | 'delete-update' | 'update-delete' | 'insert-insert';

export const CONFLICT_KINDS: readonly ConflictKind[] = ['cell', 'delete-update', 'update-delete', 'insert-insert'];

/**
 * A conflict never loses a value: the database got the `kept` side, the other side's value is here
 * (and so in the repository, see conflict-file.ts).
 */
export interface Conflict {
  readonly table: string;
  /** Literals of the key columns. */
  readonly keyCells: readonly string[];
  readonly kind: ConflictKind;
  /** The column, for 'cell'; null otherwise. */
  readonly column: string | null;
  /** Cell literal for 'cell', whole row line otherwise (null = the row is absent on that side). */
  readonly base: string | null;
  readonly ours: string | null;
  readonly theirs: string | null;
  /** What the database got. */
  readonly kept: 'ours' | 'theirs';
}

/** The same conflict seen from the other computer: ours and theirs swapped. */
export function swapSides(c: Conflict): Conflict {
  const kind: ConflictKind = c.kind === 'delete-update' ? 'update-delete' : c.kind === 'update-delete' ? 'delete-update' : c.kind;
  return { ...c, kind, ours: c.theirs, theirs: c.ours, kept: c.kept === 'ours' ? 'theirs' : 'ours' };
}
