import { shortList } from '../commit/change-summary.js';
import type { Conflict } from '../merge/conflict.js';
import { duplicateNumberSentence } from '../profile/duplicate-number-words.js';
import type { MergeOutcome, TableApplied } from './merge-into-database.js';

/** How a table's change reads in a subject: `ip_payments +1 ~2`, `ip_logs (new table)`. */
export function appliedShort(t: TableApplied): string {
  if (t.how === 'created') return `${t.table} (new table)`;
  if (t.how === 'dropped') return `${t.table} (dropped)`;
  if (t.how === 'replaced') return `${t.table} (schema)`;
  const counts = [t.inserted ? `+${t.inserted}` : '', t.updated ? `~${t.updated}` : '', t.deleted ? `-${t.deleted}` : ''].filter(Boolean).join(' ');
  return counts ? `${t.table} ${counts}` : t.table;
}

/** A conflict in one line: table, key, column, the three values and the one the database kept. */
export function conflictLine(c: Conflict): string {
  if (c.kind === 'duplicate-number')
    return `${c.table} (${c.keyCells.join(', ')}) ${c.column}: duplicate-number: ${duplicateNumberSentence(c)}; both rows kept`;
  const v = (x: string | null) => (x === null ? '(no row)' : x.length > 60 ? x.slice(0, 57) + '...' : x);
  const where = `${c.table} (${c.keyCells.join(', ')})${c.column ? ` ${c.column}` : ''}`;
  const what = c.kind === 'cell' ? '' : ` ${c.kind}:`;
  return `${where}:${what} base ${v(c.base)}, ours ${v(c.ours)}, theirs ${v(c.theirs)}; kept ${c.kept}`;
}

/** The message of a merge commit: what came in, per table, and every conflict (never silently). */
export function mergeMessage(o: { from: string; commits: number; outcome: MergeOutcome; takenAt: Date }): string {
  const { outcome } = o;
  const n = outcome.conflicts.length + outcome.schemaConflicts.length + outcome.objectConflicts.length;
  const items = outcome.applied.map(appliedShort);
  const subject = `Merge ${o.commits} commit(s) from ${o.from}${items.length > 0 ? `: ${shortList(items, ', ')}` : ''}${n > 0 ? `; ${n} conflict(s)` : ''}`;
  const body: string[] = [];
  for (const t of outcome.applied) {
    const what =
      t.how === 'rows' ? '' : t.how === 'created' ? 'new table, ' : t.how === 'dropped' ? 'table dropped, ' : 'table replaced (its definition changed), ';
    body.push(`${t.table}: ${what}${t.inserted} added, ${t.updated} changed, ${t.deleted} deleted`);
  }
  if (outcome.conflicts.length > 0) {
    body.push('', `Conflicts (recorded under conflicts/; close them with git-dbsync resolve):`);
    for (const c of outcome.conflicts.slice(0, 50)) body.push(`  ${conflictLine(c)}`);
    if (outcome.conflicts.length > 50) body.push(`  ... and ${outcome.conflicts.length - 50} more`);
  }
  for (const s of outcome.schemaConflicts)
    body.push(`Not merged: table ${s.table}: ${s.reason}; the database has ${s.kept === 'ours' ? 'this' : 'the other'} computer's table`);
  for (const c of outcome.objectConflicts) {
    body.push(
      c.why === 'review'
        ? `Not applied (DBSYNC_PULL_OBJECTS=conflict): ${c.object} as changed in ${c.theirsCommit.slice(0, 12)}; kept ours, recorded for review (git-dbsync conflicts)`
        : `Changed on both sides: ${c.object}; kept ${c.kept}`,
    );
  }
  return `${subject}\n\n${body.join('\n')}${body.length > 0 ? '\n\n' : ''}Snapshot taken ${o.takenAt.toISOString()}\n`;
}
