import { DbsyncError } from '../errors/dbsync-error.js';
import { ExitCode } from '../errors/exit-codes.js';
import { snapshotPrefix, type Project } from '../project/project.js';
import { DATA_DIR } from '../snapshot/layout.js';
import { TOKEN_PREFIX } from './secret-cipher.js';

const checked = new WeakSet<Project>();

/**
 * Refuse to snapshot without a key over a snapshot that holds encrypted secrets, in `auto` mode:
 * the daemon restarted without its key file (a forgotten mount) would otherwise switch to
 * redacting and commit placeholders over every encrypted secret, so the latest snapshot could no
 * longer restore them. Redacting them on purpose takes DBSYNC_SECRETS=redact. Checked once per
 * process (a pass without a key never writes new encrypted values).
 */
export async function refuseKeylessOverEncrypted(project: Project): Promise<void> {
  const s = project.config.secrets;
  if (s.key || s.mode !== 'auto' || checked.has(project)) return;
  const head = await project.git.head();
  const files = head ? await project.git.filesContaining(head, `${snapshotPrefix(project)}${DATA_DIR}`, TOKEN_PREFIX) : [];
  if (files.length > 0) {
    throw new DbsyncError({
      operation: 'configuration',
      message: `the last snapshot holds encrypted secrets (in ${files[0]}${files.length > 1 ? ` and ${files.length - 1} more` : ''}), but DBSYNC_SECRET_KEY_FILE is not set, so this pass would replace them with placeholders`,
      hint: 'set DBSYNC_SECRET_KEY_FILE to the key file used so far; to redact them from now on, set DBSYNC_SECRETS=redact',
      exitCode: ExitCode.Config,
    });
  }
  checked.add(project);
}
