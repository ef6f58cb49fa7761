/**
 * `sync` output for cron and scripts (issue 13): one line by default, nothing at all with `-q` when
 * all went well (so cron mails only on trouble), one JSON object with `--json`, debug lines with
 * `-v`; `-q` with `-v` is a usage error.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Connection } from 'mysql2/promise';
import { MariaDbServer } from '../support/mariadb-server.js';
import { baseEnv, cli, git, tempDir } from '../support/project.js';

describe('sync -q, -v, --json (issue 13)', () => {
  let server: MariaDbServer;
  let c: Connection;
  before(async () => {
    server = await MariaDbServer.start();
    c = await server.connect('so');
    await c.query('CREATE TABLE t (id INT PRIMARY KEY, v INT); INSERT INTO t VALUES (1, 1)');
  });
  after(async () => {
    await c?.end();
    await server?.destroy();
  });

  it('prints one line, nothing with -q, JSON with --json, debug with -v', async () => {
    const env = baseEnv({ ...server.env('so'), PROJECT_DIR: tempDir() });
    const first = cli(['sync'], env);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /^committed [0-9a-f]{12}: t \(new table\) \+1\n$/);
    assert.equal(first.stderr, '', 'nothing on stderr when all is well');

    await c.query('UPDATE t SET v = 2');
    const quiet = cli(['sync', '-q'], env);
    assert.deepEqual([quiet.code, quiet.stdout, quiet.stderr], [0, '', ''], 'cron sees nothing');
    assert.match(git(env.PROJECT_DIR!, ['log', '-1', '--format=%s']), /^t ~1/, 'and the change was committed');

    await c.query('UPDATE t SET v = 3');
    const json = cli(['sync', '--json'], env);
    assert.equal(json.code, 0, json.stderr);
    const r = JSON.parse(json.stdout);
    assert.equal(r.commit, git(env.PROJECT_DIR!, ['rev-parse', 'HEAD']).trim());
    assert.equal(r.subject, 't ~1');
    assert.deepEqual([r.tables, r.rows, r.filesChanged, r.push.status], [1, 1, 1, 'no-remote']);
    assert.equal(typeof r.durationMs, 'number');
    const none = JSON.parse(cli(['sync', '--json'], env).stdout);
    assert.deepEqual([none.commit, none.subject, none.summary], [null, null, 'no changes']);

    const verbose = cli(['sync', '-v'], env);
    assert.equal(verbose.code, 0);
    assert.match(verbose.stderr, / DEBUG pass done ms=\d+/);
    const both = cli(['sync', '-q', '-v'], env);
    assert.equal(both.code, 2);
    assert.match(both.stderr, /^git-dbsync: sync: -q and -v exclude each other -- give one of them\n$/);
  });
});
