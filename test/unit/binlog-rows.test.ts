/**
 * The keys-only decoder of rows events (src/detect/binlog-rows.ts) on events captured from a real
 * MariaDB server (test/fixtures/binlog-rows-events.json, made by
 * test/support/capture-binlog-events.ts): every column type around the key, composite keys at
 * their extreme values, a key update (both images), multi-row events; MINIMAL row images and any
 * damaged or unexpected event are refused (the table is then re-read whole, never guessed).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { rowsEventKeys, tableMapColumns, type KeySpec, type TableMapColumns } from '../../src/detect/binlog-rows.js';
import { BinlogChanges } from '../../src/detect/binlog-changes.js';
import type { BinlogEvent } from '../../src/db/binlog-stream.js';

interface Captured {
  readonly name: string;
  readonly spec: KeySpec;
  readonly expect: string[][] | { refuse: string };
  readonly events: Array<{ type: number; body: string }>;
}
const cases = JSON.parse(readFileSync(new URL('../fixtures/binlog-rows-events.json', import.meta.url), 'utf8')) as Captured[];

/** Where a Table_map body's column part starts (after the two names and their terminators). */
function columnsStart(body: Buffer): number {
  const dbLen = body.readUInt8(8);
  const tableLen = body.readUInt8(9 + dbLen + 1);
  return 9 + dbLen + 2 + tableLen + 1;
}

/** Decode a captured case: the keys of every image, in order. */
function decode(k: Captured, mangle: (type: number, body: Buffer) => Buffer = (_, b) => b): string[][] {
  let columns: TableMapColumns | null = null;
  const keys: string[][] = [];
  for (const e of k.events) {
    const body = Buffer.from(e.body, 'hex');
    if (e.type === 19) columns = tableMapColumns(body, columnsStart(body));
    else keys.push(...rowsEventKeys(e.type, mangle(e.type, body), columns!, k.spec).map((t) => t.map(String)));
  }
  return keys;
}

describe('binlog rows decoder (keys only), on captured events', () => {
  for (const k of cases) {
    it(k.name, () => {
      if (Array.isArray(k.expect)) assert.deepEqual(decode(k), k.expect);
      else assert.throws(() => decode(k), new RegExp(k.expect.refuse));
    });
  }

  const typed = cases[0]!;
  const composite = cases[1]!;

  it('refuses a rows event cut short, one with a byte too many, and compressed or partial event types', () => {
    assert.throws(() => decode(typed, (_, b) => b.subarray(0, b.length - 1)));
    assert.throws(() => decode(typed, (_, b) => Buffer.concat([b, Buffer.from([0])])), /bytes after its last row|ends inside|out of range/);
    assert.throws(() => decode({ ...composite, events: composite.events.map((e) => (e.type === 19 ? e : { ...e, type: 166 })) }), /compressed or partial/);
    assert.throws(() => decode({ ...composite, events: composite.events.map((e) => (e.type === 19 ? e : { ...e, type: 39 })) }), /compressed or partial/);
  });

  it('refuses when the live schema does not match the table map (column count, key type)', () => {
    assert.throws(() => decode({ ...composite, spec: { ...composite.spec, columns: 4 } }), /live table 4/);
    assert.throws(() => decode({ ...composite, spec: { columns: 3, key: [{ index: 0, type: 2, unsigned: false }] } }), /live schema says 2/);
    assert.throws(() => decode({ ...composite, spec: { columns: 3, key: [{ index: 2, type: 3, unsigned: false }] } }), /binlog type 15/);
  });

  it('refuses a table map with a type whose length it does not know, or metadata it does not use up', () => {
    const map = Buffer.from(composite.events[0]!.body, 'hex');
    const start = columnsStart(map);
    const oldDecimal = Buffer.from(map);
    oldDecimal[start + 1 + 2] = 0; // the VARCHAR column becomes the old DECIMAL type
    assert.throws(() => tableMapColumns(oldDecimal, start), /binlog type 0|metadata/);
    const json = Buffer.from(map);
    json[start + 1 + 2] = 245;
    assert.throws(() => tableMapColumns(json, start));
  });

  it('BinlogChanges: keys per keyed table, table granularity for the others and for tables whose events are refused', () => {
    const from = { file: 'mysql-bin.000001', position: 4 };
    let pos = 4;
    const events: BinlogEvent[] = [];
    const add = (type: number, body: Buffer) => {
      pos += 100;
      events.push({ type, timestamp: 1, serverId: 1, nextPosition: pos, flags: 0, body });
    };
    for (const k of [composite, cases[3]!, cases[2]!]) for (const e of k.events) add(e.type, Buffer.from(e.body, 'hex'));
    const keyed = new Map<string, KeySpec>([
      ['comp', composite.spec],
      ['minimal', cases[3]!.spec],
    ]);
    const changes = new BinlogChanges('cap', from, { file: from.file, position: pos }, keyed);
    for (const e of events) changes.feed(e);
    const r = changes.result();
    assert.equal(r.kind, 'tables');
    if (r.kind !== 'tables') return;
    assert.deepEqual([...r.tables].sort(), ['comp', 'minimal', 'wide']);
    assert.deepEqual(
      [...(r.keys?.get('comp') ?? [])].map((t) => t.map(String).join(',')).sort(),
      ['-128,18446744073709551615', '0,9223372036854775808', '127,0', '5,6'],
      'both keys of the key update, each key once',
    );
    assert.equal(r.keys?.has('minimal'), false, 'a refused table falls back to table granularity');
    assert.match(r.wholeBecause?.get('minimal') ?? '', /without key column/);
    assert.equal(r.keys?.has('wide'), false, 'a table not asked for has no keys');
  });
});
