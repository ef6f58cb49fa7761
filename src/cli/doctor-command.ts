import { Database } from '../db/database.js';
import { DbsyncError } from '../errors/dbsync-error.js';
import { ExitCode } from '../errors/exit-codes.js';
import { checkAutoIncrement, readAutoIncrement } from '../doctor/auto-increment.js';
import type { Config } from '../config/config.js';
import { PassPolicy, policySettings } from '../policy/pass-policy.js';

function positive(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 65535)
    throw new DbsyncError({
      operation: 'doctor',
      message: `${name}=${JSON.stringify(v)}: must be a whole number from 1`,
      hint: 'e.g. git-dbsync doctor --computers 2 --this 1',
      exitCode: ExitCode.Config,
    });
  return n;
}

/**
 * `git-dbsync doctor [--computers M --this N]`: checks what two-way sync needs from the server
 * (AUTO_INCREMENT spacing) and prints the exact settings for computer N of M. Exit 0 when fine, 1 when not.
 */
export async function doctorCommand(config: Config, opts: { computers?: string; this?: string }, out: (line: string) => void): Promise<number> {
  const computers = positive('--computers', opts.computers);
  const self = positive('--this', opts.this);
  if ((computers === undefined) !== (self === undefined))
    throw new DbsyncError({
      operation: 'doctor',
      message: 'give both --computers M and --this N',
      hint: 'e.g. git-dbsync doctor --computers 2 --this 1 on the first of two computers',
      exitCode: ExitCode.Config,
    });
  if (computers !== undefined && self! > computers)
    throw new DbsyncError({
      operation: 'doctor',
      message: `--this ${self} is more than --computers ${computers}`,
      hint: 'number the computers 1 to M',
      exitCode: ExitCode.Config,
    });
  const db = await Database.connect(config.db);
  let ok = true;
  try {
    const check = checkAutoIncrement(await readAutoIncrement(db), computers !== undefined ? { computers, self: self! } : undefined);
    ok = check.ok;
    for (const l of check.lines) out(`auto_increment: ${l}`);
    // The profile's business numbers (invoice numbers...) come from counters each computer keeps on its own.
    const tables = (await db.queryArrays('SHOW TABLES', [], 'list tables')).map((r) => String(r[0]));
    const advice = PassPolicy.decide(policySettings(config), tables).profile?.businessNumbers?.advice;
    if (advice && config.sync.mode === 'two-way') out(`numbers: ${advice}; duplicates are reported as conflicts (git-dbsync conflicts)`);
  } finally {
    await db.close();
  }
  out(
    `mode: DBSYNC_MODE=${config.sync.mode}${config.sync.mode === 'two-way' ? `, pull every ${config.sync.pullIntervalMs / 1000} s, conflict rule ${config.sync.conflictRule}` : " (push only; set DBSYNC_MODE=two-way to merge other computers' changes)"}`,
  );
  out(
    `remote: ${config.git.remoteUrl ? 'GIT_REMOTE_URL is set' : 'GIT_REMOTE_URL is not set (the remote recorded by an earlier GIT_REMOTE_URL or "remote set" is used, if any; never one git-dbsync was not told about)'}`,
  );
  return ok ? ExitCode.Ok : ExitCode.Failure;
}
