/** How far a snapshot has got; takeSnapshot reports it, the CLI renders it (see src/cli/progress-display.ts). */
export interface SnapshotProgress {
  /** 'start': the rows are about to be read; 'rows': reading; 'done': the snapshot is complete. */
  readonly phase: 'start' | 'rows' | 'done';
  readonly tablesDone: number;
  /** Tables whose rows are read (schema-only tables are not counted). */
  readonly tablesTotal: number;
  readonly rowsDone: number;
  /**
   * Expected rows in all: the rows read so far plus the server's estimate for the rest
   * (information_schema.TABLES.TABLE_ROWS, approximate for InnoDB). Exact once phase is 'done'.
   */
  readonly rowsEstimate: number;
  /** Since the snapshot started (connecting and locking included). */
  readonly elapsedMs: number;
  /** The table being read, in phase 'rows'. */
  readonly table: string | null;
}

/** Report every this many rows within a table (the renderer throttles what it shows). */
export const PROGRESS_EVERY_ROWS = 4096;

/** Turns per-table events into SnapshotProgress reports. */
export class ProgressTracker {
  private readonly started: number;
  private tablesDone = 0;
  private rowsDone = 0;
  /** Estimates of the tables not started yet. */
  private restEstimate = 0;
  private current: { table: string; estimate: number; rows: number } | null = null;

  private readonly tables: string[];

  constructor(
    private readonly estimates: ReadonlyMap<string, number>,
    tables: readonly string[],
    private readonly report: ((p: SnapshotProgress) => void) | undefined,
    private readonly now: () => number = Date.now,
    started?: number,
  ) {
    this.started = started ?? now();
    this.tables = [...tables];
    for (const t of tables) this.restEstimate += estimates.get(t) ?? 0;
  }

  start(): void {
    this.emit('start');
  }

  /** `rows` read so far from `table` (the first call for a table starts it). */
  rows(table: string, rows: number): void {
    if (this.current?.table !== table) {
      const estimate = this.estimates.get(table) ?? 0;
      this.restEstimate -= estimate;
      this.current = { table, estimate, rows: 0 };
    }
    this.current.rows = rows;
    this.emit('rows');
  }

  /** Tables that turned out not to need a read after all (a change source kept them): no longer counted. */
  drop(tables: Iterable<string>): void {
    for (const t of tables) {
      const i = this.tables.indexOf(t);
      if (i < 0 || this.current?.table === t) continue;
      this.tables.splice(i, 1);
      this.restEstimate -= this.estimates.get(t) ?? 0;
    }
  }

  tableDone(table: string, rows: number): void {
    this.rows(table, rows);
    this.current = null;
    this.tablesDone++;
    this.rowsDone += rows;
    this.emit('rows');
  }

  done(): void {
    this.emit('done');
  }

  private emit(phase: SnapshotProgress['phase']): void {
    if (!this.report) return;
    const cur = this.current;
    const rowsDone = this.rowsDone + (cur?.rows ?? 0);
    const rowsEstimate = phase === 'done' ? rowsDone : rowsDone + Math.max(0, (cur?.estimate ?? 0) - (cur?.rows ?? 0)) + Math.max(0, this.restEstimate);
    this.report({
      phase,
      tablesDone: this.tablesDone,
      tablesTotal: this.tables.length,
      rowsDone,
      rowsEstimate,
      elapsedMs: this.now() - this.started,
      table: phase === 'rows' ? (cur?.table ?? null) : null,
    });
  }
}
