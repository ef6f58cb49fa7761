import { DbsyncError } from '../errors/dbsync-error.js';
import { quoteId } from './sql-text.js';
import { SqlLexError, type SqlToken, sqlTokens } from './sql-tokens.js';

/**
 * A view's definition as it must be in a snapshot: loadable into a database of any name. The
 * server prints a healthy view's body with names relative to its database, but a view it cannot
 * open (its DEFINER account is gone, or a table it reads was dropped) comes back as stored, every
 * column qualified by the database (`shop`.`t`.`id`): such a snapshot, restored under another
 * name, would read the old database or fail. Those qualifiers of the view's own database are
 * removed here. A view that reads another database cannot be made portable and is refused, naming
 * the view and the database, before anything is written.
 *
 * What is removed: `db`. in front of `x`.`y` (three-part column names), and in front of a table or
 * view of the database (`db`.`t`); never inside strings or comments (the lexer tells them apart).
 */
export function portableView(create: string, view: string, schema: string, ctx: { tables: ReadonlySet<string>; otherSchemas: ReadonlySet<string> }): string {
  let tokens: SqlToken[];
  try {
    tokens = sqlTokens(create);
  } catch (err) {
    if (!(err instanceof SqlLexError)) throw err;
    throw refused(view, schema, `its definition cannot be read (${err.message})`);
  }
  const isName = (t: SqlToken | undefined) => t !== undefined && (t.kind === 'id' || t.kind === 'word');
  const isDot = (t: SqlToken | undefined) => t !== undefined && t.kind === 'punct' && t.text === '.';
  const cuts: Array<{ start: number; end: number }> = [];
  for (let k = 0; k < tokens.length; k++) {
    const t = tokens[k]!;
    // Only the first part of a dotted name can be a database.
    if (!isName(t) || isDot(tokens[k - 1]) || !isDot(tokens[k + 1]) || !isName(tokens[k + 2])) continue;
    const threePart = isDot(tokens[k + 3]) && isName(tokens[k + 4]);
    if (t.text === schema && (threePart || ctx.tables.has(tokens[k + 2]!.text))) {
      cuts.push({ start: t.start, end: tokens[k + 2]!.start });
      continue;
    }
    if (t.text !== schema && (threePart || ctx.otherSchemas.has(t.text.toLowerCase())))
      throw refused(view, schema, `it reads another database (${quoteId(t.text)}), so its snapshot would not load into a database of another name`);
  }
  let out = '';
  let at = 0;
  for (const c of cuts) {
    out += create.slice(at, c.start);
    at = c.end;
  }
  return out + create.slice(at);
}

function refused(view: string, schema: string, why: string): DbsyncError {
  return new DbsyncError({
    operation: 'read view definitions',
    message: `view ${view} of database ${schema}: ${why}; nothing was written`,
    hint: `rewrite the view to read only tables of ${schema}, or leave it out with DBSYNC_EXCLUDE_TABLES=${view}`,
  });
}
