import { snapshotPrefix, type Project } from '../project/project.js';
import { checkDataLine, checkObjectText, checkSchemaText, objectCheckContext } from '../snapshot/check-commit.js';
import { OBJECT_FILES, OBJECT_LOAD_ORDER, TABLES_DIR } from '../snapshot/layout.js';
import { sameTable, type CommittedSnapshot, type SnapshotReader } from './committed-snapshot.js';

/**
 * Before a pull changes anything: every file of the other side (and of the merge base) that the
 * merge will read and that differs from ours is read strictly, as restore reads a snapshot (src/snapshot/check-commit.ts). Our own
 * commit holds what this computer wrote from its database and needs no check. The first file that
 * is not what git-dbsync writes stops the pull with a message naming file and line, and nothing
 * is merged, applied or committed.
 */
export async function checkPulled(
  project: Project,
  reader: SnapshotReader,
  snaps: { base: CommittedSnapshot; ours: CommittedSnapshot; theirs: CommittedSnapshot },
): Promise<void> {
  const prefix = snapshotPrefix(project);
  const { base, ours, theirs } = snaps;
  const checked = new Set<string>();
  const stems = new Set([...base.tables.keys(), ...theirs.tables.keys()]);
  for (const stem of stems) {
    const [b, o, t] = [base.tables.get(stem), ours.tables.get(stem), theirs.tables.get(stem)];
    // The tables the merge reads (mergeIntoDatabase skips the others): theirs, and the base where it is not ours.
    if (sameTable(t, b) || sameTable(o, t)) continue;
    for (const [snap, table] of [
      [theirs, t],
      [base, sameTable(b, o) ? undefined : b],
    ] as const) {
      if (!table || snap.commit === ours.commit) continue;
      const schemaFile = `${prefix}${TABLES_DIR}/${stem}.sql`;
      const { name, columns } = checkSchemaText('pull', schemaFile, stem, await reader.createText(snap, table), snap.commit);
      for (let i = 0; i < table.dataFiles.length; i++) {
        const blob = table.dataBlobs[i]!;
        // A blob identical to one of ours (or checked already) is known good.
        if (checked.has(`${blob} ${table.schemaBlob}`) || (o && o.schemaBlob === table.schemaBlob && o.dataBlobs.includes(blob))) continue;
        const lines = (await reader.dataText(snap, table, i)).split('\n');
        // The last element is what follows the final line break: empty in a file the writer wrote.
        if (lines[lines.length - 1] === '') lines.pop();
        for (const [n, l] of lines.entries()) checkDataLine('pull', prefix + table.dataFiles[i]!, n + 1, l, { table: name, columns }, snap.commit);
        checked.add(`${blob} ${table.schemaBlob}`);
      }
    }
  }
  const db = await project.connect();
  try {
    const ctx = await objectCheckContext(db, project.config.db.database);
    for (const snap of [theirs, base]) {
      for (const kind of OBJECT_LOAD_ORDER) {
        const file = prefix + OBJECT_FILES[kind];
        if (snap.commit === ours.commit || snap.tree.get(OBJECT_FILES[kind]) === ours.tree.get(OBJECT_FILES[kind])) continue;
        const text = (await project.git.readBlob(snap.commit, file))?.toString('utf8') ?? '';
        checkObjectText('pull', file, kind, text, ctx, snap.commit);
      }
    }
  } finally {
    await db.close();
  }
}
