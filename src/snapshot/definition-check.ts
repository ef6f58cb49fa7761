import { encodeTableFileName, type ObjectKind } from './layout.js';
import { marker, objectBlocks, type DbObject } from './object-file.js';
import { isWord, SqlLexError, sqlTokens, type SqlToken } from './sql-tokens.js';

/**
 * Checks of the definitions in a snapshot (schema files, view/routine/trigger/event blocks) before
 * restore or pull runs them: the repository is untrusted input (README, Security). Each file must
 * hold exactly what the snapshot writes: one CREATE of the object the file or block names, in the
 * configured database. Views, routines, triggers and events are code by nature: these checks keep
 * them to one CREATE statement of the declared kind and name, not to harmless bodies.
 */

/** A refused definition; `line` is 1-based within the file. */
export class DefinitionError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
    this.name = 'DefinitionError';
  }
}

/** Storage engines a snapshot may create: CONNECT, FEDERATED, SPIDER, MERGE and the like reach files, servers or other tables. */
const ENGINES = new Set(['INNODB', 'MYISAM', 'ARIA', 'MEMORY', 'HEAP', 'ARCHIVE', 'CSV', 'BLACKHOLE', 'ROCKSDB', 'COLUMNSTORE', 'S3']);
/** Table options that point outside the database's own storage. */
const FORBIDDEN_TABLE_WORDS = ['SELECT', 'DIRECTORY', 'CONNECTION', 'UNION', 'LIKE', 'TABLESPACE'];
/** Schemas no snapshot object may name. */
const SYSTEM_SCHEMAS = ['mysql', 'information_schema', 'performance_schema', 'sys'];

const lineAt = (text: string, offset: number) => {
  let n = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) n++;
  return n;
};

function tokensOf(text: string): SqlToken[] {
  try {
    return sqlTokens(text);
  } catch (err) {
    if (err instanceof SqlLexError) throw new DefinitionError(err.message, lineAt(text, err.offset));
    throw err;
  }
}

/**
 * A schema file (`tables/<stem>.sql`): exactly `CREATE TABLE `<name>` (...) <options>;` for the
 * table whose encoded name is `stem`; no SELECT, no name qualified by a schema, no comment (the
 * server runs `/*!...*\/`), no second statement, only engines that keep rows in this database.
 * Returns the table's name.
 */
export function checkCreateTable(text: string, stem: string): string {
  const t = tokensOf(text);
  const refuse = (why: string, tok: SqlToken | undefined): never => {
    throw new DefinitionError(why, tok ? lineAt(text, tok.start) : 1);
  };
  if (!isWord(t[0], 'CREATE') || !isWord(t[1], 'TABLE') || t[2]?.kind !== 'id' || t[3]?.text !== '(' || t[3].kind !== 'punct')
    refuse('expected "CREATE TABLE `name` (" and nothing else before it', t[0]);
  const name = t[2]!.text;
  if (encodeTableFileName(name) !== stem) refuse(`the statement creates table ${JSON.stringify(name)}, not the table this file is named for`, t[2]);
  const last = t[t.length - 1];
  if (last?.text !== ';' || last.kind !== 'punct') refuse('expected ";" at the end', last);
  for (let i = 0; i < t.length; i++) {
    const tok = t[i]!;
    if (tok.kind === 'comment' || tok.kind === 'exec-comment') refuse('a comment (the snapshot writes none; the server runs /*!...*/)', tok);
    if (tok.kind === 'punct' && tok.text === ';' && i !== t.length - 1) refuse('a second statement after ";"', tok);
    if (isWord(tok, ...FORBIDDEN_TABLE_WORDS)) refuse(`${tok.text.toUpperCase()} in a table definition`, tok);
    if (tok.kind === 'punct' && tok.text === '.' && isName(t[i - 1]) && isName(t[i + 1]))
      refuse(`a name qualified by ${JSON.stringify(t[i - 1]!.text)} (another schema)`, tok);
    if (isWord(tok, 'ENGINE')) {
      const value = t[i + 1]?.text === '=' ? t[i + 2] : t[i + 1];
      if (!value || !ENGINES.has(value.text.toUpperCase())) refuse(`ENGINE=${value?.text ?? ''}: not an engine a snapshot may create`, tok);
    }
  }
  return name;
}

const isName = (t: SqlToken | undefined) => t !== undefined && (t.kind === 'id' || t.kind === 'word');

export interface ObjectCheckContext {
  /** The configured database: the only schema an object may name. */
  readonly database: string;
  /** Other schemas on the server (lower case), which an object must not name. */
  readonly otherSchemas: ReadonlySet<string>;
}

const TYPES: Readonly<Record<ObjectKind, readonly string[]>> = {
  view: ['view'],
  routine: ['procedure', 'function'],
  trigger: ['trigger'],
  event: ['event'],
};

/** The session settings line: only the variables settingsStatement writes, with plain values. */
const SETTINGS =
  /^SET @@session\.(?:sql_mode|character_set_client|collation_connection|time_zone) = '[A-Za-z0-9_,:+\-./ ]*'(?:, @@session\.(?:sql_mode|character_set_client|collation_connection|time_zone) = '[A-Za-z0-9_,:+\-./ ]*')*$/;

/**
 * One object block. Its lines are relative to the block's marker line (1 = the marker). The
 * CREATE must be of the block's kind and name, with no DEFINER; a view holds no ";" at all, a
 * routine, trigger or event only inside BEGIN ... END (counted, with CASE ... END); nothing names
 * a schema other than `ctx.database`; no `/*!` comment (executed) and no DELIMITER (the stock
 * client would obey it).
 */
export function checkObject(o: DbObject, head: string, ctx: ObjectCheckContext): void {
  const createLine = o.settings ? 3 : 2;
  const refuseAt = (why: string, line: number): never => {
    throw new DefinitionError(`${o.type} ${JSON.stringify(o.name)}: ${why}`, line);
  };
  if (!TYPES[o.kind].includes(o.type)) refuseAt(`a ${o.type} in the file of ${o.kind}s`, 1);
  if (head !== marker(o)) refuseAt('the marker line holds more than the marker', 1);
  if (o.settings && !SETTINGS.test(o.settings))
    refuseAt('the settings line is not a SET of sql_mode, character_set_client, collation_connection or time_zone', 2);
  let t: SqlToken[];
  try {
    t = sqlTokens(o.create);
  } catch (err) {
    if (err instanceof SqlLexError) refuseAt(err.message, createLine - 1 + lineAt(o.create, err.offset));
    throw err;
  }
  const refuse = (why: string, tok: SqlToken | undefined): never => refuseAt(why, createLine - 1 + (tok ? lineAt(o.create, tok.start) : 1));
  if (!isWord(t[0], 'CREATE')) refuse('expected CREATE', t[0]);
  let i = 1;
  // View attributes as SHOW CREATE VIEW writes them; AGGREGATE for aggregate functions.
  if (isWord(t[i], 'ALGORITHM') && t[i + 1]?.text === '=' && t[i + 2]?.kind === 'word') i += 3;
  if (isWord(t[i], 'SQL') && isWord(t[i + 1], 'SECURITY') && isWord(t[i + 2], 'DEFINER', 'INVOKER')) i += 3;
  if (o.type === 'function' && isWord(t[i], 'AGGREGATE')) i++;
  if (!isWord(t[i], o.type.toUpperCase())) refuse(`expected CREATE ${o.type.toUpperCase()} (no DEFINER, no OR REPLACE)`, t[i]);
  // SHOW CREATE TRIGGER repeats the name as it was written (often unquoted); the others quote it.
  const named = t[i + 1];
  const sameName =
    named !== undefined && (named.kind === 'id' ? named.text === o.name : named.kind === 'word' && named.text.toLowerCase() === o.name.toLowerCase());
  if (!sameName || t[i + 2]?.text === '.') refuse(`the statement creates another object than its marker names`, named);
  let depth = 0;
  for (let k = i + 2; k < t.length; k++) {
    const tok = t[k]!;
    if (tok.kind === 'exec-comment') refuse('an executable comment /*!...*/', tok);
    if (isWord(tok, 'DELIMITER')) refuse('DELIMITER inside a definition', tok);
    if (isWord(tok, 'DEFINER') && !(isWord(t[k - 1], 'SECURITY') && isWord(t[k - 2], 'SQL'))) refuse('a DEFINER clause', tok);
    if (isWord(tok, 'BEGIN', 'CASE')) depth++;
    else if (isWord(tok, 'END') && !isWord(t[k + 1], 'IF', 'LOOP', 'WHILE', 'REPEAT', 'FOR')) {
      depth--;
      if (depth < 0) refuse('END without BEGIN', tok);
      if (isWord(t[k + 1], 'CASE')) k++;
    } else if (tok.kind === 'punct' && tok.text === ';') {
      if (o.kind === 'view' || depth === 0) refuse('a statement separator ";" outside BEGIN ... END: a second statement', tok);
      if (t[k + 1]?.kind === 'punct' && t[k + 1]!.text === ';') refuse('";;" (the delimiter of the file) inside a definition', tok);
    } else if (tok.kind === 'punct' && tok.text === '.' && isName(t[k - 1]) && (isName(t[k + 1]) || t[k + 1]?.text === '*')) {
      // `a.b.c`: a is a schema. `a.b`: a is a schema or a table (or alias): refused when it names another schema on this server.
      const threePart = t[k - 2]?.kind === 'punct' && t[k - 2]!.text === '.' && isName(t[k - 3]);
      if (threePart) continue;
      const third = t[k + 2]?.kind === 'punct' && t[k + 2]!.text === '.' && isName(t[k + 3]);
      const qualifier = t[k - 1]!.text;
      if (qualifier === ctx.database) continue;
      const lower = qualifier.toLowerCase();
      if (third || SYSTEM_SCHEMAS.includes(lower) || ctx.otherSchemas.has(lower))
        refuse(`names ${JSON.stringify(qualifier)}, a schema other than the configured database`, tok);
    }
  }
  if (depth !== 0) refuse('BEGIN without END', t[t.length - 1]);
}

/** Every block of an object file (views.sql, ...), checked; the objects in file order. */
export function checkObjectFile(kind: ObjectKind, text: string, ctx: ObjectCheckContext): DbObject[] {
  let blocks: ReturnType<typeof objectBlocks>;
  try {
    blocks = objectBlocks(kind, text);
  } catch (err) {
    const m = /line (\d+)/.exec((err as Error).message);
    throw new DefinitionError((err as Error).message.replace(/^\w+ file (line \d+: )?/, ''), m ? Number(m[1]) : 1);
  }
  const seen = new Set<string>();
  for (const b of blocks) {
    try {
      checkObject(b.object, b.head, ctx);
    } catch (err) {
      if (err instanceof DefinitionError) throw new DefinitionError(err.message, b.line - 1 + err.line);
      throw err;
    }
    const key = `${b.object.type} ${b.object.name}`;
    if (seen.has(key)) throw new DefinitionError(`${key} is defined twice`, b.line);
    seen.add(key);
  }
  return blocks.map((b) => b.object);
}
