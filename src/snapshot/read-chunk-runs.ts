import { readFile, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { Database } from '../db/database.js';
import type { TableSecrets } from '../secrets/table-secrets.js';
import { tableExponent } from './chunking.js';
import type { ChunkReread } from './chunk-plan.js';
import { type ChunkedTable, ChunkWriter } from './chunk-writer.js';
import { DATA_DIR } from './layout.js';
import { RowWriter } from './row-line.js';
import { quoteId } from './sql-text.js';
import { streamTableRows, type RowReader } from './stream-table-rows.js';
import type { TableInfo } from './table-info.js';

/** What re-reading some chunks of a table gave: the new files (staged), the old ones kept, and the row counts. */
export type ChunkRunsResult =
  | {
      readonly kind: 'read';
      /** Files written to the staging folder (relative paths). */
      readonly files: readonly string[];
      /** The table's data files in the working tree that stay exactly as they are. */
      readonly keptFiles: readonly string[];
      /** The table's rows now: previous count - old rows of the re-read chunks + rows read. */
      readonly rows: number;
      readonly rowsRead: number;
      readonly chunksRead: number;
      readonly chunksKept: number;
    }
  | { readonly kind: 'table'; readonly reason: string };

/** `(k1, ..., km) >= (v1, ..., vm)` (or `<`) spelled out, so that the range optimizer uses the key (the first column's bound is repeated for it). */
function keyBound(columns: readonly string[], values: readonly bigint[], op: '>=' | '<'): string {
  const strict = op === '>=' ? '>' : '<';
  const nested = (j: number): string => {
    const c = quoteId(columns[j]!);
    const v = values[j]!.toString();
    if (j === columns.length - 1) return `${c} ${op} ${v}`;
    return `(${c} ${strict} ${v} OR (${c} = ${v} AND ${nested(j + 1)}))`;
  };
  if (columns.length === 1) return nested(0);
  return `${quoteId(columns[0]!)} ${op === '>=' ? '>=' : '<='} ${values[0]!.toString()} AND ${nested(0)}`;
}

async function lineCount(file: string): Promise<number> {
  const buf = await readFile(file);
  let n = 0;
  for (let i = buf.indexOf(0x0a); i >= 0; i = buf.indexOf(0x0a, i + 1)) n++;
  return n;
}

/**
 * Read again only the runs of dirty chunks of an integer-keyed table (chunk-plan.ts), inside the
 * pass's consistent snapshot: per run `WHERE key >= first(run) AND key < first(chunk after the run)`
 * ordered by the key, written by the chunk writer at the table's exponent (kept: file names stay
 * put), replacing exactly the old files of the run. Every other chunk file stays as it is.
 *
 * The result must equal a whole read of the table, file for file, so anything that could make it
 * differ answers `table` (the caller then reads the table whole, in the same snapshot):
 *  - a run after the first chunk must start with its old first row, which is unchanged (a changed
 *    first key would have dirtied the chunk before) and so still a boundary with the same name;
 *  - a run at the table's start that found no row, while chunks follow (the next chunk's first row
 *    would move into the table's first file);
 *  - a chunk name clash (ChunkWriter renamed one), or a new name equal to a kept chunk's;
 *  - a new total size whose ideal exponent drifts beyond EXPONENT_SLACK (a whole read would re-split;
 *    tableExponent on the exact new bytes and rows decides, as ChunkWriter.finish would).
 */
export async function readChunkRuns(
  db: Database,
  table: TableInfo,
  reread: ChunkReread,
  opts: {
    stagingDir: string;
    snapshotAbs: string;
    chunkBytes: number;
    secrets?: TableSecrets;
    signal?: AbortSignal;
    onRows?: (rows: number) => void;
    reader?: RowReader;
  },
): Promise<ChunkRunsResult> {
  const { chunks, exponent } = reread;
  const head = `${DATA_DIR}/${reread.stem}.sql`;
  const written: string[] = [];
  const fail = async (reason: string): Promise<ChunkRunsResult> => {
    for (const f of written) await unlink(path.join(opts.stagingDir, f)).catch(() => undefined);
    return { kind: 'table', reason };
  };
  let oldRows = 0;
  let oldBytes = 0;
  let newRows = 0;
  let newBytes = 0;
  const reread_ = new Set<number>();
  for (const run of reread.runs) {
    const writer = new RowWriter(table, opts.secrets && ((cells) => opts.secrets!.transform(cells)));
    const chunkWriter = new ChunkWriter({ dir: opts.stagingDir, tableStem: reread.stem, exponent, continuation: run.from > 0 });
    const where: string[] = [];
    if (run.from > 0) where.push(keyBound(reread.keyColumns, chunks[run.from]!.first, '>='));
    if (run.to + 1 < chunks.length) where.push(keyBound(reread.keyColumns, chunks[run.to + 1]!.first, '<'));
    const sql = `SELECT ${writer.selectList} FROM ${quoteId(table.name)}${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY ${reread.keyColumns.map(quoteId).join(',')}`;
    let result: ChunkedTable;
    try {
      const rows = await streamTableRows(db, table, writer, chunkWriter, sql, {
        signal: opts.signal,
        onRows: (n) => opts.onRows?.(newRows + n),
        reader: opts.reader,
      });
      result = await chunkWriter.finish(() => exponent);
      if (result.rows !== rows) throw new Error(`${rows} rows read, ${result.rows} written`);
    } catch (err) {
      chunkWriter.destroy();
      throw err;
    }
    const twice = result.files.some((f) => written.includes(f));
    written.push(...result.files.filter((f) => !written.includes(f)));
    if (result.renamed > 0 || twice) return fail('a chunk name clash');
    if (run.from > 0 && result.files[0] !== chunks[run.from]!.file) return fail(`the re-read of ${chunks[run.from]!.file} did not start with its first row`);
    if (run.from === 0 && result.rows === 0 && run.to + 1 < chunks.length) return fail('the first chunks lost every row');
    if (run.from === 0 && result.files[0] !== head) return fail('the first chunk was not written first');
    for (let i = run.from; i <= run.to; i++) {
      reread_.add(i);
      oldRows += await lineCount(path.join(opts.snapshotAbs, chunks[i]!.file));
      oldBytes += chunks[i]!.bytes;
    }
    newRows += result.rows;
    newBytes += result.bytes;
  }
  const keptFiles = chunks.filter((_, i) => !reread_.has(i)).map((c) => c.file);
  const keptSet = new Set(keptFiles);
  if (written.some((f) => keptSet.has(f))) return fail('a new chunk has the name of a kept one');
  const rows = reread.previousRows - oldRows + newRows;
  const bytes = reread.totalBytes - oldBytes + newBytes;
  if (rows < 0) return fail('the recorded row count is below the rows of the re-read chunks');
  if (tableExponent(bytes, rows, exponent, opts.chunkBytes) !== exponent) return fail(`the table's new size (${bytes} bytes) calls for another chunk exponent`);
  // One file left: a whole read would take the ideal exponent then (finalExponent in chunking.ts).
  if (written.length + keptFiles.length === 1 && tableExponent(bytes, rows, null, opts.chunkBytes) !== exponent) return fail('the table is down to one file');
  return { kind: 'read', files: written, keptFiles, rows, rowsRead: newRows, chunksRead: reread_.size, chunksKept: keptFiles.length };
}
