import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { isLiteral, LineSyntaxError, literalPieces } from '../../src/snapshot/line-codec.js';
import { cellsOf } from '../../src/snapshot/row-line.js';
import { ByteLine } from '../../src/fs/byte-line.js';
import { digestLines } from '../../src/commit/line-digest.js';
import { hexLiteral, quoteString, unquoteString } from '../../src/snapshot/sql-text.js';
import { literalText } from '../../src/snapshot/sql-literal.js';
import { dataLines, leanLines } from '../../src/fs/line-streams.js';

/** A whole literal cut into pieces. */
const splitLiteral = (literal: string, max: number) => literalPieces(literal, { start: 0, end: literal.length }, max);

describe('literalPieces (huge values loaded in pieces)', () => {
  it('cuts a quoted string into literals whose values join to the whole, never inside an escape or a surrogate pair', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), fc.integer({ min: 2, max: 40 }), (s, max) => {
        const literal = quoteString(s);
        const { pieces: lazy, charset } = splitLiteral(literal, max);
        const pieces = [...lazy];
        assert.equal(charset, null);
        for (const p of pieces) assert.ok(isLiteral(p), `piece ${JSON.stringify(p)} is a literal`);
        assert.equal(pieces.map((p) => unquoteString(p)).join(''), s);
      }),
      { numRuns: 500, seed: 11 },
    );
  });

  it('cuts hex between bytes, and keeps the character set of a _charset literal for CONVERT', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 200 }), fc.integer({ min: 2, max: 41 }), (bytes, max) => {
        const hex = hexLiteral(Buffer.from(bytes));
        const plain = splitLiteral(hex, max);
        const plainPieces = [...plain.pieces];
        assert.equal(plain.charset, null);
        assert.ok(plainPieces.every((p) => isLiteral(p) && (p.length - 2) % 2 === 0));
        assert.equal(plainPieces.map((p) => p.slice(2)).join(''), hex.slice(2));
        const latin = splitLiteral(`_latin1 ${hex}`, max);
        assert.equal(latin.charset, 'latin1');
        assert.equal([...latin.pieces].map((p) => p.slice(2)).join(''), hex.slice(2));
      }),
      { numRuns: 300, seed: 12 },
    );
  });
});

describe('literalPieces: the size of pieces', () => {
  it('cuts a string of characters U+0080..U+00BF like any other (they are whole characters in a string)', () => {
    const pieces = [...splitLiteral(quoteString('°'.repeat(1000)), 10).pieces];
    assert.ok(pieces.length >= 100, `${pieces.length} pieces`);
    assert.ok(pieces.every((p) => p.length <= 12));
    assert.equal(pieces.map((p) => unquoteString(p)).join(''), '°'.repeat(1000));
  });
  it('keeps a lone high surrogate from taking the escape after it into its piece', () => {
    const literal = "'a\uD800\\nbc'";
    for (let max = 2; max < 8; max++) for (const p of splitLiteral(literal, max).pieces) assert.ok(isLiteral(p), `${JSON.stringify(p)} (max ${max})`);
  });
  it('cuts a run of bytes that are not UTF-8 (continuation bytes only) in a huge line too', () => {
    const b = ByteLine.builder(3);
    b.push(Buffer.concat([Buffer.from("'"), Buffer.alloc(1000, 0x80), Buffer.from("'")]));
    const line = b.done();
    const pieces = [...literalPieces(line, { start: 0, end: line.length }, 20).pieces];
    assert.ok(pieces.length >= 40 && pieces.every((p) => p.length <= 25), `${pieces.length} pieces`);
    assert.equal(pieces.map((p) => unquoteString(p)).join(''), Buffer.alloc(1000, 0x80).toString('utf8'));
  });
});

describe('leanLines', () => {
  it('splits like readline (LF or CR LF) whatever the chunk boundaries, multi-byte characters included', async () => {
    const text = "INSERT INTO `t` VALUES (1,'é😀');\r\nsecond\n\nthird without break";
    const bytes = Buffer.from(text);
    for (const size of [1, 2, 3, 5, 64]) {
      const chunks: Buffer[] = [];
      for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
      const lines: string[] = [];
      for await (const l of leanLines(Readable.from(chunks))) lines.push(l);
      assert.deepEqual(lines, ["INSERT INTO `t` VALUES (1,'é😀');", 'second', '', 'third without break'], `chunks of ${size}`);
    }
  });
});

describe('dataLines (huge lines as bytes)', () => {
  it('gives a line longer than the limit as a ByteLine of its bytes, the others as strings, whatever the chunk boundaries', async () => {
    const long = "INSERT INTO `t` VALUES (1,'é😀 a long value');";
    const text = `short\r\n${long}\r\n${long}\nx\n${long}`;
    const bytes = Buffer.from(text);
    for (const size of [1, 3, 7, 64]) {
      const chunks: Buffer[] = [];
      for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
      const got: string[] = [];
      for await (const l of dataLines(Readable.from(chunks), 10)) got.push(l instanceof ByteLine ? `bytes:${l.slice(0, l.length)}` : l);
      assert.deepEqual(got, ['short', `bytes:${long}`, `bytes:${long}`, 'x', `bytes:${long}`], `chunks of ${size}`);
    }
  });
});

describe('digestLines (huge lines in the commit diff)', () => {
  const read = async (text: string) => {
    const out: string[] = [];
    for await (const l of digestLines(Readable.from([Buffer.from(text)]), 64)) out.push(l);
    return out;
  };
  it('keeps short lines and short cells, stands a long cell for its size and SHA-256: equal exactly when the values are', async () => {
    const big = (c: string) => `0x${c.repeat(40000)}`;
    const [a, b, c, short] = await read(
      `INSERT INTO \`t\` VALUES (7,${big('AB')},'x');\nINSERT INTO \`t\` VALUES (7,${big('AB')},'x');\nINSERT INTO \`t\` VALUES (7,${big('AC')},'x');\nINSERT INTO \`t\` VALUES (1,'y');\n`,
    );
    assert.equal(a, b);
    assert.notEqual(a, c);
    assert.equal(short, "INSERT INTO `t` VALUES (1,'y');");
    const cells = cellsOf(a!);
    assert.deepEqual([cells[0], cells[2]], ['7', "'x'"], 'the same row, by the same key');
    assert.match(literalText(cells[1]!)!, /^\(80002 bytes written, SHA-256 [0-9a-f]{64}\)$/, 'shown as a note of size and digest');
  });
  it('no real value equals a digest, and a key cell stays as written', async () => {
    const value = `0x${'AB'.repeat(40000)}`;
    const [huge] = await read(`INSERT INTO \`t\` VALUES (7,${value});\n`);
    const note = literalText(cellsOf(huge!)[1]!)!;
    // The same note as a quoted string (a value anyone could store) is another row.
    const [forged] = await read(`INSERT INTO \`t\` VALUES (7,${quoteString(note)});\n`);
    assert.notEqual(forged, huge);
    // A key of 6 KB (a VARBINARY(3072) key as hex) is kept on a huge line, so the row matches its smaller self.
    const key = `0x${'CD'.repeat(3072)}`;
    const [bigRow, smallRow] = await read(`INSERT INTO \`t\` VALUES (${key},${value});\nINSERT INTO \`t\` VALUES (${key},'x');\n`);
    assert.equal(cellsOf(bigRow!)[0], key);
    assert.equal(cellsOf(smallRow!)[0], key);
  });
  it('refuses a huge line that is not a row line, as the string reader would', async () => {
    await assert.rejects(read(`INSERT INTO \`t\` VALUES (7,${'1'.repeat(100)}+1);\n`), LineSyntaxError);
  });
});
