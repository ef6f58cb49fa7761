/**
 * The server's named locks (`GET_LOCK`): held by one session, released by the server when that
 * session ends, even after kill -9 of the process that held it. A name is at most 64 characters.
 */
import type { Database } from '../database.js';

/** Take the named lock on `db`'s session, waiting up to `timeoutSeconds`; false when another session still holds it then. */
export async function getNamedLock(db: Database, name: string, timeoutSeconds: number): Promise<boolean> {
  const rows = await db.queryArrays('SELECT GET_LOCK(?, ?)', [name, timeoutSeconds], 'acquire database lock');
  return String(rows[0]?.[0]) === '1';
}

/** Let go of the named lock (a lock this session does not hold is left alone). */
export async function releaseNamedLock(db: Database, name: string): Promise<void> {
  await db.query('SELECT RELEASE_LOCK(?)', [name]);
}
