/**
 * The repository run lock (src/lock/repo-lock.ts) with real processes and files: an abandoned lock
 * is taken over at once, a live one is waited for, an unjudgeable one only once it is stale, and
 * processes racing for an abandoned lock still hold it one at a time.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { acquireRepoLock } from '../../src/lock/repo-lock.js';
import { currentProcess } from '../../src/lock/process-identity.js';

const HOLDER = path.join(import.meta.dirname, '..', 'support', 'lock-holder.ts');
const linux = existsSync('/proc/self/stat');

function tempLock(): { dir: string; lockPath: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dbsync-lock-'));
  return { dir, lockPath: path.join(dir, 'run.lock') };
}

/** A pid that was in use a moment ago and is not now. */
function deadPid(): number {
  const r = spawnSync('sh', ['-c', 'echo $$']);
  return Number(r.stdout.toString().trim());
}

function startTicks(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]!;
}

function writeOwner(lockPath: string, owner: Record<string, unknown>): void {
  writeFileSync(lockPath, JSON.stringify({ ...currentProcess(), ...owner, since: new Date().toISOString() }) + '\n');
}

describe('repository lock', { skip: linux ? false : 'needs /proc (Linux)' }, () => {
  it('takes over at once the lock of a process that is gone', async () => {
    const { dir, lockPath } = tempLock();
    try {
      writeOwner(lockPath, { pid: deadPid(), startTicks: '1' });
      const t0 = Date.now();
      const lock = await acquireRepoLock({ lockPath, timeoutMs: 20_000 });
      assert.ok(Date.now() - t0 < 1_000, `took ${Date.now() - t0} ms`);
      assert.equal(lock.takenOver?.reason, 'owner gone');
      assert.equal(JSON.parse(readFileSync(lockPath, 'utf8')).pid, process.pid, 'the lock now names this process');
      await lock.release();
      assert.equal(existsSync(lockPath), false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('takes over a reused pid (same pid, other start time), waits for the same pid with the same start time', async () => {
    const { dir, lockPath } = tempLock();
    const sleeper = spawn('sleep', ['30']);
    try {
      writeOwner(lockPath, { pid: sleeper.pid, startTicks: String(Number(startTicks(sleeper.pid!)) - 5) });
      const lock = await acquireRepoLock({ lockPath, timeoutMs: 20_000 });
      assert.equal(lock.takenOver?.reason, 'owner gone', 'a pid now used by another process is no proof of life');
      await lock.release();

      writeOwner(lockPath, { pid: sleeper.pid, startTicks: startTicks(sleeper.pid!) });
      const t0 = Date.now();
      await assert.rejects(acquireRepoLock({ lockPath, timeoutMs: 400 }), (err: Error) => {
        assert.match(err.message, new RegExp(`another git-dbsync process \\(pid ${sleeper.pid} on this host\\) is working on this repository`));
        return true;
      });
      assert.ok(Date.now() - t0 >= 390, 'it waited for the timeout');
      assert.ok(existsSync(lockPath), "a live process's lock is left alone");
    } finally {
      sleeper.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('waits for a lock of another host (or an older version) until it has not been refreshed for 10 s', async () => {
    const { dir, lockPath } = tempLock();
    try {
      writeOwner(lockPath, { host: 'another-host', pid: 1 });
      await assert.rejects(acquireRepoLock({ lockPath, timeoutMs: 300 }), /pid 1 on host another-host\) is working on this repository/);
      const old = new Date(Date.now() - 11_000);
      utimesSync(lockPath, old, old);
      const lock = await acquireRepoLock({ lockPath, timeoutMs: 300 });
      assert.equal(lock.takenOver?.reason, 'stale');
      await lock.release();

      mkdirSync(lockPath); // an earlier version's lock: a folder, no owner
      await assert.rejects(acquireRepoLock({ lockPath, timeoutMs: 300 }), /another git-dbsync process is working on this repository/);
      utimesSync(lockPath, old, old);
      const again = await acquireRepoLock({ lockPath, timeoutMs: 300 });
      assert.equal(again.takenOver?.reason, 'stale');
      await again.release();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('takes over its own lock that it could not remove, but waits for one it holds', async () => {
    const { dir, lockPath } = tempLock();
    try {
      writeOwner(lockPath, {});
      const lock = await acquireRepoLock({ lockPath, timeoutMs: 5_000 });
      assert.equal(lock.takenOver?.reason, 'owner gone');
      await assert.rejects(acquireRepoLock({ lockPath, timeoutMs: 200 }), /is working on this repository/, 'held by this process: a second acquisition waits');
      await lock.release();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a holder killed with SIGKILL: the next acquisition takes over at once', async () => {
    const { dir, lockPath } = tempLock();
    const child = spawn(process.execPath, ['--import', 'tsx', HOLDER, 'hold', lockPath], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout!.on('data', (d: Buffer) => d.toString().includes('held') && resolve());
        child.once('exit', (code) => reject(new Error(`the holder exited with ${code}`)));
      });
      await assert.rejects(acquireRepoLock({ lockPath, timeoutMs: 200 }), /is working on this repository/, 'held while the holder lives');
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
      const t0 = Date.now();
      const lock = await acquireRepoLock({ lockPath, timeoutMs: 20_000 });
      assert.ok(Date.now() - t0 < 1_000, `took ${Date.now() - t0} ms`);
      assert.equal(lock.takenOver?.owner?.pid, child.pid);
      await lock.release();
    } finally {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('processes racing for an abandoned lock hold it one at a time', { timeout: 120_000 }, async () => {
    const { dir, lockPath } = tempLock();
    const log = path.join(dir, 'log');
    try {
      writeOwner(lockPath, { pid: deadPid(), startTicks: '1' });
      writeFileSync(log, '');
      const kids = Array.from({ length: 4 }, () => spawn(process.execPath, ['--import', 'tsx', HOLDER, 'rounds', lockPath, log, '8'], { stdio: 'inherit' }));
      const codes = await Promise.all(kids.map((k) => new Promise((r) => k.once('exit', r))));
      assert.deepEqual(codes, [0, 0, 0, 0]);
      const lines = readFileSync(log, 'utf8').trim().split('\n');
      assert.equal(lines.length, 4 * 8 * 2);
      for (let i = 0; i < lines.length; i += 2) {
        const [a, b] = [lines[i]!.split(' '), lines[i + 1]!.split(' ')];
        assert.deepEqual([a[0], b[0], a[1]], ['start', 'end', b[1]], `line ${i + 1}: two holders at once: ${lines.slice(i, i + 2).join(' | ')}`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
