/** Reading many blobs through one `git cat-file --batch` (Git.blobBatch), against a real repository. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Git } from '../../src/git/git.js';
import { baseEnv, git, tempDir } from '../support/project.js';

function repoWith(files: Record<string, string | Buffer>): { dir: string; head: string } {
  const dir = tempDir('dbsync-batch-');
  git(dir, ['init', '-q', '--initial-branch=main']);
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), content);
  }
  git(dir, ['add', '-A']);
  git(dir, ['commit', '-q', '-m', 'files']);
  return { dir, head: git(dir, ['rev-parse', 'HEAD']).trim() };
}

describe('Git.blobBatch', () => {
  it('reads blobs in order through one process; a missing path (a new file) or a folder reads as null', async () => {
    // A blob larger than a pipe's buffer arrives in many pieces; one ending without a line break; an empty one.
    const big = Buffer.alloc(3 * 1024 * 1024 + 17, 'x');
    big.write('\n', 1000);
    const { dir, head } = repoWith({ 'd/a.sql': 'one\ntwo\n', 'd/big.sql': big, 'd/no-eol.sql': 'last', 'd/empty.sql': '', 'd/with space.sql': 'spaced\n' });
    const batch = new Git(dir, baseEnv()).blobBatch();
    try {
      // All asked at once: the answers come back in order.
      const [a, b, missing, noEol, empty, folder, spaced] = await Promise.all([
        batch.read(`${head}:d/a.sql`),
        batch.read(`${head}:d/big.sql`),
        batch.read(`${head}:d/new.sql`),
        batch.read(`${head}:d/no-eol.sql`),
        batch.read(`${head}:d/empty.sql`),
        batch.read(`${head}:d`),
        batch.read(`${head}:d/with space.sql`),
      ]);
      assert.equal(a?.toString(), 'one\ntwo\n');
      assert.ok(Buffer.isBuffer(b) && b.equals(big), 'the large blob, byte for byte');
      assert.equal(missing, null);
      assert.equal(noEol?.toString(), 'last');
      assert.equal(empty?.toString(), '');
      assert.equal(folder, null);
      assert.equal(spaced?.toString(), 'spaced\n');
      // Over the limit: only the size; the next answer is still in step.
      assert.deepEqual(await batch.read(`${head}:d/big.sql`, 1024), { skipped: true, size: big.length });
      assert.equal((await batch.read(`${head}:d/a.sql`, 1024))?.toString(), 'one\ntwo\n');
      // A name git would read as two lines is never sent.
      assert.equal(await batch.read(`${head}:d/a.sql\n${head}:d/a.sql`), null);
      assert.equal((await batch.read(`${head}:d/a.sql`))?.toString(), 'one\ntwo\n');
    } finally {
      batch.close();
    }
    await assert.rejects(batch.read(`${head}:d/a.sql`), /closed/);
  });

  it('a bad revision reads as null and the process keeps answering', async () => {
    const { dir, head } = repoWith({ 'a.sql': 'x\n' });
    const batch = new Git(dir, baseEnv()).blobBatch();
    try {
      assert.equal(await batch.read('0'.repeat(40) + ':a.sql'), null);
      assert.equal(await batch.read('no-such-branch:a.sql'), null);
      assert.equal((await batch.read(`${head}:a.sql`))?.toString(), 'x\n');
    } finally {
      batch.close();
    }
  });

  it('fails what is pending when git ends (outside a repository)', async () => {
    const batch = new Git(tempDir('dbsync-nogit-'), baseEnv({ GIT_CEILING_DIRECTORIES: path.dirname(tempDir('dbsync-nogit-')) })).blobBatch();
    try {
      await assert.rejects(batch.read('HEAD:a.sql'), /cat-file --batch ended/);
    } finally {
      batch.close();
    }
  });
});
