import { applyRowChanges } from '../apply/apply-row-changes.js';
import { readRowsByKey } from '../apply/live-rows.js';
import { TableShape as LiveShape, type LiveRow } from '../apply/table-shape.js';
import type { Database } from '../db/database.js';
import { treeAt } from '../detect/compare-with-commit.js';
import { DbsyncError } from '../errors/dbsync-error.js';
import { ExitCode } from '../errors/exit-codes.js';
import { rowEntry, tableShape, type CellChange, type TableShape } from '../history/commit-row-changes.js';
import { withRunLock } from '../lock/run-lock.js';
import { PassPolicy, policySettings } from '../policy/pass-policy.js';
import { snapshotPrefix, type Project } from '../project/project.js';
import { keyArgument, keyMatches, splitKeyArgument } from '../resolve/key-argument.js';
import { valueLiteral } from '../resolve/value-literal.js';
import { refusedFile, checkSchemaText } from '../snapshot/check-commit.js';
import { LOAD_SETTINGS } from '../db/mariadb/write-session.js';
import { dataFilesByTable, encodeTableFileName, TABLES_DIR } from '../snapshot/layout.js';
import { isLiteral, LineSyntaxError, parseRowLine } from '../snapshot/line-codec.js';
import { describeTables, listTables } from '../snapshot/schema-reader.js';
import { columnFormat } from '../snapshot/column-format.js';
import { cellsOf, prefixOf } from '../snapshot/row-line.js';
import { unquoteString } from '../snapshot/sql-text.js';
import { isTextType } from '../db/mariadb/column-types.js';
import { isUnicodeCharset } from '../db/mariadb/charsets.js';
import { isRedactedLiteral, tokenOf } from '../secrets/secret-literal.js';
import type { TableInfo } from '../snapshot/table-info.js';
import { interruptedError, readRestoreMarker } from '../state/restore-marker.js';
import { passLocked, type PassResult } from '../sync/sync-pass.js';
import { snapshotCommit, type ChosenCommit } from '../restore/snapshot-commit.js';

export interface RowRestoreRequest {
  readonly table: string;
  /** KEY as typed (see key-argument.ts): `43`, `7,2026-01-01`, or literals (`'a,b'`). */
  readonly key: string;
  /** The snapshot at this revision (default HEAD), or as of `at` (ms since the epoch; `atText` as typed). */
  readonly rev?: string;
  readonly at?: number;
  readonly atText?: string;
  /** Write it (else only the plan). */
  readonly apply: boolean;
  /**
   * Called with --yes between the plan and the write, under the run lock but without any database
   * lock: whatever the application writes in that moment is found by the write's check.
   */
  readonly beforeApply?: (plan: RowRestorePlan) => Promise<void>;
}

/** What restore row would do to one row: its cells now and as of the snapshot, by column name. */
export interface RowRestorePlan {
  readonly table: string;
  /** The snapshot commit the row is taken from, with its committer date and subject. */
  readonly commit: ChosenCommit;
  /** Whether the commit was chosen for a moment (--at). */
  readonly byTime: boolean;
  /** The key columns and their literals. */
  readonly key: ReadonlyArray<readonly [string, string]>;
  /** The row in the database now (column -> literal, secrets as the snapshot writes them), or null: absent. */
  readonly now: Readonly<Record<string, string>> | null;
  /** The row in that snapshot, or null: it did not exist then (restoring it deletes the row). */
  readonly was: Readonly<Record<string, string>> | null;
  /** Both present: the cells that differ; one side absent: every cell of the other. */
  readonly cells: readonly CellChange[];
  /** The row is already as it was then: nothing to write. */
  readonly same: boolean;
}

export interface RowRestoreResult {
  readonly plan: RowRestorePlan;
  readonly applied: boolean;
  /** The pass that saved unsaved changes before the write (with --yes). */
  readonly saved: PassResult | null;
  /** The pass that committed the restored row. */
  readonly after: PassResult | null;
  /** Secret cells that could not be written (redacted or encrypted without key): the live value was kept. */
  readonly secretsNotApplied: readonly string[];
}

const OP = 'restore row';

function usage(message: string, hint: string): DbsyncError {
  return new DbsyncError({ operation: OP, message, hint, exitCode: ExitCode.Config });
}

/** The row as that snapshot has it: the table's shape then, and its line (null: no such row then). */
interface SnapshotRow {
  readonly name: string;
  readonly shape: TableShape;
  readonly line: string | null;
  readonly keyCells: readonly string[] | null;
}

/**
 * `git-dbsync restore row TABLE KEY [REV | --at WHEN] [--yes]`: one row back as the snapshot of
 * that moment has it, through the apply engine of two-way sync (src/apply): under a transaction or
 * LOCK TABLES, only while the live row still equals what the plan read (a change in between is
 * refused, nothing is overwritten). The row is taken from the repository, which is untrusted: every
 * line of the table's files is read by the strict line reader, and only a parsed row line of this
 * table, with this table's columns, is written. With --yes, unsaved changes are committed first and
 * the restored row is committed after.
 */
export async function restoreRow(project: Project, req: RowRestoreRequest): Promise<RowRestoreResult> {
  const chosen = await snapshotCommit(project, { rev: req.rev, at: req.at, atText: req.atText, operation: OP });
  const snap = await snapshotRow(project, chosen.commit, req.table, req.key);
  const byTime = req.at !== undefined;
  if (!req.apply) {
    const db = await project.connect();
    try {
      const p = await prepare(project, db, snap, req.key, chosen, byTime);
      return { plan: p.plan, applied: false, saved: null, after: null, secretsNotApplied: [] };
    } finally {
      await db.close();
    }
  }
  return withRunLock(project, async () => {
    const marker = await readRestoreMarker(project.stateDir);
    if (marker) throw interruptedError('restore', marker);
    // The row as it is now goes into the history first: a restore never destroys data.
    const saved = await passLocked(project, { push: false });
    const db = await project.connect();
    let p: Prepared;
    let secretsNotApplied: readonly string[];
    try {
      p = await prepare(project, db, snap, req.key, chosen, byTime);
      if (p.plan.same) return { plan: p.plan, applied: false, saved, after: null, secretsNotApplied: [] };
      await req.beforeApply?.(p.plan);
      const r = await applyRowChanges(db, p.info, [{ keyCells: p.keyCells, before: p.nowLine, after: p.thenLine }], { policy: p.policy });
      if (r.refused.length > 0) {
        const busy = r.refusedBecause?.startsWith('the table was busy') === true;
        throw new DbsyncError({
          operation: OP,
          message: busy
            ? `${r.refusedBecause}`
            : `${rowName(p.plan)} changed in the database after the plan was made (the application wrote it); nothing was written`,
          hint: busy ? 'run it again in a moment' : 'run the command again to see the new plan',
          exitCode: ExitCode.Failure,
        });
      }
      secretsNotApplied = r.secretsNotApplied;
    } finally {
      await db.close();
    }
    const after = await passLocked(project, {
      push: false,
      subjectPrefix: `Restore of ${req.table} (${keyArgument(p.keyCells)}) from ${chosen.commit.slice(0, 12)}:`,
    });
    return { plan: p.plan, applied: true, saved, after, secretsNotApplied };
  });
}

/** `ip_invoices invoice_id=1`: the row, named by its key columns. */
export function rowName(plan: RowRestorePlan): string {
  return `${plan.table} ${plan.key.map(([c, v]) => `${c}=${v}`).join(',')}`;
}

/** Read the table at the commit, every line strictly, and find the row of the key. */
async function snapshotRow(project: Project, commit: string, table: string, key: string): Promise<SnapshotRow> {
  const tree = await treeAt(project, commit);
  const stem = encodeTableFileName(table);
  const schemaRel = `${TABLES_DIR}/${stem}.sql`;
  const prefix = snapshotPrefix(project);
  const create = tree.has(schemaRel) ? ((await project.git.readBlob(commit, prefix + schemaRel))?.toString('utf8') ?? null) : null;
  if (create === null)
    throw usage(
      `table ${table} is not in the snapshot of ${commit.slice(0, 12)}`,
      'give the table name as in the database (see `git-dbsync show`), and a moment when the table existed',
    );
  const { name, columns } = checkSchemaText(OP, prefix + schemaRel, stem, create, commit);
  const shape = tableShape(create);
  if (shape.key.length === 0)
    throw usage(
      `table ${name} has no primary key, so a row of it cannot be named by a key`,
      `restore the whole table instead: git-dbsync restore --tables ${name}`,
    );
  const parts = splitKeyArgument(key);
  if (parts.length !== shape.key.length)
    throw usage(
      `the key of ${name} has ${shape.key.length} column(s) (${shape.key.map((i) => columns[i]).join(', ')}), ${parts.length} value(s) were given`,
      "give the key columns' values in key order, comma-separated (e.g. 43, or 7,2026-01-01)",
    );
  let found: { line: string; keyCells: string[] } | null = null;
  for (const file of dataFilesByTable(tree.keys()).get(stem) ?? []) {
    const text = (await project.git.readBlob(commit, prefix + file))?.toString('utf8') ?? '';
    const lines = text.split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    for (let n = 0; n < lines.length; n++) {
      let cells: readonly string[];
      try {
        cells = parseRowLine(lines[n]!, { table: name, columns }).cells;
      } catch (err) {
        if (!(err instanceof LineSyntaxError)) throw err;
        throw refusedFile(OP, prefix + file, n + 1, `${err.message} at column ${err.column + 1}`, commit);
      }
      const keyCells = shape.key.map((i) => cells[i]!);
      if (!keyMatches(parts, keyCells)) continue;
      if (found) throw refusedFile(OP, prefix + file, n + 1, `a second row with the key ${keyArgument(keyCells)}`, commit);
      found = { line: lines[n]!, keyCells };
    }
  }
  return { name, shape, line: found?.line ?? null, keyCells: found?.keyCells ?? null };
}

interface Prepared {
  readonly plan: RowRestorePlan;
  readonly info: TableInfo;
  readonly policy: PassPolicy;
  readonly keyCells: readonly string[];
  /** The live row as the apply engine formats it (null: absent): what the write checks the row still is. */
  readonly nowLine: string | null;
  /** The row of then in the form the snapshot writes now (see currentForm), or null: it did not exist then. */
  readonly thenLine: string | null;
}

/** Read the live row, formatted as the snapshot writes it (same secrets policy), and compare. */
async function prepare(project: Project, db: Database, snap: SnapshotRow, key: string, commit: ChosenCommit, byTime: boolean): Promise<Prepared> {
  for (const s of LOAD_SETTINGS) await db.execute(s, 'prepare session');
  const schema = project.config.db.database;
  const { tables } = await listTables(db, schema, { include: [], exclude: [] });
  const entry = tables.find((t) => t.name === snap.name);
  if (!entry)
    throw usage(
      `table ${snap.name} does not exist in the database`,
      `bring the whole table back first: git-dbsync restore ${commit.commit.slice(0, 12)} --tables ${snap.name}`,
    );
  const info = (await describeTables(db, schema, [entry]))[0]!;
  const liveColumns = info.columns.map((c) => c.name);
  const policy = PassPolicy.decide(
    policySettings(project.config),
    tables.map((t) => t.name),
  );
  // Its rows are never in the snapshot: every row would read as "did not exist then" and be deleted.
  if (policy.isSchemaOnly(info.name))
    throw usage(
      `table ${info.name} is kept as its definition only (schema-only: DBSYNC_SCHEMA_ONLY_TABLES or the profile), so the snapshot has none of its rows`,
      'restore row works on tables whose rows are versioned',
    );
  const shape = new LiveShape(info, policy.planSecrets([info]).tables.get(info.name) ?? null);
  if (liveColumns.join('\0') !== snap.shape.columns.join('\0') || (shape.keyIndex ?? []).join(',') !== snap.shape.key.join(','))
    throw usage(
      `the columns or the key of table ${snap.name} changed since ${commit.commit.slice(0, 12)} (then: ${snap.shape.columns.join(', ')}; now: ${liveColumns.join(', ')}), so a row of then does not fit`,
      `bring the whole table back instead: git-dbsync restore ${commit.commit.slice(0, 12)} --tables ${snap.name}`,
    );
  const parts = splitKeyArgument(key);
  // The key as SQL literals: the snapshot's own (row there), or as typed (only checked literals, or text quoted).
  const keyCells = snap.keyCells ?? parts.map((p) => (p !== 'DEFAULT' && isLiteral(p) ? p : valueLiteral(p)));
  const { rows, twins } = await readRowsByKey(db, shape, [keyCells], false);
  const candidates: LiveRow[] = [...rows.values(), ...twins].filter((r) =>
    keyMatches(
      parts,
      snap.shape.key.map((i) => r.exactCells[i]!),
    ),
  );
  const live = candidates[0] ?? null;
  const liveKey = live ? snap.shape.key.map((i) => live.exactCells[i]!) : null;
  if (!live && !snap.line)
    throw usage(
      `${snap.name} has no row with the key ${key}, neither in the snapshot of ${commit.commit.slice(0, 12)} (${commit.time}) nor in the database`,
      `the key is the primary key's values in key order (${snap.shape.key.map((i) => snap.shape.columns[i]).join(', ')}); see \`git-dbsync history ${snap.name} KEY\``,
    );
  const cells = snap.keyCells ?? liveKey!;
  const thenLine = snap.line === null ? null : currentForm(snap.line, info);
  const e = rowEntry(snap.name, live ? { line: live.line, shape: snap.shape } : null, thenLine ? { line: thenLine, shape: snap.shape } : null);
  const same = live?.line === thenLine;
  const plan: RowRestorePlan = {
    table: snap.name,
    commit,
    byTime,
    key: snap.shape.key.map((i, j) => [snap.shape.columns[i]!, cells[j]!] as const),
    now: e.rows.before,
    was: e.rows.after,
    cells: same ? [] : e.cells,
    same,
  };
  return { plan, info, policy, keyCells: cells, nowLine: live?.line ?? null, thenLine };
}

/**
 * The row of then as the snapshot writes those values now: text of a single-byte character set
 * written by an older version in another form (`_latin1 0x416461` or `'Ada'`) is the same bytes, and
 * is re-rendered from them by today's writer, so a row that did not change compares equal and the
 * read-back after the write matches. Only the form changes, never the bytes; secrets (tokens,
 * placeholders) are left as they are.
 */
export function currentForm(line: string, info: TableInfo): string {
  const cells = cellsOf(line);
  let changed = false;
  info.columns.forEach((col, i) => {
    const lit = cells[i];
    const cs = col.charset?.toLowerCase() ?? null;
    if (lit === undefined || !isTextType(col.dataType) || cs === null || isUnicodeCharset(cs) || isRedactedLiteral(lit) || tokenOf(lit) !== null) return;
    let bytes: Buffer | null = null;
    const hex = /^_([a-z0-9]+) 0x([0-9A-F]+)$/.exec(lit);
    if (hex && hex[1] === cs) bytes = Buffer.from(hex[2]!, 'hex');
    else if (lit.startsWith("'")) {
      const text = unquoteString(lit);
      if (/^[\u0000-\u007f]*$/.test(text)) bytes = Buffer.from(text, 'latin1');
    }
    if (bytes === null) return;
    const now = columnFormat(col).literal(bytes);
    if (now !== lit) {
      cells[i] = now;
      changed = true;
    }
  });
  return changed ? `${prefixOf(line)}(${cells.join(',')});` : line;
}
