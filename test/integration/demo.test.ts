/**
 * `git-dbsync demo` end to end through the real CLI: a throwaway MariaDB, the watcher, four
 * InvoicePlane-style changes each committed once, the history and a diff printed, and nothing of
 * the server left afterwards; Ctrl-C during start-up or while watching cleans up too.
 * Each run gets its own TMPDIR, so "nothing left" is checked exactly.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { baseEnv, cli, cliAsync, git, tempDir, waitFor } from '../support/project.js';

/** Processes whose command line mentions `dir` (a server or installer started under it). */
function processesUnder(dir: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
      if (cmd.includes(dir)) found.push(`${pid}: ${cmd}`);
    } catch {
      // The process ended meanwhile.
    }
  }
  return found;
}

function assertServerGone(tmp: string): void {
  assert.deepEqual(
    readdirSync(tmp).filter((f) => f.startsWith('git-dbsync-demo-db-')),
    [],
    'the server folder is removed',
  );
  assert.deepEqual(processesUnder(tmp), [], 'no mariadbd (or installer) of the demo is left running');
}

/** The lines of a printed section: from the line after `heading` to the next blank line. */
function section(stdout: string, heading: string): string[] {
  const lines = stdout.split('\n');
  const start = lines.findIndex((l) => l.startsWith(heading));
  assert.ok(start >= 0, `output has a section "${heading}"`);
  const end = lines.findIndex((l, i) => i > start && l.trim() === '');
  return lines.slice(start + 1, end < 0 ? undefined : end);
}

describe('demo', () => {
  it('shows a watched InvoicePlane database: one commit per change, history, a diff; cleans up in under 60 s', () => {
    const tmp = tempDir('dbsync-demo-test-');
    const t0 = Date.now();
    const r = cli(['demo'], baseEnv({ TMPDIR: tmp }), { timeoutMs: 90_000 });
    const seconds = (Date.now() - t0) / 1000;
    assert.equal(r.code, 0, `exit 0\n${r.stdout}\n${r.stderr}`);
    assert.ok(seconds < 60, `finished in ${seconds.toFixed(1)} s`);
    assert.doesNotMatch(r.stderr, / ERROR |git-dbsync:/, 'no error on stderr');

    // The history: the first snapshot, then one commit per scripted change (4).
    const history = section(r.stdout, 'The history').map((l) => /^ {2}([0-9a-f]{8}) (.+)$/.exec(l));
    assert.ok(history.every(Boolean), 'each history line is "  <commit> <subject>"');
    assert.equal(history.length, 5, `first snapshot + 4 changes:\n${r.stdout}`);
    const subjects = history.map((m) => m![2]!);
    assert.match(subjects[1]!, /ip_clients|Nordwind/, 'the client commit');
    assert.match(subjects[4]!, /status|paid|ip_invoices|INV-0002/i, 'the last commit is the payment that made INV-0002 paid');

    // A diff was printed: the last commit's rows, one line each.
    assert.match(r.stdout, /^ {2}diff --git a\/database\/data\/ip_payments\.sql/m);
    assert.match(r.stdout, /^ {2}\+INSERT INTO `ip_payments` VALUES \(2,2,2,'[0-9-]+',1297\.10,'Thank you!'\);$/m);

    // The repository it names exists and holds exactly those commits.
    const repo = /The repository stays at (\S+);/.exec(r.stdout)?.[1];
    assert.ok(repo && existsSync(path.join(repo, '.git')), `the named repository exists: ${repo}`);
    const log = git(repo, ['log', '--reverse', '--format=%h %s', '--abbrev=8']).trim().split('\n');
    assert.deepEqual(
      log,
      history.map((m) => `${m![1]} ${m![2]}`),
    );
    assert.equal(git(repo, ['status', '--porcelain']), '', 'the working tree is clean');
    assert.match(git(repo, ['show', 'HEAD:database/data/ip_invoices.sql']), /'INV-0002'/);

    // No secret of the sample data is printed (the first snapshot holds them; it is not shown).
    for (const secret of ['$2a$10$dEm0', 'demo-smtp-placeholder', 'demo0cron0key']) assert.ok(!r.stdout.includes(secret), `${secret} not printed`);

    assertServerGone(tmp);
    assert.deepEqual(readdirSync(tmp), [path.basename(repo)], 'only the repository is left in TMPDIR');
    console.log(`# demo wall time ${seconds.toFixed(1)} s`);
    rmSync(tmp, { recursive: true, force: true });
  });

  for (const when of ['during start-up', 'while watching'] as const) {
    it(`Ctrl-C ${when} stops the server and removes its data (exit 130)`, async () => {
      const tmp = tempDir('dbsync-demo-int-');
      const child = cliAsync(['demo'], baseEnv({ TMPDIR: tmp }));
      let stdout = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stdout += d.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
      // The banner comes just before the installer starts; "first snapshot" once the watcher has committed.
      await waitFor(when, () => stdout.includes(when === 'during start-up' ? 'git-dbsync demo:' : 'first snapshot'), 30_000);
      if (when === 'during start-up') {
        // The installer (or the server it starts) is running now: the hard case.
        await waitFor('the installer', () => processesUnder(tmp).length > 0, 10_000);
      }
      child.kill('SIGINT');
      assert.equal(await exited, 130, stdout);
      assert.match(stdout, /Stopped\. The database server is stopped and its data removed/);
      assertServerGone(tmp);
      rmSync(tmp, { recursive: true, force: true });
    });
  }
});
