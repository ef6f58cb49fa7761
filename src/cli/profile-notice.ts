import type { PassResult } from '../sync/sync-pass.js';

let last: string | undefined;

/**
 * The line saying which application profile is in force, once per process and again whenever it
 * changes: info when chosen, a warning when a forced profile (DBSYNC_PROFILE=name) does not match
 * the database. Null when there is nothing new to say.
 */
export function profileNotice(profile: PassResult['profile']): { level: 'warn' | 'info'; line: string } | null {
  const key = JSON.stringify(profile ?? null);
  if (profile === undefined || key === last) return null;
  const first = last === undefined;
  last = key;
  if (profile === null) return first ? null : { level: 'info', line: 'profile: none (generic commit messages)' };
  const noise = profile.schemaOnly.length > 0 ? `; rows of ${profile.schemaOnly.join(', ')} are not versioned` : '';
  if (profile.missing.length > 0) {
    return {
      level: 'warn',
      line:
        `profile: ${profile.name} is in force, but the database lacks its table(s) ${profile.missing.join(', ')}: its rules apply only to the tables it has${noise}` +
        ` -- check DB_NAME, or set DBSYNC_PROFILE=auto (or none)`,
    };
  }
  return { level: 'info', line: `profile: ${profile.name} (${profile.description}): commit messages in its words${noise} -- DBSYNC_PROFILE=none turns it off` };
}
