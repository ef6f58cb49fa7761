/**
 * The one results table: each measurement's figure for mariadb-dump, the old approach and
 * git-dbsync, the ratio git-dbsync / baseline, the goal and whether it is met. A cell holds a
 * figure, a dash (does not apply) or "failed: reason".
 */

export type System = 'dump' | 'old' | 'dbsync';

export interface Cell {
  readonly text: string;
  /** The number behind the text, for ratios and goals. */
  readonly value?: number;
  readonly failed?: boolean;
}

export interface RowSpec {
  readonly id: string;
  readonly label: string;
  /** The column git-dbsync's figure is divided by for the ratio (none: no ratio). */
  readonly ratioOf?: 'dump' | 'old';
  readonly goal: string;
  /** Judges the goal from git-dbsync's figure and the ratio; absent: not judged here. */
  readonly met?: (dbsync: number, ratio: number | undefined) => boolean;
  /** Columns that do not apply to this row (shown as a dash). */
  readonly notApplicable?: readonly System[];
}

interface Row {
  readonly spec: RowSpec;
  readonly cells: Partial<Record<System, Cell>>;
  met?: string;
  ratio?: number;
}

export const DASH = '—';

function oneLine(s: string, max = 160): string {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}

export function failedCell(err: unknown): Cell {
  const msg = err instanceof Error ? err.message : String(err);
  return { text: `failed: ${oneLine(msg)}`, failed: true };
}

export class ResultsTable {
  private readonly rows: Row[];

  constructor(specs: readonly RowSpec[]) {
    this.rows = specs.map((spec) => ({ spec, cells: {} }));
  }

  private row(id: string): Row {
    const r = this.rows.find((x) => x.spec.id === id);
    if (!r) throw new Error(`no results row ${id}`);
    return r;
  }

  set(id: string, system: System, cell: Cell): void {
    this.row(id).cells[system] = cell;
  }

  /** A cell, if set. */
  cell(id: string, system: System): Cell | undefined {
    return this.row(id).cells[system];
  }

  /** The text of a cell, if set. */
  text(id: string, system: System): string | undefined {
    return this.cell(id, system)?.text;
  }

  /** A ratio between two figures of git-dbsync's own cell (e.g. with and without it running). */
  setRatio(id: string, ratio: number): void {
    this.row(id).ratio = ratio;
  }

  /** Say outright whether the goal is met (for goals the row's own judge cannot decide). */
  setMet(id: string, met: string): void {
    this.row(id).met = met;
  }

  /** Every cell of these rows not yet filled (and applicable) becomes "failed: reason". */
  failUnset(ids: readonly string[], err: unknown): void {
    for (const id of ids) {
      const r = this.row(id);
      for (const s of ['dump', 'old', 'dbsync'] as const) {
        if (!r.cells[s] && !r.spec.notApplicable?.includes(s)) r.cells[s] = failedCell(err);
      }
    }
  }

  private ratio(r: Row): number | undefined {
    if (r.ratio !== undefined) return r.ratio;
    if (!r.spec.ratioOf) return undefined;
    const base = r.cells[r.spec.ratioOf]?.value;
    const mine = r.cells.dbsync?.value;
    if (base === undefined || mine === undefined) return undefined;
    if (base === 0) return mine === 0 ? 1 : Infinity;
    return mine / base;
  }

  render(): string {
    const head = ['measurement', 'mariadb-dump', 'old approach', 'git-dbsync', 'ratio', 'goal', 'met'];
    const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
    for (const r of this.rows) {
      const cell = (s: System) => (r.spec.notApplicable?.includes(s) ? DASH : (r.cells[s]?.text ?? 'not measured'));
      const ratio = this.ratio(r);
      const mine = r.cells.dbsync;
      let met = r.met;
      if (met === undefined) {
        if (!r.spec.met) met = DASH;
        else if (!mine || mine.value === undefined || (r.spec.ratioOf && ratio === undefined)) met = 'not judged';
        else met = r.spec.met(mine.value, ratio) ? 'yes' : 'no';
      }
      const cols = [r.spec.label, cell('dump'), cell('old'), cell('dbsync'), ratio === undefined ? DASH : formatRatio(ratio), r.spec.goal, met];
      lines.push(`| ${cols.map((c) => c.replaceAll('|', '\\|')).join(' | ')} |`);
    }
    return lines.join('\n');
  }
}

export function formatRatio(r: number): string {
  if (!Number.isFinite(r)) return '∞';
  if (r === 0) return '0';
  if (r >= 10) return r.toFixed(1);
  if (r >= 0.1) return r.toFixed(2);
  return r.toPrecision(2);
}

export const fmt = {
  seconds: (ms: number) => `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`,
  /** MB = 10^6 bytes. */
  bytes: (b: number) => (b < 1e6 ? `${(b / 1e3).toFixed(1)} kB` : `${(b / 1e6).toFixed(1)} MB`),
  count: (n: number) => (Number.isInteger(n) ? n.toLocaleString('en-US') : n < 10 ? n.toFixed(1) : Math.round(n).toLocaleString('en-US')),
};

/** The p-th percentile (nearest rank) of a list of numbers. */
export function percentile(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}
