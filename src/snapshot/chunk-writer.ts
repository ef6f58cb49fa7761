import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { rename, unlink } from 'node:fs/promises';
import { once } from 'node:events';
import path from 'node:path';
import { isBoundary, keyHash, MIN_EXPONENT, nameHash } from './chunking.js';
import { chunkDataPath, DATA_DIR } from './layout.js';

/** Lines are handed to the file in blocks of about this size. */
const BLOCK_BYTES = 64 * 1024;

export interface ChunkWriterOptions {
  /** Staging folder, laid out like the snapshot folder. */
  readonly dir: string;
  /** The table's file stem (encodeTableFileName). */
  readonly tableStem: string;
  /** Exponent to split with while writing (the one in use, or an estimate); null: one file. */
  readonly exponent: number | null;
}

/** What a table's rows became: its data files (relative to the staging folder, first chunk first), rows and bytes. */
export interface ChunkedTable {
  readonly files: readonly string[];
  readonly rows: number;
  readonly bytes: number;
}

/**
 * Writes one table's lines, in key order, into its chunk files (see chunking.ts): a row whose key
 * is a boundary at the exponent starts the next file. The exponent that fits the table is known
 * only once every row was read, so `finish` re-splits what was written when it differs: from the
 * staged files (byte ranges, no parsing and no second read of the database), using the offsets
 * and hashes of the rows that are boundaries at MIN_EXPONENT, which every exponent's boundaries
 * are among (1 row in 16; a few bytes each).
 *
 * A key equal to the previous row's (duplicate lines of a table without a key) never starts a
 * chunk: such rows stay together, and no two chunks can start with the same key.
 */
export class ChunkWriter {
  private readonly files: string[] = [];
  /** Byte offset (in the concatenation of `files`) where each file starts. */
  private readonly starts: number[] = [];
  private out: WriteStream | null = null;
  /** Lines not yet handed to `out`: written in blocks, one stream write per line would cost more than formatting the row. */
  private pending: string[] = [];
  private pendingBytes = 0;
  /** Files being closed; awaited in finish (a write error, such as a full disk, rejects). */
  private readonly closing: Array<Promise<unknown>> = [];
  /** The first write error of any file: the next write throws it instead of writing on. */
  private failed: Error | null = null;
  private readonly used = new Set<number>();
  private rows = 0;
  private bytes = 0;
  private previousKey: string | null = null;
  // Rows that are boundaries at MIN_EXPONENT: byte offset, keyHash, nameHash.
  private readonly candidateOffset: number[] = [];
  private readonly candidateHash: number[] = [];
  private readonly candidateName: number[] = [];

  constructor(private readonly opts: ChunkWriterOptions) {}

  /** Add the next row (in key order). Returns a promise only when the caller must wait (the disk is behind). */
  write(line: string, key: string): Promise<void> | undefined {
    if (this.failed) throw this.failed;
    if (this.rows > 0 && key !== this.previousKey) {
      const h = keyHash(key);
      if (isBoundary(h, MIN_EXPONENT)) {
        const name = nameHash(key);
        this.candidateOffset.push(this.bytes);
        this.candidateHash.push(h);
        this.candidateName.push(name);
        if (this.opts.exponent !== null && isBoundary(h, this.opts.exponent)) this.open(chunkDataPath(this.opts.tableStem, this.opts.exponent, this.unique(name)));
      }
    }
    this.previousKey = key;
    if (this.out === null) this.open(this.headPath());
    const size = Buffer.byteLength(line);
    this.pending.push(line);
    this.pendingBytes += size;
    this.bytes += size;
    this.rows++;
    if (this.pendingBytes >= BLOCK_BYTES && !this.flush()) return this.drained(this.out!);
    return undefined;
  }

  /** Resolves when `out` can take more; rejects with its error (a stream that failed never drains). */
  private async drained(out: WriteStream): Promise<void> {
    if (out.destroyed) throw out.errored ?? this.failed ?? new Error('the file was closed while being written');
    await once(out, 'drain');
  }

  /**
   * Close the last file; when `exponentFor` (given the table's bytes and rows) is not the exponent
   * written with, split again with it. Returns the table's files.
   */
  async finish(exponentFor: (bytes: number, rows: number) => number | null): Promise<ChunkedTable> {
    // An empty table still has its (empty) first data file.
    if (this.out === null) this.open(this.headPath());
    this.closeCurrent();
    await Promise.all(this.closing);
    const exponent = exponentFor(this.bytes, this.rows);
    if (exponent !== this.opts.exponent) await this.resplit(exponent);
    return { files: [...this.files], rows: this.rows, bytes: this.bytes };
  }

  /** Stop after a failure: the open file is closed (the staging folder is removed by the caller). */
  destroy(): void {
    this.out?.destroy();
    this.out = null;
    this.pending = [];
  }

  private headPath(): string {
    return `${DATA_DIR}/${this.opts.tableStem}.sql`;
  }

  /** Chunk names come from a 32-bit hash: a rare clash within the table takes the next free value (deterministic: rows come in key order). */
  private unique(name: number): number {
    let n = name;
    while (this.used.has(n)) n = (n + 1) >>> 0;
    this.used.add(n);
    return n;
  }

  private open(rel: string): void {
    this.closeCurrent();
    this.out = createWriteStream(path.join(this.opts.dir, rel));
    // A write error (disk full) rejects this; it is awaited in finish, never left unhandled.
    const closed = once(this.out, 'close');
    closed.catch((err: Error) => (this.failed ??= err));
    this.closing.push(closed);
    this.files.push(rel);
    this.starts.push(this.bytes);
  }

  /** Hand the pending lines to the file; false when its buffer is full (wait for 'drain'). */
  private flush(): boolean {
    if (this.pending.length === 0) return true;
    const block = this.pending.join('');
    this.pending = [];
    this.pendingBytes = 0;
    return this.out!.write(block);
  }

  private closeCurrent(): void {
    if (this.out === null) return;
    this.flush();
    this.out.end();
    this.out = null;
  }

  private async resplit(exponent: number | null): Promise<void> {
    const cuts: Array<{ offset: number; rel: string }> = [{ offset: 0, rel: this.headPath() }];
    this.used.clear();
    if (exponent !== null) {
      for (let i = 0; i < this.candidateOffset.length; i++) {
        if (isBoundary(this.candidateHash[i]!, exponent)) cuts.push({ offset: this.candidateOffset[i]!, rel: chunkDataPath(this.opts.tableStem, exponent, this.unique(this.candidateName[i]!)) });
      }
    }
    const tmp = (rel: string) => path.join(this.opts.dir, rel) + '.resplit';
    for (let k = 0; k < cuts.length; k++) {
      const end = k + 1 < cuts.length ? cuts[k + 1]!.offset : this.bytes;
      await this.copyRange(cuts[k]!.offset, end, tmp(cuts[k]!.rel));
    }
    for (const rel of this.files) await unlink(path.join(this.opts.dir, rel));
    for (const c of cuts) await rename(tmp(c.rel), path.join(this.opts.dir, c.rel));
    this.files.splice(0, this.files.length, ...cuts.map((c) => c.rel));
    this.starts.splice(0, this.starts.length, ...cuts.map((c) => c.offset));
  }

  /** Copy bytes [from, to) of the written files (as one sequence) into a new file. */
  private async copyRange(from: number, to: number, file: string): Promise<void> {
    const out = createWriteStream(file);
    const closed = once(out, 'close');
    closed.catch(() => undefined);
    try {
      for (let i = 0; i < this.files.length; i++) {
        const start = this.starts[i]!;
        const end = i + 1 < this.files.length ? this.starts[i + 1]! : this.bytes;
        const a = Math.max(from, start);
        const b = Math.min(to, end);
        if (a >= b) continue;
        for await (const buf of createReadStream(path.join(this.opts.dir, this.files[i]!), { start: a - start, end: b - start - 1 })) {
          if (!out.write(buf)) await once(out, 'drain');
        }
      }
    } finally {
      out.end();
      await closed;
    }
  }
}
