import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { Database } from '../db/database.js';
import path from 'node:path';
import { sameTree, stagedTree, treeAt, type SnapshotTree } from '../detect/compare-with-commit.js';
import { DbsyncError } from '../errors/dbsync-error.js';
import { ExitCode } from '../errors/exit-codes.js';
import { withRunLock } from '../lock/run-lock.js';
import { snapshotPrefix, type Project } from '../project/project.js';
import { columnsFromCreate } from '../snapshot/create-table-text.js';
import { definitionDiff } from '../snapshot/definition-diff.js';
import type { ObjectCheckContext } from '../snapshot/definition-check.js';
import { checkDataStream, checkObjectText, checkSchemaText, objectCheckContext, refusedFile } from '../snapshot/check-commit.js';
import { concatStreams } from '../fs/line-streams.js';
import {
  DATA_DIR,
  dataFilesByTable,
  dataFileTable,
  HEADER_FILE,
  HEADER_TEXT,
  EARLIER_HEADER_TEXTS,
  HISTORY_DIR,
  OBJECT_FILES,
  OBJECT_LOAD_ORDER,
  SEQUENCES_FILE,
  TABLES_DIR,
  type ObjectKind,
} from '../snapshot/layout.js';
import { LOAD_SETTINGS } from '../db/mariadb/write-session.js';
import { atomicRenameMissing, parseServerVersion } from '../db/mariadb/server-version.js';
import { parseObjectFile, type DbObject } from '../snapshot/object-file.js';
import { formatSequenceFile, parseSequenceFile, type Sequence, SequenceFileError } from '../snapshot/sequence-file.js';
import { restoreSequences } from './restore-sequences.js';
import { quoteId } from '../snapshot/sql-text.js';
import { tableSelected } from '../snapshot/table-filter.js';
import type { StagedSnapshot } from '../snapshot/take-snapshot.js';
import { discardStaging } from '../snapshot/write-snapshot.js';
import { emptyOverSnapshot } from '../sync/empty-database.js';
import { commitStaged, passLocked, stageSnapshot, type PassResult } from '../sync/sync-pass.js';
import { loadRows, longestLine } from './load-table.js';
import { commitAt } from './snapshot-commit.js';
import { interruptedError, readRestoreMarker, removeRestoreMarker, writeRestoreMarker, type RestoreMarker } from '../state/restore-marker.js';
import { finishSwap, shadowCreate, shadowName, swapIn, tableExists } from './shadow-tables.js';
import { fingerprintLines, SecretRestore, type DataFileSource, type UnrestoredSecret } from './secret-restore.js';
import { PassPolicy, policySettings } from '../policy/pass-policy.js';
import { refuseKeylessOverEncrypted } from '../project/keyless-guard.js';
import type { RestorePlan } from './restore-plan.js';
import { applyFilesRestore, planFilesRestore } from '../files/restore-files.js';
import { parsePointInTime } from './point-in-time.js';
import { reflogRevisionError } from './reflog-revision.js';
import { checkHistoryFile, insertsHistory, type TargetHistory } from './history-restore.js';
import { historyColumns, systemPeriod } from '../snapshot/system-versioning.js';

export interface RestoreOptions {
  /** Revision to restore (default HEAD). */
  readonly rev?: string;
  /** `--at`: the snapshot as of this moment (ms since the epoch), instead of `rev`; `atText` as the user wrote it. */
  readonly at?: number;
  readonly atText?: string;
  /** `--tables`: restore only these tables (and their triggers); every other table and object is left alone. */
  readonly tables?: readonly string[] | null;
  /** false: only plan (the default of the CLI without --yes). */
  readonly apply: boolean;
  readonly dropExtra: boolean;
  /** DBSYNC_FILES: `--files-to DIR`: write the snapshot's files there instead of into DBSYNC_FILES_ROOT (a read-only mount). */
  readonly filesTo?: string | null;
}

/** What `restore --resume` / `--abort` did besides a restore (printed as is). */
export interface ContinueResult {
  readonly result: RestoreResult | null;
  readonly note: string;
}

export interface RestoreResult {
  readonly plan: RestorePlan;
  /** `--at`: the commit chosen for the moment asked, with its time and subject. */
  readonly chosen?: { readonly commit: string; readonly time: string; readonly subject: string } | null;
  /** The commit of unsaved changes made before restoring, if any. */
  readonly saved: PassResult | null;
  /** The commit recording the restored state (null when HEAD already was the restored snapshot). */
  readonly after: PassResult | null;
  readonly applied: boolean;
  /** Secret values of the restored tables that are placeholders in the database (redacted, or encrypted without the key), per rule. */
  readonly unrestored: readonly UnrestoredSecret[];
  /** System-versioned tables whose current rows were restored without their history (the server cannot insert history). */
  readonly historyNotRestored?: readonly string[];
}

/** What restore needs to know about the target commit. */
interface Target {
  readonly commit: string;
  readonly tree: SnapshotTree;
  /** file stem -> table name, for the tables inside the current include/exclude filter */
  readonly tables: Map<string, string>;
  /** tables of the snapshot that the current filter leaves out: never touched */
  readonly outOfScope: string[];
  /** file stem -> the table's data files (one, or several chunks: the first first) */
  readonly data: Map<string, string[]>;
  /** file stem -> the table's columns, from its checked schema file */
  readonly columns: Map<string, string[]>;
  /** `--tables`: only these tables are restored (then no view, routine or event is, and only their triggers); null: all. */
  readonly only: ReadonlySet<string> | null;
  /** The snapshot's sequences within the filter (sequences.sql, parsed), or null with --tables (then none is touched). */
  readonly sequences: readonly Sequence[] | null;
  /** file stem -> the history file of a system-versioned table (src/snapshot/system-versioning.ts) */
  readonly history: Map<string, TargetHistory>;
}

/**
 * Make the database equal to the snapshot at a revision. Unsaved changes in the live database
 * are committed first, so a restore never destroys data; an empty database (a new computer) has
 * nothing to save and makes no commit. Only tables that differ are replaced; afterwards the
 * database is read back and compared with the snapshot file by file.
 */
export async function restoreSnapshot(project: Project, opts: RestoreOptions): Promise<RestoreResult> {
  const rev = opts.rev ?? 'HEAD';
  const reflog = reflogRevisionError('restore', rev);
  if (reflog) throw reflog;
  const chosen = opts.at === undefined ? null : await commitAt(project, opts.at, opts.atText ?? String(opts.at));
  const commit = chosen ? chosen.commit : await project.git.resolve(rev);
  if (!commit) {
    throw new DbsyncError({
      operation: 'restore',
      message: rev === 'HEAD' ? 'the repository has no snapshot yet' : `unknown revision ${JSON.stringify(rev)}`,
      hint:
        rev === 'HEAD'
          ? 'run `git-dbsync sync` first, or clone a repository that has snapshots'
          : parsePointInTime(rev, Date.now()) !== null
            ? `for the snapshot as of a moment, write \`git-dbsync restore --at ${JSON.stringify(rev)}\``
            : 'name a commit, tag or branch (see `git log`), or a moment with --at',
      exitCode: ExitCode.Config,
    });
  }
  return withRunLock(project, async () => {
    // A new restore over an interrupted one would first commit the half-restored database.
    const marker = await readRestoreMarker(project.stateDir);
    if (marker) throw interruptedError('restore', marker);
    return { ...(await restoreLocked(project, commit, opts, null)), chosen };
  });
}

/**
 * `restore --into DB`: load the snapshot into another database on the same server (created when
 * missing; refused when it holds tables or views, so nothing is ever overwritten there). The live
 * database, the repository and its state are not touched: no commit before or after, and the
 * restore marker goes to a scratch folder (an interrupted load into a scratch database is simply
 * run again). Events are not created there: they would run on their schedule in a copy. Every
 * file is checked as for a restore before anything is created. `apply: false`: only the plan.
 */
export async function restoreInto(project: Project, opts: RestoreOptions & { readonly into: string }): Promise<RestoreResult & { readonly into: string }> {
  const into = opts.into;
  const usage = (message: string, hint: string) => new DbsyncError({ operation: 'restore --into', message, hint, exitCode: ExitCode.Config });
  if (!/^[A-Za-z0-9_$-]{1,64}$/.test(into))
    throw usage(
      `${JSON.stringify(into)} is not a database name git-dbsync will create (letters, digits, _ $ -; at most 64)`,
      'choose a plain name such as invoiceplane_restored',
    );
  if (into === project.config.db.database)
    throw usage(`--into names the live database ${into}`, 'to restore the live database, leave out --into; for a look at old data, name a new database');
  const rev = opts.rev ?? 'HEAD';
  const reflog = reflogRevisionError('restore --into', rev);
  if (reflog) throw reflog;
  const chosen = opts.at === undefined ? null : await commitAt(project, opts.at, opts.atText ?? String(opts.at));
  const commit = chosen ? chosen.commit : await project.git.resolve(rev);
  if (!commit)
    throw usage(
      rev === 'HEAD' ? 'the repository has no snapshot yet' : `unknown revision ${JSON.stringify(rev)}`,
      'name a commit, tag or branch (see `git-dbsync log`), or a moment with --at',
    );
  const target = await readTarget(project, commit, opts.tables ?? null);
  const secrets = await secretsOf(project, target);
  const names = [...target.tables.values()];
  const rows = await checkTarget(project, target, new Set(names));
  const objects: string[] = [];
  for (const kind of OBJECT_LOAD_ORDER) if (kind !== 'event') for (const o of await targetObjects(project, target, kind)) objects.push(keyOf(o));
  const plan: RestorePlan = {
    commit,
    saveFirst: 'none',
    replace: [],
    create: names,
    extra: [],
    outOfScope: target.outOfScope,
    dropExtra: false,
    objects,
    objectsToDrop: [],
    only: target.only ? [...target.only] : null,
    rows,
  };
  const loaded = new Set(names);
  const unrestored = secrets.report.filter((u) => loaded.has(u.table));
  if (!opts.apply) return { plan, saved: null, after: null, applied: false, unrestored, chosen, into };

  const live = await project.connect();
  try {
    await live.execute(`CREATE DATABASE IF NOT EXISTS ${quoteId(into)}`, `create database ${into}`);
    const count = (await live.queryArrays('SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?', [into], `read database ${into}`))[0]?.[0];
    if (Number(count ?? 0) > 0)
      throw usage(
        `database ${into} is not empty (${count} table(s) or view(s)); nothing was changed`,
        `name a new or empty database, or drop ${into} first if it is a scratch copy`,
      );
  } finally {
    await live.close();
  }
  const scratchState = await mkdtemp(path.join(tmpdir(), 'dbsync-restore-into-'));
  const db = { ...project.config.db, database: into };
  const scratch: Project = { ...project, stateDir: scratchState, config: { ...project.config, db }, connect: () => Database.connect(db) };
  let historyNotRestored: string[];
  try {
    historyNotRestored = await applyPlan(scratch, target, plan, secrets, {
      commit,
      before: null,
      dropExtra: false,
      phase: 'load',
      tables: [],
      startedAt: new Date().toISOString(),
      only: plan.only,
    });
  } finally {
    await rm(scratchState, { recursive: true, force: true });
  }
  return { plan, saved: null, after: null, applied: true, unrestored, chosen, into, historyNotRestored };
}

/**
 * `restore --resume` (finish the interrupted restore: the same commit, without saving the
 * half-restored database first) or `restore --abort` (go back to the state before it, which is in
 * git). Either way leftover shadow tables go; a swap that already ran is finished first (old tables
 * dropped, foreign keys repaired), so the database is a whole snapshot again before anything else.
 */
export async function continueRestore(project: Project, how: 'resume' | 'abort'): Promise<ContinueResult> {
  return withRunLock(project, async () => {
    const marker = await readRestoreMarker(project.stateDir);
    if (!marker) {
      throw new DbsyncError({
        operation: `restore --${how}`,
        message: 'no restore was interrupted here; nothing to do',
        hint: 'run `git-dbsync restore REV --yes` to restore a snapshot',
        exitCode: ExitCode.Config,
      });
    }
    const target = await readTarget(project, marker.commit, marker.only ?? null);
    const db = await project.connect();
    let swapped: boolean;
    try {
      for (const s of LOAD_SETTINGS) await db.execute(s, 'prepare restore session');
      let anyShadow = false;
      for (const t of marker.tables) if (await tableExists(db, shadowName(t))) anyShadow = true;
      // 'swapping': the RENAME either ran (no shadow is left: they all existed before it) or did not.
      swapped = marker.phase === 'swapped' || (marker.phase === 'swapping' && !anyShadow);
      if (swapped) await finishSwap(db, marker.tables, await foreignKeysOf(project, target, marker.tables));
      else for (const t of marker.tables) await db.execute(`DROP TABLE IF EXISTS ${quoteId(shadowName(t))}`, `drop the shadow table of ${t}`);
    } finally {
      await db.close();
    }
    const tables = marker.only ?? null;
    if (how === 'resume')
      return {
        result: await restoreLocked(project, marker.commit, { apply: true, dropExtra: marker.dropExtra, tables }, marker),
        note: `resumed the restore of ${marker.commit.slice(0, 12)}`,
      };
    if (marker.before)
      return {
        result: await restoreLocked(project, marker.before, { apply: true, dropExtra: false, tables }, marker),
        note: `aborted the restore of ${marker.commit.slice(0, 12)}: the database is back at ${marker.before.slice(0, 12)}`,
      };
    await removeRestoreMarker(project.stateDir);
    return {
      result: null,
      note: swapped
        ? `aborted the restore of ${marker.commit.slice(0, 12)}: the database was empty before it, and its tables were already swapped in; they stay (drop them by hand if unwanted)`
        : `aborted the restore of ${marker.commit.slice(0, 12)} before any table was changed`,
    };
  });
}

/** The FOREIGN KEY clauses of the snapshot's definitions of `tables` (added after the swap). */
async function foreignKeysOf(project: Project, target: Target, tables: readonly string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  const wanted = new Set(tables);
  for (const [stem, name] of target.tables) {
    if (!wanted.has(name)) continue;
    const create = (await project.git.readBlob(target.commit, snapshotPrefix(project) + schemaFile(stem)))!.toString('utf8');
    out.set(name, shadowCreate(create, name).foreignKeys);
  }
  return out;
}

/**
 * `resumed`: the marker of the interrupted restore this one continues; then the database (partly
 * restored) is not saved first, and the marker keeps its record of the state before.
 */
async function restoreLocked(project: Project, commit: string, opts: RestoreOptions, resumed: RestoreMarker | null): Promise<RestoreResult> {
  const target = await readTarget(project, commit, opts.tables ?? null);
  // Before anything is changed: with a key, every encrypted value of the snapshot must decrypt.
  const secrets = await secretsOf(project, target);
  // Without a key, the database's own secrets may be read only as placeholders; see the check below.
  const staged = await stageSnapshot(project, undefined, { allowKeyless: true });
  let saved: PassResult | null = null;
  let plan: RestorePlan;
  try {
    const live = await stagedTree(project, staged);
    const head = await project.git.head();
    let saveFirst: RestorePlan['saveFirst'] = 'commit';
    if (resumed || (head && sameTree(live, await treeAt(project, head)))) saveFirst = 'none';
    else if (await emptyOverSnapshot(project, staged)) saveFirst = 'empty';
    // Saving first without the key would commit placeholders over the encrypted secrets (and then
    // load the snapshot's placeholders over the database's real ones): only an empty database may.
    if (saveFirst === 'commit') await refuseKeylessOverEncrypted(project);
    plan = await makePlan(project, target, live, staged, saveFirst, opts.dropExtra);
    // Everything restore would run, read strictly before anything is changed or committed (also for the plan alone: a tampered snapshot is worth knowing about).
    const rows = await checkTarget(project, target, new Set([...plan.replace, ...plan.create]));
    // DBSYNC_FILES: the files too (their paths checked, the root writable), not for --tables.
    const files =
      project.config.files && !target.only
        ? await planFilesRestore(project.git, commit, project.snapshotPath, project.config.files, opts.filesTo ?? null)
        : null;
    plan = { ...plan, files, rows };
    // With DBSYNC_FILES a database equal to HEAD may still have unsaved files: that pass saves them (or commits nothing).
    const saveFiles = files !== null && saveFirst === 'none' && !resumed;
    if (opts.apply && (saveFirst === 'commit' || saveFiles)) saved = await commitStaged(project, staged, { push: false });
  } finally {
    await discardStaging(staged);
  }
  const loaded = new Set([...plan.replace, ...plan.create]);
  const unrestored = secrets.report.filter((u) => loaded.has(u.table));
  if (!opts.apply) return { plan, saved: null, after: null, applied: false, unrestored };

  const head = await project.git.head();
  // The state before, for --abort: the commit just saved, HEAD when the database equalled it, none when it was empty.
  const before = resumed ? resumed.before : (saved?.commit.commit ?? (plan.saveFirst === 'empty' ? null : head));
  const historyNotRestored = await applyPlan(project, target, plan, secrets, {
    commit,
    before,
    dropExtra: opts.dropExtra,
    phase: 'load',
    tables: [],
    startedAt: new Date().toISOString(),
    only: target.only ? [...target.only] : null,
  });
  // Before the pass below, which then commits the restored files with the restored database.
  if (plan.files) await applyFilesRestore(project.git, plan.files);
  const what = target.only ? `${[...target.only].join(', ')} from ${commit.slice(0, 12)}` : commit.slice(0, 12);
  const after = await passLocked(project, { push: false, allowEmpty: true, allowKeyless: true, duringRestore: true, subjectPrefix: `Restore of ${what}:` });
  // The restored state is committed: the database is a whole snapshot again.
  await removeRestoreMarker(project.stateDir);
  await verify(project, target, secrets.restore.expected, new Set(historyNotRestored));
  return { plan, saved, after, applied: true, unrestored, historyNotRestored };
}

/** The secrets side of a restore: what to decrypt, what stays a placeholder, which files hold either. */
interface TargetSecrets {
  readonly restore: SecretRestore;
  /** Data files (relative to the snapshot folder) holding tokens or placeholders. */
  readonly withText: ReadonlySet<string>;
  readonly report: readonly UnrestoredSecret[];
}

async function secretsOf(project: Project, target: Target): Promise<TargetSecrets> {
  const prefix = snapshotPrefix(project);
  // The policy the snapshot's tables call for (the database may still be empty).
  const policy = PassPolicy.decide(policySettings(project.config, project.stateDir), target.tables.values());
  const restore = new SecretRestore(policy.secrets, policy.secretRules(), { keyFile: project.config.secrets.keyFile, commit: target.commit });
  // Every token and placeholder is written as a quoted string starting so.
  const hits = await project.git.filesContaining(target.commit, prefix + DATA_DIR, "'dbsync:");
  const withText = new Set(hits.map((p) => p.slice(prefix.length)));
  const sources: DataFileSource[] = [];
  for (const file of withText) {
    // data/<stem>.sql, or a further chunk of it, data/<stem>@<n>-<hash>.sql (see chunking.ts)
    const stem = dataFileTable(file);
    const table = stem === null ? undefined : target.tables.get(stem);
    if (table === undefined) continue;
    sources.push({ file, table, columns: await columnsAt(project, target.commit, stem!), lines: () => project.git.streamBlob(target.commit, prefix + file) });
  }
  return { restore, withText, report: await restore.check(sources) };
}

async function columnsAt(project: Project, commit: string, stem: string): Promise<string[]> {
  return columnsFromCreate((await project.git.readBlob(commit, snapshotPrefix(project) + schemaFile(stem)))?.toString('utf8') ?? '');
}

function stemsOf(tree: SnapshotTree): string[] {
  return [...tree.keys()].filter((p) => p.startsWith(TABLES_DIR + '/')).map((p) => p.slice(TABLES_DIR.length + 1, -'.sql'.length));
}

const schemaFile = (stem: string) => `${TABLES_DIR}/${stem}.sql`;
/** A system-versioned table's history file (layout.ts tableHistoryPath, by stem). */
const historyFile = (stem: string) => `${HISTORY_DIR}/${stem}.sql`;
/** A table's first data file; with its chunks, see Target.data. Also the key of its SecretRestore.expected entry. */
const dataFile = (stem: string) => `${DATA_DIR}/${stem}.sql`;

/** Whether a table's data files are the same files with the same contents in two trees. */
function sameData(a: readonly string[], aTree: SnapshotTree, b: readonly string[], bTree: SnapshotTree): boolean {
  return a.length === b.length && a.every((f, i) => b[i] === f && aTree.get(f) === bTree.get(f));
}

/** A table's data files at a commit, read one after the other as one stream. */
function tableLines(project: Project, commit: string, files: readonly string[]) {
  return concatStreams(files.map((f) => () => project.git.streamBlob(commit, snapshotPrefix(project) + f)));
}

async function readTarget(project: Project, commit: string, only: readonly string[] | null): Promise<Target> {
  const tree = await treeAt(project, commit);
  if (stemsOf(tree).length === 0) {
    throw new DbsyncError({
      operation: 'restore',
      message: `commit ${commit.slice(0, 12)} has no snapshot in ${project.snapshotPath}/`,
      hint: 'check DBSYNC_DIR and the revision',
      exitCode: ExitCode.Config,
    });
  }
  const filter = { include: project.config.includeTables, exclude: project.config.excludeTables };
  const tables = new Map<string, string>();
  const columns = new Map<string, string[]>();
  const outOfScope: string[] = [];
  for (const stem of stemsOf(tree)) {
    const file = snapshotPrefix(project) + schemaFile(stem);
    const create = (await project.git.readBlob(commit, file))?.toString('utf8') ?? '';
    // Exactly one CREATE TABLE of the table the file is named for, or a refusal naming file and line.
    const { name, columns: cols } = checkSchemaText('restore', file, stem, create, commit);
    columns.set(stem, cols);
    // A table the current filter leaves out is not in the live snapshot either: its live rows were never saved, so it is not touched.
    if (tableSelected(name, filter)) tables.set(stem, name);
    else outOfScope.push(name);
  }
  if (only) {
    const present = new Set(tables.values());
    const missing = only.filter((t) => !present.has(t));
    if (missing.length > 0) {
      const names = [...present].sort();
      throw new DbsyncError({
        operation: 'restore',
        message: `--tables: ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not in the snapshot of ${commit.slice(0, 12)} (within the include/exclude filter)`,
        hint: `name tables of that snapshot (${names.slice(0, 8).join(', ')}${names.length > 8 ? ', ...' : ''}), with the spelling \`git show ${commit.slice(0, 12)} --stat\` shows`,
        exitCode: ExitCode.Config,
      });
    }
    for (const [stem, name] of tables) if (!only.includes(name)) tables.delete(stem);
  }
  const sequences = only ? null : (await sequencesAt(project, commit)).filter((s) => tableSelected(s.name, filter));
  const history = new Map<string, TargetHistory>();
  for (const stem of tables.keys()) {
    const file = historyFile(stem);
    if (!tree.has(file)) continue;
    const create = (await project.git.readBlob(commit, snapshotPrefix(project) + schemaFile(stem)))?.toString('utf8') ?? '';
    const period = systemPeriod(create);
    // Only a table versioned by time has a history file: any other is not what git-dbsync writes.
    if (!period) throw refusedFile('restore', snapshotPrefix(project) + file, 1, 'a history file of a table that is not system-versioned by time', commit);
    history.set(stem, { file, period, columns: historyColumns(columns.get(stem) ?? [], period) });
  }
  return { commit, tree, tables, outOfScope, data: dataFilesByTable(tree.keys()), columns, only: only ? new Set(only) : null, sequences, history };
}

/** The sequences of a commit's snapshot, parsed strictly (a line not in git-dbsync's form refuses the restore before anything changes). */
async function sequencesAt(project: Project, commit: string): Promise<Sequence[]> {
  const file = snapshotPrefix(project) + SEQUENCES_FILE;
  const text = (await project.git.readBlob(commit, file))?.toString('utf8') ?? '';
  try {
    return parseSequenceFile(text);
  } catch (e) {
    if (e instanceof SequenceFileError) throw refusedFile('restore', file, e.line, e.why, commit);
    throw e;
  }
}

/** The table a trigger's CREATE statement is ON (SHOW CREATE TRIGGER's form), or null. */
function triggerTable(create: string): string | null {
  const m = /\bON\s+(?:`((?:[^`]|``)+)`|([\w$]+))\s+FOR\s+EACH\s+ROW\b/i.exec(create);
  return m ? (m[1]?.replaceAll('``', '`') ?? m[2]!) : null;
}

/** The objects of a kind a restore of `target` recreates and checks: all, or with --tables only the triggers of those tables. */
async function targetObjects(project: Project, target: Target, kind: ObjectKind): Promise<DbObject[]> {
  const all = await objectsAt(project, target.commit, kind);
  if (!target.only) return all;
  return kind === 'trigger' ? all.filter((o) => target.only!.has(triggerTable(o.create) ?? '')) : [];
}

/**
 * The repository is untrusted input: every data line of the tables to load is read by the strict
 * codec (src/snapshot/line-codec.ts), every object block checked (src/snapshot/definition-check.ts),
 * and the header must be the constant one. The first thing that is not what git-dbsync writes
 * stops the restore with a message naming the file and line, before any table is touched.
 */
async function checkTarget(project: Project, target: Target, loaded: ReadonlySet<string>): Promise<Record<string, number>> {
  const prefix = snapshotPrefix(project);
  const rows: Record<string, number> = {};
  const header = await project.git.readBlob(target.commit, prefix + HEADER_FILE);
  if (header !== null && header.toString('utf8') !== HEADER_TEXT && !EARLIER_HEADER_TEXTS.includes(header.toString('utf8')))
    throw refusedFile('restore', prefix + HEADER_FILE, 1, 'not the constant header', target.commit);
  for (const [stem, name] of target.tables) {
    if (!loaded.has(name)) continue;
    const expect = { table: name, columns: target.columns.get(stem) ?? null };
    rows[name] = 0;
    for (const file of target.data.get(stem) ?? [])
      rows[name] += await checkDataStream('restore', prefix + file, project.git.streamBlob(target.commit, prefix + file), expect, target.commit);
    const history = target.history.get(stem);
    if (history) {
      const file = prefix + history.file;
      const lines = () => project.git.streamBlob(target.commit, file);
      const data = () => tableLines(project, target.commit, target.data.get(stem) ?? []);
      await checkHistoryFile('restore', file, lines, data, name, expect.columns, history, target.commit);
    }
  }
  const db = await project.connect();
  let ctx: ObjectCheckContext;
  try {
    await refuseWithoutAtomicRename(db);
    ctx = await objectCheckContext(db, project.config.db.database);
  } finally {
    await db.close();
  }
  for (const kind of OBJECT_LOAD_ORDER) {
    const file = prefix + OBJECT_FILES[kind];
    const text = (await project.git.readBlob(target.commit, file))?.toString('utf8') ?? '';
    checkObjectText('restore', file, kind, text, ctx, target.commit);
  }
  return rows;
}

/**
 * The crash-safe swap needs MariaDB 10.6+ (server-version.ts): on an older MariaDB or on MySQL the
 * restore stops here, before anything is committed or changed, rather than swap without the guarantee.
 */
async function refuseWithoutAtomicRename(db: Database): Promise<void> {
  const text = String((await db.queryArrays('SELECT VERSION()', [], 'read the server version'))[0]?.[0] ?? '');
  const missing = atomicRenameMissing(parseServerVersion(text));
  if (!missing) return;
  throw new DbsyncError({
    operation: 'restore',
    message: `${missing}: restore swaps the restored tables in with one atomic RENAME TABLE, which needs MariaDB 10.6 or later; nothing was changed`,
    hint: 'restore on a MariaDB 10.6+ server (then copy the data over), or load the snapshot with the stock client (README, Restore), which is not crash-safe',
    exitCode: ExitCode.Config,
  });
}

async function objectsAt(project: Project, commit: string, kind: ObjectKind): Promise<DbObject[]> {
  const text = (await project.git.readBlob(commit, snapshotPrefix(project) + OBJECT_FILES[kind]))?.toString('utf8') ?? '';
  return parseObjectFile(kind, text);
}

const keyOf = (o: { type: string; name: string }) => `${o.type} ${o.name}`;
const sameObject = (a: DbObject | undefined, b: DbObject) => a !== undefined && a.create === b.create && a.settings === b.settings;

async function makePlan(
  project: Project,
  target: Target,
  live: SnapshotTree,
  staged: StagedSnapshot,
  saveFirst: RestorePlan['saveFirst'],
  dropExtra: boolean,
): Promise<RestorePlan> {
  const liveStems = new Set(stemsOf(live));
  const liveData = dataFilesByTable(live.keys());
  const replace: string[] = [];
  const create: string[] = [];
  for (const [stem, name] of target.tables) {
    if (!liveStems.has(stem)) create.push(name);
    // A table differs when its definition or its set of data files (names and contents) does.
    else if (
      target.tree.get(schemaFile(stem)) !== live.get(schemaFile(stem)) ||
      // A versioned table's history counts too (where the snapshot has one: none in two-way mode).
      (target.history.has(stem) && target.tree.get(historyFile(stem)) !== live.get(historyFile(stem))) ||
      !sameData(target.data.get(stem) ?? [], target.tree, liveData.get(stem) ?? [], live)
    )
      replace.push(name);
  }
  const wantedNames = new Set([...target.tables.values(), ...target.outOfScope]);
  // --tables: every other table is left alone, so none is "extra".
  const extra = target.only ? [] : staged.tables.filter((t) => !wantedNames.has(t.name)).map((t) => t.name);

  const objects: string[] = [];
  const objectsToDrop: string[] = [];
  const objectDiffs: Array<{ object: string; lines: string[] }> = [];
  for (const kind of OBJECT_LOAD_ORDER) {
    const want = await targetObjects(project, target, kind);
    const have = parseObjectFile(kind, await readFile(path.join(staged.dir, OBJECT_FILES[kind]), 'utf8').catch(() => ''));
    const haveByKey = new Map(have.map((o) => [keyOf(o), o]));
    // Dropping a table drops its triggers: when tables are replaced, every trigger is recreated.
    const all = kind === 'trigger' && replace.length + create.length > 0;
    for (const o of want) {
      const old = haveByKey.get(keyOf(o));
      const same = sameObject(old, o);
      if (all || !same) objects.push(keyOf(o));
      if (!same) objectDiffs.push({ object: keyOf(o), lines: definitionDiff(old ?? null, o) });
    }
    const wantKeys = new Set(want.map(keyOf));
    if (!target.only) for (const o of have) if (!wantKeys.has(keyOf(o))) objectsToDrop.push(keyOf(o));
  }
  return {
    commit: target.commit,
    saveFirst,
    replace,
    create,
    extra,
    outOfScope: target.outOfScope,
    dropExtra,
    objects,
    objectsToDrop,
    objectDiffs,
    only: target.only ? [...target.only] : null,
  };
}

const withoutSemicolon = (s: string) => s.replace(/;\s*$/, '');

/** Statements run by restore fail for reasons of the snapshot or the server, not of the DB_* settings: say what state that leaves. */
async function step<T>(what: () => Promise<T>): Promise<T> {
  try {
    return await what();
  } catch (err) {
    if (!(err instanceof DbsyncError)) throw err;
    throw new DbsyncError({
      operation: err.operation,
      message: err.message,
      hint: 'the restore stopped part-way (every table holds its old or its new rows); fix the cause, then run `git-dbsync restore --resume` to finish it or `git-dbsync restore --abort` to go back',
      exitCode: err.exitCode,
      cause: err,
    });
  }
}

/**
 * Load the plan's tables into shadow tables, swap them all in with one RENAME TABLE (see
 * shadow-tables.ts), then objects. The marker (restore-marker.ts) is written before the first
 * shadow and records the phase, so a kill at any moment is finished or undone by --resume/--abort.
 */
async function applyPlan(project: Project, target: Target, plan: RestorePlan, secrets: TargetSecrets, marker: RestoreMarker): Promise<string[]> {
  const prefix = snapshotPrefix(project);
  const db = await project.connect();
  try {
    for (const s of LOAD_SETTINGS) await db.execute(s, 'prepare restore session');
    const packet = Number((await db.queryArrays('SELECT @@max_allowed_packet'))[0]?.[0] ?? 4194304);
    // Batches stay small (256 KiB). Larger ones load no faster, and a batch's strings then outlive
    // the young generation's collections and pile up in the old one: restoring the 1,000,000-row
    // table (128 MB of rows) peaked at 166-183 MB with 1 MiB batches, 125 MB with 256 KiB (same
    // machine, 2026-12-04). A single row may still use the whole packet.
    const maxRow = packet - 1024;
    const maxBatch = Math.max(64 * 1024, Math.min(maxRow, 256 * 1024));
    const wanted = new Set([...plan.replace, ...plan.create]);
    const toLoad = [...target.tables].filter(([stem, name]) => wanted.has(name) && (target.data.get(stem) ?? []).length > 0);
    // System-versioned tables with a history file are loaded from it (current rows included) where
    // the server can insert history; elsewhere from their data files, and one line says so.
    const withHistory = [...target.tables].filter(([stem, name]) => wanted.has(name) && target.history.has(stem));
    const history = withHistory.length > 0 && (await insertsHistory(db));
    const historyNotRestored = history ? [] : withHistory.map(([, name]) => name);

    // Check every row fits in a packet before anything is dropped (only files larger than a packet can hold such a row).
    const files = toLoad.flatMap(([stem, name]) => target.data.get(stem)!.map((file) => ({ file, name })));
    if (history) for (const [stem, name] of withHistory) files.push({ file: target.history.get(stem)!.file, name });
    const sizes = await project.git.blobSizes(files.map((f) => target.tree.get(f.file)!));
    for (const [i, { file, name }] of files.entries()) {
      if (sizes[i]! <= maxRow) continue;
      const longest = await longestLine(project.git.streamBlob(target.commit, prefix + file));
      if (longest > maxRow) {
        throw new DbsyncError({
          operation: 'restore',
          message: `table ${name} has a row of ${longest} bytes, more than the server's max_allowed_packet (${packet}); nothing was changed`,
          hint: 'raise max_allowed_packet on the server (e.g. SET GLOBAL max_allowed_packet=1073741824) and restore again',
        });
      }
    }

    // Sequences first: a table's DEFAULT may call NEXTVAL of one, which must exist when the table is created.
    if (target.sequences) {
      const filter = { include: project.config.includeTables, exclude: project.config.excludeTables };
      const sequences = target.sequences;
      await step(() => restoreSequences(db, project.config.db.database, filter, sequences, plan.dropExtra));
    }
    const tables = [...target.tables].filter(([, name]) => wanted.has(name));
    let state: RestoreMarker = { ...marker, phase: 'load', tables: tables.map(([, name]) => name) };
    await writeRestoreMarker(project.stateDir, state);
    const foreignKeys = new Map<string, string[]>();
    const exists: Array<{ name: string; exists: boolean }> = [];
    for (const [stem, name] of tables) {
      const create = (await project.git.readBlob(target.commit, prefix + schemaFile(stem)))!.toString('utf8');
      const shadow = shadowCreate(create, name);
      foreignKeys.set(name, shadow.foreignKeys);
      exists.push({ name, exists: await tableExists(db, name) });
      await step(() => db.execute(`DROP TABLE IF EXISTS ${quoteId(shadowName(name))}`, `drop the shadow table of ${name}`));
      await step(() => db.execute(shadow.sql, `create table ${name}`));
      const chunks = target.data.get(stem) ?? [];
      const versions = history ? target.history.get(stem) : undefined;
      if (versions) {
        // Every version with its own row start and end (checked in checkTarget: literals only, the
        // history columns, its current rows those of the data files); the current rows' end DEFAULT.
        const expect = { table: name, columns: versions.columns };
        await step(() => db.execute('SET SESSION system_versioning_insert_history = 1', `load the history of ${name}`));
        await step(() =>
          loadRows(db, name, project.git.streamBlob(target.commit, prefix + versions.file), maxBatch, maxRow, { expect, into: shadowName(name) }),
        );
        await step(() => db.execute('SET SESSION system_versioning_insert_history = 0', `load the history of ${name}`));
      } else if (chunks.length > 0) {
        // Every chunk of the table in one load (one transaction), the first file first.
        const file = { file: dataFile(stem), table: name, columns: columnsFromCreate(create) };
        const loader = secrets.restore.loader(
          file,
          chunks.some((f) => secrets.withText.has(f)),
        );
        const expect = { table: name, columns: target.columns.get(stem) ?? null };
        await step(() =>
          loadRows(db, name, tableLines(project, target.commit, chunks), maxBatch, maxRow, { expect, mapLine: loader?.mapLine, into: shadowName(name) }),
        );
        loader?.done();
      }
    }
    // The one atomic step: before it every table is old, after it every table is new.
    state = { ...state, phase: 'swapping' };
    await writeRestoreMarker(project.stateDir, state);
    await step(() => swapIn(db, exists));
    await writeRestoreMarker(project.stateDir, { ...state, phase: 'swapped' });
    await step(() => finishSwap(db, state.tables, foreignKeys));

    if (plan.dropExtra) {
      for (const t of plan.extra) await step(() => db.execute(`DROP TABLE IF EXISTS ${quoteId(t)}`, `drop table ${t}`));
      for (const o of plan.objectsToDrop) await step(() => dropObject(db, o));
    }
    // Triggers after the data (they went with the old tables), views after the tables they read.
    const recreate = new Set(plan.objects);
    for (const kind of OBJECT_LOAD_ORDER) {
      for (const o of await targetObjects(project, target, kind)) {
        const key = keyOf(o);
        if (!recreate.has(key)) continue;
        await step(() => dropObject(db, key));
        if (o.settings) await step(() => db.execute(o.settings, `prepare session for ${key}`));
        await step(() => db.execute(withoutSemicolon(o.create), `create ${key}`));
      }
    }
    return historyNotRestored;
  } finally {
    await db.close();
  }
}

async function dropObject(db: Database, key: string): Promise<void> {
  const space = key.indexOf(' ');
  const type = key.slice(0, space);
  const name = key.slice(space + 1);
  await db.execute(`DROP ${type.toUpperCase()} IF EXISTS ${quoteId(name)}`, `drop ${key}`);
}

/**
 * Read-back check: the restored tables and objects must equal the snapshot byte for byte; a data
 * file in `expected` (secrets that could not be restored, or written under another policy now) must
 * equal what restore loaded, as the current secrets policy writes it.
 */
async function verify(project: Project, target: Target, expected: ReadonlyMap<string, string>, withoutHistory: ReadonlySet<string>): Promise<void> {
  const head = await project.git.head();
  if (!head) return;
  const now = await treeAt(project, head);
  const nowData = dataFilesByTable(now.keys());
  const differs: string[] = [];
  for (const stem of target.tables.keys()) {
    if (now.get(schemaFile(stem)) !== target.tree.get(schemaFile(stem))) differs.push(schemaFile(stem));
    const want = target.data.get(stem) ?? [];
    const have = nowData.get(stem) ?? [];
    const expectedPrint = expected.get(dataFile(stem));
    if (expectedPrint !== undefined) {
      if (have.length === 0 || (await fingerprintLines(tableLines(project, head, have))) !== expectedPrint) differs.push(dataFile(stem));
    } else if (!sameData(want, target.tree, have, now)) {
      // The same rows may be split differently (a snapshot taken before chunking, with another
      // DBSYNC_CHUNK_SIZE, or at another exponent): then the rows themselves must be equal.
      const [a, b] = [await fingerprintLines(tableLines(project, target.commit, want)), await fingerprintLines(tableLines(project, head, have))];
      if (a !== b) differs.push(dataFile(stem));
    }
    // A history file read back (none in two-way mode, nor where the server could not insert history) must be the snapshot's.
    const historyRead = target.history.has(stem) && now.has(historyFile(stem)) && !withoutHistory.has(target.tables.get(stem)!);
    if (historyRead && now.get(historyFile(stem)) !== target.tree.get(historyFile(stem))) differs.push(historyFile(stem));
  }
  if (target.sequences) {
    const want = formatSequenceFile(target.sequences);
    const have = formatSequenceFile((await sequencesAt(project, head)).filter((s) => target.sequences!.some((t) => t.name === s.name)));
    if (want !== have) differs.push(SEQUENCES_FILE);
  }
  for (const kind of OBJECT_LOAD_ORDER) {
    const have = new Map((await objectsAt(project, head, kind)).map((o) => [keyOf(o), o]));
    for (const o of await targetObjects(project, target, kind)) if (!sameObject(have.get(keyOf(o)), o)) differs.push(keyOf(o));
  }
  if (differs.length > 0) {
    throw new DbsyncError({
      operation: 'verify restore',
      message: `after restoring, the database differs from snapshot ${target.commit.slice(0, 12)} in: ${differs.slice(0, 10).join(', ')}${differs.length > 10 ? ', ...' : ''}`,
      hint: 'the restored state was committed; compare with `git diff` and report this as a bug',
    });
  }
}
