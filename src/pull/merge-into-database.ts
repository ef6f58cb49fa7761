import type { Conflict } from '../merge/conflict.js';
import { findDuplicateNumbers } from '../merge/duplicate-numbers.js';
import { mergeTable, type Side } from '../merge/merge-table.js';
import type { RowChange } from '../merge/row-change.js';
import type { BusinessNumberColumn, TableColumn } from '../profile/profile.js';
import type { Project } from '../project/project.js';
import { LOAD_SETTINGS } from '../db/mariadb/write-session.js';
import { cellsOf, prefixOf } from '../snapshot/row-line.js';
import { tableSelected } from '../snapshot/table-filter.js';
import { applyTable } from './apply-table.js';
import { sameSchema, sameTable, type CommittedSnapshot, type CommittedTable, type SnapshotReader } from './committed-snapshot.js';
import { LiveSchema, mergeKeyColumns } from './live-schema.js';
import { refreshOurs } from './live-lines.js';
import { applyObjects, mergeObjects, type ObjectConflict } from './merge-objects.js';
import { createTable, dropTableIfUnchanged } from './replace-table.js';

/** How often a refused table is merged again against its live rows before the whole pull starts over. */
const REMERGE_ROUNDS = 10;

/** What was done to one table of the live database. */
export interface TableApplied {
  readonly table: string;
  /** rows: row changes only; created/dropped/replaced: the table itself (its definition changed on the other side). */
  readonly how: 'rows' | 'created' | 'dropped' | 'replaced';
  readonly inserted: number;
  readonly updated: number;
  readonly deleted: number;
}

/** A table whose definition differs between the sides in a way rows cannot be merged across. */
export interface SchemaConflict {
  readonly table: string;
  /** Why, in words: what each side did. */
  readonly reason: string;
  /** The side whose table (definition and rows) the database has now. */
  readonly kept: Side;
}

export interface MergeOutcome {
  readonly applied: readonly TableApplied[];
  readonly conflicts: readonly Conflict[];
  readonly schemaConflicts: readonly SchemaConflict[];
  /** Views, routines, triggers, events both sides changed differently ("type name"). */
  readonly objectConflicts: readonly ObjectConflict[];
  /** Tables not changed because the database no longer equals our snapshot there (a local write): take a new snapshot and merge again. */
  readonly refused: readonly string[];
  /** Why, per refused table (the apply engine's words). */
  readonly refusedBecause: readonly string[];
  /** Secret values that could not be written (redacted, or encrypted without the key), per column. */
  readonly secretsNotApplied: readonly string[];
  /** Tables left alone on purpose, with why (out of DBSYNC_INCLUDE_TABLES/EXCLUDE_TABLES, schema-only). */
  readonly skipped: readonly string[];
}

export interface MergeInput {
  readonly base: CommittedSnapshot;
  /** Our snapshot: what the live database held when this merge began (a pass was just committed). */
  readonly ours: CommittedSnapshot;
  readonly theirs: CommittedSnapshot;
  readonly keep: Side;
  /** Tables whose rows are not versioned on this computer (schema-only). */
  readonly schemaOnly: ReadonlySet<string>;
  /** The profile's business-number columns: rows of a merged table sharing a number become 'duplicate-number' conflicts. */
  readonly businessNumbers?: readonly BusinessNumberColumn[];
  /** The profile's last-save time columns: both sides' saves keep the later time, no conflict (Profile.lastModified). */
  readonly lastModified?: readonly TableColumn[];
}

/**
 * Bring the other side's changes since `base` into the live database, table by table: rows merged
 * by key (src/merge), written by the apply engine (src/apply), which refuses a table whose live
 * rows no longer equal our snapshot. A table whose definition changed on their side only is
 * replaced (only while its rows are still ours, under a table lock); a definition changed
 * differently on both sides, or changed on one side while the other changed rows, is a schema
 * conflict: the `keep` side's table wins, the other is reported (and stays in git history). With
 * base = ours this is a fast-forward: their tables, row by row.
 */
export async function mergeIntoDatabase(project: Project, reader: SnapshotReader, input: MergeInput): Promise<MergeOutcome> {
  const { base, ours, theirs, keep } = input;
  const applied: TableApplied[] = [];
  const conflicts: Conflict[] = [];
  const schemaConflicts: SchemaConflict[] = [];
  const refused: string[] = [];
  const refusedBecause: string[] = [];
  const secretsNotApplied: string[] = [];
  const skipped: string[] = [];
  const filter = { include: project.config.includeTables, exclude: project.config.excludeTables };
  const db = await project.connect();
  let replacedAny = false;
  try {
    for (const s of LOAD_SETTINGS) await db.execute(s, 'prepare session for merging');
    const live = await LiveSchema.read(project, db);
    const stems = [...new Set([...base.tables.keys(), ...ours.tables.keys(), ...theirs.tables.keys()])].sort();
    for (const stem of stems) {
      const [b, o, t] = [base.tables.get(stem), ours.tables.get(stem), theirs.tables.get(stem)];
      if (sameTable(t, b) || sameTable(o, t)) continue;
      const name = (await reader.tableName(t ? theirs : o ? ours : base, (t ?? o ?? b)!)) ?? stem;
      if (!tableSelected(name, filter)) {
        skipped.push(`${name}: outside DBSYNC_INCLUDE_TABLES/DBSYNC_EXCLUDE_TABLES here`);
        continue;
      }
      if (input.schemaOnly.has(name)) {
        skipped.push(`${name}: schema-only here (its rows are not versioned)`);
        continue;
      }

      // What to do: merge rows, or take their table as a whole.
      let take = !sameTable(o, b);
      if (take) {
        // Both sides changed the table.
        if (o && t && sameSchema(o, t)) {
          take = false;
        } else {
          schemaConflicts.push({ table: name, reason: schemaReason(b, o, t), kept: keep });
          if (keep === 'ours') continue;
        }
      } else take = !(o && t && sameSchema(o, t));

      const tableOf = (): { table: string; inserted: number; updated: number; deleted: number } => ({ table: name, inserted: 0, updated: 0, deleted: 0 });
      if (!take) {
        // Rows, by key, cell by cell (ours unchanged since base: simply their rows).
        const info = live.info(name);
        if (!info) {
          refused.push(name);
          continue;
        }
        const columns = info.columns.map((c) => c.name);
        const baseLines =
          b && o && sameSchema(b, o)
            ? await reader.lines(base, b)
            : remap(
                await reader.lines(base, b),
                b ? await reader.columns(base, b) : [],
                columns,
                (await reader.lines(ours, o))[0] ?? (await reader.lines(theirs, t))[0],
              );
        const theirLines = await reader.lines(theirs, t);
        const latestWins = (input.lastModified ?? []).filter((c) => c.table === name).map((c) => c.column);
        let ourLines = await reader.lines(ours, o);
        const duplicates = (merged: readonly string[]): Conflict[] =>
          (input.businessNumbers ?? [])
            .filter((n) => n.table === name)
            .flatMap((n) => findDuplicateNumbers({ table: name, columns, keyColumns: mergeKeyColumns(info), column: n.column, merged, ours: ourLines, keep }));
        // A refused table (the application wrote to a changed row since our snapshot) is merged
        // again at once against the live rows: a few milliseconds, where a new pass would take longer.
        for (let round = 0; ; round++) {
          const merged = mergeTable({
            table: name,
            columns,
            keyColumns: mergeKeyColumns(info),
            base: baseLines,
            ours: ourLines,
            theirs: theirLines,
            keep,
            latestWins,
          });
          if (merged.changes.length === 0) {
            conflicts.push(...merged.conflicts, ...duplicates(merged.merged));
            break;
          }
          const r = await applyTable(db, info, live.applyOptions, merged.changes);
          if (!r.refused) {
            conflicts.push(...merged.conflicts, ...duplicates(merged.merged));
            secretsNotApplied.push(...r.secretsNotApplied);
            applied.push({ ...tableOf(), how: 'rows', inserted: r.inserted, updated: r.updated, deleted: r.deleted });
            break;
          }
          if (round >= REMERGE_ROUNDS) {
            refused.push(name);
            if (r.refusedBecause) refusedBecause.push(r.refusedBecause);
            break;
          }
          ourLines = await refreshOurs(db, info, live.secrets(name), ourLines, merged.changes);
        }
        continue;
      }

      // Their table as a whole: drop ours (only while it still holds our snapshot's rows), create theirs, insert its rows.
      const info = o ? live.info(name) : undefined;
      if (o) {
        if (!info || !(await dropTableIfUnchanged(db, info, await reader.lines(ours, o), live.secrets(name)))) {
          refused.push(name);
          continue;
        }
        replacedAny = true;
      }
      if (!t) {
        applied.push({ ...tableOf(), how: 'dropped', deleted: (await reader.lines(ours, o)).length });
        continue;
      }
      if (!(await createTable(db, name, await reader.createText(theirs, t)))) {
        refused.push(name);
        continue;
      }
      await live.refresh(db);
      const created = live.info(name)!;
      const rows = await reader.lines(theirs, t);
      const changes: RowChange[] = mergeTable({
        table: name,
        columns: created.columns.map((c) => c.name),
        keyColumns: mergeKeyColumns(created),
        base: [],
        ours: [],
        theirs: rows,
        keep: 'theirs',
      }).changes;
      const r =
        changes.length > 0
          ? await applyTable(db, created, live.applyOptions, changes)
          : { inserted: 0, updated: 0, deleted: 0, refused: false, secretsNotApplied: [] };
      secretsNotApplied.push(...r.secretsNotApplied);
      if (r.refused) refused.push(name);
      applied.push({ ...tableOf(), how: o ? 'replaced' : 'created', inserted: r.inserted });
    }

    const objects = await mergeObjects(
      project,
      { base: base.commit, ours: ours.commit, theirs: theirs.commit },
      keep,
      project.config.sync.pullObjects === 'apply',
    );
    if (refused.length === 0) await applyObjects(db, objects, replacedAny);
    return { applied, conflicts, schemaConflicts, objectConflicts: objects.conflicts, refused, refusedBecause, secretsNotApplied, skipped };
  } finally {
    await db.close();
  }
}

function schemaReason(b: CommittedTable | undefined, o: CommittedTable | undefined, t: CommittedTable | undefined): string {
  const did = (x: CommittedTable | undefined) => (!x ? 'dropped it' : !b ? 'created it' : !sameSchema(x, b) ? 'changed its definition' : 'changed its rows');
  return `this computer ${did(o)}, the other computer ${did(t)}`;
}

/**
 * Base rows in another definition (both sides changed the table's definition the same way): each
 * cell by column name; a column the base lacks is NULL there, so a value both sides gave it is no
 * conflict and different values are one.
 */
function remap(lines: readonly string[], from: readonly string[], to: readonly string[], sample: string | undefined): string[] {
  if (lines.length === 0 || sample === undefined) return [];
  const prefix = prefixOf(sample);
  const at = to.map((c) => from.indexOf(c));
  return lines.map((l) => {
    const cells = cellsOf(l);
    return `${prefix}(${at.map((i) => (i < 0 ? 'NULL' : cells[i]!)).join(',')});`;
  });
}
