import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** Name of the cookie that carries the token after the first visit (HttpOnly, SameSite=Strict). */
export const TOKEN_COOKIE = 'dbsync_ui';

/** A new random token: 32 bytes, URL-safe (Jupyter's way: printed once, in the start URL). */
export function newUiToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Whether `given` equals `token`, in time that does not depend on where they differ. */
export function sameToken(given: string | null | undefined, token: string): boolean {
  if (!given) return false;
  const [a, b] = [Buffer.from(given), Buffer.from(token)];
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The token a request carries in its cookie, or null. */
export function cookieToken(req: IncomingMessage): string | null {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === TOKEN_COOKIE) return part.slice(eq + 1).trim();
  }
  return null;
}

/** The Set-Cookie value that keeps the token for this browser session: never readable by scripts, never sent by other sites. */
export function tokenCookie(token: string): string {
  return `${TOKEN_COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`;
}
