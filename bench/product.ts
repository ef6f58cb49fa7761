/**
 * The two systems under test as commands: git-dbsync (a frozen copy of the build made by
 * `npm run bench`, so a rebuild in the checkout during a long run cannot change what is measured)
 * and the old approach's shell script.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MariaDbServer } from '../test/support/mariadb-server.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const OLD_APPROACH = path.join(ROOT, 'bench', 'old-approach.sh');

/** Environment of every child: the machine's, minus settings that would leak in, with a fixed git identity. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(env)) if (/^(DB_|DBSYNC_|GIT_|PROJECT_DIR$|POLL_INTERVAL$|MYSQL_)/.test(k)) delete env[k];
  return {
    ...env,
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_AUTHOR_NAME: 'bench',
    GIT_AUTHOR_EMAIL: 'bench@localhost',
    GIT_COMMITTER_NAME: 'bench',
    GIT_COMMITTER_EMAIL: 'bench@localhost',
    ...extra,
  };
}

export interface Product {
  /** `node <cli>`: argv[0] and the first arguments of a git-dbsync command. */
  readonly node: string;
  readonly cli: string;
  /** Which build is measured: commit of the checkout, and whether src/ had uncommitted changes. */
  readonly version: string;
}

/** Copy dist/ and bin/ of the checkout (built by `npm run build`) into `dir`. */
export function freezeProduct(dir: string): Product {
  if (!existsSync(path.join(ROOT, 'dist', 'cli.js'))) throw new Error('dist/cli.js missing: run `npm run build` first (npm run bench does)');
  mkdirSync(dir, { recursive: true });
  cpSync(path.join(ROOT, 'dist'), path.join(dir, 'dist'), { recursive: true });
  cpSync(path.join(ROOT, 'bin'), path.join(dir, 'bin'), { recursive: true });
  cpSync(path.join(ROOT, 'package.json'), path.join(dir, 'package.json'));
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  let version = 'unknown';
  try {
    const head = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src'], { cwd: ROOT, encoding: 'utf8' }).trim();
    version = dirty ? `${head} + uncommitted changes in src/ (${dirty.split('\n').length} files)` : head;
  } catch {
    // not a git checkout
  }
  return { node: process.execPath, cli: path.join(dir, 'bin', 'git-dbsync.js'), version };
}

/** Environment for git-dbsync on a database of the throwaway server; creates the PROJECT_DIR folder (git-dbsync makes it a repository). */
export function dbsyncEnv(server: MariaDbServer, db: string, repo: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  mkdirSync(repo, { recursive: true });
  return cleanEnv({ DB_SOCKET: server.socket, DB_USER: 'root', DB_NAME: db, PROJECT_DIR: repo, DBSYNC_LOCK_TIMEOUT: '30', ...extra });
}

/** Environment for the old approach's script; the same variable names. */
export function oldEnv(server: MariaDbServer, db: string, repo: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return cleanEnv({ DB_SOCKET: server.socket, DB_USER: 'root', DB_NAME: db, PROJECT_DIR: repo, ...extra });
}
