/**
 * DBSYNC_SCHEMA_ONLY_TABLES in two-way mode without an application profile: a table whose rows are
 * not versioned keeps each computer's own rows through joins and pulls. (The pull now hands the
 * merge the pass's schema-only tables also without a profile; before, it took them from the
 * profile only. This scenario held either way, since no commit carries such rows: the test keeps
 * it so.)
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { MariaDbServer } from '../support/mariadb-server.js';
import { bareRemote, computers, type Computer } from '../support/computers.js';

describe('schema-only tables in two-way mode without a profile', () => {
  const servers: MariaDbServer[] = [];
  let a: Computer;
  let b: Computer;
  before(async () => {
    servers.push(await MariaDbServer.start(), await MariaDbServer.start());
    const pair = await computers(servers, 'so', bareRemote(), { DBSYNC_PROFILE: 'none', DBSYNC_SCHEMA_ONLY_TABLES: 'sessions' });
    a = pair[0]!;
    b = pair[1]!;
  });
  after(async () => {
    for (const c of [a, b]) await c?.close();
    for (const s of servers) await s.destroy();
  });

  it("keeps each computer's own rows of a schema-only table while the other tables merge", async () => {
    mkdirSync(a.dir, { recursive: true });
    await a.sql('CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(40))');
    await a.sql('CREATE TABLE sessions (id VARCHAR(40) PRIMARY KEY, data TEXT)');
    await a.sql("INSERT INTO items VALUES (1, 'one'); INSERT INTO sessions VALUES ('a-1', 'computer a')");
    await a.sync();
    await b.sync(); // joins
    assert.deepEqual(await b.rows('items'), await a.rows('items'));
    assert.deepEqual(await b.rows('sessions'), [], 'the rows of a schema-only table are not in the history');
    await b.sql("INSERT INTO sessions VALUES ('b-1', 'computer b')");
    await b.sql("INSERT INTO items VALUES (2, 'two')");
    await b.sync();
    await a.sql("UPDATE items SET name = 'ONE' WHERE id = 1");
    await a.sql("INSERT INTO sessions VALUES ('a-2', 'computer a again')");
    await a.sync(); // pulls b's item
    await b.sync(); // pulls a's change
    assert.deepEqual(await a.rows('items'), await b.rows('items'), 'the versioned table converged');
    assert.equal((await a.rows('items')).length, 2);
    assert.deepEqual(
      (await a.rows('sessions')).map((r) => JSON.parse(r).id),
      ['a-1', 'a-2'],
      'a keeps its own sessions',
    );
    assert.deepEqual(
      (await b.rows('sessions')).map((r) => JSON.parse(r).id),
      ['b-1'],
      'b keeps its own sessions',
    );
  });
});
