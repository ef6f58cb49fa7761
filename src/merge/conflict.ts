/**
 * What kind of disagreement a merge found for one row. The first word is what ours did, the second
 * what theirs did: `delete-update` = ours deleted the row, theirs changed it; `update-delete` the
 * other way round.
 */
export type ConflictKind = 'cell' | 'delete-update' | 'update-delete' | 'insert-insert' | 'duplicate-number';

export const CONFLICT_KINDS: readonly ConflictKind[] = ['cell', 'delete-update', 'update-delete', 'insert-insert', 'duplicate-number'];

/**
 * Kinds that name a column: 'cell', and 'duplicate-number' (two rows with different keys carry the
 * same business number in `column`, see duplicate-numbers.ts; both rows stay).
 */
export function kindHasColumn(kind: ConflictKind): boolean {
  return kind === 'cell' || kind === 'duplicate-number';
}

/**
 * A conflict never loses a value: the database got the `kept` side, the other side's value is here
 * (and so in the repository, see conflict-file.ts).
 */
export interface Conflict {
  readonly table: string;
  /** Literals of the key columns. */
  readonly keyCells: readonly string[];
  readonly kind: ConflictKind;
  /** The column, for 'cell' and 'duplicate-number'; null otherwise. */
  readonly column: string | null;
  /**
   * Cell literal for 'cell', whole row line otherwise (null = the row is absent on that side).
   * 'duplicate-number': base is the number's literal, ours the key of the row this computer had,
   * theirs the key of the row that came in (key literals joined by ','), `keyCells` theirs.
   */
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
