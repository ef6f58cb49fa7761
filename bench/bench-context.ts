/** What every phase of the benchmark gets, and small helpers they share. */
import { lstatSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { Connection } from 'mysql2/promise';
import type { MariaDbServer } from '../test/support/mariadb-server.js';
import type { BenchSizes } from './bench-options.js';
import type { Cleanup } from './cleanup.js';
import type { Product } from './product.js';
import { failedCell, type ResultsTable, type System } from './results-table.js';

export const IP_DB = 'invoiceplane';
export const BIG_DB = 'bench_big';
export const SYSBENCH_DB = 'sbtest';

export interface BenchContext {
  readonly server: MariaDbServer;
  /** A root connection without a default database (multi-statement). */
  readonly admin: Connection;
  /** Scratch folder for repositories and dumps (removed at the end). */
  readonly work: string;
  readonly product: Product;
  readonly sizes: BenchSizes;
  readonly mode: 'quick' | 'full';
  readonly table: ResultsTable;
  /** Facts one phase leaves for another (output of the first snapshot, dump size). */
  readonly facts: Map<string, string>;
  /** Details for the notes under the table: label -> text. */
  readonly notes: Map<string, string>;
  /** Figures one phase leaves for another (e.g. statements per idle poll on each database). */
  readonly figures: Map<string, number>;
  /** Undo steps run at the end, also after a failure or Ctrl-C (e.g. extra servers a phase starts). */
  readonly cleanup: Cleanup;
  say(msg: string): void;
}

/** Run one measurement; on failure its cell says "failed: reason" and the benchmark goes on. */
export async function attempt<T>(
  ctx: BenchContext,
  cells: ReadonlyArray<[id: string, system: System]>,
  what: string,
  fn: () => Promise<T>,
): Promise<T | undefined> {
  try {
    return await fn();
  } catch (err) {
    ctx.say(`${what} failed: ${(err as Error).message}`);
    for (const [id, system] of cells) ctx.table.set(id, system, failedCell(err));
    return undefined;
  }
}

/** Bytes of all files under a folder (apparent sizes, like `du -sb`). */
export function dirBytes(dir: string): number {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) total += dirBytes(p);
    else total += lstatSync(p).size;
  }
  return total;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** How many times a pattern occurs in a text. */
export function occurrences(text: string, re: RegExp): number {
  return (text.match(new RegExp(re.source, re.flags.includes('g') ? re.flags : re.flags + 'g')) ?? []).length;
}
