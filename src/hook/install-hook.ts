/**
 * Put git-dbsync's block into the pre-commit hook, and take it out again. Never overwrites a hook
 * the user has: a shell script gets the block inserted after its first line; anything else (another
 * language, a binary, a symlink, a hook that is not executable) is moved aside to
 * `pre-commit.before-git-dbsync` and called by a hook file of ours. Uninstall undoes exactly that,
 * so the user's file comes back byte for byte, with its mode.
 */
import { access, chmod, constants, lstat, mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DbsyncError } from '../errors/dbsync-error.js';
import { describeFsError } from '../errors/fs-error.js';
import { TEMP_SUFFIX } from '../fs/atomic-file.js';
import { HOOK_NAME } from '../project/hook-marker.js';
import { ASIDE_SUFFIX, CREATED_HEADER, findBlock, insertBlock, isShellScript, removeBlock, replaceBlock } from './hook-script.js';

export interface InstallResult {
  readonly file: string;
  /**
   * created: there was no hook; inserted: the block went into the user's shell script; chained:
   * the user's hook was moved aside and ours calls it; updated: the block was there and was
   * rewritten (settings or paths changed); unchanged: the block was there as it would be written.
   */
  readonly action: 'created' | 'inserted' | 'chained' | 'updated' | 'unchanged';
  /** The moved-aside hook our file calls. */
  readonly aside?: string;
}

export interface UninstallResult {
  readonly file: string;
  /**
   * removed: our file deleted (there was no hook before); restored: our file deleted and the
   * moved-aside hook put back; block-removed: the block taken out of the user's script;
   * not-installed: there was nothing of ours.
   */
  readonly action: 'removed' | 'restored' | 'block-removed' | 'not-installed';
  /** A moved-aside hook left where it is, because our file was edited since (see the message). */
  readonly asideLeft?: string;
}

/**
 * Files are handled as latin1 strings: one character per byte, so a script in any encoding goes
 * back byte for byte; the block itself is UTF-8 (paths may hold any character).
 */
const BYTES = 'latin1';

function asBytes(utf8: string): string {
  return Buffer.from(utf8, 'utf8').toString(BYTES);
}

/** `block(chainTo)`: the block's text for our file chaining to `chainTo`, or for a script that needs no chaining. */
export async function installHook(hooksDir: string, block: (chainTo?: string) => string): Promise<InstallResult> {
  const file = path.join(hooksDir, HOOK_NAME);
  const aside = file + ASIDE_SUFFIX;
  const asideName = HOOK_NAME + ASIDE_SUFFIX;
  return fsStep('install hook', file, async () => {
    const st = await lstat(file).catch(missing);
    const asideExists = (await lstat(aside).catch(missing)) !== null;
    if (st === null) {
      if (asideExists) throw leftover(aside);
      await mkdir(hooksDir, { recursive: true });
      await writeHook(file, CREATED_HEADER + asBytes(block()), 0o755);
      return { file, action: 'created' };
    }
    if (st.isFile()) {
      const text = await readFile(file, BYTES);
      const at = findBlock(text);
      if (at === 'damaged') throw damaged(file);
      if (at) {
        const chained = asideExists && text.startsWith(CREATED_HEADER);
        const next = replaceBlock(text, at, asBytes(block(chained ? asideName : undefined)));
        if (next === text) return { file, action: 'unchanged', ...(chained ? { aside } : {}) };
        await writeHook(file, next, st.mode & 0o7777);
        return { file, action: 'updated', ...(chained ? { aside } : {}) };
      }
      if (isShellScript(text) && (await isExecutable(file))) {
        await writeHook(file, insertBlock(text, asBytes(block())), st.mode & 0o7777);
        return { file, action: 'inserted' };
      }
    } else if (!st.isSymbolicLink()) {
      throw new DbsyncError({ operation: 'install hook', message: `${file} is not a file`, hint: 'move it away, then run `git-dbsync hook install` again' });
    }
    if (asideExists) throw leftover(aside);
    // rename keeps the file (or symlink) itself: its bytes, mode and owner come back on uninstall.
    await rename(file, aside);
    try {
      await writeHook(file, CREATED_HEADER + asBytes(block(asideName)), 0o755);
    } catch (err) {
      await rename(aside, file).catch(() => undefined);
      throw err;
    }
    return { file, action: 'chained', aside };
  });
}

export async function uninstallHook(hooksDir: string): Promise<UninstallResult> {
  const file = path.join(hooksDir, HOOK_NAME);
  const aside = file + ASIDE_SUFFIX;
  return fsStep('uninstall hook', file, async () => {
    const st = await lstat(file).catch(missing);
    const asideExists = (await lstat(aside).catch(missing)) !== null;
    if (st === null) {
      // Our file was deleted by hand: the user's hook still waits aside.
      if (!asideExists) return { file, action: 'not-installed' };
      await rename(aside, file);
      return { file, action: 'restored' };
    }
    if (!st.isFile()) return { file, action: 'not-installed' };
    const text = await readFile(file, BYTES);
    const at = findBlock(text);
    if (at === 'damaged') throw damaged(file);
    if (!at) return { file, action: 'not-installed' };
    const rest = removeBlock(text, at);
    if (rest !== CREATED_HEADER) {
      await writeHook(file, rest, st.mode & 0o7777);
      return { file, action: 'block-removed', ...(asideExists && text.startsWith(CREATED_HEADER) ? { asideLeft: aside } : {}) };
    }
    await unlink(file);
    if (!asideExists) return { file, action: 'removed' };
    await rename(aside, file);
    return { file, action: 'restored' };
  });
}

/** Write a hook atomically with the given mode (the umask must not take the executable bit away). */
async function writeHook(file: string, text: string, mode: number): Promise<void> {
  const tmp = file + TEMP_SUFFIX;
  try {
    await writeFile(tmp, text, { encoding: BYTES, mode });
    await chmod(tmp, mode);
    await rename(tmp, file);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
}

async function isExecutable(file: string): Promise<boolean> {
  return access(file, constants.X_OK).then(
    () => true,
    () => false,
  );
}

function missing(err: NodeJS.ErrnoException): null {
  if (err.code === 'ENOENT') return null;
  throw err;
}

function leftover(aside: string): DbsyncError {
  return new DbsyncError({
    operation: 'install hook',
    message: `${aside} already exists (a hook moved aside by an earlier install?)`,
    hint: 'move it back to pre-commit or remove it, then run `git-dbsync hook install` again',
  });
}

function damaged(file: string): DbsyncError {
  return new DbsyncError({
    operation: 'hook',
    message: `${file} has only one of the lines "# >>> git-dbsync >>>" and "# <<< git-dbsync <<<"`,
    hint: 'edit the file: remove what is left of the git-dbsync block, then run the command again',
  });
}

/** File-system errors as one line naming the hook file and what to do. */
async function fsStep<T>(operation: string, file: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof DbsyncError) throw err;
    throw new DbsyncError({
      operation,
      message: `cannot write ${file} (${describeFsError(err)})`,
      hint: 'make the hooks folder writable by this user, or check where core.hooksPath points (git config core.hooksPath)',
      cause: err,
    });
  }
}
