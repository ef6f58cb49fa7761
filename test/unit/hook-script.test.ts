/** The pre-commit hook's text: which hooks take the block, and insert/remove giving the same bytes back. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { findBlock, hookBlock, insertBlock, isShellScript, removeBlock, replaceBlock, shellWord } from '../../src/hook/hook-script.js';
import { absoluteGitPaths, commitIndexFiles } from '../../src/hook/commit-index.js';

const block = hookBlock({
  command: { node: '/usr/bin/node', cli: "/opt/it's here/bin/git-dbsync.js" },
  settings: [
    ['DB_NAME', "o'brien db"],
    ['DB_USER', 'app'],
  ],
});

describe('hook script', () => {
  it('recognises shell scripts only', () => {
    for (const s of ['#!/bin/sh\n', '#!/bin/bash -e\nx', '#!/usr/bin/env bash\n', '#! /bin/dash\n', '#!/usr/bin/env -S zsh -f\n', '#!/bin/ksh\n'])
      assert.equal(isShellScript(s), true, s);
    for (const s of [
      '#!/usr/bin/env node\n',
      '#!/usr/bin/python3\n',
      '#!/bin/sh',
      '#!/bin/sh\r\n',
      'echo no shebang\n',
      '\x7fELF\x02\x01',
      '#!/bin/shell-tool\n',
    ])
      assert.equal(isShellScript(s), false, JSON.stringify(s));
  });

  it('inserting and removing the block gives the same text back, whatever follows', () => {
    for (const original of ['#!/bin/sh\n', '#!/bin/sh\nexit 0', '#!/bin/bash\nx\r\n', '#!/bin/sh\n# >>> git-dbsync >>> not a marker\n\xe9\xff\n']) {
      const withBlock = insertBlock(original, block);
      const at = findBlock(withBlock);
      assert.ok(at && at !== 'damaged');
      assert.equal(removeBlock(withBlock, at), original);
      assert.equal(replaceBlock(withBlock, at, block), withBlock);
    }
  });

  it('a half block is reported, not guessed at', () => {
    assert.equal(findBlock('#!/bin/sh\n# >>> git-dbsync >>>\necho\n'), 'damaged');
    assert.equal(findBlock('#!/bin/sh\necho\n'), null);
  });

  it('the block is valid sh and quotes values exactly', () => {
    execFileSync('sh', ['-n', '-c', '#!/bin/sh\n' + block]);
    assert.equal(shellWord("a'b"), `'a'\\''b'`);
    const echoed = execFileSync('sh', ['-c', `x=${shellWord("o'brien $HOME `x` db")}; printf %s "$x"`], { encoding: 'utf8' });
    assert.equal(echoed, "o'brien $HOME `x` db");
  });

  it('stages a partial commit into the real index lock too, and makes git paths absolute', () => {
    assert.deepEqual(commitIndexFiles({ GIT_INDEX_FILE: '.git/index' }, '/r'), { commitIndex: '/r/.git/index', realIndexLock: undefined });
    assert.deepEqual(commitIndexFiles({ GIT_INDEX_FILE: '/r/.git/next-index-42.lock' }, '/x'), {
      commitIndex: '/r/.git/next-index-42.lock',
      realIndexLock: '/r/.git/index.lock',
    });
    assert.deepEqual(commitIndexFiles({}, '/r'), { commitIndex: undefined, realIndexLock: undefined });
    assert.equal(absoluteGitPaths({ GIT_DIR: '.git', PATH: 'bin' }, '/r').GIT_DIR, '/r/.git');
    assert.equal(absoluteGitPaths({ GIT_DIR: '.git', PATH: 'bin' }, '/r').PATH, 'bin');
  });
});
