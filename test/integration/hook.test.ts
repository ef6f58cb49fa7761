/**
 * The pre-commit hook: `hook install` into a repository without a hook, with a shell hook of the
 * user's and with a hook in another language (under core.hooksPath); a manual `git commit` (-m,
 * -a and PATHS) carries the refreshed snapshot; the user's hook still runs; uninstall gives the
 * user's file back byte for byte; a failed refresh blocks the commit with one line. Real git,
 * a throwaway mariadbd, and commits made from an environment without any DB_* variable (the
 * hook must carry its settings).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Connection } from 'mysql2/promise';
import { MariaDbServer, freePort } from '../support/mariadb-server.js';
import { baseEnv, cli, git, tempDir, type CliResult } from '../support/project.js';

let server: MariaDbServer;
let dbCounter = 0;

interface Fixture {
  db: string;
  repo: string;
  /** Environment for git-dbsync (database settings, PROJECT_DIR). */
  env: NodeJS.ProcessEnv;
  conn: Connection;
}

/** A database with one table and a repository with one commit of the user's (no snapshot yet). */
async function fixture(): Promise<Fixture> {
  const db = `hk${++dbCounter}`;
  const conn = await server.connect(db);
  await conn.query("CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(20) NOT NULL) ENGINE=InnoDB; INSERT INTO t VALUES (1, 'a')");
  const repo = tempDir('dbsync-hook-');
  git(repo, ['init', '-q', '--initial-branch=main']);
  writeFileSync(path.join(repo, 'notes.txt'), 'notes\n');
  git(repo, ['add', 'notes.txt']);
  git(repo, ['commit', '-q', '-m', 'start']);
  return { db, repo, env: baseEnv({ ...server.env(db), PROJECT_DIR: repo }), conn };
}

/** `git ARGS` as a user would run it: no DB_* variable in the environment (baseEnv strips them). */
function userGit(repo: string, args: string[], extra: Record<string, string> = {}): CliResult {
  const env = baseEnv({ GIT_AUTHOR_NAME: 'u', GIT_AUTHOR_EMAIL: 'u@u', GIT_COMMITTER_NAME: 'u', GIT_COMMITTER_EMAIL: 'u@u', ...extra });
  const r = spawnSync('git', args, { cwd: repo, env, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function committedFiles(repo: string): string[] {
  return git(repo, ['show', '--name-only', '--format=', 'HEAD']).trim().split('\n').filter(Boolean).sort();
}

function appendNote(f: Fixture, text: string): void {
  writeFileSync(path.join(f.repo, 'notes.txt'), readFileSync(path.join(f.repo, 'notes.txt'), 'utf8') + text + '\n');
}

function ok(r: CliResult, what: string): CliResult {
  assert.equal(r.code, 0, `${what} failed (${r.code}): ${r.stderr}${r.stdout}`);
  return r;
}

describe('git hook', () => {
  before(async () => {
    server = await MariaDbServer.start();
  });
  after(async () => server?.destroy());

  it('creates a hook; git commit -m, -a and PATHS include the refreshed snapshot; uninstall deletes the file', async () => {
    const f = await fixture();
    try {
      const inst = ok(cli(['hook', 'install'], f.env), 'hook install');
      const hook = path.join(f.repo, '.git', 'hooks', 'pre-commit');
      assert.match(inst.stdout, /installed the pre-commit hook .*pre-commit/);
      assert.ok(statSync(hook).mode & 0o100, 'the hook is executable');
      assert.match(readFileSync(hook, 'utf8'), /DB_SOCKET=/, 'the settings are in the hook');

      // -m with something staged: the snapshot of the changed row joins the user's commit.
      await f.conn.query("UPDATE t SET v = 'b' WHERE id = 1");
      writeFileSync(path.join(f.repo, 'other.txt'), 'x\n');
      git(f.repo, ['add', 'other.txt']);
      const c1 = ok(userGit(f.repo, ['commit', '-m', 'x']), 'git commit -m');
      assert.match(c1.stdout + c1.stderr, /snapshot refreshed; this commit includes .*database\/data\/t\.sql/);
      const stat = git(f.repo, ['show', '--stat', 'HEAD']);
      assert.match(stat, /database\/data\/t\.sql/);
      assert.match(stat, /other\.txt/);
      assert.match(git(f.repo, ['show', 'HEAD:database/data/t.sql']), /\(1,'b'\)/);
      assert.equal(git(f.repo, ['log', '--format=%s']).trim().split('\n').length, 2, 'no commit of its own');
      assert.equal(git(f.repo, ['status', '--porcelain']), '', 'index and working tree equal the commit');

      // -a: git commits from .git/index.lock.
      await f.conn.query("UPDATE t SET v = 'c' WHERE id = 1");
      appendNote(f, 'a');
      ok(userGit(f.repo, ['commit', '-a', '-m', 'y']), 'git commit -a');
      assert.deepEqual(committedFiles(f.repo), ['database/data/t.sql', 'notes.txt']);
      assert.match(git(f.repo, ['show', 'HEAD:database/data/t.sql']), /\(1,'c'\)/);
      assert.equal(git(f.repo, ['status', '--porcelain']), '');

      // PATHS (--only): git commits from a temporary index; the real index gets the snapshot too.
      await f.conn.query("UPDATE t SET v = 'd' WHERE id = 1");
      appendNote(f, 'p');
      ok(userGit(f.repo, ['commit', '-m', 'z', 'notes.txt']), 'git commit PATHS');
      assert.deepEqual(committedFiles(f.repo), ['database/data/t.sql', 'notes.txt']);
      assert.match(git(f.repo, ['show', 'HEAD:database/data/t.sql']), /\(1,'d'\)/);
      assert.equal(git(f.repo, ['status', '--porcelain']), '', 'the real index has the new snapshot too');

      // Nothing changed in the database: the commit is the user's alone.
      appendNote(f, 'n');
      const c4 = ok(userGit(f.repo, ['commit', '-a', '-m', 'w']), 'git commit without database change');
      assert.deepEqual(committedFiles(f.repo), ['notes.txt']);
      assert.doesNotMatch(c4.stdout + c4.stderr, /git-dbsync/);

      const un = ok(cli(['hook', 'uninstall'], baseEnv({ PROJECT_DIR: f.repo })), 'hook uninstall');
      assert.match(un.stdout, /removed the pre-commit hook .* \(git-dbsync had created it\)/);
      assert.equal(existsSync(hook), false);
      assert.match(ok(cli(['hook', 'uninstall'], baseEnv({ PROJECT_DIR: f.repo })), 'second uninstall').stdout, /nothing to remove/);
    } finally {
      await f.conn.end();
    }
  });

  it("goes into the user's shell hook, which still runs; install twice changes nothing; uninstall restores it byte for byte", async () => {
    const f = await fixture();
    try {
      const hook = path.join(f.repo, '.git', 'hooks', 'pre-commit');
      const marker = path.join(f.repo, '..', path.basename(f.repo) + '.marker');
      // Ends with `exit 0`: a block appended at the end would never run.
      const original = `#!/bin/sh\n# the user's own checks\necho ran >> '${marker}'\nexit 0\n`;
      writeFileSync(hook, original, { mode: 0o750 });
      chmodSync(hook, 0o750);

      assert.match(ok(cli(['hook', 'install'], f.env), 'hook install').stdout, /added git-dbsync to your pre-commit hook/);
      const installed = readFileSync(hook);
      assert.match(ok(cli(['hook', 'install'], f.env), 'second install').stdout, /already installed and up to date/);
      assert.deepEqual(readFileSync(hook), installed, 'a second install changes nothing');
      assert.equal(installed.toString().split('# >>> git-dbsync >>>').length, 2, 'one block');
      assert.equal(statSync(hook).mode & 0o777, 0o750, 'mode kept');

      await f.conn.query("INSERT INTO t VALUES (2, 'new')");
      writeFileSync(path.join(f.repo, 'other.txt'), 'x\n');
      git(f.repo, ['add', 'other.txt']);
      ok(userGit(f.repo, ['commit', '-m', 'x']), 'git commit');
      assert.equal(readFileSync(marker, 'utf8'), 'ran\n', "the user's hook ran");
      assert.deepEqual(
        committedFiles(f.repo).filter((p) => p.includes('data/')),
        ['database/data/t.sql'],
      );
      assert.match(git(f.repo, ['show', 'HEAD:database/data/t.sql']), /\(2,'new'\)/);

      assert.match(ok(cli(['hook', 'uninstall'], baseEnv({ PROJECT_DIR: f.repo })), 'hook uninstall').stdout, /the rest is as it was/);
      assert.equal(readFileSync(hook, 'utf8'), original, 'byte-identical');
      assert.equal(statSync(hook).mode & 0o777, 0o750, 'mode kept');
    } finally {
      await f.conn.end();
    }
  });

  it('moves a hook in another language aside under core.hooksPath, calls it, and puts it back', async () => {
    const f = await fixture();
    try {
      git(f.repo, ['config', 'core.hooksPath', '.githooks']);
      mkdirSync(path.join(f.repo, '.githooks'));
      const hook = path.join(f.repo, '.githooks', 'pre-commit');
      const marker = path.join(f.repo, '..', path.basename(f.repo) + '.marker');
      const original = `#!/usr/bin/env node\nrequire('node:fs').appendFileSync(${JSON.stringify(marker)}, 'node hook ran\\n');\n`;
      writeFileSync(hook, original, { mode: 0o755 });

      const inst = ok(cli(['hook', 'install'], f.env), 'hook install');
      assert.match(inst.stdout, /your previous hook was moved to .*\.githooks\/pre-commit\.before-git-dbsync/);
      assert.equal(existsSync(path.join(f.repo, '.git', 'hooks', 'pre-commit')), false, 'nothing in .git/hooks');

      await f.conn.query("UPDATE t SET v = 'z' WHERE id = 1");
      writeFileSync(path.join(f.repo, 'other.txt'), 'x\n');
      git(f.repo, ['add', 'other.txt']);
      ok(userGit(f.repo, ['commit', '-m', 'x']), 'git commit');
      assert.equal(readFileSync(marker, 'utf8'), 'node hook ran\n');
      assert.ok(committedFiles(f.repo).includes('database/data/t.sql'));

      assert.match(ok(cli(['hook', 'uninstall'], baseEnv({ PROJECT_DIR: f.repo })), 'hook uninstall').stdout, /put your previous hook back/);
      assert.equal(readFileSync(hook, 'utf8'), original, 'byte-identical');
      assert.equal(statSync(hook).mode & 0o777, 0o755);
      assert.equal(existsSync(hook + '.before-git-dbsync'), false);
    } finally {
      await f.conn.end();
    }
  });

  it('a failed refresh stops the commit with one line; the environment overrides the settings in the hook; no password in the hook', async () => {
    const f = await fixture();
    try {
      const closedPort = String(await freePort());
      // TCP to a port where nothing listens (no socket), and a password given only by DB_PASSWORD.
      const env = baseEnv({ DB_HOST: '127.0.0.1', DB_PORT: closedPort, DB_USER: 'root', DB_NAME: f.db, PROJECT_DIR: f.repo, DB_PASSWORD: 'pw-not-in-hook-42' });
      const inst = ok(cli(['hook', 'install'], env), 'hook install');
      assert.match(inst.stderr, /does not store the database password .*DB_PASSWORD_FILE/);
      const hookText = readFileSync(path.join(f.repo, '.git', 'hooks', 'pre-commit'), 'utf8');
      assert.doesNotMatch(hookText, /pw-not-in-hook-42/);
      assert.doesNotMatch(hookText, /DB_PASSWORD=/);

      const head = git(f.repo, ['rev-parse', 'HEAD']);
      writeFileSync(path.join(f.repo, 'other.txt'), 'x\n');
      git(f.repo, ['add', 'other.txt']);
      const c = userGit(f.repo, ['commit', '-m', 'x']);
      assert.notEqual(c.code, 0, 'commit blocked');
      const lines = c.stderr.trim().split('\n');
      assert.equal(lines.length, 1, `one line: ${c.stderr}`);
      assert.match(lines[0]!, /^git-dbsync: commit stopped, the database snapshot could not be refreshed: connect to database: .*`git commit --no-verify`/);
      assert.equal(git(f.repo, ['rev-parse', 'HEAD']), head, 'no commit made');

      // The environment wins over the hook's settings: the right port lets the commit through.
      ok(userGit(f.repo, ['commit', '-m', 'x'], { DB_PORT: String(server.port) }), 'commit with DB_PORT from the environment');
      assert.ok(committedFiles(f.repo).includes('database/data/t.sql'));

      // --no-verify skips the refresh.
      await f.conn.query("UPDATE t SET v = 'q' WHERE id = 1");
      appendNote(f, 'nv');
      ok(userGit(f.repo, ['commit', '-a', '--no-verify', '-m', 'nv']), 'commit --no-verify');
      assert.deepEqual(committedFiles(f.repo), ['notes.txt']);
    } finally {
      await f.conn.end();
    }
  });

  it('one-line errors: not a repository, a shared hooks folder outside the repository, a hooks path that cannot be written', async () => {
    const f = await fixture();
    try {
      const notRepo = tempDir('dbsync-hook-norepo-');
      const r1 = cli(['hook', 'install'], { ...f.env, PROJECT_DIR: notRepo });
      assert.equal(r1.code, 2);
      assert.match(r1.stderr.trim(), /^git-dbsync: open project: .* is not a git repository -- [^\n]+$/);

      const shared = tempDir('dbsync-shared-hooks-');
      git(f.repo, ['config', 'core.hooksPath', shared]);
      const r2 = cli(['hook', 'install'], f.env);
      assert.equal(r2.code, 2);
      assert.match(r2.stderr.trim(), /^git-dbsync: install hook: core.hooksPath points to .*, outside this repository .* -- [^\n]+$/);
      assert.equal(existsSync(path.join(shared, 'pre-commit')), false);

      // A hooks folder below a regular file cannot be created.
      git(f.repo, ['config', 'core.hooksPath', 'notes.txt/hooks']);
      const r3 = cli(['hook', 'install'], f.env);
      assert.equal(r3.code, 1);
      assert.match(r3.stderr.trim(), /^git-dbsync: install hook: cannot write .*notes\.txt\/hooks\/pre-commit \(ENOTDIR\) -- [^\n]+$/);
    } finally {
      await f.conn.end();
    }
  });
});
