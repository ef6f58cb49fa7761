import { DbsyncError } from '../errors/dbsync-error.js';
import { ExitCode } from '../errors/exit-codes.js';
import { withRunLock } from '../lock/run-lock.js';
import { findConflicts, type ConflictRecord } from '../merge/conflict-file.js';
import { snapshotPrefix, type Project } from '../project/project.js';
import { pushCommits, type PushResult } from '../push/push-commits.js';
import { LOAD_SETTINGS } from '../db/mariadb/write-session.js';
import { encodeTableFileName } from '../snapshot/layout.js';
import { cellsOf, prefixOf } from '../snapshot/row-line.js';
import { LineSyntaxError, parseRowLine } from '../snapshot/line-codec.js';
import { CONFLICTS_DIR } from '../merge/conflict-file.js';
import { passLocked, stageSnapshot, writeStaged } from '../sync/sync-pass.js';
import { applyTable } from '../pull/apply-table.js';
import { readCommittedSnapshot, SnapshotReader } from '../pull/committed-snapshot.js';
import { readConflicts, writeObjectConflicts, writeSchemaConflicts, writeTableConflicts, type ObjectConflictRecord } from '../pull/conflict-store.js';
import { applyObjects } from '../pull/merge-objects.js';
import { OBJECT_FILES, type ObjectKind } from '../snapshot/layout.js';
import { checkObjectText, objectCheckContext } from '../snapshot/check-commit.js';
import { LiveSchema, mergeKeyColumns } from '../pull/live-schema.js';
import { keyArgument, keyMatches, splitKeyArgument } from './key-argument.js';
import { valueLiteral } from './value-literal.js';

export type Choice = { readonly side: 'ours' | 'theirs' } | { readonly value: string };

export interface ResolveRequest {
  readonly table: string;
  /** KEY as typed (see key-argument.ts); null for a table-level (schema) conflict. */
  readonly key: string | null;
  /** Only this column's conflict (when the row has several). */
  readonly column?: string;
  readonly choice: Choice;
}

export interface ResolveResult {
  /** The conflicts closed. */
  readonly closed: readonly ConflictRecord[];
  /** Whether the database was changed (false: it already held the chosen value). */
  readonly changed: boolean;
  /** The line the row has now (null: deleted). */
  readonly row: string | null;
  readonly commit: string | null;
  readonly subject: string;
  readonly push: PushResult | null;
}

function usage(message: string, hint: string): DbsyncError {
  return new DbsyncError({ operation: 'resolve', message, hint, exitCode: ExitCode.Config });
}

/**
 * `git-dbsync resolve TABLE KEY --ours|--theirs|--value V`: write the chosen value into the live
 * database through the apply engine (only while the row is still as our last snapshot has it;
 * otherwise the new local state is committed first and it tries again), remove the conflict
 * record, and commit both together; then push.
 */
export async function resolveConflict(project: Project, req: ResolveRequest): Promise<ResolveResult> {
  return withRunLock(project, async () => {
    for (let attempt = 0; ; attempt++) {
      await passLocked(project, { push: false });
      const object = await openObjectConflict(project, req);
      const r = object ? await resolveObject(project, req, object) : req.key === null ? await resolveSchema(project, req) : await resolveRow(project, req);
      if (r !== 'refused') return { ...r, push: await pushCommits(project.git, project.remote) };
      if (attempt >= 3) {
        throw new DbsyncError({
          operation: 'resolve',
          message: `the row kept changing in table ${req.table} while the chosen value was written; nothing was overwritten`,
          hint: 'run resolve again',
        });
      }
    }
  });
}

async function resolveRow(project: Project, req: ResolveRequest): Promise<Omit<ResolveResult, 'push'> | 'refused'> {
  const open = await readConflicts(project);
  const ofTable = open.rows.filter((c) => c.table === req.table);
  if (ofTable.length === 0) {
    const tables = [...new Set(open.rows.map((c) => c.table))];
    throw usage(
      `no open conflict in table ${req.table}`,
      tables.length > 0 ? `open conflicts are in: ${tables.join(', ')} (see git-dbsync conflicts)` : 'there are no open conflicts',
    );
  }
  const parts = splitKeyArgument(req.key!);
  const forKey = ofTable.filter((c) => keyMatches(parts, c.keyCells));
  if (forKey.length === 0) {
    const keys = [...new Set(ofTable.map((c) => keyArgument(c.keyCells)))].slice(0, 10);
    throw usage(
      `table ${req.table} has no open conflict for the key ${req.key}`,
      `its conflicts are for the key(s) ${keys.join('; ')} (values of the key columns, comma-separated)`,
    );
  }
  const keyCells = forKey[0]!.keyCells;
  let records: ConflictRecord[] = req.column === undefined ? forKey : findConflicts(forKey, keyCells, req.column);
  if (records.length === 0)
    throw usage(
      `no open conflict for column ${req.column} of ${req.table} (${req.key})`,
      `its conflicts are in: ${forKey.map((c) => c.column ?? '(whole row)').join(', ')}`,
    );
  const duplicate = records.find((c) => c.kind === 'duplicate-number');
  if (duplicate) return closeDuplicate(project, req, open.rows, duplicate);
  const rowLevel = records.find((c) => c.kind !== 'cell');
  if (rowLevel) records = [rowLevel];
  if ('value' in req.choice && (rowLevel || records.length > 1)) {
    throw usage(
      rowLevel
        ? `--value cannot settle a ${rowLevel.kind} conflict (it is about the whole row)`
        : `the row has conflicts in ${records.length} columns (${records.map((c) => c.column).join(', ')})`,
      rowLevel ? 'choose --ours or --theirs' : 'name one with --column COLUMN, or use --ours/--theirs for all of them',
    );
  }

  // The row as our last snapshot (just committed) has it: the apply engine writes only while the database still holds it.
  const head = (await project.git.head())!;
  const snap = await readCommittedSnapshot(project, head);
  const t = snap.tables.get(encodeTableFileName(req.table));
  const db = await project.connect();
  try {
    for (const s of LOAD_SETTINGS) await db.execute(s, 'prepare session');
    const live = await LiveSchema.read(project, db);
    const info = live.info(req.table);
    if (!info || !t)
      throw new DbsyncError({
        operation: 'resolve',
        message: `table ${req.table} does not exist (any more)`,
        hint: 'remove the conflict file by hand if the table is gone for good',
      });
    const columns = info.columns.map((c) => c.name);
    const keyAt = mergeKeyColumns(info).map((k) => columns.indexOf(k));
    const lines = await new SnapshotReader(project).lines(snap, t);
    const now =
      lines.find((l) => {
        const cells = cellsOf(l);
        return keyAt.every((p, i) => cells[p] === keyCells[i]);
      }) ?? null;

    let wanted: string | null;
    if (rowLevel) wanted = 'side' in req.choice ? rowLevel[req.choice.side] : null;
    else {
      if (now === null)
        throw new DbsyncError({
          operation: 'resolve',
          message: `the row ${req.table} (${keyArgument(keyCells)}) no longer exists, so there is no cell to set`,
          hint: 'insert the row again in the application, or remove the conflict with --ours/--theirs after that',
        });
      const cells = cellsOf(now);
      for (const c of records) {
        const at = columns.indexOf(c.column!);
        if (at < 0)
          throw new DbsyncError({
            operation: 'resolve',
            message: `table ${req.table} has no column ${c.column} (any more)`,
            hint: 'settle it in the application',
          });
        cells[at] = 'side' in req.choice ? (c[req.choice.side] ?? 'NULL') : valueLiteral(req.choice.value);
      }
      wanted = `${prefixOf(now)}(${cells.join(',')});`;
    }
    // Values of a conflict record come from the repository (any computer could have written them): only a literal, or a row line of this table, is written.
    if ('side' in req.choice && wanted !== null) {
      try {
        parseRowLine(wanted, { table: req.table, columns });
      } catch (err) {
        if (!(err instanceof LineSyntaxError)) throw err;
        throw new DbsyncError({
          operation: 'resolve',
          message: `the recorded ${req.choice.side} value of ${req.table} (${keyArgument(keyCells)}) in ${CONFLICTS_DIR}/ is not what git-dbsync writes (${err.message}); nothing was changed`,
          hint: 'the conflict file was altered: see its git log; settle the value with --value V',
          exitCode: ExitCode.Unsafe,
        });
      }
    }
    let changed = false;
    if (wanted !== now) {
      const r = await applyTable(db, info, live.applyOptions, [{ keyCells, before: now, after: wanted }]);
      if (r.refused) return 'refused';
      changed = true;
    }
    const rest = open.rows.filter((c) => c.table === req.table && !records.includes(c));
    await writeTableConflicts(project, req.table, rest);
    const which = 'side' in req.choice ? req.choice.side : `value ${req.choice.value}`;
    const subject = `Resolve conflict in ${req.table} (${keyArgument(keyCells)})${records[0]!.column && records.length === 1 ? ` ${records[0]!.column}` : ''}: ${which}`;
    const commit = await commitResolution(project, subject, records);
    return { closed: records, changed, row: wanted, commit, subject };
  } finally {
    await db.close();
  }
}

/**
 * A 'duplicate-number' conflict: nothing is written (both rows stay); it closes once the number is
 * no longer on two rows in the last snapshot, i.e. the user renumbered one in the application.
 */
async function closeDuplicate(
  project: Project,
  req: ResolveRequest,
  rows: readonly ConflictRecord[],
  rec: ConflictRecord,
): Promise<Omit<ResolveResult, 'push'>> {
  if (!('side' in req.choice))
    throw usage(
      '--value cannot settle a duplicate-number conflict (both rows stay as they are)',
      `renumber one of the rows in the application, then run resolve ${req.table} ${req.key} --ours`,
    );
  const head = (await project.git.head())!;
  const snap = await readCommittedSnapshot(project, head);
  const t = snap.tables.get(encodeTableFileName(req.table));
  if (t) {
    const reader = new SnapshotReader(project);
    const at = (await reader.columns(snap, t)).indexOf(rec.column!);
    const carriers = at < 0 ? 0 : (await reader.lines(snap, t)).filter((l) => cellsOf(l)[at] === rec.base).length;
    if (carriers > 1) {
      throw usage(
        `${req.table}.${rec.column} ${rec.base} is still on ${carriers} rows (keys ${rec.ours} and ${rec.theirs}); nothing was closed`,
        `renumber one of them in the application first, then run resolve ${req.table} ${req.key} --column ${rec.column} --ours again`,
      );
    }
  }
  await writeTableConflicts(
    project,
    req.table,
    rows.filter((c) => c.table === req.table && c !== rec),
  );
  const subject = `Resolve duplicate number in ${req.table} (${keyArgument(rec.keyCells)}) ${rec.column}: renumbered`;
  const commit = await commitResolution(project, subject, [rec]);
  return { closed: [rec], changed: false, row: null, commit, subject };
}

/** A table-level conflict: only closing it is supported; the database keeps what it has (the kept side), unless asked otherwise. */
async function resolveSchema(project: Project, req: ResolveRequest): Promise<Omit<ResolveResult, 'push'>> {
  const open = await readConflicts(project);
  const rec = open.schema.find((s) => s.table === req.table);
  if (!rec) throw usage(`no open table-level conflict for ${req.table}`, 'give the KEY of the row (see git-dbsync conflicts)');
  if (!('side' in req.choice) || req.choice.side !== rec.kept) {
    throw usage(
      `the database has the ${rec.kept === 'ours' ? 'merging' : 'other'} computer's table ${req.table}; resolve can only confirm that (--${rec.kept})`,
      `to take the other version, restore that table from commit ${(rec.kept === 'ours' ? rec.theirsCommit : rec.oursCommit).slice(0, 12)} with the application or by hand, then run resolve ${req.table} --${rec.kept}`,
    );
  }
  await writeSchemaConflicts(
    project,
    open.schema.filter((s) => s !== rec),
  );
  const subject = `Resolve table conflict in ${req.table}: ${rec.kept}`;
  const commit = await commitResolution(project, subject, []);
  return { closed: [], changed: false, row: null, commit, subject };
}

/**
 * The open definition conflict `resolve TYPE NAME` (two words, or one quoted "TYPE NAME") names, if
 * any; a table of that name with open row conflicts goes first.
 */
async function openObjectConflict(project: Project, req: ResolveRequest): Promise<ObjectConflictRecord | null> {
  const open = await readConflicts(project);
  if (req.key !== null && open.rows.some((c) => c.table === req.table)) return null;
  const name = req.key === null ? req.table : `${req.table} ${req.key}`;
  return open.objects.find((o) => o.object === name) ?? null;
}

/**
 * A view, routine, trigger or event recorded in conflicts/@objects.jsonl: the side the database
 * already has only closes the record; the other side's definition is read from its commit, checked
 * as a pulled one (src/snapshot/check-commit.ts) and created (or the object dropped, when that side
 * has none). The snapshot then records it, with the record removed, in one commit.
 */
async function resolveObject(project: Project, req: ResolveRequest, rec: ObjectConflictRecord): Promise<Omit<ResolveResult, 'push'>> {
  if (!('side' in req.choice)) throw usage(`--value cannot settle ${rec.object} (a definition)`, `git-dbsync resolve ${rec.object} --theirs|--ours`);
  const side = req.choice.side;
  let changed = false;
  if (side !== rec.kept) {
    const commit = side === 'theirs' ? rec.theirsCommit : rec.oursCommit;
    // The record is repository content too: only a commit this branch already holds (checked when it
    // was pulled, and signed when DBSYNC_TRUSTED_SIGNERS is set) is read, and its definition checked again.
    if (!/^[0-9a-f]{40}$/.test(commit) || !(await project.git.isAncestor(commit, (await project.git.head())!))) {
      throw new DbsyncError({
        operation: 'resolve',
        message: `the recorded ${side} commit ${commit.slice(0, 12)} of ${rec.object} in ${CONFLICTS_DIR}/ is not in this branch's history; nothing was changed`,
        hint: 'the conflict file was altered: see its git log',
        exitCode: ExitCode.Unsafe,
      });
    }
    const space = rec.object.indexOf(' ');
    const [type, name] = [rec.object.slice(0, space), rec.object.slice(space + 1)];
    const kind: ObjectKind = type === 'procedure' || type === 'function' ? 'routine' : (type as ObjectKind);
    const file = snapshotPrefix(project) + OBJECT_FILES[kind];
    const text = (await project.git.readBlob(commit, file))?.toString('utf8') ?? '';
    const db = await project.connect();
    try {
      for (const s of LOAD_SETTINGS) await db.execute(s, 'prepare session');
      const ctx = await objectCheckContext(db, project.config.db.database);
      const found = checkObjectText('resolve', file, kind, text, ctx, commit).find((o) => o.type === type && o.name === name);
      await applyObjects(db, { create: found ? [found] : [], drop: found ? [] : [rec.object], triggers: [], conflicts: [] }, false);
      changed = true;
    } finally {
      await db.close();
    }
  }
  const open = await readConflicts(project);
  await writeObjectConflicts(
    project,
    open.objects.filter((o) => o.object !== rec.object),
  );
  const subject = `Resolve definition conflict of ${rec.object}: ${side}`;
  const commit = await commitResolution(project, subject, []);
  return { closed: [], changed, row: null, commit, subject };
}

/** Snapshot (the chosen value is in it now) and conflicts file, committed together. */
async function commitResolution(project: Project, subject: string, closed: readonly ConflictRecord[]): Promise<string | null> {
  await writeStaged(project, await stageSnapshot(project));
  const body = closed.map(
    (c) =>
      `closed: ${c.table} (${keyArgument(c.keyCells)})${c.column ? ` ${c.column}` : ''} ${c.kind}: ours ${c.ours ?? '(no row)'}, theirs ${c.theirs ?? '(no row)'}`,
  );
  const message = `${subject}\n\n${body.join('\n')}${body.length ? '\n\n' : ''}Resolved ${new Date().toISOString()}\n`;
  const { git } = project;
  await git.addAll(project.snapshotPath || '.');
  const head = await git.head();
  if (head && (await git.stagedChanges(head, project.snapshotPath || '.')).length === 0) return null;
  return git.commitOnly(project.snapshotPath || '.', message, { name: project.config.git.authorName, email: project.config.git.authorEmail });
}
