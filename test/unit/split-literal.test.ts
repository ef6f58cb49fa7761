import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { isLiteral, splitLiteral } from '../../src/snapshot/line-codec.js';
import { hexLiteral, quoteString, unquoteString } from '../../src/snapshot/sql-text.js';
import { leanLines } from '../../src/fs/line-streams.js';

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
