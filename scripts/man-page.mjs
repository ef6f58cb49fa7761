#!/usr/bin/env node
// Writes man/git-dbsync.1 from the CLI's own --help texts (top level and every command), so that
// `man git-dbsync` and `git dbsync --help` (git runs man for an external command) show what the
// installed version does. Runs after tsc in `npm run build`; roff is written by hand because the
// page is plain sections of preformatted help, which no generator library is needed for.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'bin', 'git-dbsync.js');
const help = (args) => execFileSync(process.execPath, [cli, ...args, '--help'], { encoding: 'utf8', env: { ...process.env, COLUMNS: '80' } });
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));

/** roff-safe text: backslashes doubled, a leading dot or quote escaped. */
const roff = (text) =>
  text
    .replace(/\\/g, '\\e')
    .split('\n')
    .map((l) => (/^[.']/.test(l) ? `\\&${l}` : l))
    .join('\n');

/** The commands a help text lists (`  show [REV]   ...` -> show), without `help`. */
const listed = (text) =>
  [...(text.split(/^Commands:$/m)[1] ?? '').split(/\n\n/)[0].matchAll(/^ {2}([a-z][a-z-]*)(?: \[options\]| <|\s|$)/gm)]
    .map((m) => m[1])
    .filter((c) => c !== 'help');
const top = help([]);
const commands = listed(top);
const out = [
  `.TH GIT-DBSYNC 1 "" "git-dbsync ${pkg.version}" "git-dbsync manual"`,
  '.SH NAME',
  'git-dbsync \\- keep a live MariaDB/MySQL database under version control in git',
  '.SH SYNOPSIS',
  '.B git dbsync',
  '.I command',
  '[options]',
  '.SH DESCRIPTION',
  roff(pkg.description),
  'Every setting can be given as an environment variable or an option; the documentation (docs/ in the package, or the project page) has the guides.',
  '.SH OVERVIEW',
  '.nf',
  roff(top.trimEnd()),
  '.fi',
];
for (const c of commands) {
  const text = help([c]);
  out.push(`.SH COMMAND: ${c.toUpperCase()}`, '.nf', roff(text.trimEnd()), '.fi');
  // remote set, hook install, ...: each subcommand's own help too.
  for (const sub of listed(text)) out.push(`.SS ${c} ${sub}`, '.nf', roff(help([c, sub]).trimEnd()), '.fi');
}
out.push('.SH SEE ALSO', '.BR git (1)');
mkdirSync(path.join(root, 'man'), { recursive: true });
writeFileSync(path.join(root, 'man', 'git-dbsync.1'), out.join('\n') + '\n');
