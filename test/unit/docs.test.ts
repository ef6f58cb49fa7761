/**
 * The documentation check: README.md, CONTRIBUTING.md and docs/ against the code. The expected lists
 * come from the code's own tables (SETTINGS through settingsTable(), ExitCode, the CLI's --help),
 * so adding a setting, a command or an exit code without documenting it fails here, and so does
 * documenting one that no longer exists, a link or #anchor that does not resolve, or a repository
 * path that is gone. See CONTRIBUTING.md, "Documentation".
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { settingsTable } from '../../src/config/config.js';
import { ExitCode } from '../../src/errors/exit-codes.js';
import { LOAD_ORDER } from '../../src/snapshot/layout.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SELF = path.relative(ROOT, fileURLToPath(import.meta.url));

/** Environment names the docs may mention although no code reads them yet: planned, not built. */
const PLANNED: string[] = [];

function walk(dir: string, keep: (file: string) => boolean): string[] {
  const out: string[] = [];
  for (const e of readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
    const rel = path.posix.join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== 'node_modules' && e.name !== 'dist' && !e.name.startsWith('.')) out.push(...walk(rel, keep));
    } else if (keep(rel)) out.push(rel);
  }
  return out;
}

/** Every documentation file, relative to the repository root. */
const DOCS = ['README.md', 'CONTRIBUTING.md', ...walk('docs', (f) => f.endsWith('.md'))];
const text = new Map(DOCS.map((f) => [f, readFileSync(path.join(ROOT, f), 'utf8')]));
const read = (f: string) => text.get(f) ?? assert.fail(`${f} is missing`);

/** The text without fenced code blocks and inline code: where links live. */
function prose(md: string): string {
  return md.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '').replace(/`[^`\n]*`/g, '');
}

/** Fenced code blocks and inline code spans: where commands are shown. */
function code(md: string): string[] {
  const blocks = [...md.matchAll(/^(```|~~~)[^\n]*\n([\s\S]*?)^\1[^\n]*$/gm)].map((m) => m[2]!);
  const spans = [...md.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '').matchAll(/`([^`\n]+)`/g)].map((m) => m[1]!);
  return [...blocks, ...spans];
}

/** GitHub's anchor of a heading: the rendered text, lower-cased, punctuation dropped, spaces to '-'. */
export function slug(heading: string): string {
  const rendered = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/<[^>]+>/g, '')
    .replace(/[`*]|(?<!\w)_|_(?!\w)/g, '');
  return rendered
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

function anchors(md: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const m of md.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '').matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = slug(m[1]!);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

/** Rows of the first table in `md` whose first cell matches `first`: [first cell, whole row]. */
function rows(md: string, first: RegExp): Array<[string, string]> {
  return md
    .split('\n')
    .filter((l) => l.startsWith('| '))
    .map((l): [string, string] => [l.split(' | ')[0]!.slice(2).trim(), l])
    .filter(([cell]) => first.test(cell));
}

describe('documentation', () => {
  it('README is the short front door: under 12 KB, with a section or link for each topic the project guide names', () => {
    const readme = read('README.md');
    assert.ok(Buffer.byteLength(readme) <= 12 * 1024, `README.md is ${Buffer.byteLength(readme)} bytes; keep it under 12 KB and move detail to docs/`);
    const headings = [...readme.matchAll(/^##\s+(.+)$/gm)].map((m) => m[1]!);
    for (const h of [
      'Quick start',
      'Is it working?',
      'Get data back',
      'What is not backed up',
      'Configuration',
      'Snapshot format',
      'Exit codes',
      'Security',
      'Reliability and benchmarks',
      'Documentation',
    ]) {
      assert.ok(headings.includes(h), `README has a section "${h}"`);
    }
    for (const page of [
      'docs/reference/configuration.md',
      'docs/reference/snapshot-format.md',
      'docs/reference/exit-codes.md',
      'docs/reference/security.md',
      'docs/guides/restore.md',
      'docs/reliability.md',
      'docs/benchmarks.md',
      'CONTRIBUTING.md',
    ]) {
      assert.ok(readme.includes(`](${page})`), `README links to ${page}`);
    }
    assert.match(readme, /^npx git-dbsync demo$|npm ci && npx git-dbsync demo/m, 'README shows the demo command');
    assert.match(readme, /^bash \.ci\/run$/m, 'README shows the one command that runs the tests');
  });

  it('the stock-client restore command loads the files in the layout order (README, restore guide, snapshot format)', () => {
    for (const f of ['README.md', 'docs/guides/restore.md', 'docs/reference/snapshot-format.md']) {
      assert.ok(read(f).includes(`cat ${LOAD_ORDER.join(' ')} | mariadb --binary-mode`), `${f} has the stock-client command in LOAD_ORDER`);
    }
  });

  it('the configuration reference documents every setting with its flag and default, and nothing else', () => {
    const md = read('docs/reference/configuration.md');
    const table = settingsTable();
    const documented = rows(md, /^`[A-Z][A-Z0-9_]*(, [A-Z][A-Z0-9_]*)*`$/);
    for (const s of table) {
      const row = documented.find(([cell]) => cell === `\`${s.env}\``)?.[1];
      assert.ok(row, `docs/reference/configuration.md has a row for ${s.env}`);
      if (s.flag) assert.ok(row.includes(`\`${s.flag}\``), `${s.env} row names ${s.flag}`);
      else assert.ok(row.split(' | ')[1] === '—' || row.split(' | ')[1] === '', `${s.env} has no flag, its row shows none`);
      if (s.default) assert.ok(row.includes(`\`${s.default}\``), `${s.env} row shows default ${s.default}`);
    }
    const known = new Set(table.map((s) => `\`${s.env}\``));
    for (const [cell] of documented)
      assert.ok(known.has(cell), `docs/reference/configuration.md documents ${cell}, which is not a setting in src/config/config.ts`);
  });

  it('every DBSYNC_* and DB_* name in the docs exists in the code', () => {
    const settings = new Set(settingsTable().flatMap((s) => s.env.split(', ')));
    // Names the tests, the benchmark, CI and the Docker files read (not settings of the tool itself).
    const elsewhere = [
      ...walk('test', (f) => f !== SELF && /\.(ts|sh|sql)$/.test(f)),
      ...walk('bench', (f) => /\.(ts|sh)$/.test(f)),
      ...walk('docker', () => true),
      'docker-compose.yml',
      'Dockerfile',
      '.ci/run',
      'package.json',
    ]
      .map((f) => readFileSync(path.join(ROOT, f), 'utf8'))
      .join('\n');
    const src = walk('src', (f) => f.endsWith('.ts'))
      .map((f) => readFileSync(path.join(ROOT, f), 'utf8'))
      .join('\n');
    for (const name of PLANNED) assert.ok(!src.includes(name), `${name} exists in src/ now: document it as a setting and take it off PLANNED`);
    const unknown: string[] = [];
    for (const [f, md] of text) {
      for (const m of md.matchAll(/\b(?:DBSYNC|DB)_[A-Z0-9_]*[A-Z0-9]\b/g)) {
        const name = m[0];
        if (!settings.has(name) && !PLANNED.includes(name) && !new RegExp(`\\b${name}\\b`).test(elsewhere)) unknown.push(`${f}: ${name}`);
      }
    }
    assert.deepEqual([...new Set(unknown)], [], 'documented names that no code reads');
  });

  describe('commands', () => {
    let tree: Record<string, string[]> = {};
    before(() => {
      // The CLI's own command tree, from its --help (a child process: main() exits the process).
      tree = JSON.parse(
        execFileSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'test/support/cli-commands.ts')], { cwd: ROOT, encoding: 'utf8' }),
      ) as Record<string, string[]>;
      assert.ok(Object.keys(tree).length > 5, `read the CLI's commands: ${JSON.stringify(tree)}`);
    });

    it('the command reference has a row for every command, every row is a command, and every option it shows exists', () => {
      const md = read('docs/reference/commands.md');
      const documented = new Map<string, string>();
      for (const [cell] of rows(md, /^`git-dbsync /)) {
        const words = /^`git-dbsync ((?:[a-z][a-z-]*)(?: [a-z][a-z-]*)*)/.exec(cell)![1]!.split(' ');
        // "remote set [URL]" is "remote set"; "resolve TABLE ..." is "resolve".
        const name = words.length > 1 && tree[words.slice(0, 2).join(' ')] ? words.slice(0, 2).join(' ') : words[0]!;
        assert.ok(
          tree[name],
          `docs/reference/commands.md documents \`git-dbsync ${name}\`, which the CLI does not have (it has: ${Object.keys(tree).join(', ')})`,
        );
        documented.set(name, (documented.get(name) ?? '') + cell);
        for (const opt of cell.match(/--[a-z][a-z-]*/g) ?? []) assert.ok(tree[name].includes(opt), `\`git-dbsync ${name}\` has no option ${opt}`);
      }
      for (const name of Object.keys(tree)) assert.ok(documented.has(name), `docs/reference/commands.md has no row for \`git-dbsync ${name}\``);
    });

    it('every `git-dbsync WORD` shown in the docs is a command', () => {
      const top = new Set(Object.keys(tree).map((k) => k.split(' ')[0]!));
      const wrong: string[] = [];
      for (const [f, md] of text) {
        for (const snippet of code(md)) {
          // Where a command starts: a line (after `$ ` and VAR=value assignments), `&&`, `;`, `|`, `npx`,
          // `docker compose exec|run --rm` (`exec git-dbsync git-dbsync status`: the first is the service).
          // Not a quoted message such as `... is not what git-dbsync writes`.
          const commands = snippet
            .replaceAll('git-dbsync git-dbsync', 'git-dbsync')
            .replace(/\b[A-Z_][A-Z0-9_]*=\S*\s+/g, '')
            .replace(/^\$ /gm, '');
          for (const m of commands.matchAll(
            /(?:^\s*|&&\s*|;\s*|\|\s*|\bnpx\s+|\bdocker compose (?:exec|run --rm) )git-dbsync ([a-z][a-z-]*)(?: ([a-z][a-z-]*))?/gm,
          )) {
            const [, first, second] = m;
            if (!top.has(first!)) wrong.push(`${f}: git-dbsync ${first}`);
            else if (!tree[first!] && second && !tree[`${first} ${second}`]) wrong.push(`${f}: git-dbsync ${first} ${second}`);
          }
        }
      }
      assert.deepEqual([...new Set(wrong)], [], 'commands shown in the docs that the CLI does not have');
    });
  });

  it('the exit code reference lists exactly the codes of ExitCode, and every "exit N" in the docs is one of them', () => {
    const codes = new Set<number>(Object.values(ExitCode));
    const listed = rows(read('docs/reference/exit-codes.md'), /^\d+$/).map(([cell]) => Number(cell));
    assert.deepEqual(
      [...listed].sort((a, b) => a - b),
      [...codes].sort((a, b) => a - b),
      'docs/reference/exit-codes.md rows = ExitCode (src/errors/exit-codes.ts)',
    );
    const wrong: string[] = [];
    for (const [f, md] of text) {
      for (const m of md.matchAll(/\bexit(?:s|ed)?(?: code)? (\d+)\b/gi)) if (!codes.has(Number(m[1]))) wrong.push(`${f}: ${m[0]}`);
    }
    assert.deepEqual(wrong, [], 'exit codes in the docs that ExitCode does not have');
  });

  it('every relative link and #anchor resolves', () => {
    const broken: string[] = [];
    for (const [f, md] of text) {
      for (const m of prose(md).matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
        const target = m[1]!;
        if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:
        const [file, anchor] = target.split('#') as [string, string | undefined];
        const abs = file === '' ? path.join(ROOT, f) : path.resolve(ROOT, path.dirname(f), decodeURIComponent(file));
        if (!abs.startsWith(ROOT + path.sep) || !existsSync(abs)) {
          broken.push(`${f}: ${target} (no such file)`);
          continue;
        }
        if (anchor === undefined) continue;
        if (!abs.endsWith('.md') || statSync(abs).isDirectory()) {
          broken.push(`${f}: ${target} (an anchor into a file that is not markdown)`);
          continue;
        }
        const rel = path.relative(ROOT, abs).split(path.sep).join('/');
        const targetText = text.get(rel) ?? readFileSync(abs, 'utf8');
        if (!anchors(targetText).has(anchor)) broken.push(`${f}: ${target} (no heading with that anchor in ${rel})`);
      }
    }
    assert.deepEqual(broken, [], 'broken links');
  });

  it('every repository path the docs name exists', () => {
    const missing: string[] = [];
    for (const [f, md] of text) {
      for (const m of md.matchAll(/(?<![\w./-])((?:src|test|bench|docker|assets|\.ci)\/[\w.@/-]*[\w/])(?![<*{\w])/g)) {
        if (!existsSync(path.join(ROOT, m[1]!))) missing.push(`${f}: ${m[1]}`);
      }
    }
    assert.deepEqual([...new Set(missing)], [], 'paths named in the docs that do not exist');
  });
});
