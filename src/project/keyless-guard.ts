import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DbsyncError } from '../errors/dbsync-error.js';
import { ExitCode } from '../errors/exit-codes.js';
import { snapshotPrefix, type Project } from './project.js';
import { DATA_DIR } from '../snapshot/layout.js';
import { TOKEN_PREFIX } from '../secrets/secret-cipher.js';
import type { SecretsConfig } from '../secrets/secret-policy.js';

/** What the guard needs of a project (a Project has it all). */
export type GuardedProject = Pick<Project, 'git' | 'stateDir' | 'snapshotPath'> & {
  readonly config: { readonly secrets: Pick<SecretsConfig, 'key' | 'mode'> };
};

/** The last HEAD found without encrypted values, per project, in this process. */
const cleanHeads = new WeakMap<GuardedProject, string>();

/** The same across processes (each `sync` is one): which commit was found clean, and under which folder. */
const CACHE_FILE = 'keyless-checked.json';

/** Changed files searched one by one (each is a command-line argument); more: the whole folder. */
const MAX_FILES_SEARCHED = 2000;

interface CleanCommit {
  readonly commit: string;
  readonly folder: string;
}

/**
 * Refuse to snapshot without a key over a snapshot that holds encrypted secrets, in `auto` mode:
 * the daemon restarted without its key file (a forgotten mount) would otherwise switch to
 * redacting and commit placeholders over every encrypted secret, so the latest snapshot could no
 * longer restore them. Redacting them on purpose takes DBSYNC_SECRETS=redact.
 *
 * Searching HEAD's data files costs a quarter of a second on a large snapshot, at every start. A
 * commit's content never changes, so a clean result is kept per commit id (in memory and in
 * .git/dbsync): the same HEAD is never searched again, and a new HEAD (this tool's own commit, or a
 * pull that brought another computer's) is searched only where it differs from the last clean one.
 */
export async function refuseKeylessOverEncrypted(project: GuardedProject): Promise<void> {
  const s = project.config.secrets;
  if (s.key || s.mode !== 'auto') return;
  const head = await project.git.head();
  if (!head || cleanHeads.get(project) === head) return;
  const folder = `${snapshotPrefix(project)}${DATA_DIR}`;
  const cached = await readClean(project.stateDir);
  let files: string[] | null = null;
  if (cached?.folder === folder) {
    // Only files that differ from a clean commit can hold the marker now (a tree comparison finds
    // them without reading any); past a few thousand the whole search costs about the same.
    const changed = cached.commit === head ? [] : await project.git.changedFiles(cached.commit, head, folder);
    if (changed && changed.length <= MAX_FILES_SEARCHED) files = changed.length === 0 ? [] : await project.git.filesContaining(head, changed, TOKEN_PREFIX);
  }
  files ??= await project.git.filesContaining(head, folder, TOKEN_PREFIX);
  if (files.length > 0) {
    throw new DbsyncError({
      operation: 'configuration',
      message: `the last snapshot holds encrypted secrets (in ${files[0]}${files.length > 1 ? ` and ${files.length - 1} more` : ''}), but DBSYNC_SECRET_KEY_FILE is not set, so this pass would replace them with placeholders`,
      hint: 'set DBSYNC_SECRET_KEY_FILE to the key file used so far; to redact them from now on, set DBSYNC_SECRETS=redact',
      exitCode: ExitCode.Config,
    });
  }
  cleanHeads.set(project, head);
  // Only a hint for later processes: a lost or torn file means one more search, never a wrong answer.
  if (cached?.commit === head && cached.folder === folder) return;
  const clean: CleanCommit = { commit: head, folder };
  await writeFile(path.join(project.stateDir, CACHE_FILE), JSON.stringify(clean) + '\n').catch(() => undefined);
}

async function readClean(stateDir: string): Promise<CleanCommit | null> {
  try {
    const v = JSON.parse(await readFile(path.join(stateDir, CACHE_FILE), 'utf8')) as Partial<CleanCommit> | null;
    return typeof v?.commit === 'string' && /^[0-9a-f]{40,64}$/.test(v.commit) && typeof v.folder === 'string' ? { commit: v.commit, folder: v.folder } : null;
  } catch {
    return null;
  }
}

/**
 * After this process's own pass committed `commit` on top of `parent`: when `parent` was found
 * clean here, the new commit can hold the marker only in the data files the commit added or
 * changed, and those are in the working tree exactly as committed (the pass holds the run lock and
 * just committed them). They are searched here, in this process, for the same bytes `git grep`
 * looks for, and the commit is remembered clean when none holds them: the next pass of `watch`
 * then runs neither the tree comparison nor the search (two git processes per pass, measured in
 * bench/binlog-pass.ts). Only a hint kept in memory: in any other case the next pass searches as before.
 */
export async function noteOwnCommit(project: GuardedProject, parent: string | null, commit: string, changedDataFiles: readonly string[]): Promise<void> {
  const s = project.config.secrets;
  if (s.key || s.mode !== 'auto' || parent === null || cleanHeads.get(project) !== parent) return;
  const token = Buffer.from(TOKEN_PREFIX, 'utf8');
  for (const file of changedDataFiles) {
    const bytes = await readFile(file).catch(() => null);
    if (bytes === null || bytes.includes(token)) return;
  }
  cleanHeads.set(project, commit);
}
