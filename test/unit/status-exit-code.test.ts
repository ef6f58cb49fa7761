import { it } from 'node:test';
import assert from 'node:assert/strict';
import type { StatusReport } from '../../src/status/status.js';
import { statusExitCode } from '../../src/status/status-exit-code.js';

const healthy: StatusReport = {
  repository: '/p', snapshotDir: 'database', branch: 'main', lastSnapshot: null,
  database: { name: 'd', reachable: true, differs: false, error: null },
  remote: { name: 'origin', url: '/r.git', ahead: 0, behind: 0, error: null },
  lastError: null, consecutiveFailures: 0, lastPush: null, daemon: null, mode: 'backup', conflicts: null, changeSource: 'change source: binlog (mysql-bin.000001)',
};
const remote = (r: Partial<NonNullable<StatusReport['remote']>>) => ({ ...healthy, remote: { ...healthy.remote!, ...r } });

it('status exit codes: 0 healthy, 1 unreachable database or failing passes, 4 not pushed (issue 11)', () => {
  assert.equal(statusExitCode(healthy), 0);
  assert.equal(statusExitCode({ ...healthy, remote: null }), 0, 'no remote: nothing to push');
  assert.equal(statusExitCode({ ...healthy, database: { ...healthy.database, differs: true } }), 0, 'uncommitted changes are the normal state between passes');
  assert.equal(statusExitCode({ ...healthy, database: { ...healthy.database, reachable: false, differs: null, error: 'refused' } }), 1);
  assert.equal(statusExitCode({ ...healthy, consecutiveFailures: 3 }), 1);
  assert.equal(statusExitCode(remote({ ahead: 2 })), 4);
  assert.equal(statusExitCode(remote({ ahead: null, error: 'cannot reach the remote' })), 4);
  assert.equal(statusExitCode(remote({ behind: 1 })), 4, 'backup mode: a remote that moved on blocks the push');
  assert.equal(statusExitCode({ ...remote({ behind: 1 }), mode: 'two-way' }), 0, 'two-way: the next pull merges it');
  assert.equal(statusExitCode({ ...remote({ ahead: 2 }), consecutiveFailures: 1 }), 1, 'the worse wins');
});
