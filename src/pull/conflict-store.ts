import { mkdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../fs/atomic-file.js';
import { addConflicts, CONFLICTS_DIR, conflictsPath, formatConflicts, parseConflicts, type ConflictMeta, type ConflictRecord } from '../merge/conflict-file.js';
import type { Side } from '../merge/merge-table.js';
import { snapshotPrefix, type Project } from '../project/project.js';
import { guardWorkingSnapshot } from '../project/snapshot-guard.js';

/**
 * Conflicts live in the repository, next to the data (src/merge/conflict-file.ts has the row
 * conflicts' format, one file per table). Tables that could not be merged at all (their
 * definitions differ) are listed in one more file of the same folder, `conflicts/@schema.jsonl`
 * (`@` never occurs in an encoded table name), one JSON object per table.
 */
export const SCHEMA_CONFLICTS_FILE = `${CONFLICTS_DIR}/@schema.jsonl`;

/**
 * Views, routines, triggers and events whose pulled change was not applied (DBSYNC_PULL_OBJECTS=conflict,
 * the default: code from the remote waits for review) or that both sides changed differently: one
 * JSON object per object ("view v1"), in `conflicts/@objects.jsonl`. `resolve TYPE NAME --ours|--theirs` settles one.
 */
export const OBJECT_CONFLICTS_FILE = `${CONFLICTS_DIR}/@objects.jsonl`;

export interface ObjectConflictRecord extends ConflictMeta {
  /** "type name", e.g. "view v1", "procedure p". */
  readonly object: string;
  /** 'review': changed on the other side only, not applied; 'both': changed differently on both sides. */
  readonly why: 'review' | 'both';
  /** The side whose version the database has. */
  readonly kept: Side;
}

export interface SchemaConflictRecord extends ConflictMeta {
  readonly table: string;
  readonly reason: string;
  /** The side whose table the database got. */
  readonly kept: Side;
}

export interface OpenConflicts {
  readonly rows: readonly ConflictRecord[];
  readonly schema: readonly SchemaConflictRecord[];
  readonly objects: readonly ObjectConflictRecord[];
}

/** How many conflicts are open, of every kind. */
export const openCount = (c: OpenConflicts) => c.rows.length + c.schema.length + c.objects.length;

/** Conflict files of a commit (relative to the snapshot folder) and their text. */
async function filesAt(project: Project, commit: string | null): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (!commit) return out;
  const prefix = snapshotPrefix(project);
  const dir = `${prefix}${CONFLICTS_DIR}`;
  const listed = await project.git.listTree(commit, dir).catch(() => new Map<string, string>());
  for (const p of listed.keys()) {
    if (!p.startsWith(dir + '/') || !p.endsWith('.jsonl')) continue;
    out.set(p.slice(prefix.length), (await project.git.readBlob(commit, p))?.toString('utf8') ?? '');
  }
  return out;
}

const linesOf = (text: string | undefined) => new Set((text ?? '').split('\n').filter((l) => l.trim() !== ''));

/**
 * Three-way merge of one conflicts file as a set of lines: a line both sides have stays, a line one
 * side added stays, a line one side removed (a resolved conflict) goes.
 */
export function mergeLines(base: string | undefined, ours: string | undefined, theirs: string | undefined): string[] {
  const [b, o, t] = [linesOf(base), linesOf(ours), linesOf(theirs)];
  const out: string[] = [];
  for (const l of new Set([...o, ...t])) {
    const inBoth = o.has(l) && t.has(l);
    if (inBoth || !b.has(l)) out.push(l);
  }
  return out;
}

function parseSchema(text: string): SchemaConflictRecord[] {
  const out: SchemaConflictRecord[] = [];
  for (const l of text.split('\n')) {
    if (l.trim() === '') continue;
    try {
      const o = JSON.parse(l) as SchemaConflictRecord;
      if (typeof o.table === 'string' && typeof o.reason === 'string') out.push(o);
    } catch {
      // A hand-edited line that is no JSON is dropped from the list, not fatal.
    }
  }
  return out;
}

const OBJECT_NAME = /^(view|procedure|function|trigger|event) \S/;

function parseObjects(text: string): ObjectConflictRecord[] {
  const out: ObjectConflictRecord[] = [];
  for (const l of text.split('\n')) {
    if (l.trim() === '') continue;
    try {
      const o = JSON.parse(l) as ObjectConflictRecord;
      if (typeof o.object === 'string' && OBJECT_NAME.test(o.object) && (o.kept === 'ours' || o.kept === 'theirs') && typeof o.theirsCommit === 'string')
        out.push(o);
    } catch {
      // As for @schema.jsonl: a hand-edited line that is no JSON is dropped from the list.
    }
  }
  return out;
}

/** One line per object; a newer record of the same object replaces the older. */
function formatObjects(list: readonly ObjectConflictRecord[]): string {
  const byObject = new Map(list.map((r) => [r.object, r]));
  return [...byObject.values()]
    .sort((a, b) => (a.object < b.object ? -1 : a.object > b.object ? 1 : 0))
    .map(
      (r) =>
        JSON.stringify({ object: r.object, why: r.why, kept: r.kept, oursCommit: r.oursCommit, theirsCommit: r.theirsCommit, mergedAt: r.mergedAt }) + '\n',
    )
    .join('');
}

function formatSchema(list: readonly SchemaConflictRecord[]): string {
  const byTable = new Map(list.map((r) => [r.table, r]));
  return [...byTable.values()]
    .sort((a, b) => (a.table < b.table ? -1 : a.table > b.table ? 1 : 0))
    .map(
      (r) =>
        JSON.stringify({ table: r.table, reason: r.reason, kept: r.kept, oursCommit: r.oursCommit, theirsCommit: r.theirsCommit, mergedAt: r.mergedAt }) + '\n',
    )
    .join('');
}

async function writeOrRemove(project: Project, abs: string, text: string): Promise<void> {
  await guardWorkingSnapshot(project);
  if (text === '') {
    await rm(abs, { force: true });
    return;
  }
  await mkdir(path.dirname(abs), { recursive: true });
  await writeFileAtomic(abs, text);
}

/**
 * Write the conflicts folder of a merge into the working tree: the three-way merge of both sides'
 * open conflicts, plus this merge's new ones (a newer conflict of the same cell replaces the older).
 */
export async function writeMergedConflicts(
  project: Project,
  commits: { base: string; ours: string; theirs: string },
  added: readonly ConflictRecord[],
  addedSchema: readonly SchemaConflictRecord[],
  addedObjects: readonly ObjectConflictRecord[] = [],
): Promise<void> {
  const [b, o, t] = await Promise.all([filesAt(project, commits.base), filesAt(project, commits.ours), filesAt(project, commits.theirs)]);
  const newByFile = new Map<string, ConflictRecord[]>();
  for (const c of added) {
    const f = conflictsPath(c.table);
    newByFile.set(f, [...(newByFile.get(f) ?? []), c]);
  }
  const files = new Set([
    ...o.keys(),
    ...t.keys(),
    ...newByFile.keys(),
    ...(addedSchema.length > 0 ? [SCHEMA_CONFLICTS_FILE] : []),
    ...(addedObjects.length > 0 ? [OBJECT_CONFLICTS_FILE] : []),
  ]);
  for (const f of files) {
    const merged = mergeLines(b.get(f), o.get(f), t.get(f)).join('\n');
    const abs = path.join(project.snapshotAbs, f);
    if (f === SCHEMA_CONFLICTS_FILE) {
      await writeOrRemove(project, abs, formatSchema([...parseSchema(merged), ...addedSchema]));
    } else if (f === OBJECT_CONFLICTS_FILE) {
      await writeOrRemove(project, abs, formatObjects([...parseObjects(merged), ...addedObjects]));
    } else {
      const records = addConflicts(parseConflicts(merged, f), newByFile.get(f) ?? []);
      await writeOrRemove(project, abs, formatConflicts(records));
    }
  }
}

/** The open conflicts recorded at a commit (default HEAD). */
export async function readConflicts(project: Project, rev = 'HEAD'): Promise<OpenConflicts> {
  const commit = await project.git.resolve(rev);
  const files = await filesAt(project, commit);
  const rows: ConflictRecord[] = [];
  let schema: SchemaConflictRecord[] = [];
  let objects: ObjectConflictRecord[] = [];
  for (const [f, text] of files) {
    if (f === SCHEMA_CONFLICTS_FILE) schema = parseSchema(text);
    else if (f === OBJECT_CONFLICTS_FILE) objects = parseObjects(text);
    else rows.push(...parseConflicts(text, f));
  }
  return { rows, schema, objects };
}

/**
 * Add object conflicts to the working tree's file (after a fast-forward or adopting the remote,
 * whose open conflicts the working tree now holds); the pass that follows commits it.
 */
export async function addObjectConflicts(project: Project, added: readonly ObjectConflictRecord[]): Promise<void> {
  if (added.length === 0) return;
  const abs = path.join(project.snapshotAbs, OBJECT_CONFLICTS_FILE);
  await guardWorkingSnapshot(project);
  const now = await readFile(abs, 'utf8').catch(() => '');
  await writeOrRemove(project, abs, formatObjects([...parseObjects(now), ...added]));
}

/** Replace the object conflicts file in the working tree (after `resolve`). */
export async function writeObjectConflicts(project: Project, records: readonly ObjectConflictRecord[]): Promise<void> {
  await writeOrRemove(project, path.join(project.snapshotAbs, OBJECT_CONFLICTS_FILE), formatObjects(records));
}

/** Replace one table's conflicts file in the working tree (after `resolve`). */
export async function writeTableConflicts(project: Project, table: string, records: readonly ConflictRecord[]): Promise<void> {
  await writeOrRemove(project, path.join(project.snapshotAbs, conflictsPath(table)), records.length > 0 ? formatConflicts(records) : '');
}

/** Replace the schema conflicts file in the working tree. */
export async function writeSchemaConflicts(project: Project, records: readonly SchemaConflictRecord[]): Promise<void> {
  await writeOrRemove(project, path.join(project.snapshotAbs, SCHEMA_CONFLICTS_FILE), formatSchema(records));
}
