import { literalText } from '../snapshot/sql-literal.js';

/**
 * The KEY of `git-dbsync resolve TABLE KEY`: the values of the key columns in key order, separated
 * by commas (`43`, or `7,2026-01-01` for a key of two columns). A value may be written as its SQL
 * literal instead (`'a,b'`), which also allows commas inside it.
 */
export function splitKeyArgument(text: string): string[] {
  const parts: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      cur += c;
      if (c === '\\' && i + 1 < text.length) cur += text[++i];
      else if (c === "'") quoted = false;
    } else if (c === "'") {
      quoted = true;
      cur += c;
    } else if (c === ',') {
      parts.push(cur.trim());
      cur = '';
    } else cur += c;
  }
  parts.push(cur.trim());
  return parts;
}

/** Whether the parts name the key whose literals are `keyCells`: each part is the literal as written, or its plain text. */
export function keyMatches(parts: readonly string[], keyCells: readonly string[]): boolean {
  return parts.length === keyCells.length && keyCells.every((lit, i) => parts[i] === lit || parts[i] === literalText(lit));
}

/** How a key is written on the command line: plain texts joined with commas (literals where the text would be ambiguous). */
export function keyArgument(keyCells: readonly string[]): string {
  return keyCells
    .map((lit) => {
      const t = literalText(lit);
      return t === null || t.includes(',') || t.startsWith("'") || t !== t.trim() ? lit : t;
    })
    .join(',');
}
