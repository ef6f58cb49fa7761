import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { isLiteral, LineSyntaxError, splitLiteral } from '../../src/snapshot/line-codec.js';
import { cellsOf } from '../../src/snapshot/row-line.js';
import { ByteLine } from '../../src/fs/byte-line.js';
import { digestLines } from '../../src/commit/line-digest.js';
import { hexLiteral, quoteString, unquoteString } from '../../src/snapshot/sql-text.js';
import { dataLines, leanLines } from '../../src/fs/line-streams.js';

describe('splitLiteral (huge values loaded in pieces)', () => {
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
    const big = (c: string) => `0x${c.repeat(5000)}`;
    const [a, b, c, short] = await read(
      `INSERT INTO \`t\` VALUES (7,${big('AB')},'x');\nINSERT INTO \`t\` VALUES (7,${big('AB')},'x');\nINSERT INTO \`t\` VALUES (7,${big('AC')},'x');\nINSERT INTO \`t\` VALUES (1,'y');\n`,
    );
    assert.equal(a, b);
    assert.notEqual(a, c);
    assert.equal(short, "INSERT INTO `t` VALUES (1,'y');");
    assert.match(a!, /^INSERT INTO `t` VALUES \(7,'\(10002 bytes written, SHA-256 [0-9a-f]{64}\)','x'\);$/);
    // Still a row line of the same key, for the diff's matching by key.
    assert.deepEqual(cellsOf(a!).slice(0, 1), ['7']);
  });
  it('refuses a huge line that is not a row line, as the string reader would', async () => {
    await assert.rejects(read(`INSERT INTO \`t\` VALUES (7,${'1'.repeat(100)}+1);\n`), LineSyntaxError);
  });
});
