/** The large table for the size-dependent measurements: N rows of about 110 bytes of dump text each, made by the server itself. */
import type { Connection } from 'mysql2/promise';

export const BIG_TABLE = 'big_rows';

export interface BigTableInfo {
  readonly rows: number;
  /** InnoDB data + index size as the server reports it. */
  readonly onDiskBytes: number;
}

/** Create and fill the table in the connection's current database (InnoDB, the usual engine of a large table). */
export async function createBigTable(conn: Connection, rows: number): Promise<BigTableInfo> {
  await conn.query(`CREATE TABLE ${BIG_TABLE} (
    id INT UNSIGNED NOT NULL PRIMARY KEY,
    account_id INT NOT NULL,
    amount DECIMAL(12,2) NOT NULL,
    created_at DATETIME NOT NULL,
    status VARCHAR(12) NOT NULL,
    note VARCHAR(100) NOT NULL,
    KEY account_id (account_id)
  ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`);
  // The SEQUENCE engine's seq_FROM_to_TO tables generate the ids; chunks keep each transaction moderate.
  const chunk = 100_000;
  for (let from = 1; from <= rows; from += chunk) {
    const to = Math.min(rows, from + chunk - 1);
    await conn.query(`INSERT INTO ${BIG_TABLE}
      SELECT seq, seq * 7919 % 50000, (seq * 104729 % 10000000) / 100, '2020-01-01' + INTERVAL (seq * 37) SECOND,
             ELT(1 + seq % 4, 'draft', 'sent', 'paid', 'overdue'), CONCAT('row ', seq, ' ', LEFT(SHA1(seq), 20 + seq % 21))
      FROM seq_${from}_to_${to}`);
  }
  await conn.query(`ANALYZE TABLE ${BIG_TABLE}`);
  const [r] = await conn.query('SELECT DATA_LENGTH + INDEX_LENGTH AS b FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?', [
    BIG_TABLE,
  ]);
  return { rows, onDiskBytes: Number((r as Array<{ b: string | number }>)[0]?.b ?? 0) };
}

/** Change one row in the middle of the table (a new value each time). */
export async function changeOneRow(conn: Connection, db: string, rows: number, tag: string): Promise<void> {
  await conn.query(`UPDATE \`${db}\`.${BIG_TABLE} SET note = ? WHERE id = ?`, [`changed by the benchmark: ${tag}`, Math.ceil(rows / 2)]);
}
