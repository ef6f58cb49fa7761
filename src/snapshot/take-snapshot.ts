import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Database } from '../db/database.js';
import { READ_SESSION } from '../db/mariadb/read-session.js';
import { DbsyncError, messageOf } from '../errors/dbsync-error.js';
import { describeFsError, isFileSystemError, writeFailureHint } from '../errors/fs-error.js';
import { CHUNK_TARGET_BYTES, finalExponent } from './chunking.js';
import { type ChunkedTable, ChunkWriter } from './chunk-writer.js';
import {
  DATA_DIR,
  encodeTableFileName,
  HEADER_FILE,
  HEADER_TEXT,
  HISTORY_DIR,
  OBJECT_FILES,
  SEQUENCES_FILE,
  TABLES_DIR,
  tableHistoryPath,
  tableSchemaPath,
} from './layout.js';
import { systemPeriod, writeHistoryFile } from './system-versioning.js';
import { previousExponents, provisionalExponent, type TableChunking } from './table-chunking.js';
import { formatObjectFile } from './object-file.js';
import { formatSequenceFile } from './sequence-file.js';
import { findOversizedRow, type OversizedRow } from './oversized-rows.js';
import { RowTooLargeError } from '../errors/row-too-large.js';
import { countLines } from '../fs/line-streams.js';
import { createReadStream } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { checkSilentPrivileges } from './privilege-check.js';
import { readChunkRuns } from './read-chunk-runs.js';
import type { ChunkReread } from './chunk-plan.js';
import { streamTableRows, type RowReader } from './stream-table-rows.js';
import { RowWriter } from './row-line.js';
import {
  describeTables,
  listTables,
  readEvents,
  readRoutines,
  readSequences,
  readTriggers,
  readViews,
  showCreateTable,
  tableEstimates,
  type TableFilter,
} from './schema-reader.js';
import { PROGRESS_EVERY_ROWS, ProgressTracker, type SnapshotProgress } from './snapshot-progress.js';
import { quoteId } from './sql-text.js';
import { isMvccEngine, type TableInfo } from './table-info.js';
import type { PassPolicy, PolicyDecider } from '../policy/pass-policy.js';
import type { Profile } from '../profile/profile.js';
import type { AppliedSecret, TableSecrets } from '../secrets/table-secrets.js';

/** A complete snapshot written to a staging folder, not yet in the working tree. */
export interface StagedSnapshot {
  /** Folder holding the files, laid out like the snapshot folder. */
  readonly dir: string;
  /** Every file of the snapshot (all chunks of every table's data), relative to `dir`, POSIX separators, sorted. */
  readonly files: readonly string[];
  readonly tables: readonly TableInfo[];
  readonly rowCounts: ReadonlyMap<string, number>;
  /** How long the table locks were held (ms): what writers to non-transactional tables waited at most. */
  readonly lockMs: number;
  /** The pass's policy, decided from the tables this snapshot listed (see src/policy). */
  readonly policy: PassPolicy;
  /** The application profile in force for this database (DBSYNC_PROFILE), or null. */
  readonly profile: Profile | null;
  /** Tables whose definition was written but whose rows were not (DBSYNC_SCHEMA_ONLY_TABLES or the profile's). */
  readonly schemaOnly: readonly string[];
  /** The secret columns found in the tables read, with the policy each got (see src/secrets). */
  readonly secrets: readonly AppliedSecret[];
  /**
   * Tables whose rows were not read because a change source said they are unchanged (see
   * TakeSnapshotOptions.keepRows): their data files in the working tree stay as they are, and
   * `files` does not list them. Their row counts (from the caller) are in `rowCounts`.
   */
  readonly keptRows?: readonly string[];
  /**
   * Data files in the working tree of tables read only in part (some chunks re-read, see
   * RowsToKeep.chunks): they stay exactly as they are; `files` lists the table's re-read chunks.
   */
  readonly keptFiles?: readonly string[];
  /** Rows actually read from the database (kept tables and kept chunks not counted). */
  readonly rowsRead?: number;
  /** Tables read only in part: how many of their chunks were read and kept. */
  readonly chunked?: ReadonlyMap<string, { readonly chunksRead: number; readonly chunksKept: number }>;
  /** Tables planned for a read in part that were read whole instead, with the reason. */
  readonly chunkFallbacks?: ReadonlyMap<string, string>;
  /**
   * Tables not read because a row is larger than the limit (see oversized-rows.ts): like kept
   * tables (listed in keptRows too), their files in the working tree stay as they are, schema included.
   */
  readonly skipped?: readonly OversizedRow[];
}

export type { RowReader };

/**
 * A change source's answer, given inside the snapshot: `tables` keep all their rows (not read at
 * all), with their row counts; `chunks` are read only in part (the chunks holding changed keys).
 */
export interface RowsToKeep {
  readonly tables: ReadonlyMap<string, number>;
  readonly chunks?: ReadonlyMap<string, ChunkReread>;
}

/**
 * Asked inside the consistent-snapshot transaction, on the reading session, with the tables whose
 * rows would be read: which of them may keep the rows already in the working tree (not read at
 * all), with their row counts. Their definitions are still read. Asked in up to two parts within
 * one snapshot (the non-transactional tables while they are locked, then the MVCC tables); `all`
 * is every table with rows in this snapshot, the same in both parts.
 */
export type KeepRows = (
  reader: Database,
  tables: readonly TableInfo[],
  sessionFor: (table: TableInfo) => Database,
  all: readonly TableInfo[],
) => Promise<RowsToKeep>;

export interface TakeSnapshotOptions {
  /** Opens a new session; two are used: one holds the table locks, one reads. */
  readonly connect: () => Promise<Database>;
  readonly schema: string;
  readonly filter: TableFilter;
  readonly stagingDir: string;
  readonly signal?: AbortSignal;
  /**
   * Decides the pass's policy (profile, schema-only tables, secrets) from the tables listed: asked
   * once, inside the read, so `auto` sees the tables the snapshot reads (see src/policy).
   */
  readonly policy: PolicyDecider;
  /**
   * The working tree's snapshot folder: a table already split into chunks there keeps its exponent
   * while it still fits (stable file names; see chunking.ts). Absent: every table gets its ideal one.
   */
  readonly previousDir?: string;
  /** DBSYNC_CHUNK_SIZE: the size data files are split at (default CHUNK_TARGET_BYTES). */
  readonly chunkBytes?: number;
  /** Called as the rows are read (often: throttle before printing). */
  readonly onProgress?: (p: SnapshotProgress) => void;
  /** Which row formatter to use (default fast); the differential test compares the two. */
  readonly reader?: RowReader;
  /** Which tables' rows may be kept from the working tree instead of read (a change source's answer). Absent: every table is read. */
  readonly keepRows?: KeepRows;
  /**
   * Keep the history rows of system-versioned tables (history/<table>.sql, see system-versioning.ts).
   * Off in two-way mode (history is per computer). Absent: off.
   */
  readonly history?: boolean;
  /** DBSYNC_MAX_ROW_SIZE: a table with a larger row is skipped (the server's max_allowed_packet lowers it). Absent: no limit but the packet's. */
  readonly maxRowBytes?: number;
}

/**
 * Read the whole database at one point in time, also when it mixes engines:
 *  1. session L takes `LOCK TABLES ... READ` on every selected table (writers wait; readers don't);
 *  2. session R starts a consistent-snapshot transaction, so InnoDB tables are frozen at this point;
 *  3. R reads all definitions; L itself reads every non-transactional (MyISAM, Aria, ...) table
 *     under its lock (another session would need a new metadata lock, which queues behind any
 *     writer already waiting for `LOCK TABLES ... WRITE` or DDL: that writer waits for L, L for the read);
 *  4. L unlocks; R reads the InnoDB tables from its snapshot, writers go on meanwhile.
 * The lock is held for the definitions plus the non-transactional data only. A change source is
 * asked what to read in the same two parts (KeepRows): for the non-transactional tables under the
 * lock, for the InnoDB tables after step 4, so their checksum scans keep no writer waiting.
 *
 * Why InnoDB tables are locked too (not only given a metadata fence on another session): an
 * application's `LOCK TABLES myisam WRITE, innodb WRITE` that got the first table waits for the
 * fence while L waits for the application, and the server cannot see that the fence waits for L
 * (our client does): no deadlock is detected and L times out (seen in test/integration/consistency.test.ts).
 *
 * When every table read is transactional (MVCC), step 1 takes no LOCK TABLES: the snapshot
 * transaction alone freezes the rows, and writers never wait. What the lock also did, keeping DDL
 * out between the snapshot's start and the reading of the definitions (an instant ALTER or a
 * RENAME there goes unnoticed by InnoDB, which reads the old rows with the new definition), is
 * done by a metadata fence instead: L opens a transaction and opens every table (`SELECT 1 ...
 * WHERE 0`), which holds shared metadata locks until L commits after step 3. Those block DDL but
 * not writes (LOCK TABLES ... READ blocks both); the checks after step 4 stay as they are.
 */
export async function takeSnapshot(opts: TakeSnapshotOptions): Promise<StagedSnapshot> {
  const started = Date.now();
  const locker = await opts.connect();
  let reader: Database | undefined;
  const abort = () => {
    locker.destroy();
    reader?.destroy();
  };
  opts.signal?.addEventListener('abort', abort, { once: true });
  try {
    // Inside the try: a failure from here on removes the staging folder again.
    await rm(opts.stagingDir, { recursive: true, force: true });
    await mkdir(path.join(opts.stagingDir, TABLES_DIR), { recursive: true });
    await mkdir(path.join(opts.stagingDir, DATA_DIR), { recursive: true });
    reader = await opts.connect();
    for (const sql of READ_SESSION) {
      await locker.execute(sql, 'prepare snapshot session');
      await reader.execute(sql, 'prepare snapshot session');
    }
    const { tables: listed, views, sequences } = await listTables(reader, opts.schema, opts.filter);
    await checkSilentPrivileges(
      reader,
      opts.schema,
      reader.options.user,
      listed.map((t) => t.name),
    );
    const policy = opts.policy(listed.map((t) => t.name));
    const schemaOnly = listed.filter((t) => policy.isSchemaOnly(t.name)).map((t) => t.name);
    // Rows of schema-only tables are never read, so they are not locked either (sessions are written on every page view).
    const locked = listed.filter((t) => !schemaOnly.includes(t.name));
    // Read before the lock: figures for progress and for the first split of a large table.
    const estimates = locked.length > 0 ? await tableEstimates(reader, opts.schema) : new Map<string, { rows: number; avgRowLength: number }>();
    const previous = await previousExponents(opts.previousDir);

    const lockStart = Date.now();
    // Only a non-transactional table needs writers stopped; DDL is kept out either way (see above).
    const needsLock = locked.some((t) => !isMvccEngine(t.engine));
    if (needsLock) {
      await locker.execute(`LOCK TABLES ${locked.map((t) => `${quoteId(t.name)} READ`).join(', ')}`, 'lock tables for a consistent snapshot');
    } else if (locked.length > 0) {
      await locker.execute('START TRANSACTION', 'hold off DDL for a consistent snapshot');
      await locker.query(locked.map((t) => `SELECT 1 FROM ${quoteId(t.name)} WHERE 0`).join(' UNION ALL '), [], 'hold off DDL for a consistent snapshot');
    }
    await reader.execute('START TRANSACTION WITH CONSISTENT SNAPSHOT', 'start consistent snapshot');
    // A table created, dropped, renamed or converted between the listing and the lock would be
    // missing (or read the wrong way) in a snapshot whose rows are from after it: list again.
    checkSameTables(await listTables(reader, opts.schema, opts.filter), { tables: listed, views, sequences });

    const described = await describeTables(reader, opts.schema, listed);
    refuseLineBreaks(described);
    const secrets = policy.planSecrets(described.filter((t) => !schemaOnly.includes(t.name)));
    const files: string[] = [HEADER_FILE];
    await writeFile(path.join(opts.stagingDir, HEADER_FILE), HEADER_TEXT);
    const creates = new Map<string, string>();
    for (const t of described) {
      const create = await showCreateTable(reader, t.name, opts.schema);
      creates.set(t.name, create);
      await writeFile(path.join(opts.stagingDir, tableSchemaPath(t.name)), create + ';\n');
      files.push(tableSchemaPath(t.name));
    }
    // System-versioned tables whose history is kept (see system-versioning.ts for which are not).
    const tables = described.map((t) => {
      const period = opts.history && !schemaOnly.includes(t.name) && !secrets.tables.has(t.name) ? systemPeriod(creates.get(t.name)!) : null;
      return period ? { ...t, history: period } : t;
    });
    if (tables.some((t) => t.history)) await mkdir(path.join(opts.stagingDir, HISTORY_DIR), { recursive: true });
    // Always written (empty without sequences), like the object files, so the stock client's `cat` finds it.
    await writeFile(path.join(opts.stagingDir, SEQUENCES_FILE), formatSequenceFile(await readSequences(reader, sequences)));
    files.push(SEQUENCES_FILE);
    const objects = {
      view: await readViews(
        reader,
        views,
        opts.schema,
        listed.map((t) => t.name),
      ),
      routine: await readRoutines(reader, opts.schema),
      trigger: await readTriggers(reader, opts.schema, new Set(listed.map((t) => t.name))),
      event: await readEvents(reader, opts.schema),
    };
    for (const [kind, file] of Object.entries(OBJECT_FILES)) {
      await writeFile(path.join(opts.stagingDir, file), formatObjectFile(objects[kind as keyof typeof objects]));
      files.push(file);
    }

    const rowCounts = new Map<string, number>();
    // The change source is asked in two parts: the non-transactional tables while they are locked
    // (their rows are read under the lock), the MVCC tables after the unlock, inside the snapshot
    // (so a checksum scan of a large InnoDB table never keeps writers of the locked tables waiting).
    const withRowsAll = tables.filter((t) => !schemaOnly.includes(t.name));
    const kept = new Map<string, number>();
    const chunkRereads = new Map<string, ChunkReread>();
    const askKeep = async (part: readonly TableInfo[]) => {
      if (!opts.keepRows || part.length === 0) return new Set<string>();
      const r = await opts.keepRows(
        reader as Database,
        part,
        // Rows of a non-transactional table are read on the locking session only (see above).
        (t) => (isMvccEngine(t.engine) ? (reader as Database) : locker),
        withRowsAll,
      );
      for (const [name, rows] of r.tables) {
        kept.set(name, rows);
        rowCounts.set(name, rows);
      }
      for (const [name, c] of r.chunks ?? []) chunkRereads.set(name, c);
      return new Set(r.tables.keys());
    };
    await askKeep(withRowsAll.filter((t) => !isMvccEngine(t.engine)));
    const keptFiles: string[] = [];
    const chunked = new Map<string, { chunksRead: number; chunksKept: number }>();
    const chunkFallbacks = new Map<string, string>();
    let rowsRead = 0;
    const skipped: OversizedRow[] = [];
    const packet = Number((await reader.queryArrays('SELECT @@max_allowed_packet', [], 'read max_allowed_packet'))[0]?.[0] ?? 0);
    const rowLimit = Math.min(opts.maxRowBytes ?? Number.POSITIVE_INFINITY, packet > 0 ? packet : Number.POSITIVE_INFINITY);
    // A skipped table keeps its committed files, its definition included (rows and definition stay of one time).
    const skip = async (row: OversizedRow) => {
      skipped.push(row);
      const schemaFile = tableSchemaPath(row.table);
      files.splice(files.indexOf(schemaFile), 1);
      keptFiles.push(schemaFile);
      rowCounts.set(row.table, await previousRows(opts.previousDir, encodeTableFileName(row.table)));
      progress.tableDone(row.table, 0);
    };
    const withRows = withRowsAll.filter((t) => !kept.has(t.name));
    const readOrder = [...withRows.filter((t) => !isMvccEngine(t.engine)), ...withRows.filter((t) => isMvccEngine(t.engine))].map((t) => t.name);
    const progress = new ProgressTracker(new Map([...estimates].map(([n, e]) => [n, e.rows])), readOrder, opts.onProgress, Date.now, started);
    progress.start();
    const dump = async (db: Database, t: TableInfo) => {
      if (Number.isFinite(rowLimit)) {
        const big = await findOversizedRow(db, t, rowLimit);
        if (big) return skip(big);
      }
      try {
        await dumpRows(db, t);
        // Every version of a versioned table's rows, on the same session, in the same snapshot (or under the same lock).
        if (t.history) {
          await writeHistoryFile(db, t, path.join(opts.stagingDir, tableHistoryPath(t.name)), opts.signal);
          files.push(tableHistoryPath(t.name));
        }
      } catch (err) {
        // The reader's own check (a row the size query did not count as large, e.g. text the read converts).
        if (!(err instanceof RowTooLargeError)) throw err;
        await skip({ table: t.name, key: '(the one read when the limit was passed)', bytes: err.bytes, limit: err.limit });
      }
    };
    const dumpRows = async (db: Database, t: TableInfo) => {
      const reread = chunkRereads.get(t.name);
      // A versioned table whose history is kept is read whole, with its history (one file, not in chunks).
      if (reread && t.history) chunkFallbacks.set(t.name, 'system-versioned: read whole with its history');
      else if (reread && opts.previousDir) {
        const onRows = (n: number) => progress.rows(t.name, n);
        const r = await readChunkRuns(db, t, reread, {
          stagingDir: opts.stagingDir,
          snapshotAbs: opts.previousDir,
          chunkBytes: opts.chunkBytes ?? CHUNK_TARGET_BYTES,
          secrets: secrets.tables.get(t.name),
          signal: opts.signal,
          onRows,
          reader: opts.reader,
        });
        if (r.kind === 'read') {
          rowCounts.set(t.name, r.rows);
          files.push(...r.files);
          keptFiles.push(...r.keptFiles);
          rowsRead += r.rowsRead;
          chunked.set(t.name, { chunksRead: r.chunksRead, chunksKept: r.chunksKept });
          progress.tableDone(t.name, r.rowsRead);
          return;
        }
        // Same snapshot, same session: the whole table is read instead.
        chunkFallbacks.set(t.name, r.reason);
      }
      const stem = encodeTableFileName(t.name);
      const chunking = {
        dir: opts.stagingDir,
        stem,
        previous: previous.get(stem) ?? null,
        estimate: estimates.get(t.name),
        chunkBytes: opts.chunkBytes ?? CHUNK_TARGET_BYTES,
      };
      const result = await dumpTable(db, t, chunking, {
        signal: opts.signal,
        secrets: secrets.tables.get(t.name),
        onRows: (n) => progress.rows(t.name, n),
        reader: opts.reader,
        maxRowBytes: rowLimit,
      });
      rowCounts.set(t.name, result.rows);
      rowsRead += result.rows;
      files.push(...result.files);
      progress.tableDone(t.name, result.rows);
    };
    for (const t of withRows) if (!isMvccEngine(t.engine)) await dump(locker, t);
    if (needsLock) await locker.execute('UNLOCK TABLES', 'unlock tables');
    else if (locked.length > 0) await locker.execute('COMMIT', 'end the DDL fence');
    // The fence makes no writer wait: only LOCK TABLES counts.
    const lockMs = needsLock ? Date.now() - lockStart : 0;
    const keptMvcc = await askKeep(withRowsAll.filter((t) => isMvccEngine(t.engine)));
    progress.drop(keptMvcc);
    for (const t of withRows) {
      if (!isMvccEngine(t.engine) || keptMvcc.has(t.name)) continue;
      await dump(reader, t);
      if (skipped.some((r) => r.table === t.name)) continue;
      // Once read, R holds the table until COMMIT; before that, DDL may have replaced it after the
      // unlock (RENAME of a shadow table over it, as online schema change tools do): the rows would
      // belong to another definition.
      if ((await showCreateTable(reader, t.name, opts.schema)) !== creates.get(t.name)) {
        throw new DbsyncError({
          operation: 'take snapshot',
          message: `table ${t.name} was altered, renamed or replaced while it was being read`,
          hint: 'nothing was written; the pass will be retried',
        });
      }
    }
    await reader.execute('COMMIT', 'end consistent snapshot');
    progress.done();

    files.sort();
    return {
      dir: opts.stagingDir,
      files,
      tables,
      rowCounts,
      lockMs,
      policy,
      profile: policy.profile,
      schemaOnly,
      secrets: secrets.applied,
      keptRows: [...kept.keys(), ...skipped.map((r) => r.table)].sort(),
      keptFiles: keptFiles.sort(),
      rowsRead,
      chunked,
      chunkFallbacks,
      skipped,
    };
  } catch (err) {
    // Nothing of a failed read is kept: the working tree was not touched, the staging folder goes.
    await rm(opts.stagingDir, { recursive: true, force: true }).catch(() => undefined);
    if (opts.signal?.aborted)
      throw new DbsyncError({ operation: 'take snapshot', message: 'cancelled', hint: 'nothing was written; the next pass starts over', cause: err });
    if (err instanceof DbsyncError) throw err;
    if (isFileSystemError(err)) {
      throw new DbsyncError({
        operation: 'write snapshot',
        message: `cannot write the staging files in ${opts.stagingDir} (${describeFsError(err)})`,
        hint: writeFailureHint(err, 'the repository', 'the last commit is intact', 'the last commit is intact and the next pass starts over'),
        cause: err,
      });
    }
    throw new DbsyncError({
      operation: 'take snapshot',
      message: messageOf(err),
      hint: 'the pass will be retried; if it keeps failing, report the table named here',
      cause: err,
    });
  } finally {
    opts.signal?.removeEventListener('abort', abort);
    await Promise.all([locker.close(), reader?.close()]);
  }
}

/** Fail the pass when the tables (or their engines) or views differ from the first listing. */
function checkSameTables(now: Awaited<ReturnType<typeof listTables>>, before: Awaited<ReturnType<typeof listTables>>): void {
  const key = (l: typeof now) => JSON.stringify([l.tables.map((t) => [t.name, t.engine]), l.views, l.sequences]);
  if (key(now) !== key(before)) {
    throw new DbsyncError({
      operation: 'take snapshot',
      message: 'tables or views were created, dropped or renamed while the snapshot started',
      hint: 'nothing was written; the pass will be retried',
    });
  }
}

/** A name with a line break cannot be part of a one-row-per-line data file: such a snapshot is refused, never written wrong. */
function refuseLineBreaks(tables: readonly TableInfo[]): void {
  for (const t of tables) {
    // Column names are part of the row lines only in tables with INVISIBLE columns.
    const names = [t.name, ...(t.columns.some((c) => c.invisible) ? t.columns.map((c) => c.name) : [])];
    const bad = names.find((n) => /[\r\n]/.test(n));
    if (bad === undefined) continue;
    throw new DbsyncError({
      operation: 'take snapshot',
      message: `table ${JSON.stringify(t.name)}${bad === t.name ? '' : ` column ${JSON.stringify(bad)}`}: a name with a line break cannot be written one row per line`,
      hint: 'rename it, or leave the table out with DBSYNC_EXCLUDE_TABLES',
    });
  }
}

/**
 * Stream one table's rows into its chunk files, in key order (streamTableRows). Tables without a
 * key are read whole and sorted as strings.
 */
async function dumpTable(
  db: Database,
  table: TableInfo,
  chunking: TableChunking,
  opts: { signal?: AbortSignal; secrets?: TableSecrets; onRows?: (rows: number) => void; reader?: RowReader; maxRowBytes?: number },
): Promise<{ rows: number; files: readonly string[] }> {
  const { signal, secrets } = opts;
  // Secret cells are replaced before the line exists: no secret in clear reaches the staging folder.
  const writer = new RowWriter(table, secrets && ((cells) => secrets.transform(cells)));
  const chunks = new ChunkWriter({ dir: chunking.dir, tableStem: chunking.stem, exponent: provisionalExponent(chunking, Buffer.byteLength(writer.prefix)) });
  const operation = `read table ${table.name}`;
  let result: ChunkedTable;
  try {
    if (table.orderKey.length > 0) {
      await streamTableRows(db, table, writer, chunks, writer.selectSql, opts);
    } else {
      // No usable key: a total order over all columns, by sorting the finished lines. This holds
      // the whole table in memory (the one path that does); such tables are rare and small
      // (InvoicePlane's only one, ip_sessions, is schema-only).
      const lines: string[] = [];
      for await (const cells of db.streamRaw(writer.selectSql, operation)) {
        if (signal?.aborted) throw new Error('cancelled');
        lines.push(writer.line(cells));
        if (lines.length % PROGRESS_EVERY_ROWS === 0) opts.onRows?.(lines.length);
      }
      lines.sort();
      for (const l of lines) chunks.write(l, l.slice(0, -1));
    }
    result = await chunks.finish((bytes, n, splits) => finalExponent(bytes, n, chunking.previous, chunking.chunkBytes, splits));
  } catch (err) {
    chunks.destroy();
    throw err;
  }
  // A warning means a value did not come back as stored, e.g. a non-Unicode text value larger than
  // max_allowed_packet, which CAST(... AS BINARY) turns into NULL.
  const warnings = await db.queryArrays('SHOW WARNINGS', [], `read table ${table.name}`);
  if (warnings.length > 0) {
    const [, code, message] = warnings[0]!;
    throw new DbsyncError({
      operation: `read table ${table.name}`,
      message: `the server warned "${message}" (${code}), so a value was not read exactly`,
      hint:
        String(code) === '1301'
          ? 'raise max_allowed_packet on the server above the largest value (e.g. SET GLOBAL max_allowed_packet=1073741824)'
          : 'report this with the table definition',
    });
  }
  return { rows: result.rows, files: result.files };
}

/** The rows of a table's data files in the working tree (a skipped table's count; 0 without files). */
async function previousRows(previousDir: string | undefined, stem: string): Promise<number> {
  if (!previousDir) return 0;
  const dir = path.join(previousDir, DATA_DIR);
  const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => n === `${stem}.sql` || n.startsWith(`${stem}@`));
  let rows = 0;
  for (const n of names) rows += await countLines(createReadStream(path.join(dir, n)));
  return rows;
}
