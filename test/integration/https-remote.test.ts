/**
 * `remote set` / `remote show` with a token-protected HTTP git server (git's own http-backend behind
 * Basic authentication, on loopback; plain HTTP because TLS is curl's business, the credential
 * flow is the same as for https): the token reaches git only through the credential helper, is
 * never stored, shown or put on a command line, and each authentication or permission problem
 * gives its own one-line message.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { allCommandLines } from '../support/background.js';
import { GitHttpServer } from '../support/git-http-server.js';
import { baseEnv, cliAsync, git, runCli, tempDir, type CliResult } from '../support/project.js';

const TOKEN = 'ghp_RemoteSetToken9131';
const NO_PROXY = { http_proxy: undefined, https_proxy: undefined, HTTP_PROXY: undefined, HTTPS_PROXY: undefined, ALL_PROXY: undefined, all_proxy: undefined };
const BASIC = 'Basic ' + Buffer.from(`robot:${TOKEN}`).toString('base64');

function errorLine(r: CliResult): string {
  const lines = r.stderr.split('\n').filter((l) => l.length > 0);
  assert.equal(lines.length, 1, `exactly one line on stderr:\n${r.stderr}`);
  return lines[0]!;
}

function allFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = path.join(dir, n);
    return statSync(p).isDirectory() ? allFiles(p) : [p];
  });
}

describe('https remote with a token', () => {
  let srv: GitHttpServer;
  let repo: string;

  before(async () => {
    srv = await GitHttpServer.start(TOKEN);
    repo = srv.bareRepo('repo.git');
  });

  after(async () => {
    await srv?.stop();
  });

  function env(dir: string, extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
    return baseEnv({ PROJECT_DIR: dir, GITHUB_TOKEN: undefined, ...NO_PROXY, ...extra });
  }

  it('remote set https://user:TOKEN@host/...: checked with the token, which is stored and shown nowhere', async () => {
    const dir = tempDir();
    srv.seen.length = 0;
    const r = await runCli(['remote', 'set', srv.url('repo.git', `robot:${TOKEN}`)], env(dir));
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.equal(
      r.stdout.trim(),
      `remote origin set to ${srv.url('repo.git')}: reachable and writable (0 branches; probe ref under refs/dbsync-probe/ pushed and deleted)`,
    );
    assert.match(r.stderr, /WARN the token in the URL is used for this check only and is stored nowhere: give it to sync and watch as DBSYNC_GIT_TOKEN/);
    assert.ok(!(r.stdout + r.stderr).includes(TOKEN), 'the token is not in the output');
    assert.ok(srv.seen.includes(BASIC), 'git sent the user and token from the URL');

    const config = readFileSync(path.join(dir, '.git', 'config'), 'utf8');
    assert.ok(!config.includes(TOKEN), '.git/config holds no token');
    assert.ok(!config.includes('robot'), '.git/config holds no user-info');
    assert.equal(git(dir, ['remote', 'get-url', 'origin']).trim(), srv.url('repo.git'));
    for (const f of allFiles(path.join(dir, '.git'))) assert.ok(!readFileSync(f).includes(TOKEN), `${path.relative(dir, f)} holds the token`);
    assert.equal(git(repo, ['for-each-ref']), '', 'the probe ref was deleted again');
  });

  it('GITHUB_TOKEN is used, through the credential helper only: never on a command line', async () => {
    const dir = tempDir();
    srv.seen.length = 0;
    srv.delayMs = 100; // keeps each git process alive long enough to be seen
    try {
      const child = cliAsync(['remote', 'set', srv.url('repo.git')], env(dir, { GITHUB_TOKEN: TOKEN }));
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
      let running = true;
      void exited.then(() => (running = false));
      const leaks = new Set<string>();
      const gitCommands = new Set<string>();
      while (running) {
        for (const p of allCommandLines()) {
          if (p.cmdline.includes(TOKEN)) leaks.add(p.cmdline);
          const m = / (ls-remote|push) /.exec(p.cmdline);
          if (p.cmdline.startsWith('git ') && m) gitCommands.add(m[1]!);
        }
        await new Promise((r) => setTimeout(r, 5));
      }
      assert.equal(await exited, 0, stderr + stdout);
      assert.deepEqual([...leaks], [], 'no command line holds the token');
      assert.deepEqual([...gitCommands].sort(), ['ls-remote', 'push'], 'saw the git processes that used the token');
      // No user name in the URL: the helper gives "git-dbsync" (hosts ignore the name for a token).
      assert.ok(srv.seen.includes('Basic ' + Buffer.from(`git-dbsync:${TOKEN}`).toString('base64')), 'git sent the token from GITHUB_TOKEN');
      assert.equal(stderr, '', 'no warning: the token comes from the environment');
      assert.ok(!readFileSync(path.join(dir, '.git', 'config'), 'utf8').includes(TOKEN), '.git/config holds no token');

      const show = await runCli(['remote', 'show'], env(dir, { GITHUB_TOKEN: TOKEN }));
      assert.equal(show.code, 0, show.stderr);
      assert.equal(show.stdout.trim(), `origin ${srv.url('repo.git')}: reachable (0 branches)`);
    } finally {
      srv.delayMs = 0;
    }
  });

  it('a wrong token is "https authentication failed"', async () => {
    const r = await runCli(['remote', 'set', srv.url('repo.git')], env(tempDir(), { DBSYNC_GIT_TOKEN: 'ghp_wrong' }));
    assert.equal(r.code, 1, r.stderr);
    assert.match(
      errorLine(r),
      /^git-dbsync: check remote origin: https authentication failed: Authentication failed for 'http:\/\/127\.0\.0\.1:\d+\/repo\.git\/' -- set DBSYNC_GIT_TOKEN \(or GITHUB_TOKEN\)/,
    );
  });

  it('no token at all is "https authentication failed", saying none was given', async () => {
    const r = await runCli(['remote', 'set', srv.url('repo.git')], env(tempDir()));
    assert.equal(r.code, 1, r.stderr);
    assert.match(errorLine(r), /check remote origin: https authentication failed: the server wants credentials and none were given -- set DBSYNC_GIT_TOKEN/);
  });

  it('a token that may read but not push is "cannot write"', async () => {
    srv.readOnly = true;
    try {
      const r = await runCli(['remote', 'set', srv.url('repo.git')], env(tempDir(), { DBSYNC_GIT_TOKEN: TOKEN }));
      assert.equal(r.code, 1, r.stderr);
      assert.match(errorLine(r), /check remote origin: cannot write to the repository: .*returned error: 403 -- give the key or token write access/);
    } finally {
      srv.readOnly = false;
    }
  });

  it('a repository the server does not have is "repository missing"', async () => {
    const r = await runCli(['remote', 'set', srv.url('missing.git')], env(tempDir(), { DBSYNC_GIT_TOKEN: TOKEN }));
    assert.equal(r.code, 1, r.stderr);
    assert.match(
      errorLine(r),
      /check remote origin: repository missing: repository 'http:\/\/127\.0\.0\.1:\d+\/missing\.git\/' not found -- create the repository/,
    );
  });
});
