import { applyRowChanges } from '../apply/apply-row-changes.js';
import { readRowsByKey } from '../apply/live-rows.js';
import { TableShape as LiveShape, type LiveRow } from '../apply/table-shape.js';
import type { Database } from '../db/database.js';
import { treeAt } from '../detect/compare-with-commit.js';
import { DbsyncError } from '../errors/dbsync-error.js';
import { ExitCode } from '../errors/exit-codes.js';
import { rowEntry, tableShape, type RowHistoryEntry, type TableShape } from '../history/commit-row-changes.js';
import { withRunLock } from '../lock/run-lock.js';
import type { RowChange } from '../merge/row-change.js';
import { PassPolicy, policySettings } from '../policy/pass-policy.js';
import { snapshotPrefix, type Project } from '../project/project.js';
import { snapshotCommit, type ChosenCommit } from '../restore/snapshot-commit.js';
import { checkSchemaText, refusedFile } from '../snapshot/check-commit.js';
import { LOAD_SETTINGS } from '../db/mariadb/write-session.js';
import { dataFilesByTable, encodeTableFileName, TABLES_DIR } from '../snapshot/layout.js';
import { LineSyntaxError, parseRowLine } from '../snapshot/line-codec.js';
import { describeTables, listTables } from '../snapshot/schema-reader.js';
import { literalText } from '../snapshot/sql-literal.js';
import { quoteId } from '../snapshot/sql-text.js';
import type { TableInfo } from '../snapshot/table-info.js';
import { interruptedError, readRestoreMarker } from '../state/restore-marker.js';
import { passLocked, type PassResult } from '../sync/sync-pass.js';
import { currentForm } from './restore-row.js';
import { INVOICE_TABLES } from './invoice-tables.js';

export interface InvoiceRestoreRequest {
  /** The invoice number as InvoicePlane shows it (ip_invoices.invoice_number), compared exactly. */
  readonly number: string;
  readonly rev?: string;
  readonly at?: number;
  readonly atText?: string;
  /** Write it (else only the plan). */
  readonly apply: boolean;
  /** With --yes, between the plan and the write (tests: the application writing in that moment). */
  readonly beforeApply?: (plan: InvoiceRestorePlan) => Promise<void>;
  /** With --yes, before each table is written, after the check of all tables (tests: a write between two tables). */
  readonly beforeTable?: (table: string) => Promise<void>;
}

/** One row of the invoice that the restore changes: by column name, now and as of the snapshot. */
export interface InvoiceRowChange {
  readonly key: ReadonlyArray<readonly [string, string]>;
  /** The row now (null: absent, it is inserted). */
  readonly now: Readonly<Record<string, string>> | null;
  /** The row then (null: it did not exist then, it is deleted). */
  readonly was: Readonly<Record<string, string>> | null;
  /** Both present: the cells that differ. */
  readonly cells: RowHistoryEntry['cells'];
}

/** What restore invoice would do: per table, the rows it changes; and the invoice as of then, in its words. */
export interface InvoiceRestorePlan {
  readonly number: string;
  readonly invoiceId: string;
  readonly commit: ChosenCommit;
  readonly byTime: boolean;
  readonly tables: ReadonlyArray<{ readonly table: string; readonly rows: readonly InvoiceRowChange[] }>;
  /** The invoice as of then (null: it did not exist then, restoring deletes it and its rows). */
  readonly atThen: { readonly items: number; readonly total: string | null; readonly statusId: string | null } | null;
  /** Its items and payments now (for the words of a delete). */
  readonly nowCounts: { readonly items: number; readonly payments: number };
  readonly same: boolean;
}

export interface InvoiceRestoreResult {
  readonly plan: InvoiceRestorePlan;
  readonly applied: boolean;
  readonly saved: PassResult | null;
  readonly after: PassResult | null;
  readonly secretsNotApplied: readonly string[];
}

const OP = 'restore invoice';

function usage(message: string, hint: string): DbsyncError {
  return new DbsyncError({ operation: OP, message, hint, exitCode: ExitCode.Config });
}

/** One table as the snapshot has it: its shape then, and every row (line and parsed cells). */
interface SnapshotTable {
  readonly name: string;
  readonly shape: TableShape;
  readonly rows: ReadonlyArray<{ readonly line: string; readonly cells: readonly string[] }>;
}

/**
 * `git-dbsync restore invoice NUMBER [REV | --at WHEN] [--yes]` (InvoicePlane profile): the invoice
 * and its rows of every table in INVOICE_TABLES (items, item amounts, tax rates, custom field values,
 * amounts, payments) back as the snapshot of that moment has them,
 * through the same apply engine as restore row. Rows of other invoices are never written: a row of
 * then whose key another invoice uses now is refused. With --yes: unsaved changes are committed
 * first; just before the write every table's live rows are read again and must still be what the
 * plan read (else nothing is written, exit 1); then the tables are written one after the other,
 * each all or nothing. The tables are MyISAM, so there is no transaction over all of them: if the
 * application writes one of the later tables in the moment between, that table and the ones after
 * it are refused, and the error names the tables already written (the state before is in the
 * commit made first; run the command again to finish).
 */
export async function restoreInvoice(project: Project, req: InvoiceRestoreRequest): Promise<InvoiceRestoreResult> {
  await requireProfile(project);
  const chosen = await snapshotCommit(project, { rev: req.rev, at: req.at, atText: req.atText, operation: OP });
  const snap = await snapshotTables(project, chosen.commit);
  const byTime = req.at !== undefined;
  if (!req.apply) {
    const db = await project.connect();
    try {
      const p = await prepare(project, db, snap, req.number, chosen, byTime);
      return { plan: p.plan, applied: false, saved: null, after: null, secretsNotApplied: [] };
    } finally {
      await db.close();
    }
  }
  return withRunLock(project, async () => {
    const marker = await readRestoreMarker(project.stateDir);
    if (marker) throw interruptedError('restore', marker);
    // The invoice as it is now goes into the history first: a restore never destroys data.
    const saved = await passLocked(project, { push: false });
    const db = await project.connect();
    let p: Prepared;
    const secretsNotApplied: string[] = [];
    try {
      p = await prepare(project, db, snap, req.number, chosen, byTime);
      if (p.plan.same) return { plan: p.plan, applied: false, saved, after: null, secretsNotApplied: [] };
      await req.beforeApply?.(p.plan);
      // Every table again, just before the first write: a row added, changed or removed since the plan refuses all of it.
      const again = await prepare(project, db, snap, req.number, chosen, byTime);
      if (JSON.stringify(again.changes.map((t) => t.changes)) !== JSON.stringify(p.changes.map((t) => t.changes)))
        throw new DbsyncError({
          operation: OP,
          message: `invoice ${req.number} changed in the database after the plan was made (the application wrote it); nothing was written`,
          hint: 'run the command again to see the new plan',
          exitCode: ExitCode.Failure,
        });
      const written: string[] = [];
      for (const t of p.changes) {
        if (t.changes.length === 0) continue;
        await req.beforeTable?.(t.info.name);
        const r = await applyRowChanges(db, t.info, t.changes, { policy: p.policy });
        if (r.refused.length > 0) {
          const busy = r.refusedBecause?.startsWith('the table was busy') === true;
          const why = busy ? r.refusedBecause : `${t.info.name} changed in the database after the plan was made (the application wrote it)`;
          throw new DbsyncError({
            operation: OP,
            message:
              written.length === 0
                ? `${why}; nothing was written`
                : `${why}; ${written.join(', ')} ${written.length === 1 ? 'was' : 'were'} already written, ${t.info.name} and the tables after it were not`,
            hint:
              written.length === 0
                ? busy
                  ? 'run it again in a moment'
                  : 'run the command again to see the new plan'
                : `run the command again to finish (its plan shows what is left); the invoice before the restore is in ${saved.commit.commit ? `commit ${saved.commit.commit.slice(0, 12)}` : 'the latest commit'}`,
            exitCode: ExitCode.Failure,
          });
        }
        written.push(t.info.name);
        secretsNotApplied.push(...r.secretsNotApplied);
      }
    } finally {
      await db.close();
    }
    const after = await passLocked(project, {
      push: false,
      subjectPrefix: `Restore of invoice ${req.number} from ${chosen.commit.slice(0, 12)}:`,
    });
    return { plan: p.plan, applied: true, saved, after, secretsNotApplied };
  });
}

/** restore invoice works on InvoicePlane's tables only: the profile must be in force. */
async function requireProfile(project: Project): Promise<void> {
  const db = await project.connect();
  try {
    const { tables } = await listTables(db, project.config.db.database, { include: [], exclude: [] });
    const names = tables.map((t) => t.name);
    const policy = PassPolicy.decide(policySettings(project.config), names);
    const have = new Set(names);
    if (policy.profile?.name !== 'invoiceplane' || INVOICE_TABLES.some((t) => !have.has(t.table)))
      throw usage(
        `restore invoice needs the InvoicePlane tables (${INVOICE_TABLES.map((t) => t.table).join(', ')}) and its profile (DBSYNC_PROFILE auto or invoiceplane)`,
        'for a row of any table use: git-dbsync restore row TABLE KEY',
      );
  } finally {
    await db.close();
  }
}

/** Every table of the invoice at the commit, each line read strictly. */
async function snapshotTables(project: Project, commit: string): Promise<Map<string, SnapshotTable>> {
  const tree = await treeAt(project, commit);
  const prefix = snapshotPrefix(project);
  const files = dataFilesByTable(tree.keys());
  const out = new Map<string, SnapshotTable>();
  for (const { table } of INVOICE_TABLES) {
    const stem = encodeTableFileName(table);
    const schemaRel = `${TABLES_DIR}/${stem}.sql`;
    const create = tree.has(schemaRel) ? ((await project.git.readBlob(commit, prefix + schemaRel))?.toString('utf8') ?? null) : null;
    if (create === null)
      throw usage(
        `table ${table} is not in the snapshot of ${commit.slice(0, 12)}`,
        'choose a moment after git-dbsync first saved the InvoicePlane tables (see `git-dbsync log`)',
      );
    const { name, columns } = checkSchemaText(OP, prefix + schemaRel, stem, create, commit);
    const rows: Array<{ line: string; cells: readonly string[] }> = [];
    for (const file of files.get(stem) ?? []) {
      const text = (await project.git.readBlob(commit, prefix + file))?.toString('utf8') ?? '';
      const lines = text.split('\n');
      if (lines[lines.length - 1] === '') lines.pop();
      for (let n = 0; n < lines.length; n++) {
        try {
          rows.push({ line: lines[n]!, cells: parseRowLine(lines[n]!, { table: name, columns }).cells });
        } catch (err) {
          if (!(err instanceof LineSyntaxError)) throw err;
          throw refusedFile(OP, prefix + file, n + 1, `${err.message} at column ${err.column + 1}`, commit);
        }
      }
    }
    out.set(table, { name, shape: tableShape(create), rows });
  }
  return out;
}

/** One table's part of the plan: the live table, and the row changes that make the invoice's rows equal to then. */
interface TableChanges {
  readonly info: TableInfo;
  readonly changes: RowChange[];
}

interface Prepared {
  readonly plan: InvoiceRestorePlan;
  readonly policy: PassPolicy;
  readonly changes: readonly TableChanges[];
}

/** Ids used as SQL values and compared: whole numbers only (the repository is untrusted). */
function idOf(literal: string | undefined, where: string): string {
  const v = literal === undefined ? null : literalText(literal);
  if (v === null || !/^-?\d{1,20}$/.test(v))
    throw new DbsyncError({
      operation: OP,
      message: `${where}: ${JSON.stringify(literal ?? '')} is not a whole number`,
      hint: 'the InvoicePlane tables have integer ids; restore the table as a whole if it was changed by hand',
      exitCode: ExitCode.Failure,
    });
  return v;
}

/** Live rows of a table whose `column` is one of `values` (compared as SQL values; ids only). */
async function liveWhere(db: Database, shape: LiveShape, column: string, values: readonly string[]): Promise<LiveRow[]> {
  if (values.length === 0) return [];
  const sql = `SELECT ${shape.writer.selectList} FROM ${quoteId(shape.table.name)} WHERE ${quoteId(column)} IN (${values.map(() => '?').join(',')})`;
  return (await db.queryRaw(sql, [...values], `read rows of table ${shape.table.name}`)).map((raw) => shape.liveRow(raw));
}

/** Read the invoice's live rows (formatted as the snapshot writes them) and compare them with then. */
async function prepare(
  project: Project,
  db: Database,
  snap: Map<string, SnapshotTable>,
  number: string,
  commit: ChosenCommit,
  byTime: boolean,
): Promise<Prepared> {
  for (const s of LOAD_SETTINGS) await db.execute(s, 'prepare session');
  const schema = project.config.db.database;
  const { tables } = await listTables(db, schema, { include: [], exclude: [] });
  const policy = PassPolicy.decide(
    policySettings(project.config),
    tables.map((t) => t.name),
  );
  const shapes = new Map<string, LiveShape>();
  for (const { table } of INVOICE_TABLES) {
    const entry = tables.find((t) => t.name === table);
    const s = snap.get(table)!;
    if (!entry) throw usage(`table ${table} does not exist in the database`, `bring the whole table back first: git-dbsync restore --tables ${table}`);
    // Its rows are never in the snapshot: every row would read as "did not exist then" and be deleted.
    if (policy.isSchemaOnly(table))
      throw usage(
        `table ${table} is kept as its definition only (DBSYNC_SCHEMA_ONLY_TABLES), so the snapshot has none of its rows`,
        'restore invoice needs its rows versioned',
      );
    const info = (await describeTables(db, schema, [entry]))[0]!;
    const shape = new LiveShape(info, policy.planSecrets([info]).tables.get(info.name) ?? null);
    const live = info.columns.map((c) => c.name);
    if (live.join('\0') !== s.shape.columns.join('\0') || (shape.keyIndex ?? []).join(',') !== s.shape.key.join(',') || s.shape.key.length === 0)
      throw usage(
        `the columns or the key of table ${table} changed since ${commit.commit.slice(0, 12)}, so its rows of then do not fit`,
        `bring the whole table back instead: git-dbsync restore ${commit.commit.slice(0, 12)} --tables ${table}`,
      );
    shapes.set(table, shape);
  }
  const col = (table: string, column: string) => snap.get(table)!.shape.columns.indexOf(column);
  const invoices = snap.get('ip_invoices')!;
  const numberAt = col('ip_invoices', 'invoice_number');
  const idAt = col('ip_invoices', 'invoice_id');
  const numbered = (cells: readonly string[]) => literalText(cells[numberAt] ?? 'NULL') === number;
  const twoOf = (ids: string[], where: string) =>
    usage(
      `${ids.length} invoices are numbered ${number} ${where} (invoice_id ${ids.join(', ')})`,
      'restore each with: git-dbsync restore row ip_invoices INVOICE_ID',
    );

  // The invoice: by its number in the snapshot, else (it did not exist then) in the database.
  const thenInvoice = invoices.rows.filter((r) => numbered(r.cells));
  let id: string;
  if (thenInvoice.length > 1)
    throw twoOf(
      thenInvoice.map((r) => idOf(r.cells[idAt], 'ip_invoices.invoice_id')),
      'in that snapshot',
    );
  if (thenInvoice.length === 1) id = idOf(thenInvoice[0]!.cells[idAt], 'ip_invoices.invoice_id');
  else {
    const sql = `SELECT ${shapes.get('ip_invoices')!.writer.selectList} FROM ip_invoices WHERE invoice_number = ?`;
    const now = (await db.queryRaw(sql, [number], 'read rows of table ip_invoices'))
      .map((raw) => shapes.get('ip_invoices')!.liveRow(raw))
      .filter((r) => numbered(r.exactCells));
    if (now.length === 0)
      throw usage(
        `no invoice is numbered ${number}, neither in the snapshot of ${commit.commit.slice(0, 12)} (${commit.time}) nor in the database`,
        'give the number as InvoicePlane shows it, e.g. INV-2026-0042; see `git-dbsync history ip_invoices INVOICE_ID`',
      );
    const ids = now.map((r) => idOf(r.exactCells[idAt], 'ip_invoices.invoice_id'));
    if (ids.length > 1) throw twoOf(ids, 'in the database');
    id = ids[0]!;
    const renamed = invoices.rows.find((r) => idOf(r.cells[idAt], 'ip_invoices.invoice_id') === id);
    if (renamed)
      throw usage(
        `invoice ${number} (invoice_id ${id}) had another number in that snapshot: ${literalText(renamed.cells[numberAt] ?? 'NULL') ?? 'none'}`,
        `restore it by that number, or the row: git-dbsync restore row ip_invoices ${id}`,
      );
  }

  // Each table's rows of the invoice, then and now; item amounts follow the items (then's and now's).
  const itemIds = { was: [] as string[], now: [] as string[] };
  const out: TableChanges[] = [];
  const planTables: Array<{ table: string; rows: InvoiceRowChange[] }> = [];
  const counts = { items: 0, payments: 0 };
  let thenItems = 0;
  let thenTotal: string | null = null;
  for (const { table, link } of INVOICE_TABLES) {
    const s = snap.get(table)!;
    const shape = shapes.get(table)!;
    const linkAt = col(table, link);
    const allowed = table === 'ip_invoice_item_amounts' ? new Set([...itemIds.was, ...itemIds.now]) : new Set([id]);
    const thenIds = table === 'ip_invoice_item_amounts' ? new Set(itemIds.was) : new Set([id]);
    const thenRows = table === 'ip_invoices' ? thenInvoice : s.rows.filter((r) => thenIds.has(literalText(r.cells[linkAt] ?? 'NULL') ?? ''));
    const nowRows = await liveWhere(db, shape, link, table === 'ip_invoice_item_amounts' ? itemIds.now : [id]);
    const keyOf = (cells: readonly string[]) => s.shape.key.map((i) => cells[i]!);
    const keyed = new Map<string, { keyCells: readonly string[]; was: string | null; now: LiveRow | null }>();
    for (const r of thenRows) keyed.set(JSON.stringify(keyOf(r.cells)), { keyCells: keyOf(r.cells), was: r.line, now: null });
    for (const r of nowRows) {
      const k = JSON.stringify(keyOf(r.exactCells));
      keyed.set(k, { keyCells: keyOf(r.exactCells), was: keyed.get(k)?.was ?? null, now: r });
    }
    // A row of then whose key is not the invoice's now: read it by key; it must not be another invoice's.
    const missing = [...keyed.values()].filter((e) => e.now === null).map((e) => e.keyCells);
    if (missing.length > 0) {
      const { rows, twins } = await readRowsByKey(db, shape, missing, false);
      for (const r of [...rows.values(), ...twins]) {
        const owner = literalText(r.exactCells[linkAt] ?? 'NULL') ?? '';
        const k = JSON.stringify(keyOf(r.exactCells));
        const e = keyed.get(k);
        if (!e || !allowed.has(owner))
          throw new DbsyncError({
            operation: OP,
            message: `${table} ${keyOf(r.exactCells).join(',')} belonged to invoice ${number} then, but now belongs to ${link} ${owner}; restoring it would change another invoice`,
            hint: `restore the rows one by one (git-dbsync restore row ${table} KEY), or the whole table`,
            exitCode: ExitCode.Failure,
          });
        e.now = r;
      }
    }
    if (table === 'ip_invoice_items') {
      itemIds.was = thenRows.map((r) => idOf(r.cells[col(table, 'item_id')], 'ip_invoice_items.item_id'));
      itemIds.now = nowRows.map((r) => idOf(r.exactCells[col(table, 'item_id')], 'ip_invoice_items.item_id'));
      thenItems = thenRows.length;
      counts.items = nowRows.length;
    }
    if (table === 'ip_payments') counts.payments = nowRows.length;
    if (table === 'ip_invoice_amounts' && thenRows[0]) thenTotal = literalText(thenRows[0].cells[col(table, 'invoice_total')] ?? 'NULL');
    const changes: RowChange[] = [];
    const rows: InvoiceRowChange[] = [];
    for (const e of [...keyed.values()].sort((a, b) => compareKeys(a.keyCells, b.keyCells))) {
      const thenLine = e.was === null ? null : currentForm(e.was, shape.table);
      const nowLine = e.now?.line ?? null;
      if (thenLine === nowLine) continue;
      changes.push({ keyCells: e.keyCells, before: nowLine, after: thenLine });
      const h = rowEntry(table, nowLine ? { line: nowLine, shape: s.shape } : null, thenLine ? { line: thenLine, shape: s.shape } : null);
      rows.push({ key: h.key, now: h.rows.before, was: h.rows.after, cells: h.cells });
    }
    out.push({ info: shape.table, changes });
    planTables.push({ table, rows });
  }
  const statusAt = col('ip_invoices', 'invoice_status_id');
  const plan: InvoiceRestorePlan = {
    number,
    invoiceId: id,
    commit,
    byTime,
    tables: planTables,
    atThen: thenInvoice[0] ? { items: thenItems, total: thenTotal, statusId: literalText(thenInvoice[0].cells[statusAt] ?? 'NULL') } : null,
    nowCounts: counts,
    same: out.every((t) => t.changes.length === 0),
  };
  return { plan, policy, changes: out };
}

/** Keys in a stable order: numbers by value, the rest as text. */
function compareKeys(a: readonly string[], b: readonly string[]): number {
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x === y) continue;
    const nx = Number(x);
    const ny = Number(y);
    if (Number.isFinite(nx) && Number.isFinite(ny)) return nx - ny;
    return x < y ? -1 : 1;
  }
  return 0;
}
