/**
 * Several "computers" for two-way sync tests: each one a database on its own throwaway MariaDB
 * server and its own project folder, all sharing one bare remote. Everything goes through the
 * public commands (runCli), the oracle is the live databases (rows, CHECKSUM TABLE).
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import type { Connection } from 'mysql2/promise';
import type { MariaDbServer } from './mariadb-server.js';
import { baseEnv, git, runCli, tempDir, type CliResult } from './project.js';

export class Computer {
  private conn: Connection | null = null;

  constructor(
    readonly name: string,
    readonly server: MariaDbServer,
    readonly db: string,
    readonly dir: string,
    public env: NodeJS.ProcessEnv,
  ) {}

  /** git-dbsync COMMAND with this computer's settings. */
  run(args: string[], extra: Record<string, string> = {}): Promise<CliResult> {
    return runCli(args, { ...this.env, ...extra });
  }

  /** `sync` that must succeed (exit 0); returns stdout. */
  async sync(extra: Record<string, string> = {}): Promise<string> {
    const r = await this.run(['sync'], extra);
    if (r.code !== 0) throw new Error(`${this.name}: sync exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
    return r.stdout;
  }

  async sql<T = unknown>(statement: string, params: unknown[] = []): Promise<T> {
    this.conn ??= await this.server.connect(this.db);
    const [rows] = await this.conn.query(statement, params);
    return rows as T;
  }

  /** Rows of a table as sorted JSON lines (an oracle independent of the snapshot format). */
  async rows(table: string): Promise<string[]> {
    const rows = await this.sql<Array<Record<string, unknown>>>(`SELECT * FROM \`${table}\``);
    return rows.map((r) => JSON.stringify(r)).sort();
  }

  async checksum(tables: readonly string[]): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const t of tables) {
      const r = await this.sql<Array<{ Checksum: string | number | null }>>(`CHECKSUM TABLE \`${t}\` EXTENDED`);
      out[t] = String(r[0]?.Checksum);
    }
    return out;
  }

  head(): string {
    return git(this.dir, ['rev-parse', 'HEAD']).trim();
  }

  commits(): number {
    return Number(git(this.dir, ['rev-list', '--count', 'HEAD']).trim());
  }

  parents(rev = 'HEAD'): string[] {
    return git(this.dir, ['log', '-1', '--format=%P', rev]).trim().split(' ').filter(Boolean);
  }

  async close(): Promise<void> {
    await this.conn?.end().catch(() => undefined);
    this.conn = null;
  }
}

/** A bare remote with `main` as its default branch. */
export function bareRemote(): string {
  const dir = path.join(tempDir('dbsync-remote-'), 'shared.git');
  execFileSync('git', ['init', '-q', '--bare', '--initial-branch=main', dir]);
  return dir;
}

/**
 * One computer per server, database `db` on each (created empty), a project folder that does not
 * exist yet, two-way mode and the shared remote.
 */
export async function computers(servers: readonly MariaDbServer[], db: string, remote: string, extra: Record<string, string> = {}): Promise<Computer[]> {
  const out: Computer[] = [];
  for (let i = 0; i < servers.length; i++) {
    const s = servers[i]!;
    const c = await s.connect();
    await c.query(`DROP DATABASE IF EXISTS \`${db}\``);
    await c.query(`CREATE DATABASE \`${db}\` CHARACTER SET utf8mb4`);
    await c.end();
    const dir = path.join(tempDir('dbsync-computer-'), `project-${i + 1}`);
    const env = baseEnv({ ...s.env(db), PROJECT_DIR: dir, GIT_REMOTE_URL: remote, DBSYNC_MODE: 'two-way', DBSYNC_PROFILE: 'none', ...extra });
    out.push(new Computer(`computer ${i + 1}`, s, db, dir, env));
  }
  return out;
}
