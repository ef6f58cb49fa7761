import { DbsyncError } from '../errors/dbsync-error.js';
import { encodeTableFileName } from '../snapshot/layout.js';
import { CONFLICT_KINDS, kindHasColumn, type Conflict } from './conflict.js';
import { compareKeyCells } from './row-key.js';

/**
 * Conflicts are data in the repository: one file per table, `conflicts/<encoded table>.jsonl` in
 * the snapshot folder, one JSON object per conflict per line with the fields, in this order:
 * table, key (array of key literals), kind, column, base, ours, theirs, kept, oursCommit,
 * theirsCommit, mergedAt. Lines are sorted by key, then column, so the file is deterministic and
 * diffs well. Pure text functions; reading and writing the file is the caller's.
 */
export const CONFLICTS_DIR = 'conflicts';

/** `conflicts/<table encoded like its data file>.jsonl`, relative to the snapshot folder. Takes the table NAME, not its encoded stem. */
export function conflictsPath(table: string): string {
  return `${CONFLICTS_DIR}/${encodeTableFileName(table)}.jsonl`;
}

/** Where a conflict came from. */
export interface ConflictMeta {
  /** Commit of our side (HEAD before the merge). */
  readonly oursCommit: string;
  /** Commit of their side (the fetched remote branch). */
  readonly theirsCommit: string;
  /** When the merge ran, ISO 8601. */
  readonly mergedAt: string;
}

export interface ConflictRecord extends Conflict, ConflictMeta {}

export function withMeta(list: readonly Conflict[], meta: ConflictMeta): ConflictRecord[] {
  return list.map((c) => ({ ...c, oursCommit: meta.oursCommit, theirsCommit: meta.theirsCommit, mergedAt: meta.mergedAt }));
}

/** Order of the file: table, key (numbers by value), column (row-level conflicts, column null, first). */
export function compareConflicts(a: Conflict, b: Conflict): number {
  if (a.table !== b.table) return a.table < b.table ? -1 : 1;
  const byKey = compareKeyCells(a.keyCells, b.keyCells);
  if (byKey !== 0) return byKey;
  if (a.column === b.column) return 0;
  if (a.column === null) return -1;
  if (b.column === null) return 1;
  return a.column < b.column ? -1 : 1;
}

/** The file's text: one line per conflict, sorted, with a trailing newline; '' for none (the caller deletes the file). */
export function formatConflicts(list: readonly ConflictRecord[]): string;
export function formatConflicts(list: readonly Conflict[], meta: ConflictMeta): string;
export function formatConflicts(list: readonly (Conflict | ConflictRecord)[], meta?: ConflictMeta): string {
  const records = list.map((c) => {
    if (meta) return withMeta([c], meta)[0]!;
    if (!('oursCommit' in c)) throw new Error('formatConflicts: a conflict without commits needs `meta`');
    return c;
  });
  return [...records]
    .sort(compareConflicts)
    .map((r) => JSON.stringify(fileObject(r)) + '\n')
    .join('');
}

/** The JSON object of one line, fields in the documented order. */
function fileObject(r: ConflictRecord): Record<string, unknown> {
  return {
    table: r.table,
    key: r.keyCells,
    kind: r.kind,
    column: r.column,
    base: r.base,
    ours: r.ours,
    theirs: r.theirs,
    kept: r.kept,
    oursCommit: r.oursCommit,
    theirsCommit: r.theirsCommit,
    mergedAt: r.mergedAt,
  };
}

type Check = (v: unknown) => boolean;
const isString: Check = (v) => typeof v === 'string';
const isStringOrNull: Check = (v) => v === null || typeof v === 'string';
const FIELDS: ReadonlyArray<readonly [string, Check, string]> = [
  ['table', isString, 'a string'],
  ['key', (v) => Array.isArray(v) && v.length > 0 && v.every(isString), 'a non-empty array of strings'],
  ['kind', (v) => (CONFLICT_KINDS as readonly unknown[]).includes(v), `one of ${CONFLICT_KINDS.join(', ')}`],
  ['column', isStringOrNull, 'a string or null'],
  ['base', isStringOrNull, 'a string or null'],
  ['ours', isStringOrNull, 'a string or null'],
  ['theirs', isStringOrNull, 'a string or null'],
  ['kept', (v) => v === 'ours' || v === 'theirs', 'ours or theirs'],
  ['oursCommit', isString, 'a string'],
  ['theirsCommit', isString, 'a string'],
  ['mergedAt', isString, 'a string'],
];

/**
 * Read a conflicts file. Blank lines are skipped; anything else that is not a conflict object is an
 * error naming `source` and the line number.
 */
export function parseConflicts(text: string, source = 'conflicts file'): ConflictRecord[] {
  const out: ConflictRecord[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, '');
    if (line.trim() === '') continue;
    const fail = (what: string) =>
      new DbsyncError({
        operation: 'read conflicts',
        message: `${source} line ${i + 1}: ${what}`,
        hint: 'fix or delete that line (one JSON object per conflict; git history has the version the merge wrote)',
      });
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      throw fail(`not valid JSON (${(err as Error).message})`);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw fail('not a JSON object');
    const o = value as Record<string, unknown>;
    for (const [name, ok, want] of FIELDS) {
      if (!(name in o)) throw fail(`field "${name}" is missing`);
      if (!ok(o[name])) throw fail(`field "${name}" must be ${want} (got ${JSON.stringify(o[name])?.slice(0, 60)})`);
    }
    if (kindHasColumn(o.kind as Conflict['kind']) !== (o.column !== null))
      throw fail(kindHasColumn(o.kind as Conflict['kind']) ? `a ${String(o.kind)} conflict needs a column` : `a ${String(o.kind)} conflict has no column`);
    out.push({
      table: o.table as string,
      keyCells: o.key as string[],
      kind: o.kind as Conflict['kind'],
      column: o.column as string | null,
      base: o.base as string | null,
      ours: o.ours as string | null,
      theirs: o.theirs as string | null,
      kept: o.kept as Conflict['kept'],
      oursCommit: o.oursCommit as string,
      theirsCommit: o.theirsCommit as string,
      mergedAt: o.mergedAt as string,
    });
  }
  return out;
}

function identity(c: Conflict): string {
  return JSON.stringify([c.table, c.keyCells, c.column]);
}

/** `existing` plus `added`, sorted; a newer conflict for the same table, key and column replaces the older one. */
export function addConflicts(existing: readonly ConflictRecord[], added: readonly ConflictRecord[]): ConflictRecord[] {
  const byId = new Map<string, ConflictRecord>();
  for (const c of existing) byId.set(identity(c), c);
  for (const c of added) byId.set(identity(c), c);
  return [...byId.values()].sort(compareConflicts);
}

function matches(c: Conflict, keyCells: readonly string[], column: string | null | undefined): boolean {
  if (c.keyCells.length !== keyCells.length || c.keyCells.some((k, i) => k !== keyCells[i])) return false;
  return column === undefined || c.column === column;
}

/** The conflicts of one key (all of them, or only those of `column`; null: the row-level ones). */
export function findConflicts(existing: readonly ConflictRecord[], keyCells: readonly string[], column?: string | null): ConflictRecord[] {
  return existing.filter((c) => matches(c, keyCells, column));
}

/** `existing` without the conflicts of one key (all of them, or only those of `column`). */
export function removeConflicts(existing: readonly ConflictRecord[], keyCells: readonly string[], column?: string | null): ConflictRecord[] {
  return existing.filter((c) => !matches(c, keyCells, column));
}
