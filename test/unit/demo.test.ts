/** The demo's small parts: the SQL script splitter (on the real assets) and finding MariaDB's server. */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { splitSqlScript } from '../../src/demo/sql-script.js';
import { findServerBinaries } from '../../src/demo/throwaway-server.js';
import { DbsyncError } from '../../src/errors/dbsync-error.js';
import { ExitCode } from '../../src/errors/exit-codes.js';

const asset = (name: string) => readFileSync(new URL(`../../assets/invoiceplane/${name}`, import.meta.url), 'utf8');

it('splits at semicolons outside quotes and drops comments', () => {
  const sql = `-- a comment; with a semicolon
INSERT INTO t VALUES ('a;b', "c;d", 'it''s; fine', 'back\\'slash;'); # trailing; comment
CREATE TABLE \`x;y\` (a int);
SELECT '--not a comment';
`;
  assert.deepEqual(splitSqlScript(sql), [
    `INSERT INTO t VALUES ('a;b', "c;d", 'it''s; fine', 'back\\'slash;')`,
    'CREATE TABLE `x;y` (a int)',
    "SELECT '--not a comment'",
  ]);
});

it('splits the InvoicePlane assets into 42 tables and their sample rows', () => {
  const schema = splitSqlScript(asset('schema.sql'));
  assert.equal(schema.length, 42);
  assert.ok(
    schema.every((s) => s.startsWith('CREATE TABLE `ip_')),
    'every schema statement is a CREATE TABLE',
  );
  const data = splitSqlScript(asset('sample-data.sql'));
  assert.ok(data.length >= 10 && data.every((s) => s.startsWith('INSERT INTO `ip_')), 'every sample statement is an INSERT');
  // Every table the sample data fills exists in the schema.
  const tables = new Set(schema.map((s) => /^CREATE TABLE `([^`]+)`/.exec(s)![1]));
  for (const s of data) assert.ok(tables.has(/^INSERT INTO `([^`]+)`/.exec(s)![1]!), s.slice(0, 40));
});

it('finds mariadbd and mariadb-install-db, or says to install mariadb-server (exit 2)', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dbsync-bin-'));
  try {
    assert.throws(
      () => findServerBinaries([dir]),
      (e: unknown) =>
        e instanceof DbsyncError &&
        e.exitCode === ExitCode.Config &&
        /install mariadb-server/.test(e.toLine()) &&
        /mariadbd and mariadb-install-db/.test(e.message),
    );
    for (const n of ['mariadbd', 'mariadb-install-db']) {
      writeFileSync(path.join(dir, n), '#!/bin/sh\n');
      chmodSync(path.join(dir, n), 0o755);
    }
    assert.deepEqual(findServerBinaries(['', dir]), { mariadbd: path.join(dir, 'mariadbd'), installDb: path.join(dir, 'mariadb-install-db') });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
