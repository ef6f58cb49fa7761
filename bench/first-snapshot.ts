/**
 * First snapshot of the large table, against mariadb-dump in the same run: a throwaway server,
 * N rows (bench/big-table.ts), then rounds that each time `mariadb-dump`, the read phase alone
 * (bench/read-phase.ts: takeSnapshot into a staging folder, timed inside its process) and
 * `git-dbsync sync` into a new repository, back to back; medians over the rounds, and ratios to
 * the dump's median. With --baseline=<checkout with a built dist/>, the same for that build in
 * the same rounds (before/after on one machine state: the machine is shared, absolute times drift).
 *
 *   npm run build && node --import tsx bench/first-snapshot.ts [--rows=1000000] [--runs=3] [--baseline=DIR]
 */
import { mkdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BIG_DB } from './bench-context.js';
import { createBigTable } from './big-table.js';
import { runOk } from './processes.js';
import { cleanEnv, dbsyncEnv, freezeProduct, ROOT } from './product.js';
import { MariaDbServer } from '../test/support/mariadb-server.js';

const arg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const rows = Number(arg('rows') ?? 1_000_000);
const runs = Number(arg('runs') ?? 3);
const baseline = arg('baseline');

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const say = (s: string) => console.error(`first-snapshot: ${s}`);

const work = path.join(os.tmpdir(), `dbsync-first-snapshot-${process.pid}`);
rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });
const server = await MariaDbServer.start(['--innodb-buffer-pool-size=512M', '--innodb-log-file-size=128M']);
try {
  const product = freezeProduct(path.join(work, 'product'));
  const builds = [{ label: 'this build', cli: product.cli, dist: path.join(path.dirname(product.cli), '..', 'dist') }];
  if (baseline) builds.push({ label: `baseline (${baseline})`, cli: path.join(baseline, 'bin', 'git-dbsync.js'), dist: path.join(baseline, 'dist') });
  say(`loading ${rows.toLocaleString('en')} rows`);
  const conn = await server.connect(BIG_DB);
  await createBigTable(conn, rows);
  await conn.end();
  const dumpArgs = ['--no-defaults', `--socket=${server.socket}`, '-uroot', '--single-transaction', '--skip-extended-insert', '--order-by-primary', BIG_DB];
  const dumpFile = path.join(work, 'dump.sql');
  say('warming the buffer pool with one untimed mariadb-dump');
  await runOk('mariadb-dump', 'mariadb-dump', dumpArgs, { env: cleanEnv(), stdoutFile: dumpFile });

  const times = new Map<string, number[]>();
  const add = (k: string, ms: number) => times.set(k, [...(times.get(k) ?? []), ms]);
  for (let r = 1; r <= runs; r++) {
    say(`round ${r} of ${runs}`);
    add('mariadb-dump', (await runOk('mariadb-dump', 'mariadb-dump', dumpArgs, { env: cleanEnv(), stdoutFile: dumpFile })).ms);
    for (const b of builds) {
      const staging = path.join(work, 'staging');
      rmSync(staging, { recursive: true, force: true });
      const read = await runOk(
        'read phase',
        process.execPath,
        ['--import', 'tsx', path.join(ROOT, 'bench', 'read-phase.ts'), b.dist, server.socket, BIG_DB, staging],
        { env: cleanEnv(), cwd: ROOT },
      );
      add(`${b.label}: read phase`, (JSON.parse(read.stdout) as { ms: number }).ms);
      const repo = path.join(work, `repo-${r}`);
      rmSync(repo, { recursive: true, force: true });
      add(
        `${b.label}: sync (first snapshot, commit included)`,
        (await runOk('git-dbsync sync', process.execPath, [b.cli, 'sync'], { env: dbsyncEnv(server, BIG_DB, repo) })).ms,
      );
      rmSync(repo, { recursive: true, force: true });
    }
  }
  const dump = median(times.get('mariadb-dump')!);
  console.log(
    `first snapshot of ${rows.toLocaleString('en')} rows, medians of ${runs} rounds (${os.cpus().length} cores, load ${os.loadavg()[0]!.toFixed(1)})`,
  );
  for (const [k, xs] of times) {
    const m = median(xs);
    console.log(
      `${k.padEnd(60)} ${(m / 1000).toFixed(2).padStart(6)} s  ${(m / dump).toFixed(2).padStart(5)}x dump   [${xs.map((x) => (x / 1000).toFixed(2)).join(', ')}]`,
    );
  }
} finally {
  await server.destroy();
  rmSync(work, { recursive: true, force: true });
}
