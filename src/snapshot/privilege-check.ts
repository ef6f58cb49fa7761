import { REQUIRED_GRANT, type Database } from '../db/database.js';
import { DbsyncError } from '../errors/dbsync-error.js';
import { readQuotedId } from './sql-text.js';

/**
 * Privileges whose absence is silent: information_schema simply hides triggers from a user
 * without TRIGGER, events from a user without EVENT, and stored procedures and functions from a
 * user without any routine privilege (EXECUTE), so a snapshot would quietly lack them (and a
 * restore would lose them). Checked from `SHOW GRANTS` before every snapshot.
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

/** The privileges a `GRANT ... ON db.* TO ...` line gives on `schema` (empty when it is for another database or a single table). */
export function privilegesOn(grantLine: string, schema: string): Set<string> {
  const m = /^GRANT (.+?) ON (.+?) TO /.exec(grantLine);
  if (!m) return new Set();
  let target = m[2]!.trim();
  let db: string;
  if (target.startsWith('`')) {
    const q = readQuotedId(target, 0);
    db = q.name;
    target = target.slice(q.end);
  } else {
    const dot = target.indexOf('.');
    db = target.slice(0, dot);
    target = target.slice(dot);
  }
  if (target !== '.*' || !coversSchema(db, schema)) return new Set();
  const privs = m[1]!
    .replace(/\([^)]*\)/g, '')
    .split(',')
    .map((p) => p.trim().toUpperCase());
  return new Set(privs.includes('ALL PRIVILEGES') || privs.includes('ALL') ? ['*'] : privs);
}

export async function checkSilentPrivileges(db: Database, schema: string, user: string): Promise<void> {
  const rows = await db.queryArrays('SHOW GRANTS', [], 'read privileges');
  const have = new Set<string>();
  for (const r of rows) for (const p of privilegesOn(String(r[0] ?? ''), schema)) have.add(p);
  if (have.has('*')) return;
  const missing = (Object.keys(SILENT) as Array<keyof typeof SILENT>).filter((p) => !have.has(p));
  if (missing.length === 0) return;
  throw new DbsyncError({
    operation: 'check privileges',
    message: `user ${JSON.stringify(user)} lacks ${missing.join(' and ')} on database ${JSON.stringify(schema)}, so ${missing.map((p) => SILENT[p]).join(' and ')} would be silently missing from the snapshot`,
    hint: `grant them: ${REQUIRED_GRANT.replace('<db>', schema).replace('<user>', user)}`,
  });
}
