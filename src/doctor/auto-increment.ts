import type { Database } from '../db/database.js';

/** The server's AUTO_INCREMENT spacing: ids step by `increment`, starting at `offset`. */
export interface AutoIncrement {
  readonly increment: number;
  readonly offset: number;
}

/** Read the global values (what new connections of the application get), not this session's. */
export async function readAutoIncrement(db: Database): Promise<AutoIncrement> {
  const rows = await db.queryArrays('SELECT @@GLOBAL.auto_increment_increment, @@GLOBAL.auto_increment_offset', [], 'read auto_increment settings');
  return { increment: Number(rows[0]?.[0] ?? 1), offset: Number(rows[0]?.[1] ?? 1) };
}

/** The settings computer `self` of `computers` needs: increment M, offset N, so no two computers ever make the same id. */
export function wantedAutoIncrement(computers: number, self: number): AutoIncrement {
  return { increment: computers, offset: self };
}

/** The exact server options, for a my.cnf file, the command line (docker-compose) and a running server. */
export function autoIncrementOptions(want: AutoIncrement): { cnf: string; args: string; sql: string } {
  return {
    cnf: `[mariadbd]\nauto_increment_increment = ${want.increment}\nauto_increment_offset = ${want.offset}`,
    args: `--auto-increment-increment=${want.increment} --auto-increment-offset=${want.offset}`,
    sql: `SET GLOBAL auto_increment_increment = ${want.increment}, GLOBAL auto_increment_offset = ${want.offset};`,
  };
}

/**
 * The check `doctor` makes and two-way start-up warns about: with the default spacing (1) two
 * computers that insert while apart both make the same next id (insert-insert conflicts).
 * `plan`: the user said which computer this is (`--computers M --this N`).
 */
export function checkAutoIncrement(now: AutoIncrement, plan?: { computers: number; self: number }): { ok: boolean; lines: string[] } {
  const have = `auto_increment_increment=${now.increment}, auto_increment_offset=${now.offset}`;
  if (plan) {
    const want = wantedAutoIncrement(plan.computers, plan.self);
    const o = autoIncrementOptions(want);
    if (now.increment === want.increment && now.offset === want.offset) {
      return {
        ok: true,
        lines: [
          `ok: ${have}: right for computer ${plan.self} of ${plan.computers} (its new ids are ${want.offset}, ${want.offset + want.increment}, ${want.offset + 2 * want.increment}, ...)`,
        ],
      };
    }
    return {
      ok: false,
      lines: [
        `not ok: ${have}; computer ${plan.self} of ${plan.computers} needs auto_increment_increment=${want.increment}, auto_increment_offset=${want.offset}`,
        `  in the server's configuration (e.g. /etc/mysql/mariadb.conf.d/60-dbsync.cnf), then restart it:`,
        ...o.cnf.split('\n').map((l) => `    ${l}`),
        `  or on mariadbd's command line (docker-compose.yml, the mariadb service's command): ${o.args}`,
        `  or at once until the next restart (as a user with SUPER): ${o.sql}`,
        `  every computer needs the same auto_increment_increment (${want.increment}) and its own offset (1 to ${plan.computers})`,
      ],
    };
  }
  if (now.increment <= 1) {
    return {
      ok: false,
      lines: [
        `not ok: ${have}: every computer makes the same next id, so rows added on two computers while apart collide (insert-insert conflicts)`,
        `  give each computer its own offset: \`git-dbsync doctor --computers M --this N\` prints the exact settings for computer N of M`,
      ],
    };
  }
  if (now.offset < 1 || now.offset > now.increment) {
    return { ok: false, lines: [`not ok: ${have}: the offset must be between 1 and the increment (${now.increment}), else the server ignores it`] };
  }
  return { ok: true, lines: [`ok: ${have}: fits computer ${now.offset} of up to ${now.increment} (check that no other computer uses offset ${now.offset})`] };
}

/** The start-up warning of two-way mode, or null. */
export function twoWayWarning(now: AutoIncrement): string | null {
  if (now.increment > 1) return null;
  return `two-way mode with auto_increment_increment=1: rows added on two computers while apart get the same ids and become conflicts -- run \`git-dbsync doctor --computers M --this N\` for the settings of computer N of M`;
}
