import type { Database } from '../db/database.js';
import { DbsyncError, messageOf } from '../errors/dbsync-error.js';
import { RowWriter } from '../snapshot/row-line.js';
import { quoteId } from '../snapshot/sql-text.js';
import type { TableInfo } from '../snapshot/table-info.js';
import type { TableSecrets } from '../secrets/table-secrets.js';

/**
 * Drop a table whose definition changed on the other side (to create it again with the other
 * side's definition), or that the other side dropped -- but only while its live rows still equal
 * `expected`, the lines of our last snapshot: the check and the DROP happen under
 * `LOCK TABLES t WRITE`, so a row the application wrote after that snapshot is never lost (the
 * caller takes a fresh snapshot and tries again). Rows are compared formatted exactly as the
 * snapshot formats them (same RowWriter, same secrets transform). Returns false when refused.
 */
export async function dropTableIfUnchanged(db: Database, table: TableInfo, expected: readonly string[], secrets: TableSecrets | null): Promise<boolean> {
  const writer = new RowWriter(table, secrets ? (cells) => secrets.transform(cells) : undefined);
  const want = [...expected].sort();
  await db.execute(`LOCK TABLES ${quoteId(table.name)} WRITE`, `lock table ${table.name}`);
  try {
    const live: string[] = [];
    for await (const cells of db.streamRaw(writer.selectSql, `read table ${table.name}`)) {
      live.push(writer.line(cells).replace(/\n$/, ''));
      // More rows than expected: changed, no need to read on.
      if (live.length > want.length) return false;
    }
    live.sort();
    if (live.length !== want.length || live.some((l, i) => l !== want[i])) return false;
    // Allowed under LOCK TABLES for a table locked for WRITE; the lock on it ends with it.
    await db.execute(`DROP TABLE ${quoteId(table.name)}`, `drop table ${table.name}`);
    return true;
  } finally {
    await db.execute('UNLOCK TABLES', 'unlock tables').catch(() => undefined);
  }
}

/** CREATE TABLE from a committed schema file; false when the table exists already (the application created it meanwhile). */
export async function createTable(db: Database, name: string, createText: string): Promise<boolean> {
  try {
    await db.execute(createText.replace(/;\s*$/, ''), `create table ${name}`);
    return true;
  } catch (err) {
    if (/already exists/i.test(messageOf(err))) return false;
    if (err instanceof DbsyncError) throw err;
    throw new DbsyncError({
      operation: `create table ${name}`,
      message: messageOf(err),
      hint: "check the table definition in the other computer's snapshot",
      cause: err,
    });
  }
}
