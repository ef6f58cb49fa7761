import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';

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
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
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
