import type { RowCounts } from './row-diff.js';

/** What one commit changed in one table or object. */
export interface TableChange {
  readonly table: string;
  /** 'added' / 'dropped' table, or its definition changed. */
  readonly schema: 'added' | 'dropped' | 'changed' | null;
  readonly rows: RowCounts;
}

export interface ObjectChange {
  /** view, procedure, function, trigger, event */
  readonly type: string;
  readonly name: string;
  readonly change: 'added' | 'dropped' | 'changed';
}

export interface ChangeSummary {
  readonly tables: readonly TableChange[];
  readonly objects: readonly ObjectChange[];
  /** The change in the application's words (a profile's message rules); absent without a profile. */
  readonly described?: {
    readonly items: readonly string[];
    /** Tables fully told by `items`: left out of the subject's generic part (their counts stay in the body). */
    readonly covered: ReadonlySet<string>;
  };
}

function rowsShort(r: RowCounts): string {
  return [r.added ? `+${r.added}` : '', r.changed ? `~${r.changed}` : '', r.deleted ? `-${r.deleted}` : ''].filter(Boolean).join(' ');
}

function tableShort(t: TableChange): string {
  const parts = [t.table];
  if (t.schema === 'added') parts.push('(new table)');
  else if (t.schema === 'dropped') parts.push('(dropped)');
  else if (t.schema === 'changed') parts.push('(schema)');
  const r = rowsShort(t.rows);
  if (r && t.schema !== 'dropped') parts.push(r);
  return parts.join(' ');
}

const SUBJECT_MAX = 100;

/** Items joined with `separator`, shortened with "and N more" once past SUBJECT_MAX (the first item always stays). */
export function shortList(items: readonly string[], separator: string): string {
  let subject = '';
  for (let i = 0; i < items.length; i++) {
    const next = subject ? `${subject}${separator}${items[i]}` : items[i]!;
    const rest = items.length - i - 1;
    if (next.length > SUBJECT_MAX && subject) return `${subject} and ${rest + 1} more`;
    subject = next;
  }
  return subject;
}

function objectShort(o: ObjectChange): string {
  return `${o.type} ${o.name}${o.change === 'changed' ? '' : ` (${o.change})`}`;
}

/**
 * First line: e.g. `ip_payments +1, ip_invoice_amounts ~1`; kept short with "and N more". With a
 * profile: its items first (`Payment 120.00 on INV-1 (bank transfer); Client "ACME Ltd" added`),
 * then the generic part of whatever they do not tell (other tables, schema changes, objects).
 */
export function commitSubject(s: ChangeSummary): string {
  if (s.described && s.described.items.length > 0) {
    const { items, covered } = s.described;
    const rest = s.tables
      .filter((t) => !covered.has(t.table) || t.schema !== null)
      .map((t) => (covered.has(t.table) ? tableShort({ ...t, rows: { added: 0, changed: 0, deleted: 0 } }) : tableShort(t)));
    return shortList([...items, ...rest, ...s.objects.map(objectShort)], '; ');
  }
  const items = [...s.tables.map(tableShort), ...s.objects.map(objectShort)];
  if (items.length === 0) return 'snapshot';
  return shortList(items, ', ');
}

/** The whole message: subject, one line per table/object with its counts, and the time. */
export function commitMessage(s: ChangeSummary, takenAt: Date, notBackedUp: readonly string[] = []): string {
  const body: string[] = [];
  for (const t of s.tables) {
    const what = t.schema === 'added' ? 'new table, ' : t.schema === 'dropped' ? 'table dropped, ' : t.schema === 'changed' ? 'schema changed, ' : '';
    body.push(`${t.table}: ${what}${t.rows.added} added, ${t.rows.changed} changed, ${t.rows.deleted} deleted`);
  }
  for (const o of s.objects) body.push(`${o.type} ${o.name}: ${o.change}`);
  const skipped = notBackedUp.length > 0 ? `\n\nNot in this snapshot:\n${notBackedUp.map((l) => `- ${l}`).join('\n')}` : '';
  return `${commitSubject(s)}\n\n${body.join('\n')}${skipped}\n\nSnapshot taken ${takenAt.toISOString()}\n`;
}
