import type { RawCell } from '../db/database.js';
import type { TableSecrets } from '../secrets/table-secrets.js';
import { cellsOf, RowWriter } from '../snapshot/row-line.js';
import type { TableInfo } from '../snapshot/table-info.js';

/** A live row, read by the apply engine. */
export interface LiveRow {
  /** The row as the snapshot writes it (secrets policy applied), without line break: compared with a change's `before`. */
  readonly line: string;
  /** The exact literals (no secrets policy): what writes the row back as it is. */
  readonly exactCells: readonly string[];
  /** The server's bytes, as selected (addresses a row of a table without key). */
  readonly raw: readonly RawCell[];
}

/**
 * What the apply engine needs to know about one table: how its rows are selected and formatted
 * (the snapshot's own RowWriter, with the same secrets transform, so a live row and a snapshot
 * line compare as text) and how a row is identified (its key literals, or its whole line).
 */
export class TableShape {
  /** Formats like the snapshot (secrets transform included). */
  readonly writer: RowWriter;
  /** Formats the exact values (for writing a row back unchanged). */
  private readonly exact: RowWriter;
  /**
   * Column positions of the key, or null when rows are identified by their whole line: no key, or
   * a generated key column (written as DEFAULT, it cannot tell rows apart; as in RowWriter).
   */
  readonly keyIndex: readonly number[] | null;

  constructor(
    readonly table: TableInfo,
    readonly secrets: TableSecrets | null,
  ) {
    this.writer = new RowWriter(table, secrets ? (cells) => secrets.transform(cells) : undefined);
    this.exact = new RowWriter(table);
    const idx = table.orderKey.map((k) => table.columns.findIndex((c) => c.name === k));
    this.keyIndex = idx.length > 0 && idx.every((i) => i >= 0 && !table.columns[i]!.generated) ? idx : null;
  }

  get prefix(): string {
    return this.writer.prefix;
  }

  /** The identity of a row given its literals: the key literals, or for a table without key the whole row. */
  keyText(cells: readonly string[]): string {
    return JSON.stringify(this.keyIndex ? this.keyIndex.map((i) => cells[i]) : cells);
  }

  liveRow(raw: readonly RawCell[]): LiveRow {
    return { line: stripBreak(this.writer.line(raw)), exactCells: cellsOf(this.exact.line(raw)), raw };
  }

  /** The line the snapshot would write for a row holding these exact literals. */
  snapshotLine(cells: readonly string[]): string {
    const parts = this.secrets ? this.secrets.transform([...cells]) : [...cells];
    return `${this.prefix}(${parts.join(',')});`;
  }

  /** An INSERT line for exact literals (no secrets transform). */
  insertLine(cells: readonly string[]): string {
    return `${this.prefix}(${cells.join(',')});`;
  }
}

/** A row line without its line break (changes and data files may carry one or not). */
export function stripBreak(line: string): string {
  return line.endsWith('\n') ? line.slice(0, line.endsWith('\r\n') ? -2 : -1) : line;
}
