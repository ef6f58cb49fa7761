import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { collectGarbage, HUGE_VALUE_BYTES } from '../memory/collect-garbage.js';
import { errnoCode } from '../errors/fs-error.js';
import { ByteLine } from './byte-line.js';

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
 * (a row holding a 64 MB value): split as bytes, each line decoded once. readline grows a long line
 * by concatenation and flattens it again at the break, which held about four times the line in
 * memory. A lone CR stays in the line (readline would split there; a data line never holds one,
 * and the strict reader refuses it).
 */
export function leanLines(input: Readable): AsyncIterable<string> {
  return dataLines(input, Number.POSITIVE_INFINITY) as AsyncIterable<string>;
}

const GARBAGE_EVERY_BYTES = 16 * 1024 * 1024;

/**
 * As leanLines, but a line longer than `hugeBytes` is not made a string at all: it comes as a
 * ByteLine, its bytes held once (see byte-line.ts). A line is cut only at an LF byte, which never
 * occurs inside a multi-byte UTF-8 character, so decoding whole lines equals decoding the stream.
 */
export async function* dataLines(input: Readable, hugeBytes = HUGE_VALUE_BYTES): AsyncIterable<string | ByteLine> {
  let parts: Buffer[] = [];
  let length = 0;
  let big: ReturnType<typeof ByteLine.builder> | null = null;
  const line = (last: Buffer): string | ByteLine => {
    if (!big && length + last.length > hugeBytes) toBytes();
    if (big) {
      big.push(last);
      const done = big.done();
      big = null;
      return done;
    }
    const joined = parts.length === 0 ? last : Buffer.concat([...parts, last]);
    parts = [];
    length = 0;
    const text = joined.toString('utf8');
    return text.endsWith('\r') ? text.slice(0, -1) : text;
  };
  let bigBytes = 0;
  const keep = (rest: Buffer) => {
    if (big) {
      big.push(rest);
      // The stream's chunks are garbage once copied: let them go every 16 MB, or they pile up to the line's size.
      bigBytes += rest.length;
      if (bigBytes >= GARBAGE_EVERY_BYTES) {
        bigBytes = 0;
        collectGarbage();
      }
      return;
    }
    parts.push(rest);
    length += rest.length;
    if (length > hugeBytes) toBytes();
  };
  /** A huge line: first let the garbage of the last one go (see collect-garbage.ts), then gather it in blocks. */
  const toBytes = () => {
    collectGarbage();
    big = ByteLine.builder();
    for (const p of parts) big.push(p);
    parts = [];
    length = 0;
  };
  for await (const chunk of input) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    let from = 0;
    for (;;) {
      const nl = buf.indexOf(0x0a, from);
      if (nl < 0) break;
      yield line(buf.subarray(from, nl));
      from = nl + 1;
    }
    if (from < buf.length) keep(buf.subarray(from));
  }
  if (big || parts.length > 0) {
    const last = line(Buffer.alloc(0));
    if (typeof last !== 'string' || last !== '') yield last;
  }
}
