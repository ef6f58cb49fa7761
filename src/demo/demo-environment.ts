import type { ThrowawayServer } from './throwaway-server.js';

/** The demo's database name (InvoicePlane's usual one). */
export const DEMO_DATABASE = 'invoiceplane';

/** Seconds between the demo watcher's passes: short, so each change shows up at once. */
export const DEMO_POLL_INTERVAL = 0.25;

/**
 * The settings the demo runs the normal pipeline with: its own server and repository, the
 * profile chosen automatically. The user's own git-dbsync settings (a remote, a password, a
 * secret key) are dropped: the demo never pushes and never reaches another database.
 */
export function demoEnvironment(env: NodeJS.ProcessEnv, server: ThrowawayServer, projectDir: string): NodeJS.ProcessEnv {
  const clean: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(env)) {
    if (
      /^(DB_|DBSYNC_)/.test(k) ||
      ['PROJECT_DIR', 'POLL_INTERVAL', 'GIT_REMOTE_URL', 'GITHUB_TOKEN', 'GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE'].includes(k)
    )
      continue;
    clean[k] = v;
  }
  return {
    ...clean,
    DB_SOCKET: server.socket,
    DB_USER: 'root',
    DB_NAME: DEMO_DATABASE,
    PROJECT_DIR: projectDir,
    POLL_INTERVAL: String(DEMO_POLL_INTERVAL),
    DBSYNC_PROFILE: 'auto',
    DBSYNC_LOG_LEVEL: 'warn',
  };
}
