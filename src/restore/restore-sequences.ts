import type { Database } from '../db/database.js';
import { listTables, readSequences, type TableFilter } from '../snapshot/schema-reader.js';
import { type Sequence, sequenceDefinition, sequenceState } from '../snapshot/sequence-file.js';
import { quoteId } from '../snapshot/sql-text.js';

/**
 * Make the database's sequences those of the snapshot (already parsed and checked, see
 * sequence-file.ts): each one that differs in definition or next value is dropped and created
 * again from its numbers, then set to its next value; with `dropExtra`, a sequence the snapshot
 * lacks (within the include/exclude filter) is dropped. Run before the tables are created: a
 * column's DEFAULT may call NEXTVAL of one. Returns the names of the sequences written or dropped.
 */
export async function restoreSequences(db: Database, schema: string, filter: TableFilter, want: readonly Sequence[], dropExtra: boolean): Promise<string[]> {
  const { sequences: names } = await listTables(db, schema, filter);
  const have = new Map((await readSequences(db, names)).map((s) => [s.name, s]));
  const text = (s: Sequence) => `${sequenceDefinition(s)}; ${sequenceState(s)}`;
  const changed: string[] = [];
  for (const s of want) {
    const old = have.get(s.name);
    if (old && text(old) === text(s)) continue;
    await db.execute(`DROP SEQUENCE IF EXISTS ${quoteId(s.name)}`, `drop sequence ${s.name}`);
    await db.execute(sequenceDefinition(s), `create sequence ${s.name}`);
    await db.query(sequenceState(s), [], `set the next value of sequence ${s.name}`);
    changed.push(s.name);
  }
  if (dropExtra) {
    const wanted = new Set(want.map((s) => s.name));
    for (const name of have.keys()) {
      if (wanted.has(name)) continue;
      await db.execute(`DROP SEQUENCE IF EXISTS ${quoteId(name)}`, `drop sequence ${name}`);
      changed.push(name);
    }
  }
  return changed;
}
