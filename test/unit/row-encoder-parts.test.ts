/**
 * RowEncoder.encodeInParts (how a huge row is written) against RowEncoder.encode, on rows built by
 * hand: the same line and the same key text. The broad comparison over every column type is in
 * test/integration/fast-reader.test.ts (the `parts` reader); this one pins shapes it rarely makes:
 * many key columns (the key is written before the line, into a buffer of its own size).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { RawRow } from '../../src/db/database.js';
import { RowEncoder, type LineSink } from '../../src/snapshot/row-encoder.js';
import { RowWriter } from '../../src/snapshot/row-line.js';
import type { ColumnInfo, TableInfo } from '../../src/snapshot/table-info.js';

const col = (name: string, dataType: string): ColumnInfo => ({ name, dataType, charset: null, generated: false, invisible: false });

function rawRow(cells: readonly (Buffer | null)[]): RawRow {
  const start = new Int32Array(cells.length);
  const end = new Int32Array(cells.length);
  let at = 0;
  for (const [i, c] of cells.entries()) {
    start[i] = c === null ? -1 : at;
    end[i] = c === null ? -1 : at + c.length;
    at += c?.length ?? 0;
  }
  return { buf: Buffer.concat(cells.filter((c): c is Buffer => c !== null)), start, end, bytes: at };
}

function inParts(encoder: RowEncoder, row: RawRow, partBytes: number): { line: string; key: string } | null {
  const parts: Buffer[] = [];
  let key = '';
  const sink: LineSink = {
    begin: (b, s, e) => (key = b.toString('utf8', s, e)),
    part: (b, s, e) => parts.push(Buffer.from(b.subarray(s, e))),
    end: () => undefined,
  };
  return encoder.encodeInParts(row, sink, partBytes) ? { line: Buffer.concat(parts).toString('utf8'), key } : null;
}

function whole(encoder: RowEncoder, row: RawRow): { line: string; key: string } {
  const out = Buffer.alloc(encoder.maxBytes(row));
  const end = encoder.encode(row, out, 0);
  return { line: out.toString('utf8', 0, end), key: encoder.keyBuf.toString('utf8', encoder.keyStart, encoder.keyEnd) };
}

describe('RowEncoder.encodeInParts', () => {
  it('writes the line and the key of encode, with ten binary key columns and values cut into slices', () => {
    const keys = Array.from({ length: 10 }, (_, i) => col(`k${i}`, 'varbinary'));
    const info: TableInfo = { name: 't', engine: 'InnoDB', columns: [...keys, col('b', 'longblob'), col('s', 'longtext')], orderKey: keys.map((k) => k.name) };
    const encoder = new RowEncoder(new RowWriter(info));
    const row = rawRow([
      ...keys.map((_, i) => Buffer.alloc(16, 0xf0 + i)),
      Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 37) & 255)),
      Buffer.from("l'été \\ n\n".repeat(30)),
    ]);
    const parts = inParts(encoder, row, 64);
    assert.ok(parts, 'written in parts');
    assert.deepEqual(parts, whole(encoder, row));
    assert.match(parts.key, /^0xF0F0/);
  });

  it('leaves to encode a row whose large cell is a key column', () => {
    const info: TableInfo = { name: 't', engine: 'InnoDB', columns: [col('k', 'varbinary'), col('b', 'longblob')], orderKey: ['k'] };
    const encoder = new RowEncoder(new RowWriter(info));
    assert.equal(inParts(encoder, rawRow([Buffer.alloc(100, 1), Buffer.alloc(10, 2)]), 64), null);
  });
});
