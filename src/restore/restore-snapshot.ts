import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { tableNameFromCreate } from '../commit/commit-snapshot.js';
import type { Database } from '../db/database.js';
import { DbsyncError } from '../errors/dbsync-error.js';
import { ExitCode } from '../errors/exit-codes.js';
import { withRunLock } from '../lock/run-lock.js';
import type { Project } from '../project/project.js';
import { DATA_DIR, LOAD_SETTINGS, OBJECT_FILES, TABLES_DIR, type ObjectKind } from '../snapshot/layout.js';
import { parseObjectFile, type DbObject } from '../snapshot/object-file.js';
import { quoteId } from '../snapshot/sql-text.js';
import type { StagedSnapshot } from '../snapshot/take-snapshot.js';
import { discardStaging } from '../snapshot/write-snapshot.js';
import { commitStaged, passLocked, stageSnapshot, type PassResult } from '../sync/sync-pass.js';
import { loadRows } from './load-table.js';
import type { RestorePlan } from './restore-plan.js';

export interface RestoreOptions {
  /** Revision to restore (default HEAD). */
  readonly rev?: string;
  /** false: only plan (the default of the CLI without --yes). */
  readonly apply: boolean;
  readonly dropExtra: boolean;
}

export interface RestoreResult {
  readonly plan: RestorePlan;
  /** The commit of unsaved changes made before restoring, if any. */
  readonly saved: PassResult | null;
  /** The commit recording the restored state (null when HEAD already was the restored snapshot). */
  readonly after: PassResult | null;
  readonly applied: boolean;
}

type Tree = Map<string, string>;

interface SnapshotTables {
  /** file stem -> table name */
  readonly names: Map<string, string>;
}

/**
 * Make the database equal to the snapshot at a revision. Unsaved changes in the live database
 * are committed first, so a restore never destroys data; an empty database (a new computer) has
 * nothing to save and makes no commit. Only tables that differ are replaced; afterwards the
 * database is read back and compared with the snapshot file by file.
 */
export async function restoreSnapshot(project: Project, opts: RestoreOptions): Promise<RestoreResult> {
  const rev = opts.rev ?? 'HEAD';
  const commit = await project.git.resolve(rev);
  if (!commit) {
    throw new DbsyncError({
      operation: 'restore',
      message: rev === 'HEAD' ? 'the repository has no snapshot yet' : `unknown revision ${JSON.stringify(rev)}`,
      hint: rev === 'HEAD' ? 'run `git-dbsync sync` first, or clone a repository that has snapshots' : 'name a commit, tag or branch (see `git log`)',
      exitCode: ExitCode.Config,
    });
  }
  return withRunLock(project, () => restoreLocked(project, commit, opts));
}

async function restoreLocked(project: Project, commit: string, opts: RestoreOptions): Promise<RestoreResult> {
  const prefix = project.snapshotPath ? project.snapshotPath + '/' : '';
  const target = stripPrefix(await project.git.listTree(commit, project.snapshotPath), prefix);
  if (![...target.keys()].some((p) => p.startsWith(TABLES_DIR + '/'))) {
    throw new DbsyncError({ operation: 'restore', message: `commit ${commit.slice(0, 12)} has no snapshot in ${project.snapshotPath}/`, hint: 'check DBSYNC_DIR and the revision', exitCode: ExitCode.Config });
  }
  const staged = await stageSnapshot(project);
  let saved: PassResult | null = null;
  let plan: RestorePlan;
  try {
    const live = await hashStaged(project, staged);
    const head = await project.git.head();
    const headTree = head ? stripPrefix(await project.git.listTree(head, project.snapshotPath), prefix) : new Map();
    let rows = 0;
    for (const n of staged.rowCounts.values()) rows += n;
    const saveFirst = rows === 0 ? 'empty' : sameTree(live, headTree) ? 'none' : 'commit';
    plan = await makePlan(project, commit, target, live, staged, saveFirst, opts.dropExtra);
    if (opts.apply && saveFirst === 'commit') {
      saved = await commitStaged(project, staged, { push: false });
    }
  } finally {
    await discardStaging(staged);
  }
  if (!opts.apply) return { plan, saved: null, after: null, applied: false };

  await applyPlan(project, commit, plan, target, prefix);
  const after = await passLocked(project, { push: false, allowEmpty: true, subjectPrefix: `Restore of ${commit.slice(0, 12)}:` });
  await verify(project, commit, target, prefix);
  return { plan, saved, after, applied: true };
}

function stripPrefix(tree: Tree, prefix: string): Tree {
  const out: Tree = new Map();
  for (const [p, sha] of tree) if (p.startsWith(prefix)) out.set(p.slice(prefix.length), sha);
  return out;
}

function sameTree(a: Tree, b: Tree): boolean {
  if (a.size !== b.size) return false;
  for (const [p, sha] of a) if (b.get(p) !== sha) return false;
  return true;
}

async function hashStaged(project: Project, staged: StagedSnapshot): Promise<Tree> {
  const shas = await project.git.hashFiles(staged.files.map((f) => path.join(staged.dir, f)));
  return new Map(staged.files.map((f, i) => [f, shas[i]!]));
}

function stemsOf(tree: Tree): string[] {
  return [...tree.keys()].filter((p) => p.startsWith(TABLES_DIR + '/')).map((p) => p.slice(TABLES_DIR.length + 1, -'.sql'.length));
}

async function objectsAt(project: Project, commit: string, prefix: string, kind: ObjectKind): Promise<DbObject[]> {
  const text = (await project.git.readBlob(commit, prefix + OBJECT_FILES[kind]))?.toString('utf8') ?? '';
  return parseObjectFile(kind, text);
}

async function makePlan(project: Project, commit: string, target: Tree, live: Tree, staged: StagedSnapshot, saveFirst: RestorePlan['saveFirst'], dropExtra: boolean): Promise<RestorePlan> {
  const prefix = project.snapshotPath ? project.snapshotPath + '/' : '';
  const names = await tableNames(project, commit, prefix, target);
  const liveStems = new Set(stemsOf(live));
  const replace: string[] = [];
  const create: string[] = [];
  for (const stem of stemsOf(target)) {
    const name = names.names.get(stem)!;
    if (!liveStems.has(stem)) create.push(name);
    else if (target.get(`${TABLES_DIR}/${stem}.sql`) !== live.get(`${TABLES_DIR}/${stem}.sql`) || target.get(`${DATA_DIR}/${stem}.sql`) !== live.get(`${DATA_DIR}/${stem}.sql`)) replace.push(name);
  }
  const targetStems = new Set(stemsOf(target));
  const extra = staged.tables.filter((t) => ![...targetStems].some((s) => names.names.get(s) === t.name)).map((t) => t.name);

  const objects: string[] = [];
  const objectsToDrop: string[] = [];
  for (const kind of Object.keys(OBJECT_FILES) as ObjectKind[]) {
    const want = await objectsAt(project, commit, prefix, kind);
    const have = parseObjectFile(kind, await readStagedText(staged, OBJECT_FILES[kind]));
    const haveByKey = new Map(have.map((o) => [`${o.type} ${o.name}`, o]));
    // Dropping a table drops its triggers: when tables are replaced, every trigger is recreated.
    const all = kind === 'trigger' && replace.length + create.length > 0;
    const same = (a: DbObject | undefined, b: DbObject) => a !== undefined && a.create === b.create && a.settings === b.settings;
    for (const o of want) if (all || !same(haveByKey.get(`${o.type} ${o.name}`), o)) objects.push(`${o.type} ${o.name}`);
    const wantKeys = new Set(want.map((o) => `${o.type} ${o.name}`));
    for (const o of have) if (!wantKeys.has(`${o.type} ${o.name}`)) objectsToDrop.push(`${o.type} ${o.name}`);
  }
  return { commit, saveFirst, replace, create, extra, dropExtra, objects, objectsToDrop };
}

async function readStagedText(staged: StagedSnapshot, rel: string): Promise<string> {
  return readFile(path.join(staged.dir, rel), 'utf8').catch(() => '');
}

async function tableNames(project: Project, commit: string, prefix: string, target: Tree): Promise<SnapshotTables> {
  const names = new Map<string, string>();
  for (const stem of stemsOf(target)) {
    const create = (await project.git.readBlob(commit, `${prefix}${TABLES_DIR}/${stem}.sql`))?.toString('utf8') ?? '';
    const name = tableNameFromCreate(create);
    if (!name) throw new DbsyncError({ operation: 'restore', message: `${TABLES_DIR}/${stem}.sql holds no CREATE TABLE`, hint: 'the snapshot was edited by hand; restore another revision' });
    names.set(stem, name);
  }
  return { names };
}

const withoutSemicolon = (s: string) => s.replace(/;\s*$/, '');

async function applyPlan(project: Project, commit: string, plan: RestorePlan, target: Tree, prefix: string): Promise<void> {
  const db = await project.connect();
  try {
    for (const s of LOAD_SETTINGS) await db.execute(s, 'prepare restore session');
    const packet = Number((await db.queryArrays('SELECT @@max_allowed_packet'))[0]?.[0] ?? 4194304);
    const maxBytes = Math.max(64 * 1024, Math.min(packet - 1024, 8 * 1024 * 1024));
    const names = (await tableNames(project, commit, prefix, target)).names;
    const wanted = new Set([...plan.replace, ...plan.create]);
    for (const [stem, name] of names) {
      if (!wanted.has(name)) continue;
      const create = (await project.git.readBlob(commit, `${prefix}${TABLES_DIR}/${stem}.sql`))!.toString('utf8');
      await db.execute(`DROP TABLE IF EXISTS ${quoteId(name)}`, `drop table ${name}`);
      await db.execute(withoutSemicolon(create), `create table ${name}`);
      if (target.has(`${DATA_DIR}/${stem}.sql`)) await loadRows(db, name, project.git.streamBlob(commit, `${prefix}${DATA_DIR}/${stem}.sql`), maxBytes);
    }
    if (plan.dropExtra) {
      for (const t of plan.extra) await db.execute(`DROP TABLE IF EXISTS ${quoteId(t)}`, `drop table ${t}`);
      for (const o of plan.objectsToDrop) await dropObject(db, o);
    }
    const recreate = new Set(plan.objects);
    for (const kind of ['view', 'routine', 'trigger', 'event'] as ObjectKind[]) {
      for (const o of await objectsAt(project, commit, prefix, kind)) {
        const key = `${o.type} ${o.name}`;
        if (!recreate.has(key)) continue;
        await dropObject(db, key);
        if (o.settings) await db.execute(o.settings, `prepare session for ${key}`);
        await db.execute(withoutSemicolon(o.create), `create ${key}`);
      }
    }
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

/** Read-back check: the restored tables and objects must equal the snapshot byte for byte. */
async function verify(project: Project, commit: string, target: Tree, prefix: string): Promise<void> {
  const head = await project.git.head();
  if (!head) return;
  const now = stripPrefix(await project.git.listTree(head, project.snapshotPath), prefix);
  const differs: string[] = [];
  for (const [p, sha] of target) {
    if (p.startsWith(TABLES_DIR + '/') || p.startsWith(DATA_DIR + '/')) {
      if (now.get(p) !== sha) differs.push(p);
    }
  }
  for (const kind of Object.keys(OBJECT_FILES) as ObjectKind[]) {
    const want = await objectsAt(project, commit, prefix, kind);
    const have = new Map((await objectsAt(project, head, prefix, kind)).map((o) => [`${o.type} ${o.name}`, o.create + '\0' + o.settings]));
    for (const o of want) if (have.get(`${o.type} ${o.name}`) !== o.create + '\0' + o.settings) differs.push(`${o.type} ${o.name}`);
  }
  if (differs.length > 0) {
    throw new DbsyncError({
      operation: 'verify restore',
      message: `after restoring, the database differs from snapshot ${commit.slice(0, 12)} in: ${differs.slice(0, 10).join(', ')}${differs.length > 10 ? ', ...' : ''}`,
      hint: 'the restored state was committed; compare with `git diff` and report this as a bug',
    });
  }
}
