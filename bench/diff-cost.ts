/**
 * The commit-message computation alone (commit-snapshot's summarize: row diff, counts, words),
 * measured on a repository whose history holds the cases, in a fresh process per measurement so
 * that its peak RSS is the computation's own:
 *
 *   node --import tsx bench/diff-cost.ts <src root> <repository> <case> <commit> [parent]
 *
 * `case` is a label; with a parent, HEAD is moved to the parent with the commit's files staged
 * and in the working tree (what commitSnapshot sees after `git add`); without one the commit's
 * files are staged over no HEAD at all (a first snapshot). `src root` is a checkout (this one, or
 * an older version unpacked elsewhere whose summarize is exported) so that before and after run
 * on the same machine in the same session. Prints one JSON line.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

interface ColumnInfoLike {
  readonly name: string;
  readonly dataType: string;
  readonly charset: string | null;
  readonly generated: boolean;
  readonly invisible: boolean;
}

interface TableInfoLike {
  readonly name: string;
  readonly engine: string;
  readonly columns: readonly ColumnInfoLike[];
  readonly orderKey: readonly string[];
}

interface SummaryLike {
  readonly tables: ReadonlyArray<{ readonly table: string; readonly rows: unknown }>;
}

type Summarize = (opts: Record<string, unknown>, head: string | null, staged: ReadonlyArray<{ status: string; path: string }>) => Promise<SummaryLike>;

const [srcRoot, repo, label, commit, parent] = process.argv.slice(2);
if (!srcRoot || !repo || !label || !commit) throw new Error('usage: diff-cost.ts <src root> <repository> <case> <commit> [parent]');

const git = (args: string[]) => execFileSync('git', args, { cwd: repo, encoding: 'utf8', maxBuffer: 1 << 30 });
git(['checkout', '-q', '-f', '--detach', commit]);
if (parent) git(['reset', '-q', '--soft', parent]);

const commitModule = (await import(pathToFileURL(path.join(srcRoot, 'dist/commit/commit-snapshot.js')).href)) as { summarize: Summarize };
const gitModule = (await import(pathToFileURL(path.join(srcRoot, 'dist/git/git.js')).href)) as {
  Git: new (
    top: string,
    env: NodeJS.ProcessEnv,
  ) => { stagedChanges(base: string, p: string): Promise<Array<{ status: string; path: string }>>; emptyTree(): Promise<string> };
};

// The table's definition as the snapshot wrote it (the benchmark's table has a plain primary key).
const snapshotPath = 'database';
const tables: TableInfoLike[] = [];
for (const file of git(['ls-files', '--', `${snapshotPath}/tables`])
  .split('\n')
  .filter(Boolean)) {
  const create = readFileSync(path.join(repo, file), 'utf8');
  const name = /^CREATE TABLE `([^`]+)`/.exec(create)?.[1];
  if (!name) continue;
  const columns = [...create.matchAll(/^ {2}`([^`]+)` (\w+)/gm)].map((m) => ({
    name: m[1]!,
    dataType: m[2]!,
    charset: null,
    generated: false,
    invisible: false,
  }));
  const pk = /PRIMARY KEY \(([^)]*)\)/.exec(create)?.[1];
  tables.push({ name, engine: 'InnoDB', columns, orderKey: pk ? [...pk.matchAll(/`([^`]+)`/g)].map((m) => m[1]!) : [] });
}
const rowCounts = new Map<string, number>();
for (const t of parent ? [] : tables) {
  let n = 0;
  for (const f of git(['ls-files', '--', `${snapshotPath}/data`]).split('\n')) {
    const base = path.basename(f);
    if (base === `${t.name}.sql` || base.startsWith(`${t.name}@`))
      n += Number(
        git(['cat-file', '-p', `:${f}`])
          .split('\n')
          .filter(Boolean).length,
      );
  }
  rowCounts.set(t.name, n);
}

const g = new gitModule.Git(repo, process.env);
const head = parent ? git(['rev-parse', 'HEAD']).trim() : null;
const staged = await g.stagedChanges(head ?? (await g.emptyTree()), snapshotPath);
const opts = {
  git: g,
  snapshotPath,
  snapshotAbs: path.join(repo, snapshotPath),
  tables,
  author: { name: 'bench', email: 'bench@localhost' },
  takenAt: new Date(0),
  profile: null,
  rowCounts,
};
const rssBefore = process.memoryUsage().rss;
const maxBefore = process.resourceUsage().maxRSS;
const cpuBefore = process.cpuUsage();
const started = process.hrtime.bigint();
const summary = await commitModule.summarize(opts, head, staged);
const ms = Number(process.hrtime.bigint() - started) / 1e6;
const cpu = process.cpuUsage(cpuBefore);
const maxAfter = process.resourceUsage().maxRSS;
console.log(
  JSON.stringify({
    case: label,
    src: srcRoot,
    ms: Math.round(ms),
    cpuMs: Math.round((cpu.user + cpu.system) / 1000),
    peakRssMb: Math.round(maxAfter / 1024),
    rssBeforeMb: Math.round(rssBefore / 1024 / 1024),
    peakRssAtStartMb: Math.round(maxBefore / 1024),
    files: staged.length,
    tables: summary.tables,
  }),
);
