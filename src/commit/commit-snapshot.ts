import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { DbsyncError } from '../errors/dbsync-error.js';
import type { Git, GitIdentity } from '../git/git.js';
import { snapshotPrefix } from '../project/project.js';
import { digestLines, fileDigestLines } from './line-digest.js';
import type { BlobBatch } from '../git/blob-batch.js';
import { dataFileTable, encodeTableFileName, historyFileTable, FILES_DIR, OBJECT_FILES, TABLES_DIR, type ObjectKind } from '../snapshot/layout.js';
import { parseObjectFile } from '../snapshot/object-file.js';
import { columnsFromCreate, tableNameFromCreate } from '../snapshot/create-table-text.js';
import type { TableInfo } from '../snapshot/table-info.js';
import { commitMessage, commitSubject, type ChangeSummary, type ObjectChange, type TableChange } from './change-summary.js';
import { diffRowSources, type LineSource, type RowLineChanges } from './row-diff.js';
import { diffChunks, type ChunkBytes } from './diff-chunks.js';
import { describeChanges, type ChangedRow } from './describe-changes.js';
import { rowOfLine, SnapshotRows } from './snapshot-rows.js';
import { schemaWords } from './schema-words.js';
import type { Profile } from '../profile/profile.js';
import { errnoCode } from '../errors/fs-error.js';

export interface CommitResult {
  /** The new commit, or null when the snapshot equals the last commit. */
  readonly commit: string | null;
  readonly subject: string;
  readonly summary: ChangeSummary;
  /** HEAD before the commit (null: the first commit), and the files (relative to the top of the working tree) the commit added or changed. */
  readonly parent?: string | null;
  readonly changed?: readonly string[];
}

export interface CommitOptions {
  readonly git: Git;
  /** Snapshot folder relative to the top of the working tree. */
  readonly snapshotPath: string;
  readonly snapshotAbs: string;
  /** Tables of the snapshot being committed (for names and keys). */
  readonly tables: readonly TableInfo[];
  readonly author: GitIdentity;
  readonly takenAt: Date;
  readonly subjectPrefix?: string;
  /** The application profile in force (StagedSnapshot.profile): its message rules word the subject. Absent or null: generic subject. */
  readonly profile?: Profile | null;
  /**
   * Rows per table as the snapshot read them (StagedSnapshot.rowCounts): a table new in this
   * commit counts as that many added rows without its files being read again.
   */
  readonly rowCounts?: ReadonlyMap<string, number>;
  /** DBSYNC_FILES is on: the files/ changes are named, with these reasons of files left out (one line each). */
  readonly filesSkipped?: readonly string[];
  /** Tables this pass did not read (a row too large, see oversized-rows.ts): one line each, listed in the message body. */
  readonly notBackedUp?: readonly string[];
}

/**
 * Above this many changed rows in the tables a profile describes, the subject stays generic: the
 * words would be cut to "and N more" anyway, and every changed row would have to be parsed.
 */
const MAX_DESCRIBED_ROWS = 2000;

/**
 * Stage and commit the snapshot folder only. Compares against HEAD (not just against the files
 * just written), so work left uncommitted by an interrupted pass is committed by the next one.
 */
export async function commitSnapshot(opts: CommitOptions): Promise<CommitResult> {
  const { git } = opts;
  await git.addAll(opts.snapshotPath);
  const head = await git.head();
  if (head && (await git.branch()) === null) {
    throw new DbsyncError({
      operation: 'commit snapshot',
      message: `HEAD is detached in ${git.workTree}`,
      hint: 'check out a branch (git switch main); commits on a detached HEAD are easily lost',
    });
  }
  const base = head ?? (await git.emptyTree());
  const staged = await git.stagedChanges(base, opts.snapshotPath);
  const empty = { tables: [], objects: [] };
  if (staged.length === 0) return { commit: null, subject: 'no changes', summary: empty };

  const summary = withFiles(await summarize(opts, head, staged), opts, staged);
  const prefix = opts.subjectPrefix ? opts.subjectPrefix + ' ' : '';
  const message = prefix + commitMessage(summary, opts.takenAt, opts.notBackedUp);
  const commit = await git.commitOnly(opts.snapshotPath, message, opts.author);
  return { commit, subject: prefix + commitSubject(summary), summary, parent: head, changed: staged.filter((s) => s.status !== 'D').map((s) => s.path) };
}

/** The files/ part of a commit (DBSYNC_FILES), in path order. */
function withFiles(summary: ChangeSummary, opts: CommitOptions, staged: ReadonlyArray<{ status: string; path: string }>): ChangeSummary {
  if (opts.filesSkipped === undefined) return summary;
  const under = `${snapshotPrefix(opts)}${FILES_DIR}/`;
  const changes = staged
    .filter((s) => s.path.startsWith(under))
    .map((s) => ({
      path: s.path.slice(under.length),
      change: s.status === 'A' ? ('added' as const) : s.status === 'D' ? ('deleted' as const) : ('changed' as const),
    }))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { ...summary, files: { changes, skipped: opts.filesSkipped } };
}

/** What the commit changed, table by table, with the profile's words when it has rules for them. */
export async function summarize(opts: CommitOptions, head: string | null, staged: ReadonlyArray<{ status: string; path: string }>): Promise<ChangeSummary> {
  // One git process reads every old file of the pass (schema, objects, chunks).
  const batch = head ? opts.git.blobBatch() : null;
  try {
    return await summarizeWith(opts, head, batch, staged);
  } finally {
    batch?.close();
  }
}

async function summarizeWith(
  opts: CommitOptions,
  head: string | null,
  batch: BlobBatch | null,
  staged: ReadonlyArray<{ status: string; path: string }>,
): Promise<ChangeSummary> {
  const prefix = snapshotPrefix(opts);
  const byFile = new Map(opts.tables.map((t) => [encodeTableFileName(t.name), t]));
  const tables = new Map<
    string,
    { name: string; schema: TableChange['schema']; rows: TableChange['rows']; schemaWords?: string; schemaColumns?: ReadonlySet<string>; bySchema?: number }
  >();
  const objects: ObjectChange[] = [];
  const rules = opts.profile?.messages;
  const described = new Set(rules ? [...rules.entities, ...rules.children, ...rules.keyValues].map((r) => r.table) : []);
  const rowChanges = new Map<string, ChangedRow[]>();
  let describedRows = 0;
  const oldBytes = async (p: string, maxBytes?: number): Promise<ChunkBytes> => (batch && head ? batch.read(`${head}:${p}`, maxBytes) : null);
  const oldText = async (p: string) => {
    const b = await oldBytes(p);
    return Buffer.isBuffer(b) ? b.toString('utf8') : '';
  };
  const newText = async (rel: string) => readFile(path.join(opts.snapshotAbs, rel), 'utf8').catch(() => '');
  const newBytes = async (rel: string, maxBytes: number): Promise<ChunkBytes> => {
    const file = path.join(opts.snapshotAbs, rel);
    try {
      const { size } = await stat(file);
      return size > maxBytes ? { skipped: true, size } : await readFile(file);
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return null;
      throw err;
    }
  };

  const entryOf = async (stem: string) => {
    let entry = tables.get(stem);
    if (!entry) {
      const name = byFile.get(stem)?.name ?? tableNameFromCreate(await oldText(`${prefix}${TABLES_DIR}/${stem}.sql`)) ?? stem;
      entry = { name, schema: null, rows: { added: 0, changed: 0, deleted: 0 } };
      tables.set(stem, entry);
    }
    return entry;
  };
  // A table's data may be split into several files (chunks): its changed files are diffed together.
  const dataChanges = new Map<string, { old: string[]; new: string[] }>();
  const historyStems = new Set<string>();
  for (const { status, path: full } of staged) {
    const rel = full.slice(prefix.length);
    const schema = /^tables\/(.+)\.sql$/.exec(rel);
    if (schema) {
      const entry = await entryOf(schema[1]!);
      entry.schema = status === 'A' ? 'added' : status === 'D' ? 'dropped' : 'changed';
      if (entry.schema === 'changed') {
        const [before, after] = [await oldText(full), await newText(rel)];
        if (before && after) {
          const w = schemaWords(before, after);
          entry.schemaWords = w.words;
          entry.schemaColumns = w.columns;
        }
      }
      continue;
    }
    // A versioned table's history file (src/snapshot/system-versioning.ts): its history rows are not
    // edits of their own; the current rows' change is the event. Named only when nothing else changed.
    const history = historyFileTable(rel);
    if (history !== null) {
      historyStems.add(history);
      continue;
    }
    const table = dataFileTable(rel);
    if (table !== null) {
      await entryOf(table);
      const files = dataChanges.get(table) ?? { old: [], new: [] };
      if (status !== 'A') files.old.push(rel);
      if (status !== 'D') files.new.push(rel);
      dataChanges.set(table, files);
      continue;
    }
    const kind = (Object.keys(OBJECT_FILES) as ObjectKind[]).find((k) => OBJECT_FILES[k] === rel);
    if (kind) objects.push(...diffObjects(kind, await oldText(full), status === 'D' ? '' : await newText(rel)));
  }

  for (const [stem, files] of dataChanges) {
    const entry = tables.get(stem)!;
    const { name } = entry;
    const info = byFile.get(stem);
    const keys = info ? info.orderKey.map((k) => info.columns.findIndex((c) => c.name === k)) : [];
    // After a schema change the old rows' key cells may sit elsewhere: find them by name in the old definition.
    const oldColumns = columnsFromCreate(await oldText(`${prefix}${TABLES_DIR}/${stem}.sql`));
    const oldKeys = info && oldColumns.length > 0 ? info.orderKey.map((k) => oldColumns.indexOf(k)) : keys;
    const oldKeyPositions = oldKeys.includes(-1) ? [] : oldKeys;
    // Only tables the profile words: the changed rows, by column name, for the message builder.
    // Not before the first commit, where every row is new: that subject stays generic (counts per table).
    const describe = described.has(name) && head !== null;
    // Lines are kept only while the message could still name them all.
    const keepLines = describe ? Math.max(0, MAX_DESCRIBED_ROWS - describedRows) : 0;
    const known = info ? opts.rowCounts?.get(info.name) : undefined;
    let diff: { counts: TableChange['rows']; lines: RowLineChanges | null };
    if (files.old.length === 0 && (head === null || entry.schema === 'added') && known !== undefined && !describe) {
      // A new table (or the first commit): every row is added, and the snapshot counted them as it read them.
      diff = { counts: { added: known, changed: 0, deleted: 0 }, lines: null };
    } else {
      const sources = { readOld: (rel: string, max: number) => oldBytes(prefix + rel, max), readNew: newBytes };
      diff =
        (await diffChunks(files.old, files.new, sources, { keyPositions: keys, oldKeyPositions, keepLines })) ??
        (await streamedDiff(opts, head, prefix, files, keys, oldKeyPositions, keepLines));
    }
    entry.rows = diff.counts;
    if (describe) {
      const { added, changed, deleted } = diff.counts;
      describedRows += added + changed + deleted;
      if (describedRows > MAX_DESCRIBED_ROWS || !diff.lines) rowChanges.clear();
      else {
        const lines = diff.lines;
        const newCols = info ? info.columns.map((c) => c.name) : oldColumns;
        const oldCols = oldColumns.length > 0 ? oldColumns : newCols;
        const list: ChangedRow[] = [];
        for (const l of lines.added) list.push({ before: null, after: rowOfLine(l, newCols) });
        for (const [b, a] of lines.changed) list.push({ before: rowOfLine(b, oldCols), after: rowOfLine(a, newCols) });
        for (const l of lines.deleted) list.push({ before: rowOfLine(l, oldCols), after: null });
        // A line that does not fit its columns (read by name) leaves the table to the generic part of the subject.
        const fits = list.every((c, i) => (i < lines.added.length ? c.after : i < lines.added.length + lines.changed.length ? c.before && c.after : c.before));
        // Rows a schema change rewrote (a column added to every row) are told by the schema change, in the body.
        const altered = entry.schemaColumns;
        const bySchema = (c: ChangedRow) =>
          altered !== undefined &&
          c.before !== null &&
          c.after !== null &&
          Object.keys({ ...c.before, ...c.after }).every((k) => c.before![k] === c.after![k] || altered.has(k));
        const own = altered ? list.filter((c) => !bySchema(c)) : list;
        if (altered && own.length < list.length) entry.bySchema = list.length - own.length;
        if (fits && own.length > 0) rowChanges.set(name, own);
      }
    }
  }
  const list = [...tables.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const historyOnly = [...historyStems]
    .filter((stem) => !tables.has(stem))
    .map((stem) => byFile.get(stem)?.name ?? stem)
    .sort();
  const summary = {
    tables: list.map((t) => ({
      table: t.name,
      schema: t.schema,
      rows: t.rows,
      ...(t.schemaWords ? { schemaWords: t.schemaWords } : {}),
      ...(t.bySchema ? { bySchema: t.bySchema } : {}),
    })),
    objects,
    ...(historyOnly.length > 0 ? { historyOnly } : {}),
  };
  if (!opts.profile || rowChanges.size === 0 || describedRows > MAX_DESCRIBED_ROWS) return summary;
  return { ...summary, described: await describeRows(opts, opts.profile, head, rowChanges) };
}

/**
 * The previous row diff, streamed in several passes over the files: for a change whose differing
 * lines (or one file) would not fit in diffChunks' memory. Reads each file once per pass.
 */
async function streamedDiff(
  opts: CommitOptions,
  head: string | null,
  prefix: string,
  files: { readonly old: readonly string[]; readonly new: readonly string[] },
  keys: readonly number[],
  oldKeyPositions: readonly number[],
  keepLines: number,
): Promise<{ counts: TableChange['rows']; lines: RowLineChanges | null }> {
  // Huge lines (rows with values of many megabytes) are compared by their digests: see line-digest.ts.
  const oldSources: LineSource[] = head ? files.old.map((rel) => () => digestLines(opts.git.streamBlob(head, prefix + rel))) : [];
  const newSources: LineSource[] = files.new.map((rel) => () => fileDigestLines(path.join(opts.snapshotAbs, rel)));
  const counts = { added: 0, changed: 0, deleted: 0 };
  const keep = () => counts.added + counts.changed + counts.deleted <= keepLines;
  const lines = { added: [] as string[], changed: [] as Array<readonly [string, string]>, deleted: [] as string[] };
  await diffRowSources(oldSources, newSources, keys, oldKeyPositions, {
    added: (l) => {
      ++counts.added;
      if (keep()) lines.added.push(l);
    },
    changed: (b, a) => {
      ++counts.changed;
      if (keep()) lines.changed.push([b, a]);
    },
    deleted: (l) => {
      ++counts.deleted;
      if (keep()) lines.deleted.push(l);
    },
  });
  return { counts, lines: keep() ? lines : null };
}

/** The profile's words for the changed rows. */
function describeRows(
  opts: CommitOptions,
  profile: Profile,
  head: string | null,
  changes: ReadonlyMap<string, readonly ChangedRow[]>,
): Promise<NonNullable<ChangeSummary['described']>> {
  const lookup = new SnapshotRows({
    git: opts.git,
    head,
    prefix: snapshotPrefix(opts),
    snapshotAbs: opts.snapshotAbs,
    tables: new Map(opts.tables.map((t) => [t.name, t])),
  });
  return describeChanges({ rules: profile.messages, changes, lookup, secrets: profile.secrets });
}

function diffObjects(kind: ObjectKind, before: string, after: string): ObjectChange[] {
  const key = (o: { type: string; name: string }) => `${o.type}\0${o.name}`;
  const a = new Map(safeParse(kind, before).map((o) => [key(o), o]));
  const b = new Map(safeParse(kind, after).map((o) => [key(o), o]));
  const out: ObjectChange[] = [];
  for (const [k, o] of b) {
    const old = a.get(k);
    if (!old) out.push({ type: o.type, name: o.name, change: 'added' });
    else if (old.create !== o.create || old.settings !== o.settings) out.push({ type: o.type, name: o.name, change: 'changed' });
  }
  for (const [k, o] of a) if (!b.has(k)) out.push({ type: o.type, name: o.name, change: 'dropped' });
  return out;
}

function safeParse(kind: ObjectKind, text: string) {
  try {
    return parseObjectFile(kind, text);
  } catch {
    return [];
  }
}
