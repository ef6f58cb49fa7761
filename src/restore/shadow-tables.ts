import { createHash } from 'node:crypto';
import type { Database } from '../db/database.js';
import { quoteId } from '../snapshot/sql-text.js';

/**
 * Crash-safe replacement of tables (README, Restore): every table is loaded into a shadow table
 * first, and all of them are swapped in with ONE `RENAME TABLE a TO old, shadow TO a, ...`, which
 * MariaDB (10.6+, every engine, InnoDB, MyISAM and Aria included) runs atomically and recovers
 * after a crash from its DDL log. So at any moment each table holds either its old rows or its new
 * ones; a kill leaves at worst shadow (`_dbsync_new_*`) or old (`_dbsync_old_*`) tables behind,
 * which `restore --resume`/`--abort` remove.
 *
 * Foreign keys need two repairs, because InnoDB keeps constraint names unique per database and
 * moves references with a renamed table: a shadow is created without its FOREIGN KEY clauses (added
 * after the swap, when the old table and its constraint names are gone), and a constraint of
 * another table that followed its parent to `_dbsync_old_*` is pointed at the new table again.
 * Both happen after the swap; a kill in between leaves a definition that differs from the snapshot,
 * which the resumed restore's plan replaces again. Session: foreign_key_checks = 0 (LOAD_SETTINGS).
 */

const tag = (name: string) => createHash('sha256').update(name).digest('hex').slice(0, 16);
export const shadowName = (name: string) => `_dbsync_new_${tag(name)}`;
export const oldName = (name: string) => `_dbsync_old_${tag(name)}`;
export const isShadowOrOld = (name: string) => /^_dbsync_(new|old)_[0-9a-f]{16}$/.test(name);

/** A CREATE TABLE (checked, SHOW CREATE TABLE layout) for the shadow: its name, without FOREIGN KEY clauses. */
export function shadowCreate(create: string, name: string): { sql: string; foreignKeys: string[] } {
  const head = `CREATE TABLE ${quoteId(name)} (`;
  if (!create.startsWith(head)) throw new Error(`not a CREATE TABLE of ${name}`);
  const lines = create.replace(/;\s*$/, '').slice(head.length).split('\n');
  const foreignKeys: string[] = [];
  const kept: string[] = [];
  for (const line of lines) {
    if (/^ {2}CONSTRAINT `(?:[^`]|``)*` FOREIGN KEY /.test(line)) foreignKeys.push(line.trim().replace(/,$/, ''));
    else kept.push(line);
  }
  // The last column/key line before ") ENGINE=..." must not end with a comma.
  const close = kept.findIndex((l) => l.startsWith(')'));
  if (close > 0) kept[close - 1] = kept[close - 1]!.replace(/,$/, '');
  return { sql: `CREATE TABLE ${quoteId(shadowName(name))} (${kept.join('\n')}`, foreignKeys };
}

/** The name in `CONSTRAINT `name` FOREIGN KEY ...`. */
function constraintName(clause: string): string {
  const m = /^CONSTRAINT `((?:[^`]|``)*)`/.exec(clause);
  return m ? m[1]!.replaceAll('``', '`') : '';
}

/** Names of this database's tables that are shadows or old tables of an unfinished restore. */
export async function leftoverTables(db: Database): Promise<string[]> {
  const rows = await db.queryArrays(
    "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME LIKE '\\_dbsync\\_%'",
    [],
    'list restore leftovers',
  );
  return rows.map((r) => String(r[0])).filter(isShadowOrOld);
}

export async function tableExists(db: Database, name: string): Promise<boolean> {
  const rows = await db.queryArrays('SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?', [name], 'look up table');
  return rows.length > 0;
}

/** The one atomic swap: existing tables to their old names, shadows to the real names. */
export async function swapIn(db: Database, tables: ReadonlyArray<{ name: string; exists: boolean }>): Promise<void> {
  const pairs: string[] = [];
  for (const t of tables) {
    if (t.exists) pairs.push(`${quoteId(t.name)} TO ${quoteId(oldName(t.name))}`);
    pairs.push(`${quoteId(shadowName(t.name))} TO ${quoteId(t.name)}`);
  }
  if (pairs.length > 0) await db.execute(`RENAME TABLE ${pairs.join(', ')}`, 'swap the restored tables in');
}

/**
 * After the swap: constraints of other tables that followed a parent to its old name are pointed at
 * the new table, the old tables dropped, and the new tables' own foreign keys added.
 */
export async function finishSwap(db: Database, tables: readonly string[], foreignKeys: ReadonlyMap<string, readonly string[]>): Promise<void> {
  const byOld = new Map(tables.map((t) => [oldName(t), t]));
  if (byOld.size > 0) {
    const refs = await db.queryArrays(
      `SELECT TABLE_NAME, CONSTRAINT_NAME, REFERENCED_TABLE_NAME FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE() AND REFERENCED_TABLE_NAME IN (${[...byOld.keys()].map(() => '?').join(',')})`,
      [...byOld.keys()],
      'find foreign keys of replaced tables',
    );
    for (const [child, constraint, parentOld] of refs.map((r) => r.map(String))) {
      if (isShadowOrOld(child!)) continue;
      const create = String((await db.queryArrays(`SHOW CREATE TABLE ${quoteId(child!)}`, [], `read definition of table ${child}`))[0]?.[1] ?? '');
      const clause = create
        .split('\n')
        .map((l) => l.trim().replace(/,$/, ''))
        .find((l) => l.startsWith(`CONSTRAINT ${quoteId(constraint!)} FOREIGN KEY `));
      if (!clause) continue;
      const repointed = clause.replace(`REFERENCES ${quoteId(parentOld!)} `, `REFERENCES ${quoteId(byOld.get(parentOld!)!)} `);
      await db.execute(`ALTER TABLE ${quoteId(child!)} DROP FOREIGN KEY ${quoteId(constraint!)}`, `repoint foreign key ${constraint} of ${child}`);
      await db.execute(`ALTER TABLE ${quoteId(child!)} ADD ${repointed}`, `repoint foreign key ${constraint} of ${child}`);
    }
  }
  for (const t of tables) await db.execute(`DROP TABLE IF EXISTS ${quoteId(oldName(t))}`, `drop the old table ${t}`);
  for (const t of tables) {
    // Idempotent: a resumed restore may find some added already (killed after this step).
    const have = new Set(
      (
        await db.queryArrays(
          'SELECT CONSTRAINT_NAME FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE() AND TABLE_NAME = ?',
          [t],
          `read the foreign keys of ${t}`,
        )
      ).map((r) => String(r[0])),
    );
    const fks = (foreignKeys.get(t) ?? []).filter((f) => !have.has(constraintName(f)));
    if (fks.length > 0) await db.execute(`ALTER TABLE ${quoteId(t)} ${fks.map((f) => `ADD ${f}`).join(', ')}`, `add the foreign keys of ${t}`);
  }
}
