/** Session settings for reading a snapshot: canonical SHOW CREATE output, UTC timestamps, patient network. */
export const READ_SESSION: readonly string[] = [
  "SET SESSION sql_mode = ''",
  'SET SESSION sql_quote_show_create = 1',
  "SET SESSION time_zone = '+00:00'",
  'SET SESSION net_write_timeout = 600',
  // Never queue behind a long transaction for long: queued LOCK TABLES would stall the application's writers too.
  'SET SESSION lock_wait_timeout = 5',
  'SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ',
];
