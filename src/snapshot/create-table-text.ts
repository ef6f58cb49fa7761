import { readQuotedId } from './sql-text.js';

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

/** Column names, in order, of a `SHOW CREATE TABLE` text (each column line starts with two spaces and a quoted name). */
export function columnsFromCreate(text: string): string[] {
  const cols: string[] = [];
  for (const line of text.split('\n').slice(1)) {
    if (!line.startsWith('  `')) continue;
    try {
      cols.push(readQuotedId(line, 2).name);
    } catch {
      return [];
    }
  }
  return cols;
}
