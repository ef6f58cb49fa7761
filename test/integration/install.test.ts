/**
 * Install like a git extension (issue 13): the packed tarball installs with `npm install -g`
 * outside the checkout, puts `git-dbsync` on PATH so that `git dbsync` works, and installs the
 * manual page so that `git dbsync --help` (git runs `man git-dbsync`) shows it.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT, tempDir } from '../support/project.js';

const version = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const haveMan = spawnSync('sh', ['-c', 'command -v man']).status === 0;

describe('npm install -g of the packed tarball (issue 13)', () => {
  it('gives git dbsync on PATH and its manual page', { timeout: 300_000 }, () => {
    const dir = tempDir();
    assert.ok(existsSync(path.join(ROOT, 'dist', 'cli.js')), 'dist/ is built (`npm test` runs `npm run build` first)');
    // --ignore-scripts: packs dist/ as `npm test` (npm run build) just made it; without it, npm pack
    // runs the `prepare` script, the same tsc build again (30-40 s on the 2-core CI machine).
    execFileSync('npm', ['pack', '--ignore-scripts', '--pack-destination', dir], { cwd: ROOT, stdio: 'pipe' });
    const tarball = path.join(dir, `git-dbsync-${version}.tgz`);
    assert.ok(existsSync(tarball), 'npm pack wrote the tarball');
    const prefix = path.join(dir, 'prefix');
    execFileSync('npm', ['install', '-g', '--prefix', prefix, tarball, '--no-audit', '--no-fund'], { stdio: 'pipe' });
    const env = {
      ...process.env,
      PATH: `${path.join(prefix, 'bin')}:${process.env.PATH}`,
      MANPATH: `${path.join(prefix, 'share', 'man')}:`,
      MANPAGER: 'cat',
      PAGER: 'cat',
      MANWIDTH: '80',
    };
    // From a folder that is not the checkout: nothing is taken from it.
    const elsewhere = tempDir();
    assert.equal(execFileSync('git', ['dbsync', '--version'], { cwd: elsewhere, env, encoding: 'utf8' }).trim(), version);
    assert.match(execFileSync('git', ['dbsync', 'status', '--help'], { cwd: elsewhere, env, encoding: 'utf8' }), /Usage: git-dbsync status/);
    assert.ok(existsSync(path.join(prefix, 'share', 'man', 'man1', 'git-dbsync.1')), 'the manual page is installed');
    if (!haveMan) return; // `man` itself is not part of every minimal image; the page is checked above
    const manual = execFileSync('git', ['dbsync', '--help'], { cwd: elsewhere, env, encoding: 'utf8' });
    assert.match(manual, /^GIT-DBSYNC\(1\)/m);
    assert.match(manual, /COMMAND: RESTORE/);
    assert.match(manual, /6 +a restore was interrupted/);
  });
});
