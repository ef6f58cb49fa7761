import { readFile } from 'node:fs/promises';
import { Database, type DatabaseOptions } from '../db/database.js';
import { splitSqlScript } from './sql-script.js';

/** InvoicePlane runs without strict mode; its schema and data are loaded the same way. */
export const INVOICEPLANE_SQL_MODE = "SET SESSION sql_mode = 'NO_ENGINE_SUBSTITUTION'";

/** The asset folder ships with the package (package.json "files"); resolved from dist/demo or src/demo alike. */
const asset = (name: string) => new URL(`../../assets/invoiceplane/${name}`, import.meta.url);

export interface SampleDatabase {
  readonly name: string;
  readonly tables: number;
  readonly rows: number;
  /** The server's version, e.g. `10.11.19-MariaDB-0+deb12u1`. */
  readonly serverVersion: string;
}

/**
 * Create database `name` with InvoicePlane's 42 tables (assets/invoiceplane/schema.sql) and the
 * demo's sample data (sample-data.sql). `server` connects without a database.
 */
export async function createSampleDatabase(server: DatabaseOptions, name: string, signal?: AbortSignal): Promise<SampleDatabase> {
  const admin = await Database.connect({ ...server, database: undefined });
  let serverVersion = '';
  try {
    await admin.execute(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4`, 'create demo database');
    serverVersion = (await admin.queryArrays('SELECT VERSION()'))[0]?.[0] ?? '';
  } finally {
    await admin.close();
  }
  const db = await Database.connect({ ...server, database: name });
  try {
    await db.execute(INVOICEPLANE_SQL_MODE, 'prepare demo session');
    let tables = 0;
    let rows = 0;
    for (const file of ['schema.sql', 'sample-data.sql']) {
      for (const sql of splitSqlScript(await readFile(asset(file), 'utf8'))) {
        signal?.throwIfAborted();
        const r = await db.execute(sql, `load ${file} into the demo database`);
        if (/^CREATE TABLE/i.test(sql)) tables++;
        else rows += r.affectedRows;
      }
    }
    return { name, tables, rows, serverVersion };
  } finally {
    await db.close();
  }
}
