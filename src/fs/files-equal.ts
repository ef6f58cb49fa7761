import { open, type FileHandle } from 'node:fs/promises';
import { errnoCode } from '../errors/fs-error.js';

const BUFFER_BYTES = 1 << 20;
/** One pair of read buffers kept between calls: a pass compares hundreds of chunk files, and fresh buffers each time would pile up until a GC. */
let spare: [Buffer, Buffer] | null = null;

/** Byte-for-byte comparison of two files; a missing file equals nothing. Reads in chunks, so any size is fine. */
export async function filesEqual(a: string, b: string): Promise<boolean> {
  let fa: FileHandle | undefined;
  let fb: FileHandle | undefined;
  try {
    fa = await open(a, 'r');
    fb = await open(b, 'r');
  } catch (err) {
    await fa?.close();
    if (errnoCode(err) === 'ENOENT') return false;
    throw err;
  }
  try {
    const [sa, sb] = await Promise.all([fa.stat(), fb.stat()]);
    if (sa.size !== sb.size) return false;
    const size = BUFFER_BYTES;
    const [ba, bb] = spare ?? [Buffer.allocUnsafe(size), Buffer.allocUnsafe(size)];
    spare = null;
    try {
      for (let pos = 0; pos < sa.size; pos += size) {
        const [ra, rb] = await Promise.all([fa.read(ba, 0, size, pos), fb.read(bb, 0, size, pos)]);
        if (ra.bytesRead !== rb.bytesRead || !ba.subarray(0, ra.bytesRead).equals(bb.subarray(0, rb.bytesRead))) return false;
      }
      return true;
    } finally {
      spare = [ba, bb];
    }
  } finally {
    await fa.close();
    await fb.close();
  }
}
