import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describeFsError, errnoCode, isDiskFull, isNotWritable } from '../../src/errors/fs-error.js';

describe('errnoCode', () => {
  it('reads the code of a real system error', async () => {
    const err = await readFile('/nonexistent/dbsync-no-such-file').catch((e: unknown) => e);
    assert.equal(errnoCode(err), 'ENOENT');
  });

  it('gives undefined for whatever else can be thrown', () => {
    for (const thrown of [undefined, null, 'ENOENT', 42, new Error('plain'), { code: 17 }, { message: 'x' }]) {
      assert.equal(errnoCode(thrown), undefined, String(thrown));
    }
  });

  it('drives the disk-full and not-writable questions and the words', () => {
    const full = Object.assign(new Error('write failed'), { code: 'ENOSPC' });
    assert.equal(isDiskFull(full), true);
    assert.equal(isNotWritable(full), false);
    assert.equal(describeFsError(full), 'no space left on device (ENOSPC)');
    assert.equal(isNotWritable(Object.assign(new Error('x'), { code: 'EROFS' })), true);
    assert.equal(describeFsError(new Error('something else')), 'something else');
  });
});
