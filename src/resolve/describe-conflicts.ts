import { displayText, literalText } from '../snapshot/sql-literal.js';
import type { ConflictRecord } from '../merge/conflict-file.js';
import { openCount, type OpenConflicts } from '../pull/conflict-store.js';
import { duplicateNumberSentence } from '../profile/duplicate-number-words.js';
import { cellsOf } from '../snapshot/row-line.js';
import { keyArgument } from './key-argument.js';

/** A cell literal as the user reads it: its text (shortened), or NULL, or (no row). */
function shown(literal: string | null): string {
  if (literal === null) return '(no row)';
  if (literal === 'NULL' || /^-?[0-9][0-9.eE+-]*$/.test(literal)) return literal;
  const t = literalText(literal);
  return t === null ? displayText(literal) : JSON.stringify(displayText(t));
}

/** A whole row (row-level conflicts) in short: its first cells. */
function shownRow(line: string | null): string {
  if (line === null) return '(no row)';
  try {
    const cells = cellsOf(line).map((c) => shown(c));
    return `(${cells.slice(0, 6).join(', ')}${cells.length > 6 ? ', ...' : ''})`;
  } catch {
    return displayText(line);
  }
}

/** What each kind of conflict means, in one clause. */
export const CONFLICT_WHAT: Record<ConflictRecord['kind'], string> = {
  cell: 'both computers changed this value',
  'delete-update': 'the merging computer deleted the row, the other changed it',
  'update-delete': 'the merging computer changed the row, the other deleted it',
  'insert-insert': 'both computers added a row with this key',
  'duplicate-number': 'two rows carry the same number',
};

/**
 * Open conflicts in the user's words, two lines each: where (table, key by column name, column),
 * what each side had, which value the database kept; then the command that closes it.
 * `keyColumns`: the key's column names per table (unknown tables: the key's values only).
 * `words`: the row and column in the application's words (`Invoice 1 (ACME): terms`, from the
 * profile's message rules), said instead of the table, key and column when known; the command
 * that closes the conflict still names them.
 */
export function describeConflicts(
  open: OpenConflicts,
  keyColumns: (table: string) => readonly string[] | null,
  words: (c: ConflictRecord) => string | null = () => null,
): string[] {
  const lines: string[] = [];
  const n = openCount(open);
  if (n === 0) return ['no open conflicts'];
  lines.push(`${n} open conflict(s) ("ours" is the computer that made the merge, "theirs" what it pulled; the other value is kept here until you resolve):`);
  for (const c of open.rows) {
    if (c.kind === 'duplicate-number') {
      // Both rows stay; the user renumbers one in the application, then closes the record.
      lines.push(
        `- ${c.table} (${c.column}): ${duplicateNumberSentence(c)}; both rows are kept (ours ${c.oursCommit.slice(0, 12)}, theirs ${c.theirsCommit.slice(0, 12)})`,
      );
      lines.push(`    once renumbered: git-dbsync resolve ${c.table} ${keyArgument(c.keyCells)} --column ${c.column} --ours`);
      continue;
    }
    const names = keyColumns(c.table);
    const key = names && names.length === c.keyCells.length ? c.keyCells.map((k, i) => `${names[i]}=${shown(k)}`).join(', ') : c.keyCells.map(shown).join(', ');
    const v = c.kind === 'cell' ? shown : shownRow;
    const kept = c.kept === 'ours' ? c.ours : c.theirs;
    const where = words(c) ?? `${c.table} (${key})${c.column ? ` column ${c.column}` : ''}`;
    lines.push(
      `- ${where}: ${CONFLICT_WHAT[c.kind]}; base ${v(c.base)}, ours ${v(c.ours)} (${c.oursCommit.slice(0, 12)}), theirs ${v(c.theirs)} (${c.theirsCommit.slice(0, 12)}); the database kept ${c.kept}: ${v(kept)}`,
    );
    const arg = keyArgument(c.keyCells);
    const quoted = /^[A-Za-z0-9_.:@%+=-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`;
    lines.push(
      `    git-dbsync resolve ${c.table} ${quoted}${c.kind === 'cell' ? ` --column ${c.column}` : ''} --ours|--theirs${c.kind === 'cell' ? '|--value V' : ''}`,
    );
  }
  for (const s of open.schema) {
    lines.push(
      `- table ${s.table} not merged (${s.mergedAt}): ${s.reason}; the database has ${s.kept === 'ours' ? "the merging computer's" : "the other computer's"} table; ours ${s.oursCommit.slice(0, 12)}, theirs ${s.theirsCommit.slice(0, 12)}`,
    );
    lines.push(`    once settled: git-dbsync resolve ${s.table} --${s.kept}`);
  }
  for (const o of open.objects) {
    const [ours, theirs] = [o.oursCommit.slice(0, 12), o.theirsCommit.slice(0, 12)];
    lines.push(
      o.why === 'review'
        ? `- ${o.object}: changed on the other computer (theirs ${theirs}) and not applied (DBSYNC_PULL_OBJECTS=conflict); the database keeps this computer's version (ours ${ours})`
        : `- ${o.object}: both computers changed it differently; the database kept ${o.kept} (ours ${ours}, theirs ${theirs})`,
    );
    lines.push(`    review: git diff ${ours} ${theirs} -- '*.sql'; then git-dbsync resolve ${o.object} --theirs (apply theirs) or --ours (keep ours)`);
  }
  return lines;
}
