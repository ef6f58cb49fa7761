import { it } from 'node:test';
import assert from 'node:assert/strict';
import { alertRequest, heartbeatRequest, urlForLog } from '../../src/notify/alert-request.js';
import type { Verdict } from '../../src/status/verdict.js';

const verdict: Verdict = {
  level: 'failing',
  line: 'FAILING: nothing pushed for 3 h 12 min: push to origin failed',
  since: '2026-12-04T08:48:00.000Z',
  exitCode: 4,
};
const content = { kind: 'alert' as const, verdict, database: 'invoiceplane', host: 'nas', at: '2026-12-04T12:00:00.000Z' };

it('JSON alerts carry the webhook, Gotify and Slack-style fields', () => {
  const r = alertRequest({ kind: 'json', url: 'https://hooks.example/x?token=s3cret' }, content);
  assert.equal(r.method, 'POST');
  assert.equal(r.headers['content-type'], 'application/json');
  const body = JSON.parse(r.body!);
  assert.equal(body.title, 'git-dbsync on nas (invoiceplane): FAILING');
  assert.equal(body.message, verdict.line);
  assert.equal(body.text, `${body.title}\n${verdict.line}`);
  assert.deepEqual([body.ok, body.event, body.level, body.priority, body.since], [false, 'alert', 'failing', 8, verdict.since]);
  const rec = JSON.parse(
    alertRequest(
      { kind: 'json', url: 'https://h/x' },
      { ...content, kind: 'recovery', verdict: { ...verdict, level: 'ok', line: 'OK: last snapshot 3 s ago, pushed', exitCode: 0, since: null } },
    ).body!,
  );
  assert.deepEqual([rec.ok, rec.title, rec.message], [true, 'git-dbsync on nas (invoiceplane): recovered', 'recovered: OK: last snapshot 3 s ago, pushed']);
});

it('ntfy alerts are plain text with ntfy headers', () => {
  const r = alertRequest({ kind: 'ntfy', url: 'https://ntfy.sh/backups' }, content);
  assert.equal(r.body, verdict.line);
  assert.deepEqual([r.headers.title, r.headers.priority, r.headers.tags], ['git-dbsync on nas (invoiceplane): FAILING', 'high', 'warning']);
});

it('heartbeats follow the healthchecks.io convention; logged URLs keep no path or token', () => {
  assert.equal(heartbeatRequest('https://hc-ping.com/abc', true).url, 'https://hc-ping.com/abc');
  assert.equal(heartbeatRequest('https://hc-ping.com/abc/', false).url, 'https://hc-ping.com/abc/fail');
  assert.equal(heartbeatRequest('https://kuma.local/api/push/tok?status=up', false).url, 'https://kuma.local/api/push/tok/fail?status=up');
  assert.equal(urlForLog('https://user:pw@hooks.example:8443/x?token=s3cret'), 'https://hooks.example:8443/...');
});
