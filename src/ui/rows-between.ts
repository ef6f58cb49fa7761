import { diffRowLines } from '../commit/row-diff.js';
import { rowEntry, tableShape, type RowHistoryEntry } from '../history/commit-row-changes.js';
import { DATA_DIR, dataFilesByTable, encodeTableFileName, tableSchemaPath } from '../snapshot/layout.js';
import type { PageContext } from './page-context.js';
import { hideEntrySecrets } from './secret-cells.js';

/** The rows of one table that differ between two commits (`from` -> `to`), by column name, secrets hidden. */
export async function rowsBetween(ctx: PageContext, from: string, to: string, table: string): Promise<RowHistoryEntry[]> {
  const { git } = ctx;
  const prefix = ctx.snapshotPath ? `${ctx.snapshotPath}/` : '';
  const stem = encodeTableFileName(table);
  const side = async (rev: string) => {
    const shape = tableShape((await git.readBlob(rev, prefix + tableSchemaPath(table)))?.toString('utf8') ?? '');
    const files = dataFilesByTable([...(await git.listTree(rev, prefix + DATA_DIR)).keys()].map((p) => p.slice(prefix.length))).get(stem) ?? [];
    let text = '';
    for (const f of files) text += (await git.readBlob(rev, prefix + f))?.toString('utf8') ?? '';
    return { shape, text };
  };
  const [a, b] = [await side(from), await side(to)];
  const lines = diffRowLines(a.text, b.text, b.shape.key, a.shape.key);
  return [
    ...lines.changed.map(([x, y]) => rowEntry(table, { line: x, shape: a.shape }, { line: y, shape: b.shape })),
    ...lines.added.map((l) => rowEntry(table, null, { line: l, shape: b.shape })),
    ...lines.deleted.map((l) => rowEntry(table, { line: l, shape: a.shape }, null)),
  ].map((e) => hideEntrySecrets(ctx.secretRules, e));
}
