import { readQuotedId } from './sql-text.js';
import { isWord, sqlTokens, type SqlToken } from './sql-tokens.js';

/** The table name stated in a schema file (`CREATE TABLE `name` ...`). */
export function tableNameFromCreate(text: string): string | null {
  const m = /^CREATE (?:TABLE|SEQUENCE) /.exec(text);
  if (!m) return null;
  try {
    return readQuotedId(text, m[0].length).name;
  } catch {
    return null;
  }
}

/**
 * Column names, in order, of a `SHOW CREATE TABLE` text: the items of its column list that start
 * with a quoted name (keys and constraints start with a word). Read with the SQL lexer, not line by
 * line: a generated column's expression or a default may hold a line break inside a string, and a
 * line that then starts with a backtick is no column. [] for a text it cannot read (and for a
 * sequence, which has no column list).
 */
export function columnsFromCreate(text: string): string[] {
  let tokens: SqlToken[];
  try {
    tokens = sqlTokens(text);
  } catch {
    return [];
  }
  if (!isWord(tokens[0], 'CREATE') || !isWord(tokens[1], 'TABLE') || tokens[2]?.kind !== 'id' || tokens[3]?.text !== '(' || tokens[3].kind !== 'punct')
    return [];
  const cols: string[] = [];
  let depth = 1;
  let itemStart = true;
  for (let k = 4; k < tokens.length && depth > 0; k++) {
    const t = tokens[k]!;
    if (itemStart && depth === 1 && t.kind === 'id') cols.push(t.text);
    itemStart = false;
    if (t.kind !== 'punct') continue;
    if (t.text === '(') depth++;
    else if (t.text === ')') depth--;
    else if (t.text === ',' && depth === 1) itemStart = true;
  }
  return depth === 0 ? cols : [];
}

/**
 * The PRIMARY KEY columns of a `SHOW CREATE TABLE` text, in key order ([] without one, or for a
 * text it cannot read): what the snapshot orders rows by when the table has a primary key.
 */
export function primaryKeyFromCreate(text: string): string[] {
  let tokens: SqlToken[];
  try {
    tokens = sqlTokens(text);
  } catch {
    return [];
  }
  for (let k = 0; k + 2 < tokens.length; k++) {
    if (!isWord(tokens[k], 'PRIMARY') || !isWord(tokens[k + 1], 'KEY')) continue;
    let j = k + 2;
    // `PRIMARY KEY USING BTREE (...)` is not what SHOW CREATE writes, but skip words up to the list.
    while (j < tokens.length && tokens[j]!.kind !== 'punct') j++;
    if (tokens[j]?.text !== '(') return [];
    const cols: string[] = [];
    let depth = 1;
    for (j++; j < tokens.length && depth > 0; j++) {
      const t = tokens[j]!;
      if (t.kind === 'id' && depth === 1) cols.push(t.text);
      if (t.kind === 'punct' && t.text === '(') depth++;
      else if (t.kind === 'punct' && t.text === ')') depth--;
    }
    return depth === 0 ? cols : [];
  }
  return [];
}
