import { DbsyncError } from '../errors/dbsync-error.js';
import { OBJECT_FILES, type ObjectKind } from './layout.js';
import { quoteId, readQuotedId } from './sql-text.js';

/** A view, routine, trigger or event as stored in the snapshot. */
export interface DbObject {
  readonly kind: ObjectKind;
  /** procedure/function for routines; the object kind otherwise. */
  readonly type: string;
  readonly name: string;
  /** The CREATE statement, without DEFINER and without a trailing delimiter. */
  readonly create: string;
  /**
   * The session settings the object was created under (sql_mode, character_set_client,
   * collation_connection, and time_zone for events) as one SET statement: they decide how its body
   * is parsed, so they are restored with it (as mysqldump does).
   */
  readonly settings: string;
}

/** `SET @@session.x = 'v', ...` for the settings that SHOW CREATE reports. */
export function settingsStatement(vars: Record<string, string | null | undefined>): string {
  const parts = Object.entries(vars)
    .filter((e): e is [string, string] => typeof e[1] === 'string')
    .map(([k, v]) => `@@session.${k} = '${v.replace(/[\\']/g, (c) => '\\' + c)}'`);
  return parts.length ? `SET ${parts.join(', ')}` : '';
}

const DELIM = ';;';

/**
 * All objects of one kind in one file, loadable by the stock client:
 *   DELIMITER ;;
 *   /* git-dbsync: view `v` *\/
 *   SET @@session.character_set_client = 'utf8mb4', ...;;
 *   CREATE ...
 *   ;;
 *   DELIMITER ;
 * Bodies of routines and triggers contain `;`, hence the delimiter. An empty kind is an empty file.
 * A name containing `*\/` would end the marker comment early: its marker is a `-- ` line comment.
 */
export function formatObjectFile(objects: readonly DbObject[]): string {
  if (objects.length === 0) return '';
  const parts = objects.map((o) => `${marker(o)}\n${o.settings ? o.settings + DELIM + '\n' : ''}${o.create}\n${DELIM}\n`);
  return `DELIMITER ${DELIM}\n${parts.join('')}DELIMITER ;\n`;
}

/** The first line of an object's block. */
export function marker(o: Pick<DbObject, 'type' | 'name' | 'kind'>): string {
  const text = `git-dbsync: ${o.type} ${quoteId(o.name)}`;
  if (!o.name.includes('*/')) return `/* ${text} */`;
  if (/[\r\n]/.test(o.name)) {
    throw new DbsyncError({
      operation: 'take snapshot',
      message: `${o.type} ${JSON.stringify(o.name)}: a name with both "*/" and a line break cannot be written to ${OBJECT_FILES[o.kind]}`,
      hint: `rename the ${o.type}`,
    });
  }
  return `-- ${text}`;
}

export function parseObjectFile(kind: ObjectKind, text: string): DbObject[] {
  return objectBlocks(kind, text).map((b) => b.object);
}

/** The objects of a file with the line (1-based) and text of each block's marker line, for checks and messages naming file and line. */
export function objectBlocks(kind: ObjectKind, text: string): Array<{ object: DbObject; line: number; head: string }> {
  if (text.trim() === '') return [];
  const head = `DELIMITER ${DELIM}\n`;
  const tail = 'DELIMITER ;\n';
  if (!text.startsWith(head) || !text.endsWith(tail)) throw new Error(`${kind} file is not in git-dbsync's format`);
  const body = text.slice(head.length, text.length - tail.length);
  const chunks = body.split(`\n${DELIM}\n`);
  const out: Array<{ object: DbObject; line: number; head: string }> = [];
  let line = 2;
  for (const chunk of chunks) {
    const at = line;
    line += chunk.split('\n').length + 1;
    if (chunk.length === 0) continue;
    const m = /^(?:\/\*|--) git-dbsync: (\w+) /.exec(chunk);
    if (!m) throw new Error(`${kind} file line ${at}: missing object marker`);
    const { name, end } = readQuotedId(chunk, m[0].length);
    const nl = chunk.indexOf('\n', end);
    // Optional second line: the settings statement, ended by the delimiter on the same line.
    const nl2 = chunk.indexOf('\n', nl + 1);
    const line2 = nl2 < 0 ? '' : chunk.slice(nl + 1, nl2);
    if (line2.startsWith('SET ') && line2.endsWith(DELIM)) {
      out.push({
        line: at,
        head: chunk.slice(0, nl < 0 ? chunk.length : nl),
        object: { kind, type: m[1]!, name, settings: line2.slice(0, -DELIM.length), create: chunk.slice(nl2 + 1) },
      });
    } else
      out.push({ line: at, head: chunk.slice(0, nl < 0 ? chunk.length : nl), object: { kind, type: m[1]!, name, settings: '', create: chunk.slice(nl + 1) } });
  }
  return out;
}

/** Remove the DEFINER clause: the snapshot must load on any server, as any user with the rights. */
export function stripDefiner(create: string): string {
  return create.replace(/ DEFINER=(?:`(?:[^`]|``)*`|'(?:[^']|'')*'|[^\s@]+)(?:@(?:`(?:[^`]|``)*`|'(?:[^']|'')*'|[^\s]+))?/, '');
}
