import type { Database } from '../db/database.js';
import type { ScriptedChange } from './scripted-changes.js';

/**
 * Run one scripted change under write locks on its tables. A snapshot locks every table before
 * reading, so it sees the change whole or not at all: one action, one commit. (InvoicePlane's
 * MyISAM tables have no transactions; a real watcher may split a change across two commits.)
 */
export async function applyChange(db: Database, change: ScriptedChange): Promise<void> {
  await db.execute(`LOCK TABLES ${change.tables.map((t) => `\`${t}\` WRITE`).join(', ')}`, `lock tables for "${change.title}"`);
  try {
    for (const sql of change.statements) await db.execute(sql, `apply "${change.title}"`);
  } finally {
    await db.execute('UNLOCK TABLES', 'unlock tables');
  }
}
