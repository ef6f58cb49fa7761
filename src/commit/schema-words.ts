/**
 * What a change of a table's definition did, in words for the commit subject
 * (`ip_invoices added column invoice_po_number`), from the old and new `SHOW CREATE TABLE` texts
 * of the snapshot (one column per line, as the server prints them).
 */
export interface SchemaWords {
  /** `added column a, dropped column b, changed column c` or `definition changed` (keys, options). */
  readonly words: string;
  /** Columns added, dropped or redefined: row edits confined to them were made by the schema change. */
  readonly columns: ReadonlySet<string>;
}

const COLUMN_LINE = /^\s+`((?:[^`]|``)+)`\s+(.*?),?$/;

/** Column name -> its definition text, in order. */
function columnDefinitions(create: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of create.split('\n').slice(1)) {
    const m = COLUMN_LINE.exec(line);
    if (m) out.set(m[1]!.replaceAll('``', '`'), m[2]!);
  }
  return out;
}

/** Columns listed with "and N more" past this many. */
const NAMES_SHOWN = 3;

function named(verb: string, names: readonly string[]): string | null {
  if (names.length === 0) return null;
  const noun = names.length === 1 ? 'column' : 'columns';
  const shown = names.slice(0, NAMES_SHOWN).join(', ');
  return `${verb} ${noun} ${shown}${names.length > NAMES_SHOWN ? ` and ${names.length - NAMES_SHOWN} more` : ''}`;
}

export function schemaWords(oldCreate: string, newCreate: string): SchemaWords {
  const before = columnDefinitions(oldCreate);
  const after = columnDefinitions(newCreate);
  const added = [...after.keys()].filter((c) => !before.has(c));
  const dropped = [...before.keys()].filter((c) => !after.has(c));
  const changed = [...after.keys()].filter((c) => before.has(c) && before.get(c) !== after.get(c));
  const parts = [named('added', added), named('dropped', dropped), named('changed', changed)].filter((p): p is string => p !== null);
  return { words: parts.length > 0 ? parts.join(', ') : 'definition changed', columns: new Set([...added, ...dropped, ...changed]) };
}
