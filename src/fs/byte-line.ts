import { createHash } from 'node:crypto';

/**
 * A line too long to be held as a string (a row holding a value of many megabytes): its bytes in
 * fixed blocks, as read. A string would cost the line again in memory each time it is joined or
 * flattened (a 128 MB line of hex held 4-6 times over); here the line is held once and read in
 * place (line-codec.ts reads it with the strict grammar, as it reads a string, load-table.ts sends its values in
 * pieces, line-digest.ts stands it for a short line in diffs).
 */
/**
 * 32 MB blocks: glibc's malloc serves allocations of 32 MB and more with mmap at any time (its
 * dynamic threshold stops there), so a line's blocks go back to the system when collected instead
 * of staying in the heap beside the next huge line. Pages of a block are resident only once written.
 */
const SHIFT = 25;

export class ByteLine {
  private readonly mask: number;

  private constructor(
    private readonly blocks: readonly Buffer[],
    /** Bytes in the line (no line break). */
    readonly length: number,
    private readonly shift: number,
  ) {
    this.mask = (1 << shift) - 1;
  }

  /** The byte at `i`, or -1 past either end (as a string's NaN there, it matches no character). */
  charCodeAt(i: number): number {
    if (i < 0 || i >= this.length) return -1;
    return this.blocks[i >>> this.shift]![i & this.mask]!;
  }

  /** Whether the bytes at `i` are the ASCII text `s`. */
  startsWith(s: string, i: number): boolean {
    for (let k = 0; k < s.length; k++) if (this.charCodeAt(i + k) !== s.charCodeAt(k)) return false;
    return true;
  }

  /** Where the next `s` (one ASCII character) is from `from`, or -1. */
  indexOf(s: string, from: number): number {
    if (s.length !== 1 || s.charCodeAt(0) > 0x7f) throw new Error('ByteLine.indexOf looks for one ASCII character');
    const c = s.charCodeAt(0);
    for (let i = Math.max(0, from); i < this.length; ) {
      const block = this.blocks[i >>> this.shift]!;
      const at = i & this.mask;
      const n = Math.min(block.length - at, this.length - i);
      const found = block.subarray(at, at + n).indexOf(c);
      if (found >= 0) return i + found;
      i += n;
    }
    return -1;
  }

  /** Bytes [start, end) as one buffer (a copy): for parts of the line, never the whole of a huge one. */
  bytes(start: number, end: number): Buffer {
    const out = Buffer.allocUnsafe(Math.max(0, end - start));
    let p = 0;
    for (let i = start; i < end; ) {
      const block = this.blocks[i >>> this.shift]!;
      const from = i & this.mask;
      const n = Math.min(block.length - from, end - i);
      block.copy(out, p, from, from + n);
      p += n;
      i += n;
    }
    return out;
  }

  /** Bytes [start, end) decoded as UTF-8 (cut between characters: see literalPieces in line-codec.ts). */
  slice(start: number, end: number): string {
    return this.bytes(start, end).toString('utf8');
  }

  /** The SHA-256 (hex) of bytes [start, end), read in place (no copy). */
  sha256(start: number, end: number): string {
    const hash = createHash('sha256');
    for (let i = start; i < end; ) {
      const block = this.blocks[i >>> this.shift]!;
      const from = i & this.mask;
      const n = Math.min(block.length - from, end - i);
      hash.update(block.subarray(from, from + n));
      i += n;
    }
    return hash.digest('hex');
  }

  /** Gathers a line's bytes into blocks as they arrive; `shift`: blocks of 2^shift bytes (smaller in tests, to cross blocks). */
  static builder(shift = SHIFT): { push(bytes: Buffer): void; done(): ByteLine } {
    const BLOCK = 1 << shift;
    const MASK = BLOCK - 1;
    const blocks: Buffer[] = [];
    let length = 0;
    return {
      push(bytes: Buffer) {
        for (let from = 0; from < bytes.length; ) {
          const used = length & MASK;
          if (used === 0) blocks.push(Buffer.allocUnsafe(BLOCK));
          const n = Math.min(BLOCK - used, bytes.length - from);
          bytes.copy(blocks[blocks.length - 1]!, used, from, from + n);
          from += n;
          length += n;
        }
      },
      done() {
        // A trailing CR is not part of the line (CR LF line breaks, as the string reader).
        let n = length;
        if (n > 0 && blocks[(n - 1) >>> shift]![(n - 1) & MASK] === 0x0d) n--;
        return new ByteLine(blocks, n, shift);
      },
    };
  }
}
