/**
 * Large tables are split into several data files ("chunks") so that a one-row change rewrites,
 * hashes and commits one bounded file instead of the whole table.
 *
 * Boundaries are content-defined: a row starts a new chunk when the hash of its key's text has its
 * low `exponent` bits all zero, so on average a chunk holds 2^exponent rows. Whether a row is a
 * boundary depends on that row alone: inserting or deleting rows changes only the chunk they fall
 * in (deleting a boundary row merges two chunks, inserting one splits a chunk); every other
 * boundary stays put. Chunk files are named after their first row's key hash, so their names stay
 * put too. The first chunk keeps the plain name `data/<table>.sql` (a small table has only it), the
 * others are `data/<table>@<exponent>-<hash>.sql` in the same folder, so the stock restore command
 * (`cat ... data/*.sql ...`) loads them all. `@` never occurs in an encoded table name.
 *
 * The exponent is chosen from the table's actual average row size so that chunks are about
 * CHUNK_TARGET_BYTES; to keep file names stable while a table grows, the exponent already in use
 * is kept while it stays within EXPONENT_SLACK of the ideal one.
 *
 * Hand-written: the hash is FNV-1a with a murmur3 finaliser, because it must be fast per row in
 * JavaScript (a crypto hash per row costs microseconds) and never change between versions.
 */
export const CHUNK_TARGET_BYTES = 256 * 1024;
export const EXPONENT_SLACK = 2;
/** Every boundary at any exponent in use is a boundary at this one (a re-split only needs these rows). */
export const MIN_EXPONENT = 4;
const MAX_EXPONENT = 24;

/** murmur3's finaliser: spreads FNV-1a's weak low bits over the whole word. */
function finalise(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export function keyHash(keyText: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < keyText.length; i++) {
    h ^= keyText.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return finalise(h);
}

/**
 * keyHash of the text whose UTF-8 encoding is `bytes[start, end)`, without making the string when
 * the bytes are ASCII (then each byte is the character's code unit, which keyHash hashes).
 */
export function keyHashOfBytes(bytes: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) {
    const b = bytes[i]!;
    if (b >= 0x80) return keyHash(Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString('utf8'));
    h ^= b;
    h = Math.imul(h, 0x01000193);
  }
  return finalise(h);
}

/**
 * The hash a chunk's file name is made of (its first row's key text). Not keyHash: the low bits of
 * a boundary row's keyHash are all zero, which would leave few distinct names.
 */
export function nameHash(keyText: string): number {
  return keyHash('\u0001' + keyText);
}

/** Whether a row with this key text starts a new chunk. */
export function isBoundary(hash: number, exponent: number): boolean {
  return (hash & ((1 << exponent) - 1)) === 0;
}

/** The exponent whose chunks come closest to `targetBytes` (default CHUNK_TARGET_BYTES) for rows of this average size. */
export function idealExponent(totalBytes: number, rows: number, targetBytes = CHUNK_TARGET_BYTES): number {
  if (rows === 0 || totalBytes === 0) return MAX_EXPONENT;
  const rowsPerChunk = targetBytes / (totalBytes / rows);
  const e = Math.round(Math.log2(Math.max(1, rowsPerChunk)));
  return Math.min(MAX_EXPONENT, Math.max(MIN_EXPONENT, e));
}

/** Keep the exponent in use (stable file names) unless it drifted more than EXPONENT_SLACK from the ideal. */
export function chooseExponent(previous: number | null, ideal: number): number {
  if (previous !== null && Math.abs(previous - ideal) <= EXPONENT_SLACK) return previous;
  return ideal;
}

/**
 * The exponent a table's data is split with, or null for a single file: a table that fits in one
 * chunk keeps exactly one data file (as before chunking existed), whatever its keys hash to.
 */
export function tableExponent(totalBytes: number, rows: number, previous: number | null, targetBytes = CHUNK_TARGET_BYTES): number | null {
  if (totalBytes <= targetBytes) return null;
  return chooseExponent(previous, idealExponent(totalBytes, rows, targetBytes));
}

/**
 * The exponent a table's data is finally written with, once it is known which exponents cut it
 * into more than one file (`splits`): tableExponent's choice, except that a kept (previous)
 * exponent that cuts no chunk at all gives way to the ideal one. A single file does not show the
 * exponent that made it, so the next read of the same rows starts from no previous exponent and
 * takes the ideal one: the layout written must be the one a re-read gives, or a table kept by a
 * change source and the same table read again would differ (seen: a 31-row table at exponent 5
 * stayed one file, its re-read split it at exponent 4).
 */
export function finalExponent(
  totalBytes: number,
  rows: number,
  previous: number | null,
  targetBytes: number,
  splits: (exponent: number) => boolean,
): number | null {
  const e = tableExponent(totalBytes, rows, previous, targetBytes);
  if (e === null || splits(e)) return e;
  return tableExponent(totalBytes, rows, null, targetBytes);
}

/** File name stem (without `.sql`) of a chunk after the first: `<table>@<exponent>-<hash>`. */
export function chunkStem(tableStem: string, exponent: number, hash: number): string {
  return `${tableStem}@${exponent}-${hash.toString(16).padStart(8, '0')}`;
}

/** The parts of a data file stem: its table's stem and, for a chunk after the first, its exponent. */
export function parseDataStem(stem: string): { table: string; exponent: number | null } {
  const m = /^(.*)@(\d+)-[0-9a-f]{8}$/.exec(stem);
  if (!m) return { table: stem, exponent: null };
  return { table: m[1]!, exponent: Number(m[2]) };
}
