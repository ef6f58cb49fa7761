/**
 * A table's files as git pathspecs (history/table-paths.ts, git.ts pathspecArgs), with real git:
 * git-dbsync runs git with GIT_LITERAL_PATHSPECS, under which a `*` or a `:(magic)` prefix is a
 * plain character; the chunk files of a table are still found, and a DBSYNC_DIR holding wildcard
 * characters still names only itself.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Git } from '../../src/git/git.js';
import { tablePaths } from '../../src/history/table-paths.js';
import { baseEnv, git, tempDir } from '../support/project.js';

function commitFile(repo: string, file: string, text: string): string {
  mkdirSync(path.dirname(path.join(repo, file)), { recursive: true });
  writeFileSync(path.join(repo, file), text);
  git(repo, ['add', '--', file]);
  git(repo, ['-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-q', '-m', file]);
  return git(repo, ['rev-parse', 'HEAD']).trim();
}

describe('table pathspecs', () => {
  it("find a table's chunk files, and only that table's, also under a folder named with wildcards", async () => {
    const repo = tempDir('pathspecs');
    git(repo, ['init', '-q', '-b', 'main']);
    // The decoy folder would match `d*b` as a pattern; the snapshot folder is literally named `d*b`.
    const dir = 'd*b';
    commitFile(repo, `${dir}/data/items.sql`, 'a\n');
    const chunk = commitFile(repo, `${dir}/data/items@3-1a2b.sql`, 'b\n');
    commitFile(repo, `${dir}/data/items2@3-1a2b.sql`, 'other table\n');
    commitFile(repo, 'dxb/data/items@3-1a2b.sql', 'decoy\n');
    const definition = commitFile(repo, `${dir}/tables/items.sql`, 'CREATE TABLE `items` (id int);\n');

    const g = new Git(repo, baseEnv());
    const touching = (await g.commitsTouching(tablePaths(dir, 'items'))).map((c) => c.commit);
    assert.equal(touching.length, 3, 'the first data file, the chunk and the definition; not items2 nor the decoy folder');
    assert.ok(touching.includes(chunk), 'the chunk file is found through the name pattern');
    assert.ok(touching.includes(definition));

    const changed = await g.changedFiles(`${chunk}~1`, chunk, tablePaths(dir, 'items'));
    assert.deepEqual(changed, [`${dir}/data/items@3-1a2b.sql`]);
    // Plain paths stay literal: `d*b` names the folder itself, not the decoy.
    assert.equal((await g.commitsTouching([dir])).length, 4);
  });
});
