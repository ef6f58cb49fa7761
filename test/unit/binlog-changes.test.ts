/**
 * BinlogChanges without a server: synthetic events in the binary log's layout. Rotations are
 * followed by (file, position) pairs, reading stops exactly at the target, and anything it cannot
 * attribute (statement events, unknown table ids, unknown events, overshooting the target) means
 * "everything". decodeEvent refuses an event whose checksum does not match.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { crc32 } from 'node:zlib';
import { BinlogChanges, comparePositions } from '../../src/detect/binlog-changes.js';
import { decodeEvent, type BinlogEvent } from '../../src/db/binlog-stream.js';

const ev = (type: number, nextPosition: number, body: Buffer, flags = 0): BinlogEvent => ({ type, timestamp: 1, serverId: 1, nextPosition, flags, body });
const rotate = (file: string, artificial: boolean, nextPosition = 0) => {
  const b = Buffer.alloc(8 + file.length);
  b.writeBigUInt64LE(4n, 0);
  b.write(file, 8);
  return ev(4, artificial ? 0 : nextPosition, b, artificial ? 0x20 : 0);
};
const tableMap = (id: number, db: string, table: string, next: number) => {
  const b = Buffer.alloc(8 + 1 + db.length + 1 + 1 + table.length + 1 + 4);
  b.writeUIntLE(id, 0, 6);
  let o = 8;
  b.writeUInt8(db.length, o++);
  o += b.write(db, o) + 1;
  b.writeUInt8(table.length, o++);
  b.write(table, o);
  return ev(19, next, b);
};
const rows = (id: number, next: number, type = 24) => {
  const b = Buffer.alloc(12);
  b.writeUIntLE(id, 0, 6);
  return ev(type, next, b);
};
const query = (db: string, sql: string, next: number) => {
  const b = Buffer.alloc(13 + db.length + 1 + Buffer.byteLength(sql));
  b.writeUInt8(db.length, 8);
  b.writeUInt16LE(0, 11);
  b.write(db, 13);
  b.write(sql, 13 + db.length + 1);
  return ev(2, next, b);
};
const fde = (next: number) => ev(15, next, Buffer.alloc(100));

/** Feed events until the collector stops; returns its result and how many events it took. */
function run(c: BinlogChanges, events: BinlogEvent[]) {
  let taken = 0;
  for (const e of events) {
    taken++;
    if (c.feed(e) === 'stop') break;
  }
  return { result: c.result(), taken };
}

describe('BinlogChanges', () => {
  it('names the tables of our database, follows a rotation and stops exactly at the target', () => {
    const c = new BinlogChanges('app', { file: 'bin.000001', position: 400 }, { file: 'bin.000002', position: 700 });
    const { result, taken } = run(c, [
      rotate('bin.000001', true),
      fde(256), // re-sent at the start of a dump inside the file: not a position
      query('app', 'BEGIN', 450),
      tableMap(7, 'app', 'orders', 500),
      rows(7, 550),
      tableMap(8, 'other', 'logs', 600),
      rows(8, 650),
      ev(16, 680, Buffer.alloc(8)),
      rotate('bin.000002', false, 720),
      rotate('bin.000002', true),
      fde(256),
      tableMap(9, 'app', 'items', 650),
      rows(9, 700, 23),
      tableMap(10, 'app', 'after_target', 800),
    ]);
    assert.deepEqual(result, { kind: 'tables', tables: new Set(['orders', 'items']) });
    assert.equal(taken, 13, 'stopped at the target, the event after it was not read');
  });

  it('answers everything when it cannot attribute a change', () => {
    const from = { file: 'b.000001', position: 100 };
    const to = { file: 'b.000001', position: 900 };
    const cases: Array<[string, BinlogEvent[], RegExp]> = [
      ['DDL on our database', [query('app', 'ALTER TABLE t ADD c INT', 200)], /ALTER TABLE t/],
      ['statement-format DML elsewhere (triggers may write ours)', [query('other', 'UPDATE x SET a = 1', 200)], /UPDATE x/],
      ['DDL elsewhere that names our database', [query('other', 'RENAME TABLE app.t TO other.t', 200)], /RENAME/],
      ['XA COMMIT of a transaction prepared earlier', [query('app', "XA COMMIT 'x'", 200)], /XA COMMIT/],
      ['rows event of an undeclared table id', [rows(42, 200)], /table id 42/],
      ['an event type it does not know', [ev(99, 200, Buffer.alloc(4))], /type 99/],
      ['the log going past the target', [tableMap(1, 'app', 't', 950)], /went past/],
      ['the log ending before the target', [tableMap(1, 'app', 't', 500)], /ended before/],
    ];
    for (const [what, events, reason] of cases) {
      const { result } = run(new BinlogChanges('app', from, to), events);
      assert.equal(result.kind, 'everything', what);
      assert.match((result as { reason: string }).reason, reason, what);
    }
  });

  it('ignores transaction control, DDL in other databases and events marked ignorable', () => {
    const c = new BinlogChanges('app', { file: 'b.000001', position: 100 }, { file: 'b.000001', position: 500 });
    const { result } = run(c, [
      query('app', 'BEGIN', 150),
      query('other', 'CREATE TABLE other.x (a INT)', 200),
      query('app', "XA START 'x'", 250),
      ev(120, 300, Buffer.alloc(3), 0x80),
      query('app', 'COMMIT', 500),
    ]);
    assert.deepEqual(result, { kind: 'tables', tables: new Set() });
  });

  it('orders positions by file number, then position', () => {
    assert.ok(comparePositions({ file: 'b.000009', position: 9000 }, { file: 'b.000010', position: 4 }) < 0);
    assert.ok(comparePositions({ file: 'b.000010', position: 5 }, { file: 'b.000010', position: 4 }) > 0);
    assert.equal(comparePositions({ file: 'b.000010', position: 4 }, { file: 'b.000010', position: 4 }), 0);
  });
});

describe('decodeEvent', () => {
  it('checks the CRC32 of every event', () => {
    const raw = Buffer.alloc(19 + 8 + 4);
    raw.writeUInt8(16, 4);
    raw.writeUInt32LE(raw.length, 9);
    raw.writeUInt32LE(1234, 13);
    raw.writeUInt32LE(crc32(raw.subarray(0, raw.length - 4)), raw.length - 4);
    assert.equal(decodeEvent(raw, true).nextPosition, 1234);
    raw[20] = 1;
    assert.throws(() => decodeEvent(raw, true), /checksum/);
    assert.throws(() => decodeEvent(raw.subarray(0, 20), true), /bytes/);
  });
});
