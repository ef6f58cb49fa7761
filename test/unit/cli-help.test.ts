/**
 * `--help` fits a screen (issue 13): the top level and every command at most 40 lines at 80
 * columns, named placeholders (`--at WHEN`, never `<value>`), no markdown, two examples each, and
 * the pointer to the full list of settings, which `git-dbsync help settings` prints.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { ROOT } from '../support/project.js';
import { SETTINGS } from '../../src/config/config.js';

const BUDGET = 40;

describe('--help', () => {
  let texts: Record<string, string> = {};
  before(() => {
    texts = JSON.parse(
      execFileSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'test/support/cli-commands.ts'), '--texts'], {
        cwd: ROOT,
        encoding: 'utf8',
        env: { ...process.env, COLUMNS: '80' },
      }),
    ) as Record<string, string>;
    assert.ok(Object.keys(texts).length > 20, Object.keys(texts).join(', '));
  });

  it('fits in one screen, for the top level and every command', () => {
    const over = Object.entries(texts)
      .filter(([name]) => name !== 'settings')
      .map(([name, text]) => [name || '(top level)', text.trimEnd().split('\n').length] as const)
      .filter(([, n]) => n > BUDGET);
    assert.deepEqual(over, [], `help texts longer than ${BUDGET} lines`);
    assert.ok(texts['']!.trimEnd().split('\n').length <= BUDGET);
  });

  it('names its placeholders and has no markdown', () => {
    for (const [name, text] of Object.entries(texts)) {
      assert.doesNotMatch(text, /<value>/, `${name || 'top level'}: a <value> placeholder`);
      assert.doesNotMatch(text, /`|\]\(|\*\w/, `${name || 'top level'}: markdown`);
      for (const l of text.split('\n')) assert.ok(l.length <= 80, `${name}: a line over 80 columns: ${l}`);
    }
    assert.match(texts.restore!, /^ {2}--at WHEN /m);
    assert.match(texts.sync!, /^ {2}--db-host HOST +database server; DB_HOST=127\.0\.0\.1$/m);
  });

  it('every command shows two examples, the settings it uses, and where the rest are', () => {
    for (const [name, text] of Object.entries(texts)) {
      if (name === '' || name === 'remote' || name === 'hook' || name === 'settings') continue;
      const examples = text.split(/^Examples:$/m)[1];
      assert.ok(examples, `${name}: no examples`);
      assert.equal(examples.split('\n\n')[0]!.trim().split('\n').length, 2, `${name}: two examples`);
      assert.match(text, /All settings \(each also an environment variable\): git-dbsync help settings\n?$/, name);
    }
    assert.match(texts.sync!, /^Database:\n {2}--db-host/m);
    assert.doesNotMatch(texts.health!, /--db-host/, 'health never reads the database');
    assert.doesNotMatch(texts.sync!, /--poll-interval/, 'a daemon setting is not a sync setting');
  });

  it('help settings lists every setting with its environment variable', () => {
    const all = texts.settings!;
    for (const s of Object.values(SETTINGS) as Array<{ env: readonly string[] }>) assert.match(all, new RegExp(`^ {2}${s.env[0]}\\b`, 'm'), s.env[0]);
    const viaHelp = execFileSync(process.execPath, [path.join(ROOT, 'bin', 'git-dbsync.js'), 'help', 'settings'], { encoding: 'utf8' });
    assert.match(viaHelp, /^ {2}DBSYNC_MAX_UNPUSHED, --max-unpushed SECONDS \(default 3600\)$/m);
  });
});
