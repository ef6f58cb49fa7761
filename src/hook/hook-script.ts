/**
 * The text git-dbsync puts into a repository's pre-commit hook: one block between two marker
 * lines, so that it can live inside a hook the user already has and be taken out again leaving
 * their file byte for byte as it was. Pure text functions; install-hook.ts does the file work.
 */
import { BLOCK_BEGIN, BLOCK_END } from '../project/hook-marker.js';

/** First lines of a hook file git-dbsync created itself: uninstall deletes the file when only this is left. */
export const CREATED_HEADER = '#!/bin/sh\n# Created by `git-dbsync hook install`; `git-dbsync hook uninstall` deletes this file.\n';

/** Where an existing hook that cannot take the block (not a shell script, a symlink, ...) is moved; ours calls it. */
export const ASIDE_SUFFIX = '.before-git-dbsync';

/** How the hook starts git-dbsync: this node and this launcher when they still exist, else `git-dbsync` on PATH. */
export interface HookCommand {
  readonly node: string;
  readonly cli: string;
}

export interface BlockOptions {
  readonly command: HookCommand;
  /** Environment name and value of each setting to use when the environment does not set it. */
  readonly settings: ReadonlyArray<readonly [string, string]>;
  /** File name (next to the hook) of a moved-aside hook to run after the refresh. */
  readonly chainTo?: string;
}

/** A word for sh: single-quoted unless it is plainly safe. */
export function shellWord(s: string): string {
  return /^[A-Za-z0-9_./=:@%+,-]+$/.test(s) ? s : `'${s.replaceAll("'", `'\\''`)}'`;
}

/**
 * The block. It runs in a subshell, so the settings it exports never reach the rest of a user's
 * script, and stops the commit (exits with git-dbsync's code) when the refresh fails. The commit's
 * own index is in GIT_INDEX_FILE, which git exports to the hook and `hook run` stages into.
 */
export function hookBlock(opts: BlockOptions): string {
  const { node, cli } = opts.command;
  const lines = [
    BLOCK_BEGIN,
    '# Refresh the database snapshot and stage it in the commit being made; `git commit --no-verify` skips it.',
    '# Added by `git-dbsync hook install`, removed by `git-dbsync hook uninstall`. Settings as they were at',
    '# install time; the same variables set in the environment win. No password is stored here: set',
    '# DB_PASSWORD in the environment, or DB_PASSWORD_FILE.',
    '(',
    ...opts.settings.map(([name, value]) => `  if [ -z "\${${name}:-}" ]; then ${name}=${shellWord(value)}; export ${name}; fi`),
    `  if [ -x ${shellWord(node)} ] && [ -f ${shellWord(cli)} ]; then exec ${shellWord(node)} ${shellWord(cli)} hook run; fi`,
    '  if command -v git-dbsync >/dev/null 2>&1; then exec git-dbsync hook run; fi',
    `  echo ${shellWord(`git-dbsync: pre-commit hook: git-dbsync is neither at ${cli} nor on PATH -- run \`git-dbsync hook install\` again from where it is installed now, or commit with \`git commit --no-verify\``)} >&2`,
    '  exit 1',
    ') || exit $?',
  ];
  if (opts.chainTo) {
    // Like git itself: a hook that is not executable is not run.
    lines.push(`h="$(dirname "$0")"/${shellWord(opts.chainTo)}; if [ -x "$h" ]; then exec "$h" "$@"; fi`);
  }
  lines.push(BLOCK_END);
  return lines.join('\n') + '\n';
}

/** Start and end (exclusive, after the end line's newline) of the block in `text`; null when absent; 'damaged' when only half is there. */
export function findBlock(text: string): { start: number; end: number } | null | 'damaged' {
  const start = lineStartIndex(text, BLOCK_BEGIN);
  const endLine = lineStartIndex(text, BLOCK_END);
  if (start === -1 && endLine === -1) return null;
  if (start === -1 || endLine === -1 || endLine < start) return 'damaged';
  const nl = text.indexOf('\n', endLine);
  return { start, end: nl === -1 ? text.length : nl + 1 };
}

function lineStartIndex(text: string, line: string): number {
  let i = text.indexOf(line);
  while (i !== -1) {
    const atStart = i === 0 || text[i - 1] === '\n';
    const atEnd = i + line.length === text.length || text[i + line.length] === '\n';
    if (atStart && atEnd) return i;
    i = text.indexOf(line, i + 1);
  }
  return -1;
}

/**
 * True for a script our block can go into: a POSIX-family shell (sh, bash, dash, ksh, zsh, ash)
 * named on a first line that ends with a plain newline. Anything else is moved aside and chained.
 */
export function isShellScript(text: string): boolean {
  const nl = text.indexOf('\n');
  if (nl === -1) return false;
  const first = text.slice(0, nl);
  if (first.includes('\r')) return false;
  return /^#!\s*(\S*\/)?(env\s+(-\S+\s+)*)?(sh|bash|dash|ksh|mksh|zsh|ash)(\s|$)/.test(first);
}

/** The block goes right after the first (#!) line: it runs before the user's checks, and before any `exit` of theirs. */
export function insertBlock(text: string, block: string): string {
  const nl = text.indexOf('\n') + 1;
  return text.slice(0, nl) + block + text.slice(nl);
}

export function replaceBlock(text: string, at: { start: number; end: number }, block: string): string {
  return text.slice(0, at.start) + block + text.slice(at.end);
}

export function removeBlock(text: string, at: { start: number; end: number }): string {
  return text.slice(0, at.start) + text.slice(at.end);
}
