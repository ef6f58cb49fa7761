import { readBinlog } from '../db/binlog-stream.js';
import type { Database, DatabaseOptions } from '../db/database.js';
import { messageOf } from '../errors/dbsync-error.js';
import { BinlogChanges, comparePositions, type BinlogPosition } from './binlog-changes.js';
import type { ChangedSince, ChangeSource, SourceAvailability } from './change-source.js';
import type { KeySpec } from './binlog-rows.js';

/** A recorded position: the (file, position) pair and the server it belongs to. */
interface StoredPosition extends BinlogPosition {
  readonly server: string;
}

/** The enable hint, in one place for the log, status and the README. */
export const BINLOG_HINT = 'enable with --log-bin --binlog-format=ROW and GRANT REPLICATION SLAVE ON *.* TO <user>';

/**
 * The binary log as a change source (MariaDB with log_bin=ON, binlog_format=ROW, and REPLICATION
 * SLAVE for the user). A snapshot's position is MariaDB's Binlog_snapshot_file/position, read in
 * the snapshot's own transaction: exactly the commits the snapshot sees (no privilege needed).
 * Between two snapshots it reads the events from the first position to exactly the second one
 * (events after it are not in the snapshot) and names the tables they touch (binlog-changes.ts),
 * and for integer-keyed tables the keys of the rows they touch (binlog-rows.ts).
 */
export class BinlogSource implements ChangeSource {
  readonly name = 'binlog';
  readonly verifies = false;

  constructor(
    private readonly connect: () => Promise<Database>,
    private readonly options: DatabaseOptions,
  ) {}

  async availability(): Promise<SourceAvailability> {
    const db = await this.connect();
    try {
      const [row] = await db.queryArrays('SELECT @@global.log_bin, @@global.binlog_format, @@global.binlog_row_image', [], 'check the binary log');
      const [logBin, format, image] = row ?? [];
      if (logBin !== '1') return { ok: false, reason: 'binlog off' };
      if (String(format).toUpperCase() !== 'ROW') return { ok: false, reason: `binlog_format is ${format}, not ROW` };
      const status = await db.queryArrays("SHOW STATUS LIKE 'Binlog_snapshot_%'", [], 'check the binary log');
      const file = status.find(([n]) => n?.toLowerCase() === 'binlog_snapshot_file')?.[1] ?? '';
      const position = Number(status.find(([n]) => n?.toLowerCase() === 'binlog_snapshot_position')?.[1] ?? NaN);
      if (!file || !Number.isFinite(position)) return { ok: false, reason: 'the server reports no binary log position (Binlog_snapshot_file)' };
      // Reading one event proves the privilege (REPLICATION SLAVE) and that the log is readable.
      try {
        await readBinlog(this.options, { file, position, timeoutMs: 10_000 }, () => 'stop');
      } catch (err) {
        return {
          ok: false,
          reason: /denied|privilege/i.test(messageOf(err)) ? 'the user lacks REPLICATION SLAVE' : `the binary log cannot be read (${messageOf(err)})`,
        };
      }
      // Table granularity needs only the table names of rows events, so a MINIMAL row image is fine
      // too; chunk granularity needs the key in every image, which MINIMAL's after image of an
      // update lacks: the decoder notices per event and such tables are re-read whole.
      const note = String(image).toUpperCase() === 'FULL' ? '' : `, binlog_row_image=${image}`;
      return { ok: true, detail: `${file}${note}` };
    } finally {
      await db.close();
    }
  }

  async positionOf(reader: Database): Promise<string | null> {
    const status = await reader.queryArrays("SHOW STATUS LIKE 'Binlog_snapshot_%'", [], 'read the snapshot position');
    const file = status.find(([n]) => n?.toLowerCase() === 'binlog_snapshot_file')?.[1] ?? '';
    const position = Number(status.find(([n]) => n?.toLowerCase() === 'binlog_snapshot_position')?.[1] ?? NaN);
    if (!file || !Number.isFinite(position)) return null;
    // The server identity: positions of another server (or one whose id changed) mean nothing here.
    const [[id, version] = []] = await reader.queryArrays('SELECT @@server_id, @@version', [], 'read the snapshot position');
    const stored: StoredPosition = { server: `${id}/${version}`, file, position };
    return JSON.stringify(stored);
  }

  async changedBetween(fromText: string, toText: string, schema: string, signal?: AbortSignal, keyed?: ReadonlyMap<string, KeySpec>): Promise<ChangedSince> {
    const from = parse(fromText);
    const to = parse(toText);
    if (!from || !to) return { kind: 'everything', reason: 'no binary log position was recorded with the last snapshot' };
    if (from.server !== to.server) return { kind: 'everything', reason: `the server changed (server id/version ${from.server} -> ${to.server})` };
    const order = comparePositions(from, to);
    if (order === 0) return { kind: 'tables', tables: new Set() };
    if (order > 0)
      return { kind: 'everything', reason: `the binary log position went back (${from.file}:${from.position} -> ${to.file}:${to.position}; RESET MASTER?)` };
    const changes = new BinlogChanges(schema, from, to, keyed);
    try {
      await readBinlog(this.options, { file: from.file, position: from.position, signal }, (e) => changes.feed(e));
    } catch (err) {
      const text = messageOf(err);
      const purged = /could not find first log file|binlog truncated|purged|impossible position/i.test(text);
      return {
        kind: 'everything',
        reason: purged ? `the binary log from ${from.file}:${from.position} is no longer there (${text})` : `the binary log could not be read (${text})`,
      };
    }
    return changes.result();
  }
}

function parse(text: string): StoredPosition | null {
  try {
    const v = JSON.parse(text) as Partial<StoredPosition>;
    if (typeof v.server !== 'string' || typeof v.file !== 'string' || typeof v.position !== 'number') return null;
    return { server: v.server, file: v.file, position: v.position };
  } catch {
    return null;
  }
}
