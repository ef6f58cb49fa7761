import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { reflogRevisionError } from '../../src/restore/reflog-revision.js';

describe('reflog revisions (restore)', () => {
  it('refuses @{date}, @{n} and @{-n}; allows plain revisions and @{upstream}', () => {
    for (const rev of ['main@{yesterday}', 'HEAD@{1}', '@{-1}', 'main@{2026-12-01 17:00}', 'main@{ 3 days ago }'])
      assert.ok(reflogRevisionError('restore', rev), rev);
    for (const rev of ['main', 'HEAD~2', 'v1.0', 'origin/main', '@', 'main@{upstream}', '@{u}', 'main@{push}', 'HEAD^{tree}'])
      assert.equal(reflogRevisionError('restore', rev), null, rev);
  });
  it('points a date to --at, a number to the commit', () => {
    assert.match(reflogRevisionError('restore', 'main@{2026-12-01 17:00}')!.hint, /restore --at "2026-12-01 17:00"$/);
    assert.match(reflogRevisionError('restore', 'HEAD@{3}')!.hint, /^name the commit/);
    assert.match(reflogRevisionError('restore', 'main@{last full moon}')!.hint, /^name the commit/);
  });
});
