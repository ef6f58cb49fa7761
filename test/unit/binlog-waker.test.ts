import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { BinlogEvent } from '../../src/db/binlog-stream.js';
import { eventDatabase } from '../../src/detect/binlog-waker.js';

const event = (type: number, body: Buffer): BinlogEvent => ({ type, timestamp: 0, serverId: 1, nextPosition: 100, flags: 0, body });

function tableMap(db: string, table: string): Buffer {
  const d = Buffer.from(db);
  const t = Buffer.from(table);
  return Buffer.concat([Buffer.alloc(8), Buffer.from([d.length]), d, Buffer.from([0, t.length]), t, Buffer.from([0, 1, 3])]);
}

function query(db: string, sql: string, status = Buffer.from([0x00, 0, 0, 0, 0])): Buffer {
  const head = Buffer.alloc(13);
  const d = Buffer.from(db);
  head.writeUInt8(d.length, 8);
  head.writeUInt16LE(status.length, 11);
  return Buffer.concat([head, status, d, Buffer.from([0]), Buffer.from(sql)]);
}

describe('binlog waker: the database an event writes to', () => {
  it("reads a table map's database and a statement's default database", () => {
    assert.equal(eventDatabase(event(19, tableMap('invoices', 'ip_invoices'))), 'invoices');
    assert.equal(eventDatabase(event(2, query('invoices', 'ALTER TABLE ip_invoices ADD x INT'))), 'invoices');
    assert.equal(eventDatabase(event(2, query('', 'ALTER TABLE invoices.t ADD x INT'))), '', 'no default database: not ours (the next poll sees it)');
  });

  it('ignores transaction framing, other event types and truncated bodies', () => {
    assert.equal(eventDatabase(event(2, query('invoices', 'BEGIN'))), null);
    assert.equal(eventDatabase(event(2, query('invoices', 'COMMIT'))), null);
    assert.equal(eventDatabase(event(16, Buffer.alloc(8))), null, 'XID');
    assert.equal(eventDatabase(event(19, tableMap('invoices', 't').subarray(0, 10))), null);
    assert.equal(eventDatabase(event(2, query('invoices', 'INSERT INTO t VALUES (1)').subarray(0, 12))), null);
  });
});
