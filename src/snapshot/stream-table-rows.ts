import type { Database } from '../db/database.js';
import type { ChunkWriter } from './chunk-writer.js';
import { RowEncoder } from './row-encoder.js';
import { collectGarbage, HUGE_VALUE_BYTES } from '../memory/collect-garbage.js';
import type { RowWriter } from './row-line.js';
import { PROGRESS_EVERY_ROWS } from './snapshot-progress.js';
import type { TableInfo } from './table-info.js';

/**
 * Which code turns rows into lines: `fast` (the default) writes them from the driver's buffers
 * (RowEncoder, Database.streamRows); `reference` keeps the string formatter (RowWriter,
 * Database.streamRaw), which the fast one must match byte for byte (the differential test runs both);
 * `parts` (tests only) writes every row as the fast reader writes a huge one, in small parts.
 */
export type RowReader = 'fast' | 'reference' | 'parts';

/** The part size of the `parts` reader: small, so that most values are cut into slices. */
const TEST_PART_BYTES = 64;

/**
 * Stream the rows of `sql` (a SELECT of `writer.selectList`, ordered by the table's key) into
 * `chunks`, in key order. The fast reader takes every table with a key and no secrets transform;
 * within it, a cell the byte rules do not cover goes through the reference literal (per cell, see
 * row-encoder.ts). Tables with secret columns (the transform works on literals) keep the reference
 * path. Tables without a key are not read here (see dumpTable). Returns the rows read.
 */
export async function streamTableRows(
  db: Database,
  table: TableInfo,
  writer: RowWriter,
  chunks: ChunkWriter,
  sql: string,
  opts: { signal?: AbortSignal; onRows?: (rows: number) => void; reader?: RowReader; maxRowBytes?: number },
): Promise<number> {
  const { signal } = opts;
  const operation = `read table ${table.name}`;
  let rows = 0;
  const reader = opts.reader ?? 'fast';
  if (!writer.transforms && reader !== 'reference') {
    const encoder = new RowEncoder(writer);
    const inParts = reader === 'parts';
    await db.streamRows(
      sql,
      writer.selectedCells,
      (row) => {
        if (signal?.aborted) throw new Error('cancelled');
        // A huge row: let the driver's parts of its packet go (see collect-garbage.ts), then write its line in parts.
        if (row.bytes > HUGE_VALUE_BYTES || inParts) {
          if (!inParts) collectGarbage();
          if (encoder.encodeInParts(row, chunks.sink, inParts ? TEST_PART_BYTES : undefined)) {
            if (++rows % PROGRESS_EVERY_ROWS === 0) opts.onRows?.(rows);
            return;
          }
        }
        const out = chunks.room(encoder.maxBytes(row));
        chunks.addLine(encoder.encode(row, out, chunks.at), encoder.keyBuf, encoder.keyStart, encoder.keyEnd);
        if (++rows % PROGRESS_EVERY_ROWS === 0) opts.onRows?.(rows);
      },
      operation,
      opts.maxRowBytes,
    );
  } else {
    for await (const cells of db.streamRaw(sql, operation)) {
      if (signal?.aborted) throw new Error('cancelled');
      const { line, key } = writer.lineAndKey(cells);
      chunks.write(line, key);
      if (++rows % PROGRESS_EVERY_ROWS === 0) opts.onRows?.(rows);
    }
  }
  return rows;
}
