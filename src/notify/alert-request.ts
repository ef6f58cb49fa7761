import type { NotifyTarget } from '../config/config.js';
import type { Verdict } from '../status/verdict.js';

/** One HTTP request to send. */
export interface OutgoingRequest {
  readonly method: 'GET' | 'POST';
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
}

export interface AlertContent {
  readonly kind: 'alert' | 'recovery' | 'reminder';
  readonly verdict: Verdict;
  readonly database: string;
  readonly host: string;
  readonly at: string;
}

/** The title: `git-dbsync on HOST (DB): FAILING` / `... recovered`. */
export function alertTitle(c: AlertContent): string {
  const what = c.kind === 'recovery' ? 'recovered' : c.verdict.line.split(':', 1)[0];
  return `git-dbsync on ${c.host} (${c.database}): ${what}`;
}

/**
 * The request for one target. `json`: a POST whose body carries the fields generic webhooks read
 * and those of Gotify (`title`, `message`, `priority`) and Slack-style hooks (`text`). `ntfy`: the
 * plain-text body ntfy publishes, with its Title, Priority and Tags headers.
 */
export function alertRequest(target: NotifyTarget, c: AlertContent): OutgoingRequest {
  const title = alertTitle(c);
  const message = c.kind === 'recovery' ? `recovered: ${c.verdict.line}` : c.verdict.line;
  const bad = c.kind !== 'recovery';
  if (target.kind === 'ntfy') {
    return {
      method: 'POST',
      url: target.url,
      headers: { 'content-type': 'text/plain; charset=utf-8', title, priority: bad ? 'high' : 'default', tags: bad ? 'warning' : 'white_check_mark' },
      body: message,
    };
  }
  const body = {
    source: 'git-dbsync',
    event: c.kind,
    ok: !bad,
    level: c.verdict.level,
    title,
    message,
    text: `${title}\n${message}`,
    priority: bad ? 8 : 4,
    since: c.verdict.since,
    host: c.host,
    database: c.database,
    at: c.at,
  };
  return { method: 'POST', url: target.url, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

/** The heartbeat request: the URL after a good pass, `<url>/fail` after a failed one (healthchecks.io's convention). */
export function heartbeatRequest(url: string, ok: boolean): OutgoingRequest {
  if (ok) return { method: 'GET', url, headers: {} };
  const u = new URL(url);
  u.pathname = `${u.pathname.replace(/\/+$/, '')}/fail`;
  return { method: 'GET', url: u.toString(), headers: {} };
}

/** A URL safe to log: scheme and host only (paths and queries of these services hold tokens). */
export function urlForLog(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}/...`;
  } catch {
    return '(invalid URL)';
  }
}
