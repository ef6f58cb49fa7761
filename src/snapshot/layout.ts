import { createHash } from 'node:crypto';
import { LOAD_SETTINGS } from '../db/mariadb/write-session.js';
import { chunkStem, parseDataStem } from './chunking.js';

/**
 * Where each part of a snapshot lives, relative to the snapshot folder. One schema file and one
 * or more data files per table (a large table is split into chunks, see chunking.ts: `data/<table>.sql`
 * first, then `data/<table>@<exponent>-<hash>.sql`); the other object kinds each in one file, in an order that loads.
 * Plain `cat` in the order of LOAD_ORDER restores the whole snapshot with the stock client.
 */
export const HEADER_FILE = 'header.sql';
/** MariaDB sequences, definition and next value, one line each (sequence-file.ts); before the tables, whose DEFAULT may use them. */
export const SEQUENCES_FILE = 'sequences.sql';
export const TABLES_DIR = 'tables';
export const DATA_DIR = 'data';
/**
 * System-versioned tables (WITH SYSTEM VERSIONING): every version of each row, history and current,
 * with its row start and row end, one file per table, `history/<table>.sql` (system-versioning.ts).
 * A folder of its own: no encoded table name or chunk name can make a data file's path collide with
 * it, and `data/*.sql` (the stock client's load, the current rows) never picks it up.
 */
export const HISTORY_DIR = 'history';
/** DBSYNC_FILES: the application's files, by their path relative to DBSYNC_FILES_ROOT (see src/files). */
export const FILES_DIR = 'files';
export const OBJECT_FILES = {
  view: 'views.sql',
  routine: 'routines.sql',
  trigger: 'triggers.sql',
  event: 'events.sql',
} as const;
export type ObjectKind = keyof typeof OBJECT_FILES;

/** Routines before views (a view may call a stored function); triggers and events last. */
export const OBJECT_LOAD_ORDER: readonly ObjectKind[] = ['routine', 'view', 'trigger', 'event'];

/** The shell words that list the snapshot files in load order (used in the README and header). */
export const LOAD_ORDER = [HEADER_FILE, SEQUENCES_FILE, `${TABLES_DIR}/*.sql`, `${DATA_DIR}/*.sql`, ...OBJECT_LOAD_ORDER.map((k) => OBJECT_FILES[k])];

function headerText(order: readonly string[]): string {
  return (
    [
      '-- git-dbsync snapshot. Load it into an empty database with the stock client, from this folder:',
      `--   cat ${order.join(' ')} | mariadb --binary-mode DBNAME`,
      ...LOAD_SETTINGS.map((s) => s + ';'),
    ].join('\n') + '\n'
  );
}

export const HEADER_TEXT = headerText(LOAD_ORDER);

/** The header of snapshots written before sequences.sql existed: still accepted by restore. */
export const EARLIER_HEADER_TEXTS: readonly string[] = [headerText(LOAD_ORDER.filter((f) => f !== SEQUENCES_FILE))];

/** File names keep [a-z0-9_-]; any other character (upper case too, so that names never collide on case-insensitive file systems) becomes %XX per UTF-8 byte. */
export function encodeTableFileName(table: string): string {
  let out = '';
  for (const ch of table) {
    if (/^[a-z0-9_-]$/.test(ch)) out += ch;
    else for (const b of Buffer.from(ch, 'utf8')) out += '%' + b.toString(16).toUpperCase().padStart(2, '0');
  }
  // File names are limited to 255 bytes; long encodings keep a readable prefix plus a hash.
  if (out.length > 200) out = out.slice(0, 150).replace(/%[0-9A-F]?$/, '') + '~' + createHash('sha256').update(table).digest('hex').slice(0, 16);
  return out;
}

export function tableSchemaPath(table: string): string {
  return `${TABLES_DIR}/${encodeTableFileName(table)}.sql`;
}

export function tableDataPath(table: string): string {
  return `${DATA_DIR}/${encodeTableFileName(table)}.sql`;
}

/** A system-versioned table's history file (every version of its rows, see system-versioning.ts). */
export function tableHistoryPath(table: string): string {
  return `${HISTORY_DIR}/${encodeTableFileName(table)}.sql`;
}

/** The encoded table name (file stem) a history file belongs to, or null for a path that is no history file. */
export function historyFileTable(rel: string): string | null {
  const m = /^history\/([^/]+)\.sql$/.exec(rel);
  return m ? m[1]! : null;
}

/** A further chunk of a table's data (its first chunk is tableDataPath). */
export function chunkDataPath(tableStem: string, exponent: number, hash: number): string {
  return `${DATA_DIR}/${chunkStem(tableStem, exponent, hash)}.sql`;
}

/** True for a path (relative to the snapshot folder) that this layout writes (chunk names included). */
export function isSnapshotPath(rel: string): boolean {
  if (rel === HEADER_FILE || rel === SEQUENCES_FILE || Object.values(OBJECT_FILES).includes(rel as never)) return true;
  return /^(tables|data|history)\/[^/]+\.sql$/.test(rel);
}

/** The encoded table name (file stem) a data file belongs to, or null for a path that is no data file. */
export function dataFileTable(rel: string): string | null {
  const m = /^data\/([^/]+)\.sql$/.exec(rel);
  return m ? parseDataStem(m[1]!).table : null;
}

/** The exponent in a chunk's name (null for a table's first data file or another path). */
export function dataFileExponent(rel: string): number | null {
  const m = /^data\/([^/]+)\.sql$/.exec(rel);
  return m ? parseDataStem(m[1]!).exponent : null;
}

/**
 * The data files among `paths` (relative to the snapshot folder), by table stem, each table's in
 * load order: its first chunk (`data/<table>.sql`) first, then the others by name.
 */
export function dataFilesByTable(paths: Iterable<string>): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const p of paths) {
    const table = dataFileTable(p);
    if (table === null) continue;
    const list = out.get(table);
    if (list) list.push(p);
    else out.set(table, [p]);
  }
  for (const [table, list] of out) {
    const head = `${DATA_DIR}/${table}.sql`;
    list.sort((a, b) => (a === head ? -1 : b === head ? 1 : a < b ? -1 : a > b ? 1 : 0));
  }
  return out;
}
