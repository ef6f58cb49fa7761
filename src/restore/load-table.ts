import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { Database } from '../db/database.js';
import { DbsyncError } from '../errors/dbsync-error.js';
import { prefixOf, tupleOf } from '../snapshot/row-line.js';

/** The length of the longest line of a data file (to check rows against max_allowed_packet before changing anything). */
export async function longestLine(lines: Readable): Promise<number> {
  let longest = 0;
  for await (const line of createInterface({ input: lines, crlfDelay: Infinity })) longest = Math.max(longest, Buffer.byteLength(line));
  return longest;
}

/**
 * Load a data file (one INSERT per line) as multi-row INSERTs of at most `maxBytes` (a single row
 * of up to `maxRowBytes` goes alone), in one transaction per table where the engine has them.
 * Returns the number of rows loaded.
 */
export async function loadRows(db: Database, table: string, lines: Readable, maxBytes: number, maxRowBytes = maxBytes): Promise<number> {
  let prefix: string | null = null;
  let batch: string[] = [];
  let size = 0;
  let rows = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    await db.execute(prefix + batch.join(','), `load rows into ${table}`);
    batch = [];
    size = 0;
  };
  await db.execute('START TRANSACTION', `load rows into ${table}`);
  for await (const line of createInterface({ input: lines, crlfDelay: Infinity })) {
    if (line.length === 0) continue;
    prefix ??= prefixOf(line);
    const tuple = tupleOf(line, prefix);
    // Sizes in bytes, as the server counts them: text of 3-byte characters is 3 times its length.
    const prefixBytes = Buffer.byteLength(prefix);
    const tupleBytes = Buffer.byteLength(tuple);
    if (prefixBytes + tupleBytes > maxRowBytes) {
      throw new DbsyncError({
        operation: `load rows into ${table}`,
        message: `a row of ${tupleBytes} bytes is larger than the server's max_allowed_packet`,
        hint: 'raise max_allowed_packet on the server (e.g. SET GLOBAL max_allowed_packet=1073741824) and restore again',
      });
    }
    if (size + tupleBytes + 1 > maxBytes - prefixBytes) await flush();
    batch.push(tuple);
    size += tupleBytes + 1;
    rows++;
  }
  await flush();
  await db.execute('COMMIT', `load rows into ${table}`);
  return rows;
}
