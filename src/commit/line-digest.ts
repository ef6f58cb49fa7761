import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { ByteLine } from '../fs/byte-line.js';
import { dataLines } from '../fs/line-streams.js';
import { ANY_ROW, parseRowRanges } from '../snapshot/line-codec.js';
import { hexLiteral } from '../snapshot/sql-text.js';

/**
 * A cell of a huge line longer than this stands for its digest in a diff. Larger than any key's
 * literal (an index key is at most 3072 bytes, its literal at most about twice that), so a row
 * keeps its key whether its line is huge on one side only or on both.
 */
const DIGEST_CELL_BYTES = 64 * 1024;
/**
 * The digest's introducer: a character set name no server has, so the writer never writes a cell
 * like it and no real value can equal a digest. Shown (literalText) as the note it holds.
 */
const DIGEST_INTRODUCER = '_dbsyncdigest ';

/**
 * The lines of a data file for the commit's row diff, a huge line (a row with a value of many
 * megabytes, see byte-line.ts) replaced by a short line of the same row: its cells as written,
 * each long one replaced by a note of its size and SHA-256 (DIGEST_INTRODUCER). Two huge lines give equal short
 * lines exactly when they are equal (short of a SHA-256 collision), and the key cells are those of
 * the row, so the diff counts and names the row as before without holding its value as a string.
 * The stream is destroyed when the reader stops early (a git process behind it must not wait on a full pipe).
 */
export async function* digestLines(input: Readable, hugeBytes?: number): AsyncIterable<string> {
  try {
    for await (const line of dataLines(input, hugeBytes)) yield line instanceof ByteLine ? digestOf(line) : line;
  } finally {
    input.destroy();
  }
}

/** digestLines of a file the snapshot wrote. */
export function fileDigestLines(file: string): AsyncIterable<string> {
  return digestLines(createReadStream(file));
}

function digestOf(line: ByteLine): string {
  const parsed = parseRowRanges(line, ANY_ROW);
  const cells = parsed.cells.map(({ start, end }) =>
    end - start <= DIGEST_CELL_BYTES
      ? line.slice(start, end)
      : DIGEST_INTRODUCER + hexLiteral(Buffer.from(`(${end - start} bytes written, SHA-256 ${line.sha256(start, end)})`)),
  );
  return `${parsed.prefix}(${cells.join(',')});`;
}
