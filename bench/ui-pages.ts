/**
 * How long the history page (`git-dbsync ui`) takes on a long history: a repository of N commits
 * (default 10,000) in the snapshot layout, made with `git fast-import` (no database needed), one
 * row changed per commit; record 1 of `orders` changes in every 20th commit (500 versions at
 * 10,000). Times each page over HTTP (median of 5 after one warm-up) and, as the baseline of the
 * same run, the `git log` that lists the same page of commits by itself.
 *
 *   node --import tsx bench/ui-pages.ts [--commits 10000]
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const COMMITS = arg('commits', 10_000);
const ROWS = 200;
const EVERY = 20;

const ORDERS =
  'CREATE TABLE `orders` (\n  `id` int(11) NOT NULL,\n  `status` int(11) NOT NULL,\n  `note` varchar(40) DEFAULT NULL,\n  PRIMARY KEY (`id`)\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;\n';
const NOTES =
  'CREATE TABLE `notes` (\n  `id` int(11) NOT NULL,\n  `body` varchar(40) DEFAULT NULL,\n  PRIMARY KEY (`id`)\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;\n';

function makeRepository(dir: string): void {
  execFileSync('git', ['init', '-q', '--initial-branch=main', dir]);
  const status = new Array<number>(ROWS + 1).fill(0);
  const notes = new Array<number>(21).fill(0);
  const start = Date.UTC(2026, 0, 1) / 1000;
  const parts: string[] = [];
  const blob = (text: string) => `data ${Buffer.byteLength(text)}\n${text}\n`;
  for (let k = 0; k < COMMITS; k++) {
    let subject: string;
    const files: Array<[string, string]> = [];
    if (k === 0) subject = 'orders (new table), notes (new table)';
    else if (k % 10 === 5) {
      notes[k % 20]! += 1;
      subject = `Note ${k % 20} changed`;
    } else {
      const id = k % EVERY === 0 ? 1 : 2 + (k % (ROWS - 1));
      status[id] = k;
      subject = `Order ${id}: status ${k}`;
    }
    if (k === 0) files.push(['database/tables/orders.sql', ORDERS], ['database/tables/notes.sql', NOTES]);
    if (k === 0 || !subject.startsWith('Note'))
      files.push([
        'database/data/orders.sql',
        Array.from({ length: ROWS }, (_, i) => `INSERT INTO \`orders\` VALUES (${i + 1},${status[i + 1]},'order ${i + 1}');\n`).join(''),
      ]);
    if (k === 0 || subject.startsWith('Note'))
      files.push([
        'database/data/notes.sql',
        Array.from({ length: 20 }, (_, i) => `INSERT INTO \`notes\` VALUES (${i + 1},'version ${notes[i]}');\n`).join(''),
      ]);
    const t = start + k * 300;
    parts.push(
      `commit refs/heads/main\ncommitter bench <bench@example.test> ${t} +0000\n${blob(subject)}${k > 0 ? '' : ''}${files.map(([p, text]) => `M 100644 inline ${p}\n${blob(text)}`).join('')}\n`,
    );
  }
  execFileSync('git', ['fast-import', '--quiet'], { cwd: dir, input: parts.join(''), maxBuffer: 1 << 30 });
  execFileSync('git', ['checkout', '-q', 'main'], { cwd: dir });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function timed(fn: () => Promise<unknown> | unknown): Promise<number> {
  await fn();
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  return median(times);
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'dbsync-ui-bench-'));
let ui: ChildProcess | undefined;
try {
  const t0 = performance.now();
  makeRepository(dir);
  console.log(`repository: ${COMMITS} commits in ${((performance.now() - t0) / 1000).toFixed(1)} s (${dir})`);
  const env = { ...process.env, PROJECT_DIR: dir, DBSYNC_UI_ADDR: '127.0.0.1:0', DBSYNC_UI_TOKEN: 'bench-token-0123456789', DBSYNC_LOG_LEVEL: 'warn' };
  for (const k of Object.keys(env)) if (/^(DB_|GIT_)/.test(k)) delete env[k as keyof typeof env];
  ui = spawn(process.execPath, [path.join(ROOT, 'bin/git-dbsync.js'), 'ui'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  const url = await new Promise<string>((resolve) =>
    ui!.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /history page: (\S+)/.exec(out);
      if (m) resolve(m[1]!);
    }),
  );
  const origin = new URL(url).origin;
  const page = async (p: string) => {
    const get = () => fetch(origin + p, { headers: { cookie: 'dbsync_ui=bench-token-0123456789' } });
    // A kept-alive connection the server closed while idle (its 5 s keep-alive timeout, passed while a
    // slow `git log` baseline ran) fails once; the request is sent again on a new one.
    const r = await get().catch(get);
    if (r.status !== 200) throw new Error(`${p}: ${r.status} ${(await r.text()).slice(0, 300)}`);
    return r.text();
  };
  const gitLog = (skip: number, paths: string[]) => () =>
    spawnSync('git', ['log', '--format=%H%x00%cI%x00%s', '-51', `--skip=${skip}`, 'HEAD', '--', ...paths], { cwd: dir });
  const last = Math.floor((COMMITS - 1) / 50);
  const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: dir, encoding: 'utf8' }).trim();
  const older = execFileSync('git', ['rev-parse', `HEAD~${Math.floor(COMMITS / 2)}`], { cwd: dir, encoding: 'utf8' }).trim();
  const versions = (await page('/record?table=orders&key=1')).split('class="version ').length - 1;
  const rows: Array<[string, number, number | null]> = [
    ['timeline, first page', await timed(() => page('/')), await timed(gitLog(0, ['database']))],
    [
      `timeline, page ${Math.floor(last / 2) + 1}`,
      await timed(() => page(`/?page=${Math.floor(last / 2)}`)),
      await timed(gitLog(Math.floor(last / 2) * 50, ['database'])),
    ],
    [`timeline, last page (${last + 1})`, await timed(() => page(`/?page=${last}`)), await timed(gitLog(last * 50, ['database']))],
    [
      'timeline, table filter (notes)',
      await timed(() => page('/?table=notes')),
      await timed(gitLog(0, ['database/data/notes.sql', 'database/tables/notes.sql'])),
    ],
    [
      'timeline, text filter',
      await timed(() => page('/?q=status+9999')),
      await timed(() =>
        spawnSync('git', ['log', '--format=%H%x00%cI%x00%s', '-51', '-i', '--fixed-strings', '--grep=status 9999', 'HEAD', '--', 'database'], { cwd: dir }),
      ),
    ],
    ['commit page', await timed(() => page(`/commit/${head}`)), null],
    [
      `record page, record with ${COMMITS / EVERY} versions (first ${versions} shown)`,
      await timed(() => page('/record?table=orders&key=1')),
      await timed(() =>
        spawnSync(
          'git',
          [
            'log',
            '--format=%x01%H%x00%cI%x00%s',
            '-p',
            '-U0',
            '-GINSERT INTO `orders` .*VALUES \\(1[,)]',
            '-101',
            'HEAD',
            '--',
            'database/data',
            'database/tables/orders.sql',
          ],
          {
            cwd: dir,
            maxBuffer: 1 << 28,
          },
        ),
      ),
    ],
    [
      'record page, last page of that record',
      await timed(() => page(`/record?table=orders&key=1&from=${Math.floor((COMMITS / EVERY - 1) / 100) * 100}`)),
      null,
    ],
    ['as of a commit halfway, orders page 1', await timed(() => page(`/asof?at=${older}&table=orders`)), null],
  ];
  ui.kill('SIGTERM');
  console.log(`\n| page (${COMMITS} commits) | median ms | git log alone, ms | ratio |\n|---|---|---|---|`);
  for (const [name, ms, base] of rows)
    console.log(`| ${name} | ${ms.toFixed(0)} | ${base === null ? '' : base.toFixed(0)} | ${base === null ? '' : (ms / base).toFixed(1)} |`);
} finally {
  // Also when a page failed: the server must not outlive the bench.
  ui?.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}
