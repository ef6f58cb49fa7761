import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../../src/config/config.js';
import { DbsyncError } from '../../src/errors/dbsync-error.js';
import { sshCommand } from '../../src/git/git.js';
import { describeRemoteFailure, sshHost } from '../../src/remote/remote-failure.js';
import { tempDir } from '../support/project.js';

const base = { DB_USER: 'u', DB_NAME: 'd' };
const load = (env: Record<string, string>) => loadConfig({ env, flags: {}, cwd: '/tmp' });
const GIT_TAIL = 'fatal: Could not read from remote repository.\n\nPlease make sure you have the correct access rights\nand the repository exists.\n';

describe('remote settings', () => {
  it('reads the token from DBSYNC_GIT_TOKEN, else GITHUB_TOKEN, else the URL', () => {
    assert.equal(load({ ...base, GITHUB_TOKEN: 'gh' }).git.token, 'gh');
    assert.equal(load({ ...base, GITHUB_TOKEN: 'gh', DBSYNC_GIT_TOKEN: 'own' }).git.token, 'own');
    assert.equal(load({ ...base, GIT_REMOTE_URL: 'https://u:url@h/r.git' }).git.token, 'url');
    assert.equal(load({ ...base, GIT_REMOTE_URL: 'https://u:url@h/r.git', GITHUB_TOKEN: 'gh' }).git.token, 'gh');
  });

  it('checks DBSYNC_SSH_KEY and DBSYNC_SSH_KNOWN_HOSTS name readable files (exit 2 naming the variable)', () => {
    const dir = tempDir('dbsync-unit-');
    const key = path.join(dir, 'id');
    writeFileSync(key, 'k');
    chmodSync(key, 0o600);
    const c = load({ ...base, DBSYNC_SSH_KEY: key, DBSYNC_SSH_KNOWN_HOSTS: key });
    assert.equal(c.git.sshKey, key);
    assert.equal(c.git.sshKnownHosts, key);
    assert.throws(
      () => load({ ...base, DBSYNC_SSH_KEY: path.join(dir, 'nope') }),
      (e: unknown) => e instanceof DbsyncError && e.exitCode === 2 && /DBSYNC_SSH_KEY=".*nope": cannot read the file \(ENOENT\)/.test(e.message),
    );
    assert.throws(() => load({ ...base, DBSYNC_SSH_KNOWN_HOSTS: path.join(dir, 'nope') }), /DBSYNC_SSH_KNOWN_HOSTS=/);
  });

  it('builds the ssh command: batch mode always, key and known_hosts quoted for the shell', () => {
    assert.equal(sshCommand({}), 'ssh -o BatchMode=yes -o ConnectTimeout=20');
    assert.equal(
      sshCommand({ sshKey: '/keys/id_ed25519', sshKnownHosts: '/keys/known_hosts' }),
      'ssh -o BatchMode=yes -o ConnectTimeout=20 -i /keys/id_ed25519 -o IdentitiesOnly=yes -o UserKnownHostsFile=/keys/known_hosts',
    );
    assert.equal(
      sshCommand({ sshKey: "/my keys/it's", sshKnownHosts: '/my keys/kh' }),
      `ssh -o BatchMode=yes -o ConnectTimeout=20 -i '/my keys/it'\\''s' -o IdentitiesOnly=yes -o 'UserKnownHostsFile="/my keys/kh"'`,
    );
  });

  it('finds host and port of ssh URLs, and nothing in others', () => {
    assert.deepEqual(sshHost('ssh://git@example.org:2222/o/r.git'), { host: 'example.org', port: 2222 });
    assert.deepEqual(sshHost('ssh://example.org/o/r.git'), { host: 'example.org', port: undefined });
    assert.deepEqual(sshHost('git@github.com:o/r.git'), { host: 'github.com', port: undefined });
    assert.equal(sshHost('https://github.com/o/r.git'), null);
    assert.equal(sshHost('/srv/git/r.git'), null);
  });
});

describe('remote failures in one line', () => {
  // stderr texts as git 2.39, OpenSSH 9.2 and curl print them (captured on Debian 12), and as GitHub and GitLab answer.
  const cases: Array<[string, 'read' | 'write', string, string, RegExp]> = [
    [
      'unreachable',
      'read',
      'ssh://git@nosuchhost.invalid/r.git',
      'ssh: Could not resolve hostname nosuchhost.invalid: Name or service not known\n' + GIT_TAIL,
      /^host unreachable: ssh: Could not resolve hostname nosuchhost\.invalid/,
    ],
    [
      'unreachable',
      'read',
      'ssh://git@10.0.0.1/r.git',
      'ssh: connect to host 10.0.0.1 port 22: Connection timed out\n' + GIT_TAIL,
      /^host unreachable: ssh: connect to host 10\.0\.0\.1 port 22: Connection timed out$/,
    ],
    [
      'unreachable',
      'read',
      'https://nosuchhost.invalid/r.git',
      "fatal: unable to access 'https://nosuchhost.invalid/r.git/': Could not resolve host: nosuchhost.invalid\n",
      /^host unreachable: unable to access .*Could not resolve host/,
    ],
    [
      'key-refused',
      'read',
      'git@github.com:o/r.git',
      'git@github.com: Permission denied (publickey).\n' + GIT_TAIL,
      /^key refused: git@github\.com: Permission denied \(publickey\)\.$/,
    ],
    [
      'host-key-unknown',
      'read',
      'git@github.com:o/r.git',
      'Host key verification failed.\n' + GIT_TAIL,
      /^host key unknown: github\.com is not in known_hosts$/,
    ],
    ['repository-missing', 'read', 'git@github.com:o/r.git', 'ERROR: Repository not found.\n' + GIT_TAIL, /^repository missing: Repository not found\.$/],
    [
      'auth-failed',
      'read',
      'https://github.com/o/r.git',
      "remote: Invalid username or password.\nfatal: Authentication failed for 'https://github.com/o/r.git/'\n",
      /^https authentication failed: /,
    ],
    [
      'cannot-write',
      'write',
      'https://github.com/o/r.git',
      "remote: Permission to o/r.git denied to robot.\nfatal: unable to access 'https://github.com/o/r.git/': The requested URL returned error: 403\n",
      /^cannot write to the repository: Permission to o\/r\.git denied to robot\.$/,
    ],
    [
      'cannot-write',
      'write',
      'git@github.com:o/r.git',
      'ERROR: The key you are authenticating with has been marked as read only.\n' + GIT_TAIL,
      /^cannot write to the repository: .*marked as read only/,
    ],
    [
      'cannot-write',
      'write',
      'git@gitlab.com:o/r.git',
      "remote: GitLab: You are not allowed to push code to protected branches on this project.\nTo gitlab.com:o/r.git\n ! [remote rejected] 0000 -> refs/dbsync-probe/x (pre-receive hook declined)\nerror: failed to push some refs to 'gitlab.com:o/r.git'\n",
      /^cannot write to the repository: pre-receive hook declined \(remote: GitLab: You are not allowed/,
    ],
  ];
  for (const [problem, stage, url, stderr, message] of cases) {
    it(`${problem}: ${stderr.split('\n')[0]}`, () => {
      const f = describeRemoteFailure(stderr, stage, url);
      assert.equal(f.problem, problem);
      assert.match(f.message, message);
      assert.ok(f.hint.length > 10 && !f.hint.includes('\n') && !f.message.includes('\n'), 'one line each');
    });
  }

  it('a remote that never answers is "host unreachable" with the wait', () => {
    const f = describeRemoteFailure('', 'read', 'https://h/r.git', 60_000);
    assert.deepEqual([f.problem, f.message], ['unreachable', 'host unreachable: no answer within 60 s']);
  });
});
