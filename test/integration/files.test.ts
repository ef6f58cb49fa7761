/**
 * DBSYNC_FILES against a real server and real git: the application's files go into the snapshot's
 * files/ folder in the same commit as the database change made with them; deletions are mirrored;
 * symlinks, special files and the deny list (ipconfig.php) are left out and never reach a git
 * object; size limits name the file and the setting; `watch` commits a change of files alone;
 * `restore` writes the files back and removes extra ones inside the globs only, or into
 * `--files-to`; a hostile path or a denied name in a commit's files/ is refused (exit 5).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { MariaDbServer } from '../support/mariadb-server.js';
import { background } from '../support/background.js';
import { baseEnv, cli, commitCount, git, tempDir, waitFor } from '../support/project.js';

const SECRET = 'ENCRYPTION_KEY=base64:Zm9vYmFyU2VjcmV0S2V5MTIzNDU2Nzg5';

function write(root: string, rel: string, data: string | Buffer): void {
  mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
  writeFileSync(path.join(root, rel), data);
}

/** Every path in HEAD's tree. */
function headFiles(dir: string): string[] {
  return git(dir, ['ls-tree', '-r', '--name-only', 'HEAD']).trim().split('\n');
}

/** Nothing in any git object (commits, trees, blobs, reachable or not) holds `text`. */
function assertNowhereInGit(dir: string, text: string): void {
  assert.doesNotMatch(git(dir, ['log', '--all', '-p']), new RegExp(text));
  const all = execFileSync('git', ['cat-file', '--batch-all-objects', '--batch'], { cwd: dir, maxBuffer: 1 << 28 }).toString('latin1');
  assert.equal(all.includes(text), false, `${text} is in a git object`);
  const revs = git(dir, ['rev-list', '--all']).trim().split('\n');
  const grep = spawnSync('git', ['grep', '-l', text, ...revs], { cwd: dir, encoding: 'utf8' });
  assert.equal(grep.status, 1, `git grep: ${grep.stdout}${grep.stderr}`);
}

describe('files versioned with the database (DBSYNC_FILES)', () => {
  let server: MariaDbServer;
  let seq = 0;
  before(async () => {
    server = await MariaDbServer.start();
  });
  after(async () => server?.destroy());

  async function setup(extra: Record<string, string> = {}) {
    const db = `f${++seq}`;
    const c = await server.connect(db);
    await c.query('CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50)); INSERT INTO items VALUES (1, "first")');
    await c.end();
    const dir = tempDir();
    const root = tempDir('dbsync-app-');
    write(root, 'ipconfig.php', `<?php\nDB_PASSWORD=hunter2\n${SECRET}\n`);
    write(root, 'uploads/logo.png', 'logo v1');
    write(root, 'uploads/sub/a.txt', 'attachment a');
    // Matched by the glob, still never committed: the deny list.
    write(root, 'uploads/ipconfig.php', `copy\n${SECRET}\n`);
    write(root, 'uploads/.env', `${SECRET}\n`);
    // A link to the secret and a FIFO inside the globs: never followed.
    symlinkSync('../ipconfig.php', path.join(root, 'uploads/link.php'));
    execFileSync('mkfifo', [path.join(root, 'uploads/pipe')]);
    write(root, 'other/notes.txt', 'outside the globs');
    const env = baseEnv({ ...server.env(db), PROJECT_DIR: dir, DBSYNC_FILES_ROOT: root, DBSYNC_FILES: 'uploads/**,ipconfig.php', ...extra });
    return { db, dir, root, env };
  }

  it('commits files with the database change of the same moment, mirrors deletions, leaves out links, FIFOs and secrets', async () => {
    const { db, dir, root, env } = await setup();
    const first = cli(['sync'], env);
    assert.equal(first.code, 0, first.stderr);
    const files = headFiles(dir).filter((p) => p.startsWith('database/files/'));
    assert.deepEqual(files, ['database/files/uploads/logo.png', 'database/files/uploads/sub/a.txt']);
    assert.match(first.stdout, /5 file\(s\) not versioned: ipconfig\.php, \.\.\. \(see the log\)/);
    assert.match(first.stderr, /uploads\/link\.php is a symbolic link: not followed/);
    assert.match(first.stderr, /uploads\/pipe is a FIFO/);
    assert.match(first.stderr, /ipconfig\.php holds secrets .*never committed/);
    assert.equal(readFileSync(path.join(dir, 'database/files/uploads/logo.png'), 'utf8'), 'logo v1');

    // A database change and file changes at the same moment: one commit.
    const c = await server.connect(db);
    await c.query('INSERT INTO items VALUES (2, "with attachment")');
    await c.end();
    write(root, 'uploads/new.pdf', 'new attachment');
    write(root, 'uploads/logo.png', 'logo v2');
    rmSync(path.join(root, 'uploads/sub/a.txt'));
    const before = commitCount(dir);
    const second = cli(['sync'], env);
    assert.equal(second.code, 0, second.stderr);
    assert.equal(commitCount(dir), before + 1);
    const changed = git(dir, ['show', '--name-status', '--format=', 'HEAD']).trim().split('\n').sort();
    assert.deepEqual(changed, [
      'A\tdatabase/files/uploads/new.pdf',
      'D\tdatabase/files/uploads/sub/a.txt',
      'M\tdatabase/data/items.sql',
      'M\tdatabase/files/uploads/logo.png',
    ]);
    const message = git(dir, ['log', '-1', '--format=%B']);
    assert.match(message.split('\n')[0]!, /^items \+1, files: uploads\/logo\.png changed, uploads\/new\.pdf added and 1 more$/);
    assert.match(message, /^file uploads\/sub\/a\.txt: deleted$/m);
    assert.match(message, /^file uploads\/link\.php is a symbolic link: not followed, not versioned$/m);
    // The same folder again: nothing to commit (the copies are unchanged, nothing is rewritten).
    const third = cli(['sync'], env);
    assert.match(third.stdout, /^no changes/);
    // No symlink or special file in the snapshot folder; the snapshot guard still holds.
    assert.equal(execFileSync('find', [path.join(dir, 'database'), '!', '-type', 'f', '!', '-type', 'd'], { encoding: 'utf8' }), '');
    assert.equal(git(dir, ['status', '--porcelain']), '');
    assertNowhereInGit(dir, SECRET.slice(15));
    assertNowhereInGit(dir, 'hunter2');
  });

  it('leaves out a file over DBSYNC_FILES_MAX_SIZE and the files past DBSYNC_FILES_MAX_TOTAL, naming file and setting', async () => {
    const { dir, root, env } = await setup({ DBSYNC_FILES_MAX_SIZE: '1KiB', DBSYNC_FILES_MAX_TOTAL: '3KiB', DBSYNC_FILES: 'big/**' });
    write(root, 'big/huge.bin', Buffer.alloc(2048, 1));
    for (const n of ['a', 'b', 'c', 'd']) write(root, `big/${n}.bin`, Buffer.alloc(1000, 2));
    const r = cli(['sync'], env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /big\/huge\.bin is 2\.0 KiB, over DBSYNC_FILES_MAX_SIZE \(1\.0 KiB\): not versioned; raise the setting to version it/);
    assert.match(r.stderr, /big\/d\.bin \(1000 B\) would bring the files over DBSYNC_FILES_MAX_TOTAL \(3\.0 KiB\)/);
    assert.deepEqual(
      headFiles(dir).filter((p) => p.startsWith('database/files/')),
      ['database/files/big/a.bin', 'database/files/big/b.bin', 'database/files/big/c.bin'],
    );
    assert.match(git(dir, ['log', '-1', '--format=%B']), /^file big\/huge\.bin is 2\.0 KiB, over DBSYNC_FILES_MAX_SIZE/m);
    // status shows the last pass's line, which says files were left out.
    assert.match(cli(['status'], env).stdout, /^files: 2 file\(s\) not versioned: big\/d\.bin, \.\.\. \(see the log\)$/m);
  });

  it('watch: a change of files alone starts a pass', async () => {
    const { dir, root, env } = await setup({ POLL_INTERVAL: '0.3' });
    const watch = background(['watch'], env);
    try {
      await waitFor('the first snapshot', () => commitCount(dir) === 1, 60_000);
      await new Promise((r) => setTimeout(r, 1000));
      assert.equal(commitCount(dir), 1, 'an idle folder makes no commit');
      write(root, 'uploads/scan.png', 'scanned receipt');
      await waitFor('a commit of the new file', () => commitCount(dir) === 2, 30_000);
      assert.equal(git(dir, ['log', '-1', '--format=%s']).trim(), 'files: uploads/scan.png added');
      // A changed modification time alone (touch) makes a pass but no commit: the bytes are the same.
      utimesSync(path.join(root, 'uploads/logo.png'), new Date(), new Date(Date.now() + 5000));
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal(commitCount(dir), 2);
    } finally {
      watch.child.kill('SIGTERM');
      await watch.waitExit(15_000);
    }
  });

  it('restore writes the files back, removes extra ones inside the globs only; --files-to writes elsewhere', async () => {
    const { db, dir, root, env } = await setup();
    assert.equal(cli(['sync'], env).code, 0);
    const v1 = git(dir, ['rev-parse', 'HEAD']).trim();
    const c = await server.connect(db);
    await c.query('UPDATE items SET name = "renamed" WHERE id = 1');
    write(root, 'uploads/logo.png', 'logo v2');
    write(root, 'uploads/extra.pdf', 'added later');
    rmSync(path.join(root, 'uploads/sub/a.txt'));
    assert.equal(cli(['sync'], env).code, 0);

    // --files-to: the snapshot's files in another folder, the root untouched.
    const elsewhere = path.join(tempDir(), 'restored');
    const plan = cli(['restore', v1, '--files-to', elsewhere], env);
    assert.equal(plan.code, 0, plan.stderr);
    assert.match(plan.stdout, /would write the snapshot's 2 file\(s\) into .*restored \(--files-to/);
    const to = cli(['restore', v1, '--yes', '--files-to', elsewhere], env);
    assert.equal(to.code, 0, to.stderr);
    assert.equal(readFileSync(path.join(elsewhere, 'uploads/logo.png'), 'utf8'), 'logo v1');
    assert.equal(readFileSync(path.join(elsewhere, 'uploads/sub/a.txt'), 'utf8'), 'attachment a');
    assert.equal(readFileSync(path.join(root, 'uploads/logo.png'), 'utf8'), 'logo v2');

    // Into the root: the plan names every file.
    const dry = cli(['restore', v1], env);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /would add 1 file\(s\): uploads\/sub\/a\.txt/);
    assert.match(dry.stdout, /would replace 1 file\(s\): uploads\/logo\.png/);
    assert.match(dry.stdout, /would remove 1 file\(s\) the snapshot lacks: uploads\/extra\.pdf/);
    const r = cli(['restore', v1, '--yes'], env);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(readFileSync(path.join(root, 'uploads/logo.png'), 'utf8'), 'logo v1');
    assert.equal(readFileSync(path.join(root, 'uploads/sub/a.txt'), 'utf8'), 'attachment a');
    assert.equal(existsSync(path.join(root, 'uploads/extra.pdf')), false);
    // Outside the globs, left out, links and special files: untouched.
    assert.equal(readFileSync(path.join(root, 'other/notes.txt'), 'utf8'), 'outside the globs');
    assert.match(readFileSync(path.join(root, 'ipconfig.php'), 'utf8'), /hunter2/);
    assert.ok(lstatSync(path.join(root, 'uploads/link.php')).isSymbolicLink());
    assert.ok(lstatSync(path.join(root, 'uploads/pipe')).isFIFO());
    const [[row]] = (await c.query('SELECT name FROM items WHERE id = 1')) as unknown as [[{ name: string }]];
    assert.equal(row.name, 'first');
    await c.end();
    // The restored state is committed: files and database as in v1.
    assert.equal(git(dir, ['diff', v1, 'HEAD', '--stat']), '');
  });

  it('refuses a hostile path or a denied name in a commit (exit 5) before touching anything', async () => {
    const { db, dir, root, env } = await setup();
    assert.equal(cli(['sync'], env).code, 0);
    const blob = git(dir, ['hash-object', '-w', '--stdin'], 'overwritten?\n').trim();
    const tree = (lines: string) => git(dir, ['mktree'], lines).trim();
    /** HEAD with database/files/ replaced by a tree that holds `name` (a tree `parent` around it when given). */
    const commitWith = (files: string) => {
      const dbEntries = git(dir, ['ls-tree', 'HEAD:database'])
        .split('\n')
        .filter((l) => l && !l.endsWith('\tfiles'));
      const database = tree(`${[...dbEntries, `040000 tree ${files}\tfiles`].join('\n')}\n`);
      const top = tree(`040000 tree ${database}\tdatabase\n`);
      return git(dir, ['commit-tree', top, '-p', 'HEAD', '-m', 'hostile'], '').trim();
    };
    const climbing = commitWith(tree(`040000 tree ${tree(`100644 blob ${blob}\tevil.txt\n`)}\t..\n`));
    const denied = commitWith(tree(`040000 tree ${tree(`100644 blob ${blob}\tipconfig.php\n`)}\tuploads\n`));
    const c = await server.connect(db);
    await c.query('UPDATE items SET name = "live" WHERE id = 1');
    for (const [rev, what] of [
      [climbing, /database\/files\/\.\.\/evil\.txt.* is a path with a "\.\." part: git-dbsync never writes it/],
      [denied, /database\/files\/uploads\/ipconfig\.php in commit .* is on the deny list/],
    ] as const) {
      const head = git(dir, ['rev-parse', 'HEAD']).trim();
      const r = cli(['restore', rev, '--yes'], env);
      assert.equal(r.code, 5, r.stderr);
      assert.match(r.stderr, what);
      assert.equal(git(dir, ['rev-parse', 'HEAD']).trim(), head, 'nothing committed');
    }
    assert.equal(existsSync(path.join(path.dirname(root), 'evil.txt')), false);
    assert.match(readFileSync(path.join(root, 'ipconfig.php'), 'utf8'), /hunter2/);
    const [[row]] = (await c.query('SELECT name FROM items WHERE id = 1')) as unknown as [[{ name: string }]];
    assert.equal(row.name, 'live', 'the database was not touched');
    await c.end();
  });

  it('is refused in two-way mode and without a root', () => {
    const env = baseEnv({ DB_USER: 'u', DB_NAME: 'd', PROJECT_DIR: tempDir(), DBSYNC_FILES: 'uploads/**' });
    const r = cli(['sync'], env);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /DBSYNC_FILES is set but DBSYNC_FILES_ROOT is not/);
    const two = cli(['sync'], { ...env, DBSYNC_FILES_ROOT: tempDir(), DBSYNC_MODE: 'two-way' });
    assert.equal(two.code, 2);
    assert.match(two.stderr, /DBSYNC_FILES works in one-way mode only/);
    const climbing = cli(['sync'], { ...env, DBSYNC_FILES_ROOT: tempDir(), DBSYNC_FILES: '../etc/**' });
    assert.equal(climbing.code, 2);
    assert.match(climbing.stderr, /must be a path or glob relative to DBSYNC_FILES_ROOT/);
  });
});
