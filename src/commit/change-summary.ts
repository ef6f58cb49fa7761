import type { RowCounts } from './row-diff.js';

/** What one commit changed in one table or object. */
export interface TableChange {
  readonly table: string;
  /** 'added' / 'dropped' table, or its definition changed. */
  readonly schema: 'added' | 'dropped' | 'changed' | null;
  readonly rows: RowCounts;
  /** A changed definition in words (`added column invoice_po_number`), when both texts were at hand. */
  readonly schemaWords?: string;
  /** Of the changed rows, those whose only differences are in the columns the schema change touched. */
  readonly bySchema?: number;
}

export interface ObjectChange {
  /** view, procedure, function, trigger, event */
  readonly type: string;
  readonly name: string;
  readonly change: 'added' | 'dropped' | 'changed';
}

/** A file of DBSYNC_FILES (path relative to its root) the commit added, changed or deleted. */
export interface FileChange {
  readonly path: string;
  readonly change: 'added' | 'changed' | 'deleted';
}

export interface ChangeSummary {
  readonly tables: readonly TableChange[];
  readonly objects: readonly ObjectChange[];
  /** DBSYNC_FILES: the files changed, and the one-line reasons of files left out (absent when off). */
  readonly files?: { readonly changes: readonly FileChange[]; readonly skipped: readonly string[] };
  /** System-versioned tables whose history rows alone changed (no current row did): an UPDATE that changed no value, DELETE HISTORY. */
  readonly historyOnly?: readonly string[];
  /** The change in the application's words (a profile's message rules); absent without a profile. */
  readonly described?: {
    readonly items: readonly string[];
    /** `items` without their side details (fields that changed with a status): used when the full items do not fit. */
    readonly brief?: readonly string[];
    /** Tables fully told by `items`: left out of the subject's generic part (their counts stay in the body). */
    readonly covered: ReadonlySet<string>;
    /** An upgrade or installation of the application: the whole subject; the items go to the body. */
    readonly headline?: string;
  };
}

function rowsShort(r: RowCounts): string {
  return [r.added ? `+${r.added}` : '', r.changed ? `~${r.changed}` : '', r.deleted ? `-${r.deleted}` : ''].filter(Boolean).join(' ');
}

function tableShort(t: TableChange): string {
  // Rows a schema change rewrote are in the body; the subject names the change itself.
  if (t.schema === 'changed' && t.schemaWords) return `Schema: ${t.table} ${t.schemaWords}`;
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

/** `files: uploads/logo.png added`, or `files: uploads/a.png added, uploads/b.png deleted and 3 more`; null without file changes. */
function filesShort(s: ChangeSummary): string | null {
  const changes = s.files?.changes ?? [];
  if (changes.length === 0) return null;
  const shown = changes.slice(0, 2).map((c) => `${c.path} ${c.change}`);
  return `files: ${shown.join(', ')}${changes.length > 2 ? ` and ${changes.length - 2} more` : ''}`;
}

/**
 * First line: e.g. `ip_payments +1, ip_invoice_amounts ~1`; kept short with "and N more". With a
 * profile: its items first (`Payment 120.00 on INV-1 (bank transfer); Client "ACME Ltd" added`),
 * then the generic part of whatever they do not tell (other tables, schema changes, objects).
 */
export function commitSubject(s: ChangeSummary): string {
  if (s.described?.headline) return `${s.described.headline}${schemaCounts(s.tables)}`;
  // Schema changes first: they are rare and change what every later commit means.
  const schema = s.tables.filter((t) => t.schema === 'changed' && t.schemaWords).map(tableShort);
  const others = s.tables.filter((t) => !(t.schema === 'changed' && t.schemaWords));
  if (s.described && s.described.items.length > 0) {
    const { items, covered } = s.described;
    const rest = others
      .filter((t) => !covered.has(t.table) || t.schema !== null)
      .map((t) => (covered.has(t.table) ? tableShort({ ...t, rows: { added: 0, changed: 0, deleted: 0 } }) : tableShort(t)));
    const tail = [...rest, ...s.objects.map(objectShort), ...[filesShort(s)].filter((f): f is string => f !== null)];
    const full = shortList([...schema, ...items, ...tail], '; ');
    // Events before details: when the full items are cut, their details go first (a payment is never cut off).
    if (!s.described.brief || !/ and \d+ more$/.test(full)) return full;
    return shortList([...schema, ...s.described.brief, ...tail], '; ');
  }
  const items = [...schema, ...others.map(tableShort), ...s.objects.map(objectShort), ...[filesShort(s)].filter((f): f is string => f !== null)];
  if (items.length === 0 && s.historyOnly?.length) return `${shortList(s.historyOnly, ', ')}: history rows only, no current row changed`;
  if (items.length === 0) return 'snapshot';
  return shortList(items, ', ');
}

/** ` (10 tables added, 25 changed)` after an upgrade's headline. */
function schemaCounts(tables: readonly TableChange[]): string {
  const n = (k: TableChange['schema']) => tables.filter((t) => t.schema === k).length;
  const parts = [n('added') ? `${n('added')} tables added` : '', n('changed') ? `${n('changed')} changed` : '', n('dropped') ? `${n('dropped')} dropped` : ''];
  const text = parts.filter(Boolean).join(', ');
  return text ? ` (${text})` : '';
}

/**
 * The whole message: subject, one line per table/object with its counts (and what a schema change
 * did, and how many rows it rewrote), the items an upgrade's headline stood for, and the time.
 */
export function commitMessage(s: ChangeSummary, takenAt: Date, notBackedUp: readonly string[] = []): string {
  const body: string[] = [];
  for (const t of s.tables) {
    const what =
      t.schema === 'added'
        ? 'new table, '
        : t.schema === 'dropped'
          ? 'table dropped, '
          : t.schema === 'changed'
            ? `schema changed${t.schemaWords ? ` (${t.schemaWords})` : ''}, `
            : '';
    const bySchema = t.bySchema ? ` (${t.bySchema} by the schema change)` : '';
    body.push(`${t.table}: ${what}${t.rows.added} added, ${t.rows.changed} changed${bySchema}, ${t.rows.deleted} deleted`);
  }
  for (const t of s.historyOnly ?? []) body.push(`${t}: history rows only, no current row changed`);
  for (const o of s.objects) body.push(`${o.type} ${o.name}: ${o.change}`);
  for (const f of s.files?.changes ?? []) body.push(`file ${f.path}: ${f.change}`);
  for (const reason of s.files?.skipped ?? []) body.push(`file ${reason}`);
  const told = s.described?.headline ? `\n\n${s.described.items.map((i) => `- ${i}`).join('\n')}` : '';
  const skipped = notBackedUp.length > 0 ? `\n\nNot in this snapshot:\n${notBackedUp.map((l) => `- ${l}`).join('\n')}` : '';
  return `${commitSubject(s)}\n\n${body.join('\n')}${told}${skipped}\n\nSnapshot taken ${takenAt.toISOString()}\n`;
}
