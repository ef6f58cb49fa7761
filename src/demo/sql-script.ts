/**
 * Split an SQL script into statements: at `;` outside quotes, without `--` and `#` comment
 * lines' text. Enough for the project's own asset files (no DELIMITER, no stored programs);
 * the driver runs one statement at a time (multiple statements stay off).
 */
export function splitSqlScript(text: string): string[] {
  const out: string[] = [];
  let current = '';
  let quote: string | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      current += c;
      if (c === '\\' && quote !== '`' && i + 1 < text.length) current += text[++i];
      else if (c === quote) {
        // A doubled quote is an escaped quote, not the end of the string.
        if (text[i + 1] === quote) current += text[++i];
        else quote = null;
      }
      continue;
    }
    if (c === "'" || c === '"' || c === '`') {
      quote = c;
      current += c;
    } else if ((c === '-' && text[i + 1] === '-' && /\s/.test(text[i + 2] ?? ' ')) || c === '#') {
      while (i < text.length && text[i] !== '\n') i++;
      current += '\n';
    } else if (c === ';') {
      if (current.trim()) out.push(current.trim());
      current = '';
    } else {
      current += c;
    }
  }
  if (current.trim()) out.push(current.trim());
  return out;
}
