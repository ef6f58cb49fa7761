/** How each table's data is split in a pass: the exponent in use in the working tree, and a first guess without one. */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { tableExponent } from './chunking.js';
import { DATA_DIR, dataFileExponent, dataFileTable } from './layout.js';

/**
 * The exponent each table's chunk files in the working tree were written with (by file stem):
 * kept while it still fits, so that file names stay put (see chunking.ts). The most common one
 * wins should a table have several (files left by hand).
 */
export async function previousExponents(snapshotDir: string | undefined): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  if (!snapshotDir) return out;
  const counts = new Map<string, Map<number, number>>();
  for (const name of await readdir(path.join(snapshotDir, DATA_DIR)).catch(() => [] as string[])) {
    const rel = `${DATA_DIR}/${name}`;
    const table = dataFileTable(rel);
    const e = dataFileExponent(rel);
    if (table === null || e === null) continue;
    const m = counts.get(table) ?? new Map<number, number>();
    m.set(e, (m.get(e) ?? 0) + 1);
    counts.set(table, m);
  }
  for (const [table, m] of counts) out.set(table, [...m].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0]![0]);
  return out;
}

export interface TableChunking {
  /** Staging folder. */
  readonly dir: string;
  readonly stem: string;
  /** The exponent of the table's chunk files in the working tree, if any. */
  readonly previous: number | null;
  /** The server's figures, for a first guess when there is no previous exponent. */
  readonly estimate: { rows: number; avgRowLength: number } | undefined;
  readonly chunkBytes: number;
}

/**
 * The exponent to write with while the rows stream in: the one in use, or else a guess from the
 * server's average row size (a line is the row's text plus the INSERT prefix). The final exponent
 * comes from the exact size once everything is read; a wrong guess costs one re-split of the staged
 * files (ChunkWriter.finish), never a wrong result.
 */
export function provisionalExponent(c: TableChunking, prefixBytes: number): number | null {
  if (c.previous !== null) return c.previous;
  const rows = c.estimate?.rows ?? 0;
  if (rows === 0) return null;
  return tableExponent(rows * ((c.estimate?.avgRowLength ?? 0) + prefixBytes + 4), rows, null, c.chunkBytes);
}
