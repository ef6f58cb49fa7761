/**
 * Row identity and order for merging: a row's key is the literals of its key columns, as the
 * snapshot wrote them (the snapshot is deterministic, so equal literals <=> equal values).
 */

/**
 * Joins key cells into one Map key. A raw NUL never occurs in a row line (the snapshot writes it
 * as `\0` inside a string, or as hex), so the join is unambiguous.
 */
export const KEY_SEPARATOR = '\u0000';

export function keyText(cells: readonly string[]): string {
  return cells.join(KEY_SEPARATOR);
}

export function keyCellsOf(text: string): string[] {
  return text.split(KEY_SEPARATOR);
}

const DECIMAL = /^-?[0-9]+(\.[0-9]+)?$/;
const FLOAT = /^-?[0-9]+(\.[0-9]+)?(e[-+]?[0-9]+)?$/i;

/** -1, 0, 1 for two unsigned digit strings (leading zeros allowed, ZEROFILL writes them). */
function compareDigits(a: string, b: string): number {
  a = a.replace(/^0+(?=.)/, '');
  b = b.replace(/^0+(?=.)/, '');
  if (a.length !== b.length) return a.length < b.length ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Fractional digit strings: compare as if padded with zeros to the same length. */
function compareFraction(a: string, b: string): number {
  const n = Math.max(a.length, b.length);
  const pa = a.padEnd(n, '0');
  const pb = b.padEnd(n, '0');
  return pa < pb ? -1 : pa > pb ? 1 : 0;
}

/** Numeric order of two decimal literals (`-12`, `3.50`) without floating point: exact for BIGINT and DECIMAL(65). */
function compareDecimal(a: string, b: string): number {
  const negA = a.startsWith('-');
  const negB = b.startsWith('-');
  const [ia = '', fa = ''] = (negA ? a.slice(1) : a).split('.');
  const [ib = '', fb = ''] = (negB ? b.slice(1) : b).split('.');
  const zeroA = /^0*$/.test(ia) && /^0*$/.test(fa);
  const zeroB = /^0*$/.test(ib) && /^0*$/.test(fb);
  // -0 and 0 are the same number.
  const signA = zeroA ? 0 : negA ? -1 : 1;
  const signB = zeroB ? 0 : negB ? -1 : 1;
  if (signA !== signB) return signA < signB ? -1 : 1;
  const magnitude = compareDigits(ia, ib) || compareFraction(fa, fb);
  return signA < 0 ? -magnitude : magnitude;
}

/**
 * The common case, fast (keys are mostly AUTO_INCREMENT ids): two integers without sign or leading
 * zero compare by length, then as text. 0 when that does not apply (or they are equal).
 */
function compareCanonicalIntegers(a: string, b: string): number {
  const n = a.length;
  const m = b.length;
  if (n === 0 || m === 0 || (a.charCodeAt(0) === 48 && n > 1) || (b.charCodeAt(0) === 48 && m > 1)) return 0;
  for (let i = 0; i < n; i++) {
    const c = a.charCodeAt(i);
    if (c < 48 || c > 57) return 0;
  }
  for (let i = 0; i < m; i++) {
    const c = b.charCodeAt(i);
    if (c < 48 || c > 57) return 0;
  }
  if (n !== m) return n < m ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Order of two literals of one column: numbers by value (the snapshot's order for numeric keys,
 * such as AUTO_INCREMENT ids), everything else by the literal's text (quoted dates and times sort
 * right; strings may sort differently from their collation). Total: 0 only for equal literals.
 */
export function compareLiterals(a: string, b: string): number {
  if (a === b) return 0;
  // Quoted strings, dates and times: by text.
  if (a.charCodeAt(0) === 39 && b.charCodeAt(0) === 39) return a < b ? -1 : 1;
  const fast = compareCanonicalIntegers(a, b);
  if (fast !== 0) return fast;
  if (DECIMAL.test(a) && DECIMAL.test(b)) {
    const byValue = compareDecimal(a, b);
    if (byValue !== 0) return byValue;
  } else if (FLOAT.test(a) && FLOAT.test(b)) {
    // DOUBLE keys as the server prints them (1e20, -1.5e-7).
    const x = Number(a);
    const y = Number(b);
    if (x !== y) return x < y ? -1 : 1;
  }
  // Hex literals (0x..., the bytes of binary keys) compare in byte order as text, too.
  return a < b ? -1 : 1;
}

/** Order of two keys: column by column with compareLiterals. */
export function compareKeyCells(a: readonly string[], b: readonly string[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const c = compareLiterals(a[i]!, b[i]!);
    if (c !== 0) return c;
  }
  return a.length - b.length;
}

/**
 * Order of whole row lines, the snapshot's order for tables without a key: it sorts the lines
 * with their trailing newline by UTF-16 code units (Array.prototype.sort), reproduced here for
 * lines without it.
 */
export function compareRowLines(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return x - y;
  }
  // One is a prefix of the other: the shorter one continues with its newline.
  return a.length < b.length ? 10 - b.charCodeAt(n) : a.charCodeAt(n) - 10;
}
