import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { collectGarbage, HUGE_VALUE_BYTES } from '../memory/collect-garbage.js';
import { errnoCode } from '../errors/fs-error.js';

/** The lines of a stream (without their line breaks), read as they come: memory stays at one buffer. */
export function readLines(input: Readable): AsyncIterable<string> {
  return createInterface({ input, crlfDelay: Infinity });
}

/** The lines of a stream, which is destroyed when the reader stops early (a git process behind it must not wait on a full pipe). */
export async function* streamLines(input: Readable): AsyncIterable<string> {
  try {
    yield* readLines(input);
  } finally {
    input.destroy();
  }
}

/** The lines of a file; a missing file has none. */
export async function* fileLines(file: string): AsyncIterable<string> {
  try {
    yield* streamLines(createReadStream(file));
  } catch (err) {
    if (errnoCode(err) !== 'ENOENT') throw err;
  }
}

/**
 * Several streams read one after the other as one (a table's chunk files, loaded as one table). A
 * line break is put between two streams when the first does not end with one, so no two lines merge.
 */
export function concatStreams(parts: ReadonlyArray<() => Readable>): Readable {
  async function* all(): AsyncGenerator<Buffer> {
    let last = 0x0a;
    for (const open of parts) {
      if (last !== 0x0a) yield Buffer.from('\n');
      last = 0x0a;
      for await (const chunk of open()) {
        const buf = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
        if (buf.length === 0) continue;
        last = buf[buf.length - 1]!;
        yield buf;
      }
    }
  }
  return Readable.from(all(), { objectMode: false });
}

/** How many non-empty lines a stream has, without splitting it into strings. */
export async function countLines(input: Readable): Promise<number> {
  let n = 0;
  let prev = 0x0a;
  for await (const chunk of input) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    let from = 0;
    for (;;) {
      const nl = buf.indexOf(0x0a, from);
      if (nl < 0) break;
      // A line break right after another one (or at the start) ends an empty line.
      if ((nl === 0 ? prev : buf[nl - 1]) !== 0x0a) n++;
      from = nl + 1;
    }
    if (buf.length > 0) prev = buf[buf.length - 1]!;
  }
  return prev !== 0x0a ? n + 1 : n;
}

/**
 * The lines of a stream like readLines (a line break is LF, or CR LF), for lines that may be huge
 * (a row holding a 64 MB value): each chunk is decoded once and a line is joined once from its
 * pieces. readline grows a long line by concatenation and flattens it again at the break, which
 * held about four times the line in memory. A lone CR stays in the line (readline would split there;
 * a data line never holds one, and the strict reader refuses it).
 */
export async function* leanLines(input: Readable): AsyncIterable<string> {
  const decoder = new StringDecoder('utf8');
  let parts: string[] = [];
  let length = 0;
  const line = (last: string): string => {
    parts.push(last);
    // A huge line: first let the garbage of the last one go (see collect-garbage.ts).
    if (length + last.length > HUGE_VALUE_BYTES) collectGarbage();
    length = 0;
    const joined = parts.length === 1 ? parts[0]! : parts.join('');
    parts = [];
    return joined.endsWith('\r') ? joined.slice(0, -1) : joined;
  };
  for await (const chunk of input) {
    const text = typeof chunk === 'string' ? chunk : decoder.write(chunk as Buffer);
    let from = 0;
    for (;;) {
      const nl = text.indexOf('\n', from);
      if (nl < 0) break;
      yield line(text.slice(from, nl));
      from = nl + 1;
    }
    if (from < text.length) {
      parts.push(text.slice(from));
      length += text.length - from;
    }
  }
  const rest = decoder.end();
  if (rest) parts.push(rest);
  if (parts.length > 0) {
    const last = line('');
    if (last !== '') yield last;
  }
}
