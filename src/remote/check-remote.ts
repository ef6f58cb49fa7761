import { randomBytes } from 'node:crypto';
import { gitMessage, type Git } from '../git/git.js';
import { describeRemoteFailure, type RemoteFailure } from './remote-failure.js';

/** Where write probes live on the remote: outside refs/heads and refs/tags, so no branch or tag is ever touched. */
export const PROBE_NAMESPACE = 'refs/dbsync-probe/';

/** Longest wait for one remote command (ssh has its own 20 s connect timeout; https has none worth waiting for). */
const REMOTE_TIMEOUT_MS = 60_000;

export type RemoteCheck =
  | {
      readonly ok: true;
      /** Branches the remote has. */
      readonly branches: number;
      /** Whether writing was checked (and worked). */
      readonly writable: boolean;
      /** The probe ref could not be deleted again: its name and why (the user removes it by hand). */
      readonly leftover: { readonly ref: string; readonly cause: string } | null;
    }
  | { readonly ok: false; readonly failure: RemoteFailure };

/**
 * Check that `remote` can be reached and read (`git ls-remote`) and, with `write`, written: push a
 * uniquely named probe ref under refs/dbsync-probe/ (a fixed empty commit, never forced) and
 * delete it again. Branches and tags are never touched.
 */
export async function checkRemote(git: Git, remote: string, url: string, opts: { write: boolean }): Promise<RemoteCheck> {
  const read = await git.lsRemote(remote, REMOTE_TIMEOUT_MS);
  if (read.code !== 0) return { ok: false, failure: describeRemoteFailure(read.stderr, 'read', url, read.timedOut ? REMOTE_TIMEOUT_MS : undefined) };
  const branches = read.stdout
    .toString('utf8')
    .split('\n')
    .filter((l) => l.trim().length > 0).length;
  if (!opts.write) return { ok: true, branches, writable: false, leftover: null };

  const ref = `${PROBE_NAMESPACE}${Date.now().toString(36)}-${randomBytes(6).toString('hex')}`;
  const commit = await git.probeCommit();
  const push = await git.pushNewRef(remote, commit, ref, REMOTE_TIMEOUT_MS);
  if (push.code !== 0) return { ok: false, failure: describeRemoteFailure(push.stderr, 'write', url, push.timedOut ? REMOTE_TIMEOUT_MS : undefined) };
  const del = await git.deleteRemoteRef(remote, ref, REMOTE_TIMEOUT_MS);
  const leftover = del.code === 0 ? null : { ref, cause: del.timedOut ? `no answer within ${REMOTE_TIMEOUT_MS / 1000} s` : gitMessage(del.stderr) };
  return { ok: true, branches, writable: true, leftover };
}
