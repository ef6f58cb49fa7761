import { dataLines } from '../fs/line-streams.js';
import { ByteLine } from '../fs/byte-line.js';
import { collectGarbage } from '../memory/collect-garbage.js';
import type { Readable } from 'node:stream';
import type { Database } from '../db/database.js';
import { DbsyncError } from '../errors/dbsync-error.js';
import { ExitCode } from '../errors/exit-codes.js';
import {
  isLiteral,
  LineSyntaxError,
  literalPieces,
  parseRowLine,
  parseRowRanges,
  type LineExpectation,
  type LineText,
  type ParsedLine,
} from '../snapshot/line-codec.js';
import { tupleOf } from '../snapshot/row-line.js';
import { quoteId } from '../snapshot/sql-text.js';

/** The length in bytes of the longest line of a data file (to check rows against max_allowed_packet before changing anything); no line is held. */
export async function longestLine(lines: Readable): Promise<number> {
  let longest = 0;
  let current = 0;
  for await (const chunk of lines) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    let from = 0;
    for (;;) {
      const nl = buf.indexOf(0x0a, from);
      if (nl < 0) break;
      longest = Math.max(longest, current + nl - from - (nl > 0 && buf[nl - 1] === 0x0d ? 1 : 0));
      current = 0;
      from = nl + 1;
    }
    current += buf.length - from;
  }
  return Math.max(longest, current);
}

/**
 * A row whose values take more than this is loaded in pieces: each large value is sent as
 * literals of PIECE_CHARS characters joined by CONCAT into a user variable on the server, and the
 * row is inserted from the variables. Sent whole, a 64 MB value was one string for the statement
 * and one buffer for the packet besides the line itself (about 4 times the line in memory).
 */
const PIECEWISE_BYTES = 4 * 1024 * 1024;
const PIECE_CHARS = 4 * 1024 * 1024;

/**
 * Load a data file (one INSERT per line) as multi-row INSERTs of at most `maxBytes` (a single row
 * of up to `maxRowBytes` goes alone), in one transaction per table where the engine has them.
 * `mapLine` rewrites each line first (restore of secrets: the statements then hold decrypted
 * values, so a failure's message is cut before any quoted text). Returns the number of rows loaded.
 */
export async function loadRows(
  db: Database,
  table: string,
  lines: Readable,
  maxBytes: number,
  maxRowBytes: number,
  opts: { expect: LineExpectation; mapLine?: ((line: string) => string) | undefined; into?: string },
): Promise<number> {
  const { expect, mapLine } = opts;
  let prefix: string | null = null;
  let batch: string[] = [];
  let size = 0;
  let rows = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    const sql = prefix + batch.join(',');
    if (mapLine) await db.execute(sql, `load rows into ${table}`).catch((err: unknown) => Promise.reject(withoutValues(err)));
    else await db.execute(sql, `load rows into ${table}`);
    batch = [];
    size = 0;
  };
  await db.execute('START TRANSACTION', `load rows into ${table}`);
  const samePrefix = (parsedTable: string, parsedPrefix: string): string => {
    // `into`: the shadow table the rows go to (the line names the real table; the rest of its prefix is kept).
    const head = `INSERT INTO ${quoteId(parsedTable)}`;
    const wantPrefix = opts.into === undefined ? parsedPrefix : `INSERT INTO ${quoteId(opts.into)}${parsedPrefix.slice(head.length)}`;
    prefix ??= wantPrefix;
    if (wantPrefix !== prefix)
      throw new DbsyncError({
        operation: `load rows into ${table}`,
        message: 'row lines with different column lists',
        hint: 'the repository was altered: restore a commit you trust',
        exitCode: ExitCode.Unsafe,
      });
    return prefix;
  };
  const fitsPacket = (prefixBytes: number, tupleBytes: number) => {
    if (prefixBytes + tupleBytes > maxRowBytes) {
      throw new DbsyncError({
        operation: `load rows into ${table}`,
        message: `a row of ${tupleBytes} bytes is larger than the server's max_allowed_packet`,
        hint: 'raise max_allowed_packet on the server (e.g. SET GLOBAL max_allowed_packet=1073741824) and restore again',
      });
    }
  };
  /**
   * One row whose large values go in pieces (a huge line, or a line over PIECEWISE_BYTES), read as
   * positions so that no value is copied whole; `lineBytes`: the line's size in bytes.
   */
  const loadPiecewise = async (line: LineText, lineBytes: number) => {
    const parsed = strictly(table, () => parseRowRanges(line, expect));
    const rowPrefix = samePrefix(parsed.table, parsed.prefix);
    fitsPacket(Buffer.byteLength(rowPrefix), lineBytes - Buffer.byteLength(parsed.prefix) - 1);
    await flush();
    const cells = parsed.cells.map((r) => (r.end - r.start <= PIECE_CHARS ? line.slice(r.start, r.end) : () => literalPieces(line, r, PIECE_CHARS)));
    await loadInPieces(db, table, rowPrefix, cells);
    rows++;
  };
  let huge = false;
  for await (const read of dataLines(lines)) {
    huge ||= read instanceof ByteLine;
    if (read instanceof ByteLine && !mapLine) {
      // A huge line (see byte-line.ts): read in place.
      await loadPiecewise(read, read.length);
      continue;
    }
    // With secrets to decrypt (mapLine works on text), a huge line is made a string after all.
    const raw = read instanceof ByteLine ? read.slice(0, read.length) : read;
    // Only what the strict codec accepts is sent (the caller checked every file before the first
    // change; reading it again here keeps the statement text exactly the checked text).
    const parsed: ParsedLine = strictly(table, () => parseRowLine(raw, expect));
    samePrefix(parsed.table, parsed.prefix);
    const tuple = mapLine ? tupleOf(mapLine(raw), parsed.prefix) : parsed.tuple;
    // Sizes in bytes, as the server counts them: text of 3-byte characters is 3 times its length.
    const prefixBytes = Buffer.byteLength(prefix!);
    const tupleBytes = Buffer.byteLength(tuple);
    fitsPacket(prefixBytes, tupleBytes);
    if (!mapLine && tupleBytes > PIECEWISE_BYTES) {
      await loadPiecewise(raw, Buffer.byteLength(parsed.prefix) + tupleBytes + 1);
      continue;
    }
    if (size + tupleBytes + 1 > maxBytes - prefixBytes) await flush();
    batch.push(tuple);
    size += tupleBytes + 1;
    rows++;
  }
  await flush();
  await db.execute('COMMIT', `load rows into ${table}`);
  // The last huge line is garbage only now (the loop held it): let it go before whatever comes next
  // reads another (restore reads the database again at the end; see collect-garbage.ts).
  if (huge) collectGarbage();
  return rows;
}

/** A cell of a row loaded in pieces: its literal, or (a large value) how to cut it into pieces. */
type PieceCell = string | (() => { pieces: Iterable<string>; charset: string | null });

/** Insert one row whose large values go in pieces (see PIECEWISE_BYTES); `prefix`: `INSERT INTO ... VALUES `. */
async function loadInPieces(db: Database, table: string, prefix: string, cells: readonly PieceCell[]): Promise<void> {
  const operation = `load rows into ${table}`;
  const values: string[] = [];
  const used: string[] = [];
  for (const [i, cell] of cells.entries()) {
    if (typeof cell === 'string') {
      values.push(cell);
      continue;
    }
    const { pieces, charset } = cell();
    const name = `@dbsync_value_${i}`;
    used.push(name);
    let k = 0;
    for (const piece of pieces) {
      // Each piece is a literal on its own (checked again: only literals of the grammar are ever sent).
      if (!isLiteral(piece)) throw new Error(`a piece of a value of ${table} is not a literal (literalPieces)`);
      await db.execute(k++ === 0 ? `SET ${name} = ${piece}` : `SET ${name} = CONCAT(${name}, ${piece})`, operation);
      // Each piece leaves its text, statement and packet behind (three times its size): let them go
      // before the next, or a value's pieces pile up as garbage the size of the value several times.
      collectGarbage();
    }
    values.push(charset === null ? name : `CONVERT(${name} USING ${charset})`);
  }
  await db.execute(`${prefix}(${values.join(',')})`, operation);
  for (const name of used) await db.execute(`SET ${name} = NULL`, operation);
  // The statements' strings and packets are garbage of the row's size (see collect-garbage.ts).
  collectGarbage();
}

/** A line read by the strict codec; a refusal becomes the user's error. */
function strictly<T>(table: string, read: () => T): T {
  try {
    return read();
  } catch (err) {
    if (!(err instanceof LineSyntaxError)) throw err;
    throw new DbsyncError({
      operation: `load rows into ${table}`,
      message: `a row line is not what git-dbsync writes (${err.message})`,
      hint: 'the repository was altered: restore a commit you trust',
      exitCode: ExitCode.Unsafe,
    });
  }
}

/** A load error without the server's quotation of the statement (`near '...'`, `value: '...'`), which could hold a decrypted secret. */
function withoutValues(err: unknown): unknown {
  if (!(err instanceof DbsyncError)) return err;
  const quote = err.message.indexOf("'");
  if (quote < 0) return err;
  return new DbsyncError({
    operation: err.operation,
    message: `${err.message.slice(0, quote).trimEnd()} (the rest is not shown: the statement holds restored secrets)`,
    hint: err.hint,
    exitCode: err.exitCode,
  });
}
