/**
 * Verdicts and alerts end to end (issue 13): a real `watch`, a throwaway MariaDB, a bare remote
 * that goes away and comes back, and a real local HTTP server standing in for the webhook, the
 * ntfy topic and the heartbeat service. The remote gone: commits go on, `status` says NOT PUSHED
 * and then FAILING once the backlog is older than DBSYNC_MAX_UNPUSHED, `health` fails, one alert
 * goes to each URL; the remote back: one recovery each. The database stopped: the heartbeat gets
 * `/fail`. No URL or token appears in the log.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, renameSync } from 'node:fs';
import path from 'node:path';
import { MariaDbServer } from '../support/mariadb-server.js';
import { background } from '../support/background.js';
import { HttpRecorder } from '../support/http-recorder.js';
import { baseEnv, cli, commitCount, git, tempDir, waitFor } from '../support/project.js';

describe('verdicts and alerts (issue 13)', () => {
  let server: MariaDbServer;
  let hooks: HttpRecorder;
  before(async () => {
    server = await MariaDbServer.start();
    hooks = await HttpRecorder.start();
    const c = await server.connect('al');
    await c.query('CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50)); INSERT INTO items VALUES (1, "first")');
    await c.end();
  });
  after(async () => {
    await hooks?.close();
    await server?.destroy();
  });

  it('status leads with the verdict; a push backlog older than DBSYNC_MAX_UNPUSHED alerts once and recovers once; a failing pass pings /fail', async () => {
    const dir = tempDir();
    const remote = path.join(tempDir(), 'remote.git');
    git(path.dirname(remote), ['init', '-q', '--bare', remote]);
    const token = 'tok-3f9c2a71';
    const env = baseEnv({
      ...server.env('al'),
      PROJECT_DIR: dir,
      POLL_INTERVAL: '0.5',
      GIT_REMOTE_URL: remote,
      DBSYNC_MAX_UNPUSHED: '3',
      DBSYNC_MAX_BACKOFF: '2',
      DBSYNC_NOTIFY_URL: `${hooks.url(`/hook?token=${token}`)}, ntfy:${hooks.url('/ntfy')}`,
      DBSYNC_HEARTBEAT_URL: hooks.url(`/ping/${token}`),
      DBSYNC_LOG_LEVEL: 'debug',
    });
    const watch = background(['watch'], env);
    try {
      await waitFor('the first snapshot pushed', () => commitCount(dir) === 1 && git(remote, ['rev-list', '--count', '--all']).trim() === '1', 30_000);
      await waitFor('a heartbeat', () => hooks.to(`/ping/${token}`).length > 0, 10_000);
      const ok = cli(['status'], env);
      assert.equal(ok.code, 0, ok.stderr);
      assert.match(ok.stdout.split('\n')[0]!, /^OK: last snapshot \d+ s ago, pushed$/);

      // The remote goes away; the database keeps changing: snapshots go on, pushes fail.
      renameSync(remote, remote + '.away');
      const c = await server.connect('al');
      await c.query('INSERT INTO items VALUES (2, "second")');
      await waitFor('the second snapshot', () => commitCount(dir) === 2, 20_000);
      // `status` judges with its own DBSYNC_MAX_UNPUSHED: under the limit the backlog is NOT PUSHED (exit 4, no alarm).
      const young = cli(['status'], { ...env, DBSYNC_MAX_UNPUSHED: '3600' });
      assert.equal(young.code, 4, young.stdout);
      assert.match(young.stdout.split('\n')[0]!, /^NOT PUSHED since .*1 commit\(s\) wait to be pushed; cannot reach the remote/);

      await waitFor('one alert per URL', () => hooks.to(`/hook?token=${token}`).length === 1 && hooks.to('/ntfy').length === 1, 30_000);
      // Not before the backlog was older than the limit (3 s after the first failed push).
      const state = JSON.parse(readFileSync(path.join(dir, '.git', 'dbsync', 'state.json'), 'utf8'));
      const firstFailure = Date.parse(state.push.failingSince);
      assert.ok(
        hooks.to(`/hook?token=${token}`)[0]!.at - firstFailure >= 3000,
        `alert ${hooks.to(`/hook?token=${token}`)[0]!.at - firstFailure} ms after the first failed push`,
      );
      const alert = JSON.parse(hooks.to(`/hook?token=${token}`)[0]!.body);
      assert.equal(alert.ok, false);
      assert.equal(alert.event, 'alert');
      assert.match(alert.message, /^FAILING: nothing pushed for \d+ s: push to origin failed/);
      assert.equal(hooks.to(`/hook?token=${token}`)[0]!.headers['content-type'], 'application/json');
      const ntfy = hooks.to('/ntfy')[0]!;
      assert.match(ntfy.body, /^FAILING: nothing pushed for/);
      assert.match(String(ntfy.headers.title), /^git-dbsync on .+ \(al\): FAILING$/);
      const failing = cli(['status'], env);
      assert.equal(failing.code, 4);
      assert.match(failing.stdout.split('\n')[0]!, /^FAILING: nothing pushed for \d+ s: 1 commit\(s\) wait to be pushed; cannot reach the remote/);
      const health = cli(['health'], env);
      assert.equal(health.code, 1, health.stdout);
      assert.match(
        health.stderr,
        /^git-dbsync: health: nothing pushed for \d+ s: push to origin failed.*\(DBSYNC_MAX_UNPUSHED is 3 s\) -- make the remote reachable/,
      );
      const json = JSON.parse(cli(['status', '--json'], env).stdout);
      assert.equal(json.verdict.level, 'failing');
      assert.equal(json.verdict.exitCode, 4);

      // Still failing: no second alert (one per change of verdict, rate-limited).
      await new Promise((r) => setTimeout(r, 3000));
      assert.equal(hooks.to(`/hook?token=${token}`).length, 1, 'no repeat while it keeps failing');

      // The remote comes back: the backlog is pushed, one recovery each.
      renameSync(remote + '.away', remote);
      await waitFor('the backlog pushed', () => git(remote, ['rev-list', '--count', '--all']).trim() === '2', 30_000);
      await waitFor('one recovery per URL', () => hooks.to(`/hook?token=${token}`).length === 2 && hooks.to('/ntfy').length === 2, 30_000);
      const recovery = JSON.parse(hooks.to(`/hook?token=${token}`)[1]!.body);
      assert.deepEqual([recovery.ok, recovery.event], [true, 'recovery']);
      assert.match(recovery.message, /^recovered: OK: last snapshot \d+ s ago, pushed$/);
      assert.equal(cli(['status'], env).code, 0);

      // The backlog past the limit pinged /fail too (the backup was failing); the database stops:
      // the pass fails and the heartbeat gets /fail again, once, not per retry.
      assert.equal(hooks.to(`/ping/${token}/fail`).length, 1, 'the backlog past the limit pinged /fail');
      await c.end();
      await server.stop();
      await waitFor('a /fail heartbeat', () => hooks.to(`/ping/${token}/fail`).length === 2, 30_000);
      const down = cli(['status'], env);
      assert.equal(down.code, 1);
      assert.match(down.stdout.split('\n')[0]!, /^DATABASE UNREACHABLE/);
      await server.restart();
      const fails = hooks.to(`/ping/${token}/fail`).length;
      await waitFor(
        'a good heartbeat after recovery',
        () => hooks.requests.filter((r) => r.url === `/ping/${token}`).some((r) => r.at > hooks.to(`/ping/${token}/fail`)[1]!.at),
        30_000,
      );
      assert.equal(
        fails,
        2,
        `one /fail per run of failures: ${hooks.requests.map((r) => `${r.at} ${r.method} ${r.url.replace(token, 'T')}`).join('\n')}\n${watch.stderr().slice(-3000)}`,
      );
    } finally {
      watch.child.kill('SIGTERM');
      await watch.waitExit(30_000);
    }
    assert.ok(!watch.stderr().includes(token), 'the token in the URLs never reaches the log');
    assert.match(watch.stderr(), /alert sent to http:\/\/127\.0\.0\.1:\d+\/\.\.\./);
    assert.match(watch.stderr(), /recovery sent to http:\/\/127\.0\.0\.1:\d+\/\.\.\./);
  });
});
