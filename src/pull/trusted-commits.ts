import { DbsyncError } from '../errors/dbsync-error.js';
import { ExitCode } from '../errors/exit-codes.js';
import type { Project } from '../project/project.js';

/** Most commits checked in one go; a longer incoming history is checked in full, only reported shorter. */
const SHOWN = 3;

/**
 * DBSYNC_TRUSTED_SIGNERS: every incoming commit (`from`..`to`; the whole history of `to` when
 * `from` is null, as on a join) must carry a good ssh signature by a key of the allowed-signers
 * file. Otherwise nothing is merged or restored: one line naming the commit and its signer (or
 * that it has none), exit 5. Unset: nothing is checked (the threat model in
 * docs/reference/security.md says what that leaves open).
 */
export async function refuseUntrustedCommits(project: Project, from: string | null, to: string, operation: string, where: string): Promise<void> {
  const file = project.config.git.trustedSigners;
  if (!file) return;
  const sigs = await project.git.signatures(from ? [`${from}..${to}`] : [to], file);
  const bad = sigs.filter((s) => s.status !== 'G');
  if (bad.length === 0) return;
  const first = bad[bad.length - 1]!; // the oldest
  const why =
    first.status === 'N'
      ? 'is not signed'
      : first.status === 'U'
        ? `is signed by a key that is not in DBSYNC_TRUSTED_SIGNERS (${first.key})`
        : first.status === 'B'
          ? 'has a bad signature (the commit was changed after signing)'
          : `has a signature git cannot check (status ${first.status}${first.key ? `, key ${first.key}` : ''})`;
  const more =
    bad.length > 1
      ? ` (and ${bad.length - 1} more of the ${sigs.length} incoming commit(s): ${bad
          .slice(0, SHOWN)
          .map((b) => b.commit.slice(0, 12))
          .join(', ')}${bad.length > SHOWN ? ', ...' : ''})`
      : '';
  throw new DbsyncError({
    operation,
    message: `commit ${first.commit.slice(0, 12)} from ${where} ${why}${more}; nothing was merged into the database`,
    hint: 'find out who pushed it; if that computer is trusted, add its public key to the DBSYNC_TRUSTED_SIGNERS file (and let it sign with DBSYNC_SIGNING_KEY), else remove the commit from the remote',
    exitCode: ExitCode.Unsafe,
  });
}
