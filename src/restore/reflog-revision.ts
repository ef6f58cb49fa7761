import { DbsyncError } from '../errors/dbsync-error.js';
import { ExitCode } from '../errors/exit-codes.js';
import { parsePointInTime } from './point-in-time.js';

/** `@{...}` forms git resolves from configuration, not from the reflog: allowed. */
const NOT_REFLOG = new Set(['u', 'upstream', 'push']);

/**
 * A revision with `@{...}` (`main@{yesterday}`, `HEAD@{2}`, `@{-1}`) is resolved by git from this
 * computer's reflog, which a new computer (a clone, a restored backup) does not have and which
 * expires: the same words would restore different snapshots on different computers. Such a
 * revision is refused with the `--at` form that means the same from commit dates; null when `rev`
 * has none (or only `@{upstream}`, `@{u}`, `@{push}`).
 */
export function reflogRevisionError(operation: string, rev: string): DbsyncError | null {
  const forms = [...rev.matchAll(/@\{([^}]*)\}/g)].map((m) => m[1]!.trim());
  const reflog = forms.find((f) => !NOT_REFLOG.has(f.toLowerCase()));
  if (reflog === undefined) return null;
  const when = /^-?\d+$/.test(reflog) ? null : reflog;
  return new DbsyncError({
    operation,
    message: `${JSON.stringify(rev)} is read from this computer's reflog, which a new computer lacks and git expires`,
    hint:
      when !== null && parsePointInTime(when, Date.now()) !== null
        ? `for the snapshot as of that moment, from commit dates: git-dbsync restore --at ${JSON.stringify(when)}`
        : 'name the commit (see `git-dbsync log`), or a moment with --at "2026-12-01 17:00"',
    exitCode: ExitCode.Config,
  });
}
