import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DbsyncError, messageOf } from '../errors/dbsync-error.js';
import type { Logger } from '../log/logger.js';
import { escapeHtml } from './html.js';
import type { PageContext } from './page-context.js';
import { PageError } from './page-error.js';
import { STYLESHEET } from './stylesheet.js';
import { cookieToken, newUiToken, sameToken, tokenCookie } from './ui-token.js';
import type { UiRestore } from './ui-restore.js';
import { POST_PATHS, routePage, routePost, type RouteOptions } from './ui-routes.js';

/**
 * Headers of every answer: no script may run (the pages have none), nothing loads from elsewhere,
 * no other site may frame the page, no address (with its token) leaks in a Referer, nothing is cached.
 */
const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
};

export interface UiServer {
  /** The address to open, with the token (print it once; never log it). */
  readonly url: string;
  /** The address without the token. */
  readonly origin: string;
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, type: string, body: string, extra: Record<string, string> = {}): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': type, 'Content-Length': Buffer.byteLength(body), ...extra });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

function errorPage(status: number, message: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${status}</title><link rel="stylesheet" href="/style.css"></head><body><main><h1>${status}</h1><p>${escapeHtml(message)}</p><p><a href="/">Timeline</a></p></main></body></html>`;
}

/**
 * Answer one request. Every request must carry the token: in the query (`?token=`, the printed
 * address) once, after which it is moved into an HttpOnly, SameSite=Strict cookie and the browser
 * is sent to the same address without it; or in that cookie. Anything else gets 403 and nothing
 * else. Only GET and HEAD, unless the page may write: then also the POSTs of POST_PATHS.
 */
async function answer(
  context: () => Promise<PageContext>,
  token: string,
  restore: RouteOptions['restore'],
  log: Logger,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const given = url.searchParams.get('token');
  if (given !== null && sameToken(given, token)) {
    url.searchParams.delete('token');
    res.writeHead(303, { ...SECURITY_HEADERS, Location: url.pathname + url.search, 'Set-Cookie': tokenCookie(token), 'Content-Length': 0 });
    res.end();
    return;
  }
  if (!sameToken(cookieToken(req), token)) {
    send(res, 403, 'text/html; charset=utf-8', errorPage(403, 'This page needs its token: open the address `git-dbsync ui` printed when it started.'));
    return;
  }
  const restoring = req.method === 'POST' && POST_PATHS.has(url.pathname) && restore !== undefined;
  if (req.method !== 'GET' && req.method !== 'HEAD' && !restoring) {
    send(res, 405, 'text/html; charset=utf-8', errorPage(405, 'The history page only reads.'), { Allow: 'GET, HEAD' });
    return;
  }
  if (restoring) {
    // Besides the cookie (which other sites never send: SameSite=Strict): the form's CSRF token, and no other origin.
    const form = await readForm(req);
    if (form === null || !sameToken(form.get('csrf'), restore.csrf) || !sameOrigin(req)) {
      send(res, 403, 'text/html; charset=utf-8', errorPage(403, 'The confirmation must come from a plan or a button of this page: open it again.'));
      return;
    }
    await respond(res, log, url, async () => routePost(await context(), url.pathname, form, restore.run));
    return;
  }
  if (url.pathname === '/style.css') {
    send(res, 200, 'text/css; charset=utf-8', STYLESHEET);
    return;
  }
  await respond(res, log, url, async () => routePage(await context(), url, restore ? { restore } : {}));
}

/**
 * Whether a POST comes from this page, as far as the browser says: no Origin (not a browser), this
 * page's own, or `null` from the same origin (a browser sends `Origin: null` for a form posted from a
 * page with `Referrer-Policy: no-referrer`, as these are; its Sec-Fetch-Site still tells the site).
 * Never from a page of another site (Sec-Fetch-Site: cross-site or same-site).
 */
function sameOrigin(req: IncomingMessage): boolean {
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin') return false;
  const origin = req.headers.origin;
  return origin === undefined || origin === `http://${req.headers.host ?? ''}` || (origin === 'null' && site === 'same-origin');
}

/** Longest form accepted (a confirmation is a few short fields; a conflict's value is at most a few hundred characters). */
const MAX_FORM_BYTES = 8192;

/** A urlencoded form body, or null when it is too long or of another type. */
async function readForm(req: IncomingMessage): Promise<URLSearchParams | null> {
  if (!(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) return null;
  let body = '';
  for await (const chunk of req) {
    body += (chunk as Buffer).toString('utf8');
    if (body.length > MAX_FORM_BYTES) return null;
  }
  return new URLSearchParams(body);
}

/** Send a page, or the error it failed with (a PageError as its status, a DbsyncError as 400 with its hint). */
async function respond(res: ServerResponse, log: Logger, url: URL, page: () => Promise<string>): Promise<void> {
  try {
    send(res, 200, 'text/html; charset=utf-8', await page());
  } catch (err) {
    if (err instanceof PageError) send(res, err.status, 'text/html; charset=utf-8', errorPage(err.status, err.message));
    else if (err instanceof DbsyncError) send(res, 400, 'text/html; charset=utf-8', errorPage(400, `${err.message} -- ${err.hint}`));
    else {
      // The path only: the query may hold what somebody typed, and never the token (checked above).
      log.error({ path: url.pathname }, `history page: ${messageOf(err)}`);
      send(res, 500, 'text/html; charset=utf-8', errorPage(500, 'unexpected error (see the log)'));
    }
  }
}

/** Start the history page on host:port (port 0: any free port). Resolves once it listens. */
export async function startUiServer(opts: {
  /** The pages' context, asked for on each request (see pageContextSource). */
  readonly context: () => Promise<PageContext>;
  readonly host: string;
  readonly port: number;
  readonly token: string;
  readonly log: Logger;
  /** `ui --allow-restore`: restores (a table, a row, an invoice) after their plan, and conflict resolution; absent: only GET and HEAD. */
  readonly restore?: UiRestore;
}): Promise<UiServer> {
  // The restore form's CSRF token: one per start, in the plan's form, never in a cookie.
  const csrf = newUiToken();
  const server: Server = createServer((req, res) => {
    answer(opts.context, opts.token, opts.restore && { run: opts.restore, csrf }, opts.log, req, res).catch((err: unknown) => {
      opts.log.error(`history page: ${messageOf(err)}`);
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', 'unexpected error');
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  // An address that means "every interface" is not one a browser can open: this computer's name for itself instead.
  const host = opts.host === '0.0.0.0' || opts.host === '::' ? 'localhost' : opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  const origin = `http://${host}:${port}`;
  return {
    origin,
    url: `${origin}/?token=${opts.token}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
