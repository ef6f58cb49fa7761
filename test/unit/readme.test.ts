import { it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { settingsTable } from '../../src/config/config.js';
import { ExitCode } from '../../src/errors/exit-codes.js';
import { LOAD_ORDER } from '../../src/snapshot/layout.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

it('README documents every setting with its flag and default', () => {
  for (const s of settingsTable()) {
    const row = readme.split('\n').find((l) => l.startsWith(`| \`${s.env}\` |`));
    assert.ok(row, `README has a row for ${s.env}`);
    if (s.flag) assert.ok(row.includes(`\`${s.flag}\``), `${s.env} row names ${s.flag}`);
    if (s.default) assert.ok(row.includes(`\`${s.default}\``), `${s.env} row shows default ${s.default}`);
  }
});

it('README documents every exit code', () => {
  for (const code of Object.values(ExitCode)) assert.match(readme, new RegExp(`^\\| ${code} \\|`, 'm'));
});

it('README restore-without-the-tool command loads the files in the layout order', () => {
  assert.ok(readme.includes(`cat ${LOAD_ORDER.join(' ')} | mariadb --binary-mode`));
});
