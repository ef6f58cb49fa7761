/**
 * Huge values (issue 11, "Bounds and memory"): a 64 MB value is synced (new, then changed) and
 * restored with a peak memory of at most 3 times its size (VmHWM of the CLI process, against a baseline measured in the same run), and
 * a row larger than what a snapshot reads (DBSYNC_MAX_ROW_SIZE, max_allowed_packet) skips its table
 * with one line naming the table and the row's key, while the rest of the database is still backed up.
 */
import { after, before, describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Connection } from 'mysql2/promise';
import { MariaDbServer } from '../support/mariadb-server.js';
import { baseEnv, CLI, cli, git, tempDir } from '../support/project.js';

const MB = 1024 * 1024;

let server: MariaDbServer;
let root: Connection;

/** Run the CLI and sample its peak resident memory (VmHWM, MB) until it exits. */
function runMeasured(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stderr: string; peakMb: number }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    let peakKb = 0;
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const sample = () => {
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (m) peakKb = Math.max(peakKb, Number(m[1]));
      } catch {
        // Gone already.
      }
    };
    const timer = setInterval(sample, 5);
    child.on('exit', (code) => {
      clearInterval(timer);
      resolve({ code, stderr, peakMb: peakKb / 1024 });
    });
  });
}

const envFor = (db: string, repo: string, extra: Record<string, string> = {}) => baseEnv({ ...server.env(db), PROJECT_DIR: repo, ...extra });

describe('huge values', { timeout: 900_000 }, () => {
  before(async () => {
    // Large enough to insert and restore a 64 MB value (sent as 128 MB of hex).
    server = await MariaDbServer.start(['--max-allowed-packet=1G']);
    root = await server.connect();
  });
  after(async () => {
    await root?.end();
    await server?.destroy();
  });

  it('a 64 MB value: sync and restore stay within a bounded multiple of it in memory, and round-trip', async (t: TestContext) => {
    const c = await server.connect('mem');
    await c.query('CREATE TABLE t (id INT PRIMARY KEY, b LONGBLOB) ENGINE=InnoDB');
    await c.query('INSERT INTO t VALUES (1, NULL), (2, 0x00)');
    // Baseline: the same tables with small values, in the same run.
    const baseRepo = tempDir();
    const baseSync = await runMeasured(['sync'], envFor('mem', baseRepo));
    assert.equal(baseSync.code, 0, baseSync.stderr);
    await root.query('CREATE DATABASE mem_base');
    const baseRestore = await runMeasured(['restore', '--yes'], envFor('mem_base', baseRepo));
    assert.equal(baseRestore.code, 0, baseRestore.stderr);

    const size = 64 * MB;
    const blob = Buffer.alloc(size);
    for (let i = 0; i < size; i++) blob[i] = Math.imul(i, 2654435761) >>> 24;
    await c.query('UPDATE t SET b = ? WHERE id = 1', [blob]);
    const repo = tempDir();
    const sync = await runMeasured(['sync'], envFor('mem', repo));
    assert.equal(sync.code, 0, sync.stderr);
    await root.query('CREATE DATABASE mem_copy');
    const restore = await runMeasured(['restore', '--yes'], envFor('mem_copy', repo));
    assert.equal(restore.code, 0, restore.stderr);
    const [sums] = await root.query('CHECKSUM TABLE mem.t, mem_copy.t EXTENDED');
    const [a, b] = (sums as Array<{ Checksum: unknown }>).map((r) => r.Checksum);
    assert.equal(b, a, 'CHECKSUM TABLE after the round trip');

    // A second pass where the huge value changed: the commit compares its old and new lines.
    await c.query('UPDATE t SET b = REVERSE(b) WHERE id = 1');
    const resync = await runMeasured(['sync'], envFor('mem', repo));
    assert.equal(resync.code, 0, resync.stderr);
    assert.match(git(repo, ['log', '-1', '--format=%B']), /t: 0 added, 1 changed, 0 deleted/);
    const extraResync = (resync.peakMb - baseSync.peakMb) / 64;
    t.diagnostic(`peak RSS: sync of a changed huge value ${resync.peakMb.toFixed(0)} MB (+${extraResync.toFixed(2)}x the value)`);

    const extraSync = (sync.peakMb - baseSync.peakMb) / 64;
    const extraRestore = (restore.peakMb - baseRestore.peakMb) / 64;
    t.diagnostic(
      `peak RSS: sync ${sync.peakMb.toFixed(0)} MB (baseline ${baseSync.peakMb.toFixed(0)} MB, +${extraSync.toFixed(2)}x the value), ` +
        `restore ${restore.peakMb.toFixed(0)} MB (baseline ${baseRestore.peakMb.toFixed(0)} MB, +${extraRestore.toFixed(2)}x the value)`,
    );
    // The value travels as 128 MB of hex (its line): see docs/reliability.md for what these bounds are made of.
    // Issue 11's bound: at most 3x the value above the baseline, for each command.
    assert.ok(extraSync <= 3, `sync: ${extraSync.toFixed(2)}x the value above the baseline`);
    assert.ok(extraResync <= 3, `sync of the changed value: ${extraResync.toFixed(2)}x the value above the baseline`);
    assert.ok(extraRestore <= 3, `restore: ${extraRestore.toFixed(2)}x the value above the baseline`);
    await c.end();
  });

  it('a row over DBSYNC_MAX_ROW_SIZE: one line names table and key, the rest is backed up, the table keeps its committed files', async () => {
    const c = await server.connect('skip');
    await c.query(`CREATE TABLE docs (id INT PRIMARY KEY, body LONGBLOB) ENGINE=InnoDB;
      CREATE TABLE notes (id INT PRIMARY KEY, v VARCHAR(20)) ENGINE=InnoDB;
      INSERT INTO docs VALUES (1, 'small'), (2, 'also small');
      INSERT INTO notes VALUES (1, 'a')`);
    const repo = tempDir();
    const limits = { DBSYNC_MAX_ROW_SIZE: '4MiB' };
    const first = cli(['sync'], envFor('skip', repo, limits));
    assert.equal(first.code, 0, first.stderr);
    const docsBefore = git(repo, ['rev-parse', 'HEAD:database/data/docs.sql']);

    // One row grows past the limit; another table changes meanwhile.
    await c.query(`UPDATE docs SET body = REPEAT('x', 6 * 1024 * 1024) WHERE id = 2; INSERT INTO docs VALUES (3, 'new');`);
    await c.query(`INSERT INTO notes VALUES (2, 'b')`);
    const second = cli(['sync'], envFor('skip', repo, limits));
    assert.equal(second.code, 0, `the rest is still backed up: ${second.stderr}`);
    const lines = second.stderr.trim().split('\n');
    assert.equal(lines.length, 1, `one line: ${second.stderr}`);
    assert.match(lines[0]!, /table docs not backed up: its row id=2 holds 6291\d+ bytes, more than the 4194304 a row may have/);
    const message = git(repo, ['log', '-1', '--format=%B']);
    assert.match(message, /notes: 1 added/, 'the other table is committed');
    assert.match(message, /Not in this snapshot:\n- table docs not backed up: its row id=2/, `the commit message lists the skipped table: ${message}`);
    assert.equal(git(repo, ['rev-parse', 'HEAD:database/data/docs.sql']), docsBefore, 'docs keeps its last committed rows, not deleted');
    assert.ok(git(repo, ['cat-file', '-e', 'HEAD:database/tables/docs.sql']) === '', 'and its definition');

    const status = cli(['status'], envFor('skip', repo, limits));
    assert.equal(status.code, 1, `status fails while a table is skipped: ${status.stdout}`);
    assert.match(status.stdout, /^FAILING: 1 table\(s\) not backed up: table docs not backed up: its row id=2/);

    // With the limit raised, the table is backed up again.
    const third = cli(['sync'], envFor('skip', repo, { DBSYNC_MAX_ROW_SIZE: '16MiB' }));
    assert.equal(third.code, 0, third.stderr);
    assert.match(git(repo, ['log', '-1', '--format=%B']), /docs: 1 added, 1 changed/);
    const ok = cli(['status'], envFor('skip', repo, { DBSYNC_MAX_ROW_SIZE: '16MiB' }));
    assert.equal(ok.code, 0, ok.stdout);
    await c.end();
  });
});
