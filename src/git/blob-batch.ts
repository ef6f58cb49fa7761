import type { Readable, Writable } from 'node:stream';

/** A blob larger than the reader asked for: only its size (its bytes were read past, never held). */
export interface SkippedBlob {
  readonly skipped: true;
  readonly size: number;
}

/** A blob's bytes; null when the name does not resolve to a blob (a file new in this pass). */
export type BatchBlob = Buffer | SkippedBlob | null;

interface Request {
  readonly maxBytes: number;
  resolve(blob: BatchBlob): void;
  reject(err: Error): void;
}

/**
 * Reads many blobs through one `git cat-file --batch` (spawned by Git.blobBatch in git.ts): a
 * pass reads hundreds of old chunk files, and a process per file costs more than reading them.
 * Requests are answered in order; the caller decides how many are in flight (each answer is held
 * whole, so asking for everything at once would hold everything at once).
 */
export class BlobBatch {
  private readonly queue: Request[] = [];
  /** Bytes of a header line not yet complete. */
  private header: Buffer[] = [];
  /** The answer being read: its buffer (null while skipping), bytes still due (content plus the final line break). */
  private body: { readonly buf: Buffer | null; readonly size: number; filled: number; due: number; readonly value: BatchBlob } | null = null;
  private failure: Error | null = null;
  private closed = false;

  constructor(
    private readonly input: Writable,
    output: Readable,
    /** Ends the process at once (a reader that gave up must not leave git waiting on a full pipe). */
    private readonly kill: () => void,
  ) {
    output.on('data', (chunk: Buffer) => this.take(chunk));
  }

  /** The blob named `name` (`<commit>:<path>` or an id); its bytes only when at most `maxBytes`. */
  read(name: string, maxBytes = Number.MAX_SAFE_INTEGER): Promise<BatchBlob> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closed) return Promise.reject(new Error('blob reader closed'));
    // git takes the whole line as the name: a line break would make it two requests.
    if (name.includes('\n')) return Promise.resolve(null);
    return new Promise((resolve, reject) => {
      this.queue.push({ maxBytes, resolve, reject });
      this.input.write(name + '\n');
    });
  }

  /** Ask git to stop (it exits once its input ends); requests still unanswered are failed. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.input.end();
    if (this.queue.length > 0) {
      this.kill();
      this.fail(new Error('blob reader closed'));
    }
  }

  /** The process failed or ended: every unanswered request (and every later one) fails with `err`. */
  fail(err: Error): void {
    this.failure ??= err;
    for (const r of this.queue.splice(0)) r.reject(this.failure);
  }

  private take(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length) {
      if (this.body) {
        const b = this.body;
        const n = Math.min(b.due, chunk.length - at);
        if (b.buf && b.filled < b.size) {
          const copy = Math.min(n, b.size - b.filled);
          chunk.copy(b.buf, b.filled, at, at + copy);
          b.filled += copy;
        }
        b.due -= n;
        at += n;
        if (b.due === 0) {
          this.body = null;
          this.queue.shift()?.resolve(b.value);
        }
        continue;
      }
      const nl = chunk.indexOf(0x0a, at);
      if (nl < 0) {
        this.header.push(chunk.subarray(at));
        return;
      }
      this.header.push(chunk.subarray(at, nl));
      at = nl + 1;
      const line = Buffer.concat(this.header).toString('utf8');
      this.header = [];
      this.answer(line);
    }
  }

  /** A header line: `<id> <type> <size>`, or `<name> missing` / `<name> ambiguous`. */
  private answer(line: string): void {
    const request = this.queue[0];
    const m = / (\w+) (\d+)$/.exec(line);
    if (!request) return;
    if (!m) {
      this.queue.shift();
      request.resolve(null);
      return;
    }
    const size = Number(m[2]);
    const keep = m[1] === 'blob' && size <= request.maxBytes;
    const buf = keep ? Buffer.allocUnsafe(size) : null;
    const value: BatchBlob = m[1] !== 'blob' ? null : (buf ?? { skipped: true, size });
    this.body = { buf, size, filled: 0, due: size + 1, value };
  }
}
