import type { Readable } from 'node:stream';
import { dataLines } from '../fs/line-streams.js';
import { ByteLine } from '../fs/byte-line.js';
import { collectGarbage } from '../memory/collect-garbage.js';
import type { Database } from '../db/database.js';
import { DbsyncError } from '../errors/dbsync-error.js';
import { ExitCode } from '../errors/exit-codes.js';
import { columnsFromCreate } from './create-table-text.js';
import { checkCreateTable, checkObjectFile, DefinitionError, type ObjectCheckContext } from './definition-check.js';
import type { ObjectKind } from './layout.js';
import { LineSyntaxError, parseRowLine, parseRowRanges, type LineExpectation } from './line-codec.js';
import type { DbObject } from './object-file.js';

/**
 * The refusal of a snapshot file that git-dbsync would not have written: one line naming the file
 * (as in the repository) and the line, before anything in the database was changed.
 */
export function refusedFile(operation: string, file: string, line: number, why: string, commit: string): DbsyncError {
  return new DbsyncError({
    operation,
    message: `${file} line ${line} of commit ${commit.slice(0, 12)} is not what git-dbsync writes (${why}); nothing was changed`,
    hint: `the repository was altered (by hand or by someone with write access to it): see \`git log -p -- ${file}\`; restore or merge only commits you trust`,
    exitCode: ExitCode.Unsafe,
  });
}

/** A schema file, checked: the table's name and columns. */
export function checkSchemaText(operation: string, file: string, stem: string, text: string, commit: string): { name: string; columns: string[] } {
  try {
    const name = checkCreateTable(text, stem);
    return { name, columns: columnsFromCreate(text) };
  } catch (err) {
    if (err instanceof DefinitionError) throw refusedFile(operation, file, err.line, err.message, commit);
    throw err;
  }
}

/** Every line of a table's data files (one after the other), read strictly; line numbers per file. */
export async function checkDataStream(operation: string, file: string, lines: Readable, expect: LineExpectation, commit: string): Promise<number> {
  let n = 0;
  let huge = false;
  for await (const line of dataLines(lines)) {
    n++;
    huge ||= line instanceof ByteLine;
    checkDataLine(operation, file, n, line, expect, commit);
  }
  // The last huge line checked is garbage only now: let it go before the next is read (see collect-garbage.ts).
  if (huge) collectGarbage();
  return n;
}

/** One line of a data file; an empty line is refused too (the writer never writes one). */
export function checkDataLine(operation: string, file: string, lineNo: number, line: string | ByteLine, expect: LineExpectation, commit: string): void {
  try {
    if (line instanceof ByteLine) parseRowRanges(line, expect);
    else parseRowLine(line, expect);
  } catch (err) {
    if (err instanceof LineSyntaxError) throw refusedFile(operation, file, lineNo, `${err.message} at column ${err.column + 1}`, commit);
    throw err;
  }
}

/** An object file (views.sql, ...), checked block by block. */
export function checkObjectText(operation: string, file: string, kind: ObjectKind, text: string, ctx: ObjectCheckContext, commit: string): DbObject[] {
  try {
    return checkObjectFile(kind, text, ctx);
  } catch (err) {
    if (err instanceof DefinitionError) throw refusedFile(operation, file, err.line, err.message, commit);
    throw err;
  }
}

/** What object checks need from the server: the other schemas there, which no object may name. */
export async function objectCheckContext(db: Database, database: string): Promise<ObjectCheckContext> {
  const rows = await db.queryArrays('SELECT SCHEMA_NAME FROM information_schema.SCHEMATA', [], 'list schemas');
  const otherSchemas = new Set(rows.map((r) => String(r[0] ?? '').toLowerCase()).filter((s) => s !== database.toLowerCase()));
  return { database, otherSchemas };
}
