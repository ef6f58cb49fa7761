/**
 * The strict line codec (src/snapshot/line-codec.ts) against the writer (RowWriter/columnFormat):
 * every line the writer can emit is read back into the same cells; a mutated line is either read
 * as a line the writer could have written (same text when written again) or refused. Pure: the
 * integration side ("never executed") is in test/faults/hostile-repository.test.ts.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  ANY_ROW,
  isLiteral,
  LineSyntaxError,
  literalAt,
  literalPieces,
  parseRowLine,
  parseRowRanges,
  type LineExpectation,
  type ParsedLine,
} from '../../src/snapshot/line-codec.js';
import { ByteLine } from '../../src/fs/byte-line.js';
import { cellsOf, prefixOf, RowWriter, shownCellsOf } from '../../src/snapshot/row-line.js';
import { unquoteString } from '../../src/snapshot/sql-text.js';
import type { ColumnInfo, TableInfo } from '../../src/snapshot/table-info.js';

const SEED = Number(process.env.DBSYNC_FC_SEED ?? 20261203);
const RUNS = process.env.DBSYNC_LONG_TESTS === '1' ? 20_000 : 2_000;

const col = (name: string, dataType: string, extra: Partial<ColumnInfo> = {}): ColumnInfo => ({
  name,
  dataType,
  charset: null,
  generated: false,
  invisible: false,
  ...extra,
});

/** Column types and what the server may hand the writer for them (raw bytes, as mysql2 returns them). */
const COLUMNS: ReadonlyArray<{ col: ColumnInfo; cell: fc.Arbitrary<Buffer | null> }> = [
  { col: col('i', 'bigint'), cell: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 64n - 1n }).map((n) => Buffer.from(String(n))) },
  { col: col('d', 'decimal'), cell: fc.tuple(fc.integer(), fc.nat(99999)).map(([a, b]) => Buffer.from(`${a}.${String(b).padStart(5, '0')}`)) },
  { col: col('f', 'double'), cell: fc.double({ noNaN: true, noDefaultInfinity: true }).map((x) => Buffer.from(String(x).replace('e+', 'e'))) },
  { col: col('fl', 'float'), cell: fc.constantFrom('-1e-50', '0', '1.5', '3.4028234663852886e38').map((s) => Buffer.from(s)) },
  { col: col('dt', 'datetime'), cell: fc.constantFrom('0000-00-00 00:00:00', '2026-12-03 01:02:03.456789').map((s) => Buffer.from(s)) },
  { col: col('s', 'varchar', { charset: 'utf8mb4' }), cell: fc.string({ unit: 'binary', maxLength: 40 }).map((s) => Buffer.from(s, 'utf8')) },
  {
    col: col('h', 'varchar', { charset: 'utf8mb4' }),
    cell: fc
      .array(fc.constantFrom("'", '\\', '\0', '\n', '\r', '\x1a', '\t', ',', ')', ';', '--', '/*', '`', "');DROP TABLE x;--", 'é', '😀'), { maxLength: 12 })
      .map((xs) => Buffer.from(xs.join(''))),
  },
  { col: col('b', 'blob'), cell: fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b)) },
  { col: col('l', 'varchar', { charset: 'latin1' }), cell: fc.uint8Array({ maxLength: 20 }).map((b) => Buffer.from(b)) },
  { col: col('a', 'varchar', { charset: 'ascii' }), cell: fc.uint8Array({ maxLength: 20 }).map((b) => Buffer.from(b)) },
  { col: col('e', 'enum', { charset: 'utf8mb4' }), cell: fc.constantFrom('a', 'b c', '0 ', '').map((s) => Buffer.from(s)) },
  { col: col('g', 'int', { generated: true }), cell: fc.constant(null) },
];

const cellArb = (c: (typeof COLUMNS)[number]) => fc.option(c.cell, { freq: 8 }).map((v) => v ?? null);

/** A random table (a subset of the columns, maybe INVISIBLE-named) and one row of it, as the writer writes it. */
const rowArb = fc.tuple(fc.subarray([...COLUMNS], { minLength: 1 }), fc.boolean(), fc.string({ minLength: 1, maxLength: 8 })).chain(([cols, named, table]) =>
  fc.tuple(...cols.map(cellArb)).map((cells) => {
    const info: TableInfo = {
      name: table,
      engine: 'InnoDB',
      columns: cols.map((c, i) => ({ ...c.col, name: c.col.name + i, invisible: named && i === 0 })),
      orderKey: [],
    };
    const writer = new RowWriter(info);
    const selected = cells.filter((_, i) => !cols[i]!.col.generated);
    return { info, line: writer.line(selected).replace(/\n$/, ''), cells: selected };
  }),
);

const expectOf = (info: TableInfo) => ({ table: info.name, columns: info.columns.map((c) => c.name) });
const rebuilt = (p: { prefix: string; cells: readonly string[] }) => `${p.prefix}(${p.cells.join(',')});`;

describe('strict line codec', () => {
  it('reads every line the writer emits back into the cells it wrote', () => {
    fc.assert(
      fc.property(rowArb, ({ info, line, cells }) => {
        const p = parseRowLine(line, expectOf(info));
        assert.equal(rebuilt(p), line);
        assert.equal(p.prefix + p.tuple + ';', line);
        assert.equal(p.cells.length, info.columns.length);
        // Text cells read back as the value written.
        let k = 0;
        info.columns.forEach((c, i) => {
          const raw = c.generated ? undefined : cells[k++];
          const lit = p.cells[i]!;
          assert.ok(isLiteral(lit), lit);
          if (raw && c.dataType === 'varchar' && c.charset === 'utf8mb4' && lit.startsWith("'")) assert.equal(unquoteString(lit), raw.toString('utf8'));
        });
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('is the one reader: cellsOf, prefixOf and literalAt (the merge) read exactly what parseRowLine reads', () => {
    fc.assert(
      fc.property(rowArb, ({ info, line }) => {
        const p = parseRowLine(line, expectOf(info));
        assert.deepEqual(cellsOf(line + '\n'), p.cells);
        assert.deepEqual(parseRowLine(line, ANY_ROW).cells, p.cells);
        assert.equal(prefixOf(line), p.prefix);
        const at = fc.sample(fc.nat({ max: p.cells.length - 1 }), 1)[0]!;
        assert.equal(literalAt(line, p.prefix.length, at), p.cells[at]);
      }),
      { seed: SEED, numRuns: RUNS },
    );
    const line = "INSERT INTO `t` VALUES (1,'a\\tb',NULL);";
    // An escape the writer never writes is refused by every reader (the old splitters passed it).
    assert.throws(() => cellsOf(line), LineSyntaxError);
    assert.equal(literalAt(line, 'INSERT INTO `t` VALUES '.length, 0), '1');
    assert.throws(() => literalAt(line, 'INSERT INTO `t` VALUES '.length, 2), /an escape the snapshot never writes/);
    assert.throws(() => literalAt("INSERT INTO `t` VALUES (1,'x');", 'INSERT INTO `t` VALUES '.length, 2), /the row has 2 cells, the key needs 3/);
    // Shown, not loaded: one cell that says what is wrong, instead of an error for the whole listing.
    assert.deepEqual(shownCellsOf(line), ["'(not a row line: an escape the snapshot never writes)'"]);
  });

  const injections = [
    '(SELECT 1)',
    "'; DROP TABLE x; --",
    ');DROP TABLE x;',
    ' /*',
    '*/',
    '-- ',
    '#',
    '\\',
    "'",
    ',',
    ')',
    '(',
    ';',
    '\n',
    '\r',
    ' ',
    'NULL',
    'DEFAULT',
    '0x',
    '_latin1 ',
    'e',
    '-',
    '.',
    '`',
    '@a:=1',
    'x',
    'SLEEP(1)',
  ];
  const mutation = fc.oneof(
    fc.record({
      op: fc.constant('insert' as const),
      at: fc.nat(),
      text: fc.oneof(fc.constantFrom(...injections), fc.string({ unit: 'binary', maxLength: 3 })),
    }),
    fc.record({ op: fc.constant('delete' as const), at: fc.nat(), text: fc.constant(''), len: fc.integer({ min: 1, max: 4 }) }),
    fc.record({
      op: fc.constant('replace' as const),
      at: fc.nat(),
      text: fc.oneof(fc.constantFrom(...injections), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 })),
    }),
  );

  type Mutation = { op: 'insert' | 'delete' | 'replace'; at: number; text: string; len?: number };
  const mutate = (line: string, muts: readonly Mutation[]): string => {
    let m = line;
    for (const mu of muts) {
      const at = mu.at % (m.length + 1);
      if (mu.op === 'insert') m = m.slice(0, at) + mu.text + m.slice(at);
      else if (mu.op === 'delete') m = m.slice(0, at) + m.slice(at + (mu.len ?? 1));
      else m = m.slice(0, at) + mu.text + m.slice(at + 1);
    }
    return m;
  };

  /** A line as the huge-line reader holds it: its UTF-8 bytes in blocks of 8 (so that literals cross blocks), pushed in random slices. */
  const byteLineOf = (line: string, cut: number): ByteLine => {
    const bytes = Buffer.from(line, 'utf8');
    const b = ByteLine.builder(3);
    for (let i = 0; i < bytes.length; i += cut) b.push(bytes.subarray(i, i + cut));
    return b.done();
  };
  /** What the string reader makes of a line, or its refusal's message; cells as the bytes they are (a lone surrogate is U+FFFD in bytes). */
  const readAsString = (line: string, expect: LineExpectation) => {
    try {
      const p = parseRowLine(line, expect);
      return { table: p.table, columns: p.columns, prefix: p.prefix, cells: p.cells.map((c) => Buffer.from(c, 'utf8').toString('utf8')) };
    } catch (err) {
      assert.ok(err instanceof LineSyntaxError, String(err));
      return err.message;
    }
  };
  const readAsBytes = (line: ByteLine, expect: LineExpectation) => {
    try {
      const p = parseRowRanges(line, expect);
      return { table: p.table, columns: p.columns, prefix: p.prefix, cells: p.cells.map((c) => line.slice(c.start, c.end)) };
    } catch (err) {
      assert.ok(err instanceof LineSyntaxError, String(err));
      return err.message;
    }
  };

  it('the byte reader of huge lines reads every line, and every mutated line, as the string reader does', () => {
    let refused = 0;
    fc.assert(
      fc.property(rowArb, fc.array(mutation, { maxLength: 3 }), fc.integer({ min: 1, max: 40 }), ({ info, line }, muts, cut) => {
        // A lone surrogate has no UTF-8 form: the string reader sees it, the bytes hold U+FFFD instead.
        const m = Buffer.from(mutate(line, muts).replace(/\r$/, ''), 'utf8').toString('utf8');
        const asString = readAsString(m, expectOf(info));
        assert.deepEqual(readAsBytes(byteLineOf(m, cut), expectOf(info)), asString, m);
        assert.deepEqual(readAsBytes(byteLineOf(m, cut), ANY_ROW), readAsString(m, ANY_ROW), m);
        if (typeof asString === 'string') refused++;
      }),
      { seed: SEED, numRuns: RUNS },
    );
    assert.ok(refused > 0, 'some mutated lines were refused by both');
  });

  it('the byte reader cuts a long literal into pieces that are literals and join to the value', () => {
    fc.assert(
      fc.property(rowArb, fc.integer({ min: 16, max: 64 }), ({ info, line }, max) => {
        const bytes = byteLineOf(line, 7);
        const p = parseRowRanges(bytes, expectOf(info));
        for (const cell of p.cells) {
          const whole = bytes.slice(cell.start, cell.end);
          const { pieces, charset } = literalPieces(bytes, cell, max);
          const list = [...pieces];
          for (const piece of list) assert.ok(isLiteral(piece), `piece ${JSON.stringify(piece)} of ${whole}`);
          if (list.length === 1 && charset === null) assert.equal(list[0], whole);
          else if (whole.startsWith("'")) assert.equal(list.map((x) => unquoteString(x)).join(''), unquoteString(whole));
          else {
            assert.equal(charset, whole.startsWith('_') ? whole.slice(1, whole.indexOf(' ')) : null);
            assert.equal(list.map((x) => x.slice(2)).join(''), whole.slice(whole.indexOf('0x') + 2));
          }
        }
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('reads a mutated line as a line the writer could have written, or refuses it', () => {
    let accepted = 0;
    let refused = 0;
    fc.assert(
      fc.property(rowArb, fc.array(mutation, { minLength: 1, maxLength: 3 }), ({ info, line }, muts) => {
        const m = mutate(line, muts);
        let p: ParsedLine;
        try {
          p = parseRowLine(m, expectOf(info));
        } catch (err) {
          assert.ok(err instanceof LineSyntaxError, String(err));
          refused++;
          return;
        }
        accepted++;
        // Accepted: the line is exactly its literals put back together, each a whole literal, one per column.
        assert.equal(rebuilt(p), m);
        assert.equal(p.cells.length, info.columns.length);
        for (const c of p.cells) assert.ok(isLiteral(c), c);
        assert.doesNotMatch(m, /[\n\r]/);
      }),
      { seed: SEED, numRuns: RUNS },
    );
    assert.ok(refused > 0 && accepted > 0, `accepted ${accepted}, refused ${refused}`);
  });

  it('refuses the attacks of issue 11 with the column where reading stopped', () => {
    const expect = { table: 't1', columns: ['id', 'v'] };
    const bad = [
      'INSERT INTO `t1` VALUES (2,(SELECT GROUP_CONCAT(id) FROM other.keepme));',
      "INSERT INTO `t1` VALUES (2,'x'); DROP TABLE other.keepme;",
      "INSERT INTO `t1` VALUES (2,'x');-- comment",
      "INSERT INTO `t1` VALUES (2,/* c */'x');",
      "INSERT INTO `t1` VALUES (2,'x'),(3,'y');",
      "INSERT INTO `other`.`t1` VALUES (2,'x');",
      "INSERT INTO `t2` VALUES (2,'x');",
      "INSERT INTO `t1` VALUES (2,'x\\');",
      "INSERT INTO `t1` VALUES (2,'a\\tb');",
      "INSERT INTO `t1` VALUES (2, 'x');",
      'INSERT INTO `t1` VALUES (2,0x4g);',
      "INSERT INTO `t1` VALUES (2,_latin1'x');",
      'INSERT INTO `t1` VALUES (2,@@version);',
      'INSERT INTO `t1` VALUES (2,1+1);',
      "INSERT INTO `t1` VALUES (2,'x',3);",
      "INSERT INTO `t1` (`id`,`w`) VALUES (2,'x');",
      "insert into `t1` VALUES (2,'x');",
      "INSERT INTO `t1` VALUES (2,'x')",
      '',
    ];
    for (const l of bad) {
      assert.throws(() => parseRowLine(l, expect), LineSyntaxError, l);
      // The byte reader of huge lines refuses each for the same reason.
      assert.equal(readAsBytes(byteLineOf(l, 5), expect), readAsString(l, expect), l);
    }
    assert.deepEqual(parseRowLine('INSERT INTO `t1` VALUES (-2.5e-7,_latin1 0xE9);', expect).cells, ['-2.5e-7', '_latin1 0xE9']);
  });
});
