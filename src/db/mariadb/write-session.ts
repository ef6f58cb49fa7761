/**
 * Session settings for writing rows into a live or an empty database (MariaDB knowledge, one
 * place; the read side is read-session.ts).
 */

/** Session settings that make loading exact; the same text the tool's own restore uses. */
export const LOAD_SETTINGS = [
  'SET NAMES utf8mb4',
  "SET time_zone = '+00:00'",
  // ALLOW_INVALID_DATES: a date like 2021-02-31, stored under that mode, would otherwise load as 0000-00-00.
  "SET sql_mode = 'NO_AUTO_VALUE_ON_ZERO,NO_ENGINE_SUBSTITUTION,ALLOW_INVALID_DATES'",
  'SET foreign_key_checks = 0',
  'SET unique_checks = 0',
] as const;

/**
 * Session settings for writing: those of the tool's restore (exact values, UTC timestamps, no
 * foreign key checks: tables are applied one at a time, a child row may come before its parent),
 * but with unique checks ON: InnoDB may otherwise accept a duplicate in a unique secondary index,
 * which would corrupt the application's data instead of failing. `@dbsync_apply` lets the
 * application's triggers recognise (and skip) writes made by git-dbsync.
 */
export function applySession(lockWaitSeconds: number): string[] {
  return [
    ...LOAD_SETTINGS.filter((s) => !/unique_checks/.test(s)),
    'SET unique_checks = 1',
    // Never stall the application for long: a lock it holds makes us give up and retry later.
    `SET SESSION lock_wait_timeout = ${lockWaitSeconds}`,
    `SET SESSION innodb_lock_wait_timeout = ${lockWaitSeconds}`,
    'SET @dbsync_apply = 1',
  ];
}
