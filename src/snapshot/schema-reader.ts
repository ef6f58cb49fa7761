import { DbsyncError } from '../errors/dbsync-error.js';
import { portableView } from './portable-view.js';
import type { Database } from '../db/database.js';
import type { DbObject } from './object-file.js';
import { settingsStatement, stripDefiner } from './object-file.js';
import { parseSequenceDefinition, type Sequence, unsupportedSequence } from './sequence-file.js';
import { quoteId } from './sql-text.js';
import type { ColumnInfo, TableInfo } from './table-info.js';
import { tableSelected } from './table-filter.js';

export interface TableFilter {
  readonly include: readonly string[];
  readonly exclude: readonly string[];
}

/** Base tables, views and sequences of the database, by name, filtered by include/exclude. */
export async function listTables(
  db: Database,
  schema: string,
  filter: TableFilter,
): Promise<{ tables: Array<{ name: string; engine: string }>; views: string[]; sequences: string[] }> {
  const rows = await db.query<{ name: string; type: string; engine: string | null }>(
    `SELECT TABLE_NAME AS name, TABLE_TYPE AS type, ENGINE AS engine FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME`,
    [schema],
    'list tables',
  );
  const tables: Array<{ name: string; engine: string }> = [];
  const views: string[] = [];
  const sequences: string[] = [];
  for (const r of rows) {
    if (!tableSelected(r.name, filter)) continue;
    if (r.type === 'VIEW') views.push(r.name);
    else if (r.type === 'BASE TABLE' || r.type === 'SYSTEM VERSIONED') tables.push({ name: r.name, engine: r.engine ?? '' });
    else if (r.type === 'SEQUENCE') sequences.push(r.name);
  }
  return { tables: sortByName(tables), views: views.sort(compareNames), sequences: sequences.sort(compareNames) };
}

/**
 * Each sequence's definition (SHOW CREATE SEQUENCE, parsed) and state (its one row: the next value
 * not cached and the cycle count), read on the snapshot's session. See sequence-file.ts.
 */
export async function readSequences(db: Database, names: readonly string[]): Promise<Sequence[]> {
  const out: Sequence[] = [];
  for (const name of names) {
    if (/[\r\n]/.test(name)) {
      throw new DbsyncError({
        operation: 'read sequences',
        message: `sequence ${JSON.stringify(name)}: a name with a line break cannot be written to sequences.sql`,
        hint: `rename the sequence, or leave it out with DBSYNC_EXCLUDE_TABLES`,
      });
    }
    const rows = await db.queryArrays(`SHOW CREATE SEQUENCE ${quoteId(name)}`, [], `read definition of sequence ${name}`);
    const create = rows[0]?.[1] ?? '';
    const def = parseSequenceDefinition(create);
    if (!def || def.name !== name) throw unsupportedSequence(name, create);
    const state = await db.queryArrays(`SELECT next_not_cached_value, cycle_count FROM ${quoteId(name)}`, [], `read state of sequence ${name}`);
    const next = String(state[0]?.[0] ?? '');
    const round = String(state[0]?.[1] ?? '');
    if (!/^-?[0-9]{1,20}$/.test(next) || !/^[0-9]{1,20}$/.test(round)) throw unsupportedSequence(name, `state ${next} ${round}`);
    out.push({ ...def, next: BigInt(next), round: BigInt(round) });
  }
  return out;
}

/**
 * The server's row count and average row size of each base table (information_schema.TABLES:
 * approximate for InnoDB, whose figures come from its statistics; no table is read). For progress
 * and for a first guess at how to split a large table into chunks.
 */
export async function tableEstimates(db: Database, schema: string): Promise<Map<string, { rows: number; avgRowLength: number }>> {
  const rows = await db.query<{ name: string; rows: number | string | null; avg: number | string | null }>(
    `SELECT TABLE_NAME AS name, TABLE_ROWS AS \`rows\`, AVG_ROW_LENGTH AS avg FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE <> 'VIEW'`,
    [schema],
    'read table sizes',
  );
  return new Map(rows.map((r) => [r.name, { rows: Number(r.rows ?? 0) || 0, avgRowLength: Number(r.avg ?? 0) || 0 }]));
}

/** Binary (code point) order, independent of locale and server collation. */
export function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
function sortByName<T extends { name: string }>(xs: T[]): T[] {
  return xs.sort((a, b) => compareNames(a.name, b.name));
}

/** Columns and ordering key of each table. */
export async function describeTables(db: Database, schema: string, tables: ReadonlyArray<{ name: string; engine: string }>): Promise<TableInfo[]> {
  const cols = await db.query<{
    t: string;
    c: string;
    dt: string;
    ct: string;
    cs: string | null;
    coll: string | null;
    gen: string;
    extra: string;
    nullable: string;
  }>(
    `SELECT TABLE_NAME AS t, COLUMN_NAME AS c, DATA_TYPE AS dt, COLUMN_TYPE AS ct, CHARACTER_SET_NAME AS cs, COLLATION_NAME AS coll, IS_GENERATED AS gen, EXTRA AS extra, IS_NULLABLE AS nullable
       FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME, ORDINAL_POSITION`,
    [schema],
    'read column definitions',
  );
  const keys = await db.query<{ t: string; k: string; c: string; nonUnique: number | string; sub: number | null }>(
    `SELECT TABLE_NAME AS t, INDEX_NAME AS k, COLUMN_NAME AS c, NON_UNIQUE AS nonUnique, SUB_PART AS sub
       FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX`,
    [schema],
    'read keys',
  );
  const byTable = new Map<string, { columns: ColumnInfo[]; notNull: Set<string> }>();
  for (const r of cols) {
    let e = byTable.get(r.t);
    if (!e) {
      e = { columns: [], notNull: new Set() };
      byTable.set(r.t, e);
    }
    e.columns.push({
      name: r.c,
      dataType: r.dt.toLowerCase(),
      unsigned: /\bunsigned\b/i.test(String(r.ct)),
      charset: r.cs,
      collation: r.coll,
      generated: r.gen !== 'NEVER' && r.gen !== '' && r.gen !== null,
      invisible: /\bINVISIBLE\b/i.test(r.extra),
    });
    if (r.nullable === 'NO') e.notNull.add(r.c);
  }
  const keyCols = new Map<string, Map<string, { cols: string[]; usable: boolean }>>();
  for (const r of keys) {
    if (Number(r.nonUnique) !== 0) continue;
    let m = keyCols.get(r.t);
    if (!m) {
      m = new Map();
      keyCols.set(r.t, m);
    }
    let k = m.get(r.k);
    if (!k) {
      k = { cols: [], usable: true };
      m.set(r.k, k);
    }
    k.cols.push(r.c);
    // A prefix index or a nullable column does not give a total order.
    if (r.sub !== null || !byTable.get(r.t)?.notNull.has(r.c)) k.usable = false;
  }
  return tables.map(({ name, engine }) => {
    const e = byTable.get(name);
    if (!e) throw new Error(`table ${name} has no columns (dropped while being read?)`);
    const m = keyCols.get(name);
    let orderKey: string[] = [];
    const pk = m?.get('PRIMARY');
    if (pk) orderKey = pk.cols;
    else if (m) {
      const usable = [...m.entries()].filter(([, k]) => k.usable).sort(([a], [b]) => compareNames(a, b));
      if (usable[0]) orderKey = usable[0][1].cols;
    }
    return { name, engine, columns: e.columns, orderKey };
  });
}

/**
 * SHOW CREATE TABLE, made deterministic: no AUTO_INCREMENT counter. And portable: a DEFAULT that
 * uses a sequence of this database (`nextval(`db`.`s`)`, as the server prints it) loses the
 * database name, so the table loads into a database of any name.
 */
export async function showCreateTable(db: Database, table: string, schema: string): Promise<string> {
  const rows = await db.queryArrays(`SHOW CREATE TABLE ${quoteId(table)}`, [], `read definition of table ${table}`);
  const create = rows[0]?.[1];
  if (!create) throw new Error(`no definition for table ${table}`);
  return create.replace(/ AUTO_INCREMENT=\d+/, '').replaceAll(`val(${quoteId(schema)}.`, 'val(');
}

/**
 * The views' definitions, made portable (portable-view.ts: a view that reads another database is
 * refused). `tables`: the database's tables and views, whose names may lose their database qualifier.
 */
export async function readViews(db: Database, views: readonly string[], schema: string, tables: readonly string[]): Promise<DbObject[]> {
  const out: DbObject[] = [];
  const ctx = views.length === 0 ? null : { tables: new Set([...tables, ...views]), otherSchemas: await otherSchemas(db, schema) };
  for (const v of views) {
    const rows = await db.queryArrays(`SHOW CREATE VIEW ${quoteId(v)}`, [], `read definition of view ${v}`);
    const r = rows[0] ?? [];
    out.push({
      kind: 'view',
      type: 'view',
      name: v,
      create: portableView(stripDefiner(r[1] ?? ''), v, schema, ctx!),
      settings: settingsStatement({ character_set_client: r[2], collation_connection: r[3] }),
    });
  }
  return orderViews(out);
}

/** The other databases on the server (lower case), which a view must not read. */
async function otherSchemas(db: Database, schema: string): Promise<Set<string>> {
  const rows = await db.queryArrays('SHOW DATABASES', [], 'list databases');
  return new Set(rows.map((r) => String(r[0] ?? '').toLowerCase()).filter((d) => d !== schema.toLowerCase()));
}

/** Views that use other views come after them, so the file loads top to bottom. */
function orderViews(views: DbObject[]): DbObject[] {
  const names = new Set(views.map((v) => v.name));
  const done = new Set<string>();
  const out: DbObject[] = [];
  const visiting = new Set<string>();
  const byName = new Map(views.map((v) => [v.name, v]));
  const visit = (v: DbObject) => {
    if (done.has(v.name) || visiting.has(v.name)) return;
    visiting.add(v.name);
    const body = v.create.slice(v.create.indexOf(' AS ') + 4);
    for (const n of names) if (n !== v.name && body.includes(quoteId(n))) visit(byName.get(n)!);
    visiting.delete(v.name);
    done.add(v.name);
    out.push(v);
  };
  for (const v of views) visit(v);
  return out;
}

export async function readRoutines(db: Database, schema: string): Promise<DbObject[]> {
  const rows = await db.query<{ name: string; type: string }>(
    `SELECT ROUTINE_NAME AS name, ROUTINE_TYPE AS type FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = ? AND ROUTINE_TYPE IN ('PROCEDURE','FUNCTION')`,
    [schema],
    'list stored routines',
  );
  rows.sort((a, b) => compareNames(a.type, b.type) || compareNames(a.name, b.name));
  const out: DbObject[] = [];
  for (const r of rows) {
    const res = await db.queryArrays(`SHOW CREATE ${r.type} ${quoteId(r.name)}`, [], `read definition of ${r.type.toLowerCase()} ${r.name}`);
    const row = res[0] ?? [];
    const create = row[2];
    if (create === null || create === undefined) {
      throw new DbsyncError({
        operation: 'read stored routines',
        message: `cannot read the body of ${r.type.toLowerCase()} ${r.name}: it was created by another user`,
        hint: "grant SELECT ON mysql.proc to the git-dbsync user (or run git-dbsync as the routine's definer)",
      });
    }
    const settings = settingsStatement({ sql_mode: row[1], character_set_client: row[3], collation_connection: row[4] });
    out.push({ kind: 'routine', type: r.type.toLowerCase(), name: r.name, create: stripDefiner(create), settings });
  }
  return out;
}

export async function readTriggers(db: Database, schema: string, tables: ReadonlySet<string>): Promise<DbObject[]> {
  const rows = await db.query<{ name: string; tbl: string }>(
    `SELECT TRIGGER_NAME AS name, EVENT_OBJECT_TABLE AS tbl FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ?
      ORDER BY EVENT_OBJECT_TABLE, ACTION_TIMING, EVENT_MANIPULATION, ACTION_ORDER`,
    [schema],
    'list triggers',
  );
  const out: DbObject[] = [];
  for (const r of rows) {
    if (!tables.has(r.tbl)) continue;
    const res = await db.queryArrays(`SHOW CREATE TRIGGER ${quoteId(r.name)}`, [], `read definition of trigger ${r.name}`);
    const row = res[0] ?? [];
    const settings = settingsStatement({ sql_mode: row[1], character_set_client: row[3], collation_connection: row[4] });
    out.push({ kind: 'trigger', type: 'trigger', name: r.name, create: stripDefiner(row[2] ?? ''), settings });
  }
  return out;
}

export async function readEvents(db: Database, schema: string): Promise<DbObject[]> {
  const rows = await db.query<{ name: string }>(`SELECT EVENT_NAME AS name FROM information_schema.EVENTS WHERE EVENT_SCHEMA = ?`, [schema], 'list events');
  rows.sort((a, b) => compareNames(a.name, b.name));
  const out: DbObject[] = [];
  for (const r of rows) {
    const res = await db.queryArrays(`SHOW CREATE EVENT ${quoteId(r.name)}`, [], `read definition of event ${r.name}`);
    const row = res[0] ?? [];
    const settings = settingsStatement({ sql_mode: row[1], time_zone: row[2], character_set_client: row[4], collation_connection: row[5] });
    out.push({ kind: 'event', type: 'event', name: r.name, create: stripDefiner(row[3] ?? ''), settings });
  }
  return out;
}
