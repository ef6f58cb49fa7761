/** Command-line options of `npm run bench` and the sizes each mode uses. */

export interface BenchSizes {
  /** InvoicePlane-shaped database: invoices (about 3 items, 1 amount row and 0.7 payments each) and clients. */
  readonly invoices: number;
  readonly clients: number;
  /** Rows of the large table (about 110 bytes of dump text each). */
  readonly bigRows: number;
  /** Commit-latency samples per system, and write bursts per system. */
  readonly latencySamples: number;
  readonly bursts: number;
  /** Seconds over which idle polls are counted. */
  readonly idleWindowS: number;
  /** Seconds `watch` idles on the large database while its memory is sampled. */
  readonly idleMemoryS: number;
  /** sysbench oltp_read_write: seconds per run, alternating pairs (without, with), tables and rows per table. */
  readonly sysbenchS: number;
  readonly sysbenchPairs: number;
  readonly sysbenchTables: number;
  readonly sysbenchRows: number;
  /** Two computers in two-way mode (issue 6): writes on A, each waited for in B's database. */
  readonly multiSamples: number;
  /** The employees-sized database (bench/employees-data.ts): 1 = the sample's 3.9M rows. */
  readonly employeesScale: number;
}

export interface BenchOptions {
  readonly mode: 'quick' | 'full';
  readonly sizes: BenchSizes;
  /** Where the results table is written (bench/RESULTS.md by default). */
  readonly resultsFile: string | null;
  /** Keep the temporary folders (repositories, dumps, server log) for inspection. */
  readonly keep: boolean;
  /**
   * Start the server with a row-format binary log (the compose stack's default), so git-dbsync
   * uses the binlog change source; `--no-binlog` measures the source used without one.
   */
  readonly binlog: boolean;
}

const QUICK: BenchSizes = {
  invoices: 1_000,
  clients: 100,
  bigRows: 30_000,
  latencySamples: 5,
  bursts: 2,
  idleWindowS: 3,
  idleMemoryS: 6,
  sysbenchS: 3,
  sysbenchPairs: 2,
  sysbenchTables: 2,
  sysbenchRows: 5_000,
  multiSamples: 10,
  employeesScale: 0.02,
};

const FULL: BenchSizes = {
  invoices: 10_000,
  clients: 1_000,
  bigRows: 1_000_000,
  latencySamples: 30,
  bursts: 5,
  idleWindowS: 20,
  idleMemoryS: 120,
  sysbenchS: 30,
  sysbenchPairs: 4,
  sysbenchTables: 2,
  sysbenchRows: 50_000,
  multiSamples: 25,
  employeesScale: 1,
};

export const USAGE = `usage: npm run bench -- [--quick] [--idle-seconds N] [--samples N] [--no-write] [--out FILE] [--keep] [--no-binlog]
  --quick           small sizes, about 2 minutes (default: full sizes, about 13 minutes on 2 cores)
  --idle-seconds N  how long watch idles on the large database: its idle polls are counted and its memory
                    sampled over that time (1800 gives the 30-minute figure, verification passes included)
  --samples N       commit-latency samples per system
  --out FILE        write the results table there instead of bench/RESULTS.md
  --no-write        print the table only
  --keep            keep the temporary folders (their path is printed)
  --no-binlog       start the server without a binary log (default: --log-bin, binlog_format=ROW)`;

export class UsageError extends Error {}

function positive(name: string, v: string | undefined): number {
  const n = Number(v);
  if (v === undefined || !Number.isFinite(n) || n <= 0) throw new UsageError(`${name} ${JSON.stringify(v ?? '')}: must be a positive number`);
  return n;
}

export function parseOptions(argv: readonly string[], defaultResults: string): BenchOptions | 'help' {
  let mode: BenchOptions['mode'] = 'full';
  let idle: number | undefined;
  let samples: number | undefined;
  let resultsFile: string | null = defaultResults;
  let keep = false;
  let binlog = true;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const [flag, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = () => inline ?? argv[++i];
    switch (flag) {
      case '--quick':
        mode = 'quick';
        break;
      case '--full':
        mode = 'full';
        break;
      case '--idle-seconds':
        idle = positive(flag, value());
        break;
      case '--samples':
        samples = Math.ceil(positive(flag, value()));
        break;
      case '--out':
        resultsFile = value() ?? null;
        if (!resultsFile) throw new UsageError('--out needs a file name');
        break;
      case '--no-write':
        resultsFile = null;
        break;
      case '--keep':
        keep = true;
        break;
      case '--no-binlog':
        binlog = false;
        break;
      case '--help':
      case '-h':
        return 'help';
      default:
        throw new UsageError(`unknown argument ${JSON.stringify(a)}`);
    }
  }
  const base = mode === 'quick' ? QUICK : FULL;
  const sizes = { ...base, ...(idle ? { idleMemoryS: idle } : {}), ...(samples ? { latencySamples: samples } : {}) };
  return { mode, sizes, resultsFile, keep, binlog };
}
