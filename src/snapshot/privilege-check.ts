import { REQUIRED_GRANT, type Database } from '../db/database.js';
import { isDatabaseAccessDenied } from '../db/mariadb/server-errors.js';
import { DbsyncError } from '../errors/dbsync-error.js';
import { quoteId, readQuotedId } from './sql-text.js';

/**
 * Privileges whose absence is silent: information_schema simply hides triggers from a user
 * without TRIGGER, events from a user without EVENT, and stored procedures and functions from a
 * user without any routine privilege (EXECUTE), so a snapshot would quietly lack them (and a
 * restore would lose them). Checked before every snapshot (checkSilentPrivileges).
 */
const SILENT = { TRIGGER: 'triggers', EVENT: 'events', EXECUTE: 'stored procedures and functions' } as const;

/** Does a database-level grant target (`*`, `db`, or a LIKE pattern such as `shop\_%`) cover `schema`? */
function coversSchema(target: string, schema: string): boolean {
  if (target === '*') return true;
  let re = '^';
  for (let i = 0; i < target.length; i++) {
    const c = target[i]!;
    if (c === '\\' && i + 1 < target.length) re += escapeRe(target[++i]!);
    else if (c === '%') re += '.*';
    else if (c === '_') re += '.';
    else re += escapeRe(c);
  }
  return new RegExp(re + '$', 's').test(schema);
}

const escapeRe = (c: string) => c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** What one `GRANT ... ON target TO ...` line gives on `schema`: on the whole database, or on one of its tables. */
export interface GrantOn {
  readonly table: string | null;
  readonly privileges: ReadonlySet<string>;
}

/** Parse the target and privileges of a SHOW GRANTS line; null when it is not about `schema` (another database, a routine, a role grant). */
export function grantOn(grantLine: string, schema: string): GrantOn | null {
  const m = /^GRANT (.+?) ON (.+?) TO /.exec(grantLine);
  if (!m) return null;
  let target = m[2]!.trim();
  if (/^(PROCEDURE|FUNCTION|PACKAGE)( BODY)? /i.test(target)) return null;
  let db: string;
  if (target.startsWith('`')) {
    const q = readQuotedId(target, 0);
    db = q.name;
    target = target.slice(q.end);
  } else {
    const dot = target.indexOf('.');
    if (dot < 0) return null;
    db = target.slice(0, dot);
    target = target.slice(dot);
  }
  let table: string | null = null;
  if (target !== '.*') {
    // A table grant names the database literally (no LIKE pattern).
    if (!target.startsWith('.`') || db !== schema) return null;
    table = readQuotedId(target, 1).name;
  } else if (!coversSchema(db, schema)) return null;
  const privs = m[1]!
    .replace(/\([^)]*\)/g, '')
    .split(',')
    .map((p) => p.trim().toUpperCase());
  return { table, privileges: new Set(privs.includes('ALL PRIVILEGES') || privs.includes('ALL') ? ['*'] : privs) };
}

/** The privileges a `GRANT ... ON db.* TO ...` line gives on `schema` (empty when it is for another database or a single table). */
export function privilegesOn(grantLine: string, schema: string): Set<string> {
  const g = grantOn(grantLine, schema);
  return g && g.table === null ? new Set(g.privileges) : new Set();
}

/**
 * Refuse a snapshot that would silently lack triggers, events or routines. The server's own
 * answers where it has one: `SHOW EVENTS FROM db` fails without EVENT (access denied). For the
 * rest, the grants of the account the server authenticated (`SHOW GRANTS`, which includes the
 * active role's): TRIGGER on the database or on each of `tables` (information_schema shows a
 * table's triggers to a user with TRIGGER on that table), EXECUTE (or ALL) on the database.
 */
export async function checkSilentPrivileges(db: Database, schema: string, user: string, tables: readonly string[]): Promise<void> {
  const rows = await db.queryArrays('SHOW GRANTS', [], 'read privileges');
  const have = new Set<string>();
  const perTable = new Map<string, Set<string>>();
  for (const r of rows) {
    const g = grantOn(String(r[0] ?? ''), schema);
    if (!g) continue;
    if (g.table === null) for (const p of g.privileges) have.add(p);
    else {
      const key = g.table.toLowerCase();
      const set = perTable.get(key) ?? new Set<string>();
      for (const p of g.privileges) set.add(p);
      perTable.set(key, set);
    }
  }
  if (have.has('*')) return;
  const tableHas = (t: string, p: string) => {
    const set = perTable.get(t.toLowerCase());
    return set !== undefined && (set.has(p) || set.has('*'));
  };
  const missing: Array<keyof typeof SILENT> = [];
  if (!have.has('TRIGGER') && !tables.every((t) => tableHas(t, 'TRIGGER'))) missing.push('TRIGGER');
  if (!(await canListEvents(db, schema))) missing.push('EVENT');
  if (!have.has('EXECUTE')) missing.push('EXECUTE');
  if (missing.length === 0) return;
  throw new DbsyncError({
    operation: 'check privileges',
    message: `user ${JSON.stringify(user)} lacks ${missing.join(' and ')} on database ${JSON.stringify(schema)}, so ${missing.map((p) => SILENT[p]).join(' and ')} would be silently missing from the snapshot`,
    hint: `grant them: ${REQUIRED_GRANT.replace('<db>', schema).replace('<user>', user)}`,
  });
}

/** Ask the server: SHOW EVENTS is refused (ER_DBACCESS_DENIED_ERROR, 1044) to a user without EVENT on the database. */
async function canListEvents(db: Database, schema: string): Promise<boolean> {
  try {
    await db.queryArrays(`SHOW EVENTS FROM ${quoteId(schema)}`, [], 'check the EVENT privilege');
    return true;
  } catch (err) {
    if (isDatabaseAccessDenied(err)) return false;
    throw err;
  }
}
