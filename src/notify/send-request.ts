import { errnoCode } from '../errors/fs-error.js';
import type { OutgoingRequest } from './alert-request.js';

/** How long one alert or heartbeat may take: a slow endpoint must not hold up the daemon. */
export const REQUEST_TIMEOUT_MS = 10_000;

export type SendOutcome = { readonly ok: true; readonly status: number } | { readonly ok: false; readonly reason: string };

/**
 * Send one request (the only place that makes outgoing HTTP requests; Node's own fetch). Never
 * throws; the reason never contains the URL (it may hold a token).
 */
export async function sendRequest(req: OutgoingRequest, timeoutMs = REQUEST_TIMEOUT_MS): Promise<SendOutcome> {
  try {
    const res = await fetch(req.url, { method: req.method, headers: req.headers, body: req.body, signal: AbortSignal.timeout(timeoutMs), redirect: 'follow' });
    // Drain the body so the connection is released.
    await res.arrayBuffer().catch(() => undefined);
    return res.ok ? { ok: true, status: res.status } : { ok: false, reason: `HTTP ${res.status}` };
  } catch (err) {
    const name = err instanceof Error ? err.name : '';
    if (name === 'TimeoutError') return { ok: false, reason: `no answer within ${timeoutMs / 1000} s` };
    // fetch wraps the network error (ECONNREFUSED, ENOTFOUND, ...) as its cause.
    const cause = err instanceof Error ? err.cause : undefined;
    return { ok: false, reason: errnoCode(cause) ?? (name || 'request failed') };
  }
}
