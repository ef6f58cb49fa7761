import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Git } from '../git/git.js';
import { DATA_DIR } from '../snapshot/layout.js';
import { shellWord } from './hook-script.js';

/** The diff driver's name, in .git/config (`diff.dbsync.textconv`) and .git/info/attributes (`diff=dbsync`). */
export const DRIVER = 'dbsync';
const MARK = '# git-dbsync: data files shown with column names (git-dbsync hook install)';

/**
 * A git diff driver so that plain `git log -p`, `git show` and `git diff` show the snapshot's data
 * files cell by cell with column names (src/history/cell-lines.ts). A textconv, not a diff
 * command: git runs textconv in `git log -p` by default (a diff command needs --ext-diff there),
 * and git's own diff, colours and --word-diff work on its output. Both halves are local to this
 * clone: the command in .git/config, the attribute in .git/info/attributes; nothing committed
 * names a command to run (a committed .gitattributes cannot make another clone run anything).
 */
export async function installDiffDriver(git: Git, snapshotPath: string, command: { node: string; cli: string }): Promise<void> {
  const dir = snapshotPath ? `${snapshotPath}/` : '';
  await git.configSet(`diff.${DRIVER}.textconv`, `${shellWord(command.node)} ${shellWord(command.cli)} hook textconv --dir ${shellWord(snapshotPath || '.')}`);
  const file = await attributesFile(git);
  const line = `/${dir}${DATA_DIR}/*.sql diff=${DRIVER}`;
  const kept = withoutOurs(await readFile(file, 'utf8').catch(() => ''));
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, `${kept}${kept && !kept.endsWith('\n') ? '\n' : ''}${MARK}\n${line}\n`);
}

/** Takes out what installDiffDriver added; the rest of .git/info/attributes stays as it was. */
export async function uninstallDiffDriver(git: Git): Promise<boolean> {
  const had = (await git.configGet(`diff.${DRIVER}.textconv`)) !== null;
  if (had) await git.configUnset(`diff.${DRIVER}.textconv`);
  const file = await attributesFile(git);
  const text = await readFile(file, 'utf8').catch(() => null);
  if (text?.includes(MARK)) await writeFile(file, withoutOurs(text));
  return had;
}

async function attributesFile(git: Git): Promise<string> {
  return path.join(await git.commonDir(), 'info', 'attributes');
}

/** The text without our marker line and the attribute line after it. */
function withoutOurs(text: string): string {
  const lines = text.split('\n');
  const at = lines.indexOf(MARK);
  if (at < 0) return text;
  lines.splice(at, 2);
  return lines.join('\n');
}
