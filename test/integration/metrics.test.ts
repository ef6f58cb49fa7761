/**
 * DBSYNC_METRICS_ADDR (issue 13): a real `watch` against a throwaway MariaDB serves Prometheus
 * metrics; they are scraped with a real HTTP client and parsed with a Prometheus text-format parser,
 * and must agree with what the daemon did (commits made, passes, rows read, change source, verdict).
 * A port already in use exits 1 with one line.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { freePort, MariaDbServer } from '../support/mariadb-server.js';
import { background } from '../support/background.js';
import { baseEnv, cli, commitCount, tempDir, waitFor } from '../support/project.js';

type Families = ReturnType<typeof parsePrometheusTextFormat>;

function value(families: Families, name: string, labels: Record<string, string> = {}): number {
  const f = families.find((x) => x.name === name);
  assert.ok(f, `metric ${name} is served`);
  const m = f.metrics.find((s) => Object.entries(labels).every(([k, v]) => s.labels?.[k] === v));
  assert.ok(m, `${name}${JSON.stringify(labels)} has a sample`);
  return Number(m.value ?? m.count);
}

describe('Prometheus metrics (issue 13)', () => {
  let server: MariaDbServer;
  before(async () => {
    server = await MariaDbServer.start();
    const c = await server.connect('me');
    await c.query('CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50)); INSERT INTO items VALUES (1, "first"), (2, "second")');
    await c.end();
  });
  after(async () => server?.destroy());

  it('watch serves /metrics that agree with what it did', async () => {
    const dir = tempDir();
    const port = await freePort();
    const env = baseEnv({ ...server.env('me'), PROJECT_DIR: dir, POLL_INTERVAL: '0.5', DBSYNC_METRICS_ADDR: `127.0.0.1:${port}` });
    const watch = background(['watch'], env);
    try {
      await watch.waitForLog(new RegExp(`metrics at http://127\\.0\\.0\\.1:${port}/metrics`));
      await waitFor('the first snapshot', () => commitCount(dir) === 1, 30_000);
      const c = await server.connect('me');
      await c.query('INSERT INTO items VALUES (3, "third")');
      await c.end();
      await waitFor('the second snapshot', () => commitCount(dir) === 2, 30_000);

      const scrape = async () => {
        const res = await fetch(`http://127.0.0.1:${port}/metrics`);
        assert.equal(res.status, 200);
        assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
        return parsePrometheusTextFormat(await res.text());
      };
      // The state file is written just after the pass event: wait for the verdict to settle.
      await waitFor('the verdict in the metrics', async () => value(await scrape(), 'dbsync_verdict', { level: 'ok' }) === 1, 10_000);
      const m = await scrape();
      assert.equal(value(m, 'dbsync_commits_total'), 2, 'two snapshot commits made by this daemon');
      assert.ok(value(m, 'dbsync_passes_total', { result: 'success' }) >= 2);
      assert.equal(value(m, 'dbsync_passes_total', { result: 'failure' }), 0);
      assert.ok(value(m, 'dbsync_rows_read_total') >= 3, 'rows read by the passes');
      assert.ok(value(m, 'dbsync_pass_duration_seconds') >= 2, 'a duration observed per pass');
      assert.ok(value(m, 'dbsync_table_lock_seconds') >= 2);
      assert.equal(value(m, 'dbsync_push_backlog_commits'), 0, 'no remote: nothing waits');
      const lastPass = value(m, 'dbsync_last_success_timestamp_seconds', { what: 'pass' });
      assert.ok(Math.abs(lastPass - Date.now() / 1000) < 120, `last pass timestamp ${lastPass} is recent`);
      const sources = m.find((f) => f.name === 'dbsync_change_source_info')!.metrics.filter((s) => s.value === '1');
      assert.equal(sources.length, 1, 'one change source in use');
      assert.ok(value(m, 'dbsync_polls_total') >= 0);
      assert.ok(
        m.some((f) => f.name === 'dbsync_process_resident_memory_bytes'),
        'process metrics too',
      );
      assert.equal((await fetch(`http://127.0.0.1:${port}/`)).status, 404);

      // A second daemon (another repository) asked for the same port: one line, exit 1.
      const other = cli(['watch'], { ...env, PROJECT_DIR: tempDir() }, { timeoutMs: 60_000 });
      assert.equal(other.code, 1, other.stderr);
      assert.match(
        other.stderr.trim().split('\n').at(-1)!,
        new RegExp(
          `^git-dbsync: serve metrics: cannot listen on 127\\.0\\.0\\.1:${port} \\(EADDRINUSE\\) -- another process uses that port: choose another DBSYNC_METRICS_ADDR$`,
        ),
      );
    } finally {
      watch.child.kill('SIGTERM');
      await watch.waitExit(30_000);
    }
  });

  it('a remote that refuses pushes shows as a push backlog whose age grows', async () => {
    const dir = tempDir();
    const port = await freePort();
    // A remote that does not exist: every push fails, the commits wait.
    const remote = path.join(tempDir(), 'missing.git');
    const env = baseEnv({ ...server.env('me'), PROJECT_DIR: dir, POLL_INTERVAL: '0.5', DBSYNC_METRICS_ADDR: `127.0.0.1:${port}`, GIT_REMOTE_URL: remote });
    const watch = background(['watch'], env);
    const scrape = async () => parsePrometheusTextFormat(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text());
    try {
      await watch.waitForLog(new RegExp(`metrics at http://127\\.0\\.0\\.1:${port}/metrics`));
      await waitFor('the first snapshot', () => commitCount(dir) === 1, 30_000);
      let age = 0;
      await waitFor(
        'a push backlog in the metrics',
        async () => {
          const m = await scrape();
          age = value(m, 'dbsync_push_backlog_age_seconds');
          return value(m, 'dbsync_push_backlog_commits') >= 1 && age > 0;
        },
        30_000,
      );
      await waitFor('the backlog age to grow', async () => value(await scrape(), 'dbsync_push_backlog_age_seconds') > age + 1, 30_000);
      const m = await scrape();
      assert.equal(value(m, 'dbsync_push_backlog_commits'), 1, 'the one snapshot commit waits');
      assert.equal(value(m, 'dbsync_last_success_timestamp_seconds', { what: 'push' }), 0, 'no push ever succeeded (0: never)');
      assert.equal(value(m, 'dbsync_verdict', { level: 'ok' }), 0, 'not OK while nothing reaches the remote');
    } finally {
      watch.child.kill('SIGTERM');
      await watch.waitExit(30_000);
    }
  });

  it('a malformed DBSYNC_METRICS_ADDR exits 2 naming the setting', () => {
    const r = cli(['watch'], baseEnv({ ...server.env('me'), PROJECT_DIR: tempDir(), DBSYNC_METRICS_ADDR: 'localhost' }));
    assert.equal(r.code, 2);
    assert.match(r.stderr, /DBSYNC_METRICS_ADDR="localhost": must be host:port, e\.g\. 127\.0\.0\.1:9187/);
  });
});
