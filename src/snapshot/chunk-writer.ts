import { closeSync, createReadStream, createWriteStream, openSync, writeSync } from 'node:fs';
import { rename, unlink } from 'node:fs/promises';
import { once } from 'node:events';
import path from 'node:path';
import { isBoundary, keyHash, keyHashOfBytes, MIN_EXPONENT, nameHash } from './chunking.js';
import { chunkDataPath, DATA_DIR } from './layout.js';
import type { LineSink } from './row-encoder.js';

/**
 * Lines are gathered in a block of this size and written with one system call per block: one
 * write per line would cost more than formatting the row. The writes are synchronous (into the
 * page cache, well under a millisecond a block): nothing else runs while a table is read, and the
 * block is free again as soon as the call returns, so lines are formatted straight into it.
 */
const BLOCK_BYTES = 256 * 1024;

export interface ChunkWriterOptions {
  /** Staging folder, laid out like the snapshot folder. */
  readonly dir: string;
  /** The table's file stem (encodeTableFileName). */
  readonly tableStem: string;
  /** Exponent to split with while writing (the one in use, or an estimate); null: one file. */
  readonly exponent: number | null;
  /**
   * The rows continue a table whose earlier rows are not written here (a re-read of some chunks,
   * see read-chunk-runs.ts): the first row is tested for a boundary like any other, so a range that
   * starts at a chunk's first row opens that chunk's file instead of the table's first data file.
   */
  readonly continuation?: boolean;
}

/** What a table's rows became: its data files (relative to the staging folder, first chunk first), rows and bytes. */
export interface ChunkedTable {
  readonly files: readonly string[];
  readonly rows: number;
  readonly bytes: number;
  /** How many chunk names clashed within the table and took the next free value (see `unique`). */
  readonly renamed: number;
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
  /** The open file, or null before the first row (and after finish). */
  private fd: number | null = null;
  /** Lines not yet in the file: bytes [flushed, pos) of `block`. */
  private block = Buffer.allocUnsafe(BLOCK_BYTES);
  private flushed = 0;
  private pos = 0;
  private readonly used = new Set<number>();
  private rows = 0;
  private bytes = 0;
  private renamed = 0;
  private previousKey: string | null = null;
  /** The previous row's key text as bytes (addLine), kept to tell duplicate keys apart. */
  private previousKeyBytes = Buffer.alloc(64);
  private previousKeyLength = -1;
  // Rows that are boundaries at MIN_EXPONENT: byte offset, keyHash, nameHash.
  private readonly candidateOffset: number[] = [];
  private readonly candidateHash: number[] = [];
  private readonly candidateName: number[] = [];

  constructor(private readonly opts: ChunkWriterOptions) {}

  /** Add the next row (in key order): its line (with the line break) and its key text. */
  write(line: string, key: string): void {
    // A UTF-16 code unit takes at most 3 bytes of UTF-8.
    const out = this.room(line.length * 3);
    const start = this.pos;
    const end = start + out.write(line, start, 'utf8');
    const h = (this.rows > 0 || this.opts.continuation === true) && key !== this.previousKey ? keyHash(key) : null;
    this.previousKey = key;
    this.accept(start, end, h, () => nameHash(key));
  }

  /**
   * The buffer to write the next line into, at `at`, with room for `maxBytes`; then call addLine.
   * The byte-level path: lines are written in place, no string per line.
   */
  room(maxBytes: number): Buffer {
    if (this.block.length - this.pos < maxBytes) {
      this.flush(this.pos);
      // A row larger than the block gets a block of its own size (once).
      if (this.block.length < maxBytes) this.block = Buffer.allocUnsafe(maxBytes);
      else if (this.block.length > BLOCK_BYTES && maxBytes <= BLOCK_BYTES) this.block = Buffer.allocUnsafe(BLOCK_BYTES);
      this.flushed = 0;
      this.pos = 0;
    }
    return this.block;
  }

  /** Where the next line goes in the buffer `room` returned. */
  get at(): number {
    return this.pos;
  }

  /**
   * Add the line written at `at` (ending at `end`, after its line break); its key text is the
   * UTF-8 bytes `keyBytes[keyStart, keyEnd)`, which may be part of the line. Same chunks as
   * `write` with the decoded line and key.
   */
  addLine(end: number, keyBytes: Buffer, keyStart: number, keyEnd: number): void {
    const start = this.pos;
    const h = this.keyHashOf(keyBytes, keyStart, keyEnd);
    this.rememberKey(keyBytes, keyStart, keyEnd);
    this.accept(start, end, h, () => nameHash(keyBytes.toString('utf8', keyStart, keyEnd)));
  }

  /** The hash of a row's key, or null for the first row and for a key equal to the previous row's (never a boundary). */
  private keyHashOf(keyBytes: Buffer, keyStart: number, keyEnd: number): number | null {
    if (this.rows === 0 && this.opts.continuation !== true) return null;
    const h = keyHashOfBytes(keyBytes, keyStart, keyEnd);
    // As in `write`, a key equal to the previous row's never starts a chunk (only a boundary needs the comparison).
    return isBoundary(h, MIN_EXPONENT) && this.samePreviousKey(keyBytes, keyStart, keyEnd) ? null : h;
  }

  /**
   * A huge row's line in parts (RowEncoder.encodeInParts), never whole in memory: its key first,
   * then its bytes, written through the block as they come. Same chunks as `addLine`.
   */
  readonly sink: LineSink = {
    begin: (keyBytes, keyStart, keyEnd) => {
      this.room(BLOCK_BYTES);
      this.lineBytes = 0;
      const h = this.keyHashOf(keyBytes, keyStart, keyEnd);
      this.rememberKey(keyBytes, keyStart, keyEnd);
      this.startLine(this.pos, h, () => nameHash(keyBytes.toString('utf8', keyStart, keyEnd)));
    },
    part: (bytes, start, end) => {
      for (let from = start; from < end; ) {
        if (this.pos === this.block.length) {
          this.flush(this.pos);
          this.flushed = 0;
          this.pos = 0;
        }
        const n = Math.min(end - from, this.block.length - this.pos);
        bytes.copy(this.block, this.pos, from, from + n);
        this.pos += n;
        from += n;
        this.lineBytes += n;
      }
    },
    end: () => this.endLine(this.lineBytes),
  };
  private lineBytes = 0;

  /**
   * Close the last file; when `exponentFor` (given the table's bytes and rows) is not the exponent
   * written with, split again with it. Returns the table's files.
   */
  async finish(exponentFor: (bytes: number, rows: number, splits: (exponent: number) => boolean) => number | null): Promise<ChunkedTable> {
    // An empty table still has its (empty) first data file.
    if (this.fd === null) this.open(this.headPath(), this.pos);
    this.closeCurrent(this.pos);
    // Every exponent's boundaries are among the candidates (rows that are boundaries at MIN_EXPONENT).
    const exponent = exponentFor(this.bytes, this.rows, (e) => this.candidateHash.some((h) => isBoundary(h, e)));
    if (exponent !== this.opts.exponent) await this.resplit(exponent);
    return { files: [...this.files], rows: this.rows, bytes: this.bytes, renamed: this.renamed };
  }

  /** Stop after a failure: the open file is closed (the staging folder is removed by the caller). */
  destroy(): void {
    if (this.fd !== null) {
      try {
        closeSync(this.fd);
      } catch {
        // Already failing: the first error is the one reported.
      }
    }
    this.fd = null;
  }

  /**
   * The line at [start, end) of the block is the next row; `h` is its key's hash when the key
   * differs from the previous row's (null for the first row and for a repeated key).
   */
  private accept(start: number, end: number, h: number | null, name: () => number): void {
    this.startLine(start, h, name);
    this.pos = end;
    this.endLine(end - start);
  }

  /** A line starts at `start` of the block: open the file it goes to (a new chunk when its key is a boundary). */
  private startLine(start: number, h: number | null, name: () => number): void {
    if (h !== null && isBoundary(h, MIN_EXPONENT)) {
      const n = name();
      this.candidateOffset.push(this.bytes);
      this.candidateHash.push(h);
      this.candidateName.push(n);
      if (this.opts.exponent !== null && isBoundary(h, this.opts.exponent))
        this.open(chunkDataPath(this.opts.tableStem, this.opts.exponent, this.unique(n)), start);
    }
    if (this.fd === null) this.open(this.headPath(), start);
  }

  private endLine(bytes: number): void {
    this.bytes += bytes;
    this.rows++;
  }

  private samePreviousKey(bytes: Buffer, start: number, end: number): boolean {
    if (end - start !== this.previousKeyLength) return false;
    for (let i = 0; i < this.previousKeyLength; i++) if (this.previousKeyBytes[i] !== bytes[start + i]) return false;
    return true;
  }

  private rememberKey(bytes: Buffer, start: number, end: number): void {
    const n = end - start;
    if (this.previousKeyBytes.length < n) this.previousKeyBytes = Buffer.alloc(n * 2);
    if (n > 32) bytes.copy(this.previousKeyBytes, 0, start, end);
    else for (let i = 0; i < n; i++) this.previousKeyBytes[i] = bytes[start + i]!;
    this.previousKeyLength = n;
  }

  private headPath(): string {
    return `${DATA_DIR}/${this.opts.tableStem}.sql`;
  }

  /** Chunk names come from a 32-bit hash: a rare clash within the table takes the next free value (deterministic: rows come in key order). */
  private unique(name: number): number {
    let n = name;
    while (this.used.has(n)) n = (n + 1) >>> 0;
    if (n !== name) this.renamed++;
    this.used.add(n);
    return n;
  }

  /** Start a new file; the block's bytes before `upTo` belong to the file before it. */
  private open(rel: string, upTo: number): void {
    this.closeCurrent(upTo);
    this.fd = openSync(path.join(this.opts.dir, rel), 'w');
    this.files.push(rel);
    this.starts.push(this.bytes);
  }

  /** Write the block's bytes up to `upTo` to the open file. */
  private flush(upTo: number): void {
    if (this.fd === null) return;
    while (this.flushed < upTo) this.flushed += writeSync(this.fd, this.block, this.flushed, upTo - this.flushed);
  }

  private closeCurrent(upTo: number): void {
    if (this.fd === null) return;
    this.flush(upTo);
    const fd = this.fd;
    this.fd = null;
    closeSync(fd);
  }

  private async resplit(exponent: number | null): Promise<void> {
    const cuts: Array<{ offset: number; rel: string }> = [{ offset: 0, rel: this.headPath() }];
    this.used.clear();
    this.renamed = 0;
    if (exponent !== null) {
      for (let i = 0; i < this.candidateOffset.length; i++) {
        if (isBoundary(this.candidateHash[i]!, exponent))
          cuts.push({ offset: this.candidateOffset[i]!, rel: chunkDataPath(this.opts.tableStem, exponent, this.unique(this.candidateName[i]!)) });
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
