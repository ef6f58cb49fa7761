/** sysbench oltp_read_write against the throwaway server (Debian's sysbench 1.0). */
import type { MariaDbServer } from '../test/support/mariadb-server.js';
import { cleanEnv } from './product.js';
import { runOk } from './processes.js';

export interface SysbenchShape {
  readonly db: string;
  readonly tables: number;
  readonly rows: number;
  readonly threads: number;
}

function args(server: MariaDbServer, shape: SysbenchShape): string[] {
  return [
    'oltp_read_write',
    '--db-driver=mysql',
    `--mysql-socket=${server.socket}`,
    '--mysql-user=root',
    `--mysql-db=${shape.db}`,
    `--tables=${shape.tables}`,
    `--table-size=${shape.rows}`,
    `--threads=${shape.threads}`,
    '--rand-seed=1',
  ];
}

export async function sysbenchPrepare(server: MariaDbServer, shape: SysbenchShape): Promise<void> {
  await runOk('sysbench prepare', 'sysbench', [...args(server, shape), 'prepare'], { env: cleanEnv(), timeoutMs: 600_000 });
}

/** One run; resolves with transactions per second. */
export async function sysbenchRun(server: MariaDbServer, shape: SysbenchShape, seconds: number): Promise<number> {
  const r = await runOk('sysbench run', 'sysbench', [...args(server, shape), `--time=${seconds}`, '--report-interval=0', 'run'], {
    env: cleanEnv(),
    timeoutMs: (seconds + 120) * 1000,
  });
  const m = /transactions:\s+\d+\s+\(([\d.]+) per sec\.\)/.exec(r.stdout);
  if (!m) throw new Error(`no transaction rate in sysbench output: ${r.stdout.slice(-300)}`);
  return Number(m[1]);
}
