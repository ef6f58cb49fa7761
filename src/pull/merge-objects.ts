import type { Database } from '../db/database.js';
import type { Side } from '../merge/merge-table.js';
import { snapshotPrefix, type Project } from '../project/project.js';
import { OBJECT_FILES, OBJECT_LOAD_ORDER, type ObjectKind } from '../snapshot/layout.js';
import { parseObjectFile, type DbObject } from '../snapshot/object-file.js';
import { quoteId } from '../snapshot/sql-text.js';
import { definitionDiff } from '../snapshot/definition-diff.js';

/** Views, routines, triggers and events after a merge: what to (re)create or drop, and disagreements. */
export interface ObjectMerge {
  /** Objects to create (dropping any old version first), in load order. */
  readonly create: readonly DbObject[];
  /** "type name" of objects to drop. */
  readonly drop: readonly string[];
  /** Every trigger of the merged result (recreated when a table under them was replaced). */
  readonly triggers: readonly DbObject[];
  /** Objects both sides changed differently, or (DBSYNC_PULL_OBJECTS=conflict) that the other side changed: "type name", and the side kept. */
  readonly conflicts: readonly ObjectConflict[];
}

export interface ObjectConflict {
  readonly object: string;
  readonly kept: Side;
  /** 'both': changed differently on both sides; 'review': changed on the other side only, not applied (DBSYNC_PULL_OBJECTS=conflict). */
  readonly why: 'both' | 'review';
  /** The commit holding the other side's version. */
  readonly theirsCommit: string;
  /** For 'review': the diff from this database's version to theirs (definition-diff.ts; a dropped object: every line removed). */
  readonly diff?: readonly string[];
}

const keyOf = (o: { type: string; name: string }) => `${o.type} ${o.name}`;

/** Ours to theirs, for review; a dropped object shows its lines removed. */
function reviewDiff(ours: DbObject | undefined, theirs: DbObject | undefined): string[] {
  if (theirs) return definitionDiff(ours ?? null, theirs);
  return ours ? definitionDiff(null, ours).map((l) => `- ${l.slice(2)}`) : [];
}
const same = (a: DbObject | undefined, b: DbObject | undefined) => (!a || !b ? a === b : a.create === b.create && a.settings === b.settings);

/** The objects of a commit. Pulled files were checked before the merge began (check-pulled.ts): a file that does not parse is an error, never "no objects". */
async function objectsAt(project: Project, commit: string, kind: ObjectKind): Promise<Map<string, DbObject>> {
  const text = (await project.git.readBlob(commit, snapshotPrefix(project) + OBJECT_FILES[kind]))?.toString('utf8') ?? '';
  return new Map(parseObjectFile(kind, text).map((o) => [keyOf(o), o]));
}

/**
 * Three-way merge of the objects by type and name: an object changed (or added, or dropped) on their
 * side only is taken; changed on both sides differently, the `keep` side wins and it is reported.
 * With `applyTheirs` false (DBSYNC_PULL_OBJECTS=conflict) nothing of theirs is taken: every change
 * of theirs is reported for review and the database keeps its objects.
 * Only what must change in this database (whose objects are ours) is returned.
 */
export async function mergeObjects(
  project: Project,
  commits: { base: string; ours: string; theirs: string },
  keep: Side,
  applyTheirs: boolean,
): Promise<ObjectMerge> {
  const create: DbObject[] = [];
  const drop: string[] = [];
  const triggers: DbObject[] = [];
  const conflicts: ObjectConflict[] = [];
  for (const kind of OBJECT_LOAD_ORDER) {
    const [b, o, t] = await Promise.all([
      objectsAt(project, commits.base, kind),
      objectsAt(project, commits.ours, kind),
      objectsAt(project, commits.theirs, kind),
    ]);
    const result = new Map(o);
    for (const key of new Set([...b.keys(), ...o.keys(), ...t.keys()])) {
      const [bo, oo, to] = [b.get(key), o.get(key), t.get(key)];
      if (same(to, bo) || same(oo, to)) continue;
      // Views, routines, triggers and events are code from the remote: unless told to apply them, the database keeps its own and the change waits for review.
      if (!applyTheirs) {
        conflicts.push({ object: key, kept: 'ours', why: 'review', theirsCommit: commits.theirs, diff: reviewDiff(oo, to) });
        continue;
      }
      if (!same(oo, bo)) {
        conflicts.push({ object: key, kept: keep, why: 'both', theirsCommit: commits.theirs });
        if (keep === 'ours') continue;
      }
      if (to) {
        create.push(to);
        result.set(key, to);
      } else {
        drop.push(key);
        result.delete(key);
      }
    }
    if (kind === 'trigger') triggers.push(...result.values());
  }
  return { create, drop, triggers, conflicts };
}

/** Drop and create objects as merged; `recreateTriggers`: a table was replaced (its triggers went with it). */
export async function applyObjects(db: Database, merge: ObjectMerge, recreateTriggers: boolean): Promise<void> {
  for (const key of merge.drop) await dropObject(db, key);
  const creates = [...merge.create];
  if (recreateTriggers) for (const t of merge.triggers) if (!creates.some((c) => keyOf(c) === keyOf(t))) creates.push(t);
  // Routines before views (a view may call a function), triggers and events last.
  creates.sort((a, b) => OBJECT_LOAD_ORDER.indexOf(a.kind) - OBJECT_LOAD_ORDER.indexOf(b.kind));
  for (const o of creates) {
    await dropObject(db, keyOf(o));
    if (o.settings) await db.execute(o.settings, `prepare session for ${keyOf(o)}`);
    await db.execute(o.create.replace(/;\s*$/, ''), `create ${keyOf(o)}`);
  }
}

async function dropObject(db: Database, key: string): Promise<void> {
  const space = key.indexOf(' ');
  await db.execute(`DROP ${key.slice(0, space).toUpperCase()} IF EXISTS ${quoteId(key.slice(space + 1))}`, `drop ${key}`);
}
