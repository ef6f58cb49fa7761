/**
 * Reads binary log events from the server (the replication protocol's COM_BINLOG_DUMP).
 *
 * Why a sibling of database.ts instead of a method there: this is the one place that uses
 * mysql2 below its public API. mysql2's own binlog command (lib/commands/binlog_dump.js) decodes
 * only Query, Rotate, Format_description and Xid events, hands every other event (Table_map,
 * rows events) over without its bytes, and drops error packets of the dump on the floor. So this
 * file queues its own command object on a mysql2 connection (`addCommand`, the driver's command
 * queue) and takes each event's raw bytes from the packet. Everything it relies on is declared in
 * the small structural types below; an upgrade of mysql2 that changes them fails the binlog tests,
 * and the change source then falls back to full reads.
 */
import mysql from 'mysql2';
import { crc32 } from 'node:zlib';
import { databaseError, driverOptions, type DatabaseOptions } from './database.js';
import { DbsyncError, messageOf } from '../errors/dbsync-error.js';

/** One event as stored in the binary log (common header decoded, body raw, checksum checked and removed). */
export interface BinlogEvent {
  readonly type: number;
  readonly timestamp: number;
  readonly serverId: number;
  /** Position of the next event in the current file (0 for events the server makes up, e.g. the first Rotate). */
  readonly nextPosition: number;
  readonly flags: number;
  /** Post-header and payload, without the 19-byte common header and without the checksum. */
  readonly body: Buffer;
}

/** What the reader is told per event: go on, or stop here (the connection is then dropped). */
export type EventVerdict = 'continue' | 'stop';

/** The parts of mysql2's packet object used here. */
interface DriverPacket {
  readonly buffer: Buffer;
  readonly offset: number;
  readonly end: number;
  isError(): boolean;
  isEOF(): boolean;
  asError(encoding: string): Error;
}
/** The parts of mysql2's connection object used here. */
interface DriverConnection {
  readonly clientEncoding: string;
  _resetSequenceId(): void;
  writePacket(packet: { buffer: Buffer; length(): number; writeHeader(seq: number): void }): void;
}

const COM_BINLOG_DUMP = 0x12;
/** Send EOF at the end of the log instead of waiting for new events: a read never hangs on an idle server. */
const BINLOG_DUMP_NON_BLOCK = 1;
const HEADER_BYTES = 19;

/** The dump request as a packet mysql2 can write (4 header bytes, then the command). */
function dumpPacket(file: string, position: number, serverId: number, blocking: boolean): { buffer: Buffer; length(): number; writeHeader(seq: number): void } {
  const name = Buffer.from(file, 'utf8');
  const buffer = Buffer.alloc(4 + 11 + name.length);
  buffer.writeUInt8(COM_BINLOG_DUMP, 4);
  buffer.writeUInt32LE(position, 5);
  buffer.writeUInt16LE(blocking ? 0 : BINLOG_DUMP_NON_BLOCK, 9);
  buffer.writeUInt32LE(serverId, 11);
  name.copy(buffer, 15);
  return {
    buffer,
    length: () => buffer.length,
    writeHeader: (seq: number) => {
      buffer.writeUIntLE(buffer.length - 4, 0, 3);
      buffer.writeUInt8(seq, 3);
    },
  };
}

/** Decode one event packet's bytes (after the 0x00 marker); throws when the bytes are not a whole, intact event. */
export function decodeEvent(raw: Buffer, checksum: boolean): BinlogEvent {
  if (raw.length < HEADER_BYTES) throw new Error(`binlog event of ${raw.length} bytes is shorter than its header`);
  const size = raw.readUInt32LE(9);
  if (size !== raw.length) throw new Error(`binlog event says it has ${size} bytes but ${raw.length} arrived`);
  let end = raw.length;
  if (checksum) {
    end -= 4;
    // The CRC proves that the bytes are an event as the server wrote it, not a misaligned read.
    if (end < HEADER_BYTES || crc32(raw.subarray(0, end)) !== raw.readUInt32LE(end)) throw new Error('binlog event checksum mismatch');
  }
  return {
    timestamp: raw.readUInt32LE(0),
    type: raw.readUInt8(4),
    serverId: raw.readUInt32LE(5),
    nextPosition: raw.readUInt32LE(13),
    flags: raw.readUInt16LE(17),
    body: raw.subarray(HEADER_BYTES, end),
  };
}

export interface BinlogReadOptions {
  readonly file: string;
  readonly position: number;
  /** Our id towards the server; a replica with the same id would be disconnected, so it is random and high. */
  readonly serverId?: number;
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
  /**
   * Wait for new events at the end of the log instead of ending there (the change waker): no
   * timeout then; the read ends when `onEvent` says stop, the signal aborts, or the connection fails.
   */
  readonly blocking?: boolean;
}

/**
 * Stream the events from (file, position) on to `onEvent`, until it says stop or the log ends.
 * Needs the REPLICATION SLAVE privilege. Returns whether `onEvent` stopped the read (false: the
 * end of the log came first). Throws a DbsyncError for refused, purged or unreadable logs.
 */
export async function readBinlog(db: DatabaseOptions, opts: BinlogReadOptions, onEvent: (e: BinlogEvent) => EventVerdict): Promise<boolean> {
  const operation = 'read the binary log';
  const conn = mysql.createConnection(driverOptions({ ...db, database: undefined }));
  conn.on('error', () => undefined);
  try {
    await new Promise<void>((resolve, reject) => conn.connect((err) => (err ? reject(err) : resolve())));
    const query = (sql: string) =>
      new Promise<Array<Array<string | null>>>((resolve, reject) =>
        conn.query({ sql, rowsAsArray: true }, (err, rows) => (err ? reject(err) : resolve(rows as Array<Array<string | null>>))),
      );
    const [[checksumName] = []] = await query('SELECT @@global.binlog_checksum');
    // Announce that we understand checksums (else the server refuses the dump) and MariaDB's own events.
    await query('SET @master_binlog_checksum = @@global.binlog_checksum, @mariadb_slave_capability = 4');
    const checksum = String(checksumName ?? 'NONE').toUpperCase() !== 'NONE';
    return await new Promise<boolean>((resolve, reject) => {
      let finished = false;
      const finish = (err: unknown, stopped = false) => {
        if (finished) return;
        finished = true;
        clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
        if (err) reject(err);
        else resolve(stopped);
      };
      const onAbort = () => finish(new Error('cancelled'));
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      const timer = opts.blocking
        ? undefined
        : setTimeout(() => finish(new Error(`no end of the binary log within ${opts.timeoutMs ?? 30_000} ms`)), opts.timeoutMs ?? 30_000);
      conn.on('error', (err) => finish(err));
      conn.on('end', () => finish(new Error('the server closed the binary log connection')));
      const cmd = {
        started: false,
        onResult: (err: Error) => finish(err),
        execute(packet: DriverPacket | undefined, connection: DriverConnection): boolean {
          if (finished) return true;
          if (!this.started) {
            this.started = true;
            connection._resetSequenceId();
            connection.writePacket(
              dumpPacket(opts.file, opts.position, opts.serverId ?? 0x7f000000 + Math.floor(Math.random() * 0xffffff), opts.blocking ?? false),
            );
            return false;
          }
          if (!packet) return false;
          if (packet.isError()) {
            finish(packet.asError(connection.clientEncoding));
            return true;
          }
          if (packet.isEOF()) {
            finish(null, false);
            return true;
          }
          try {
            const raw = packet.buffer.subarray(packet.offset, packet.end);
            if (raw[0] !== 0) throw new Error(`unexpected packet 0x${raw[0]?.toString(16)} in the binary log stream`);
            if (onEvent(decodeEvent(raw.subarray(1), checksum)) === 'stop') {
              finish(null, true);
              return true;
            }
          } catch (err) {
            finish(err);
            return true;
          }
          return false;
        },
        // The driver calls these on commands in its queue.
        on: () => cmd,
        once: () => cmd,
        emit: () => false,
        stateName: () => 'binlogDump',
      };
      (conn as unknown as { addCommand(c: unknown): void }).addCommand(cmd);
    });
  } catch (err) {
    if (err instanceof DbsyncError) throw err;
    const code = (err as { code?: string }).code;
    if (code) throw databaseError(operation, err, db);
    throw new DbsyncError({ operation, message: messageOf(err), hint: 'a full read is made instead', cause: err });
  } finally {
    // A dump cannot be ended politely: the server only notices the closed socket.
    conn.destroy();
  }
}
