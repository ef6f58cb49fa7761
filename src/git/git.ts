/**
 * The only module that runs `git`. The system git is used on purpose: users' SSH keys,
 * GIT_SSH_COMMAND, credential helpers and config work as they expect.
 */
import { spawn } from 'node:child_process';
import { rm as rmFile } from 'node:fs/promises';
import { resolve as resolvePath } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { DbsyncError } from '../errors/dbsync-error.js';
import { BlobBatch } from './blob-batch.js';

export interface GitIdentity {
  readonly name: string;
  readonly email: string;
}

export interface GitCredentials {
  readonly username: string | undefined;
  readonly token: string | undefined;
  /** Private key file for ssh remotes (DBSYNC_SSH_KEY); ssh's own defaults when undefined. */
  readonly sshKey?: string | undefined;
  /** known_hosts file for ssh remotes (DBSYNC_SSH_KNOWN_HOSTS); ~/.ssh/known_hosts when undefined. */
  readonly sshKnownHosts?: string | undefined;
  /** ssh private key that signs every commit git-dbsync makes (DBSYNC_SIGNING_KEY, git's gpg.format=ssh); unsigned when undefined. */
  readonly signingKey?: string | undefined;
}

/** How git judged one commit's signature (`%G?`): G good and trusted; N none; U a good signature by a key not trusted; B bad; others: cannot check. */
export interface CommitSignature {
  readonly commit: string;
  readonly status: string;
  /** The principal of the allowed-signers line that matched (empty when none did). */
  readonly signer: string;
  /** The signing key's fingerprint (empty when unsigned). */
  readonly key: string;
}

/** One entry of `git ls-tree`: mode (`100644`, `120000` symlink, `160000` gitlink, `040000` tree), type, id, path from the top. */
export interface TreeEntry {
  readonly mode: string;
  readonly type: string;
  readonly sha: string;
  readonly path: string;
}

export interface GitResult {
  readonly code: number;
  readonly stdout: Buffer;
  readonly stderr: string;
  /** True when git was stopped because it ran longer than `timeoutMs`. */
  readonly timedOut?: boolean;
}

/** Environment variables that hold secrets: never handed to git or its hooks and helpers. */
const SECRET_ENV = ['DB_PASSWORD', 'DB_PASSWORD_FILE', 'DBSYNC_GIT_TOKEN', 'GITHUB_TOKEN', 'GIT_REMOTE_URL'];
/** Private names under which the credential helper below finds an https token. */
const CRED_USER = 'DBSYNC_CREDENTIAL_USERNAME';
const CRED_PASS = 'DBSYNC_CREDENTIAL_PASSWORD';
/**
 * The helper script is on git's command line, but it only names the variables; the token
 * itself travels in the environment of this one git process.
 */
/**
 * No hook of the user's repository runs for git-dbsync's own git commands: `--no-verify` skips
 * only some of them (prepare-commit-msg, post-commit and reference-transaction would still run,
 * rewrite the snapshot's message or see a token in the environment).
 */
const NO_HOOKS = ['-c', 'core.hooksPath=/dev/null'];
const CREDENTIAL_HELPER = `!f() { test "$1" = get || exit 0; echo "username=\${${CRED_USER}}"; echo "password=\${${CRED_PASS}}"; }; f`;

export class Git {
  private readonly env: NodeJS.ProcessEnv;

  constructor(
    /** Top of the working tree; every path given to this class is relative to it. */
    readonly workTree: string,
    baseEnv: NodeJS.ProcessEnv,
    private readonly credentials: GitCredentials = { username: undefined, token: undefined },
  ) {
    const env: NodeJS.ProcessEnv = { ...baseEnv };
    for (const k of SECRET_ENV) delete env[k];
    // A daemon must never wait for a password prompt.
    env.GIT_TERMINAL_PROMPT = '0';
    // DBSYNC_DIR is a path, never a pattern: `db*` must not stage `db-private/`.
    env.GIT_LITERAL_PATHSPECS = '1';
    // Parseable messages whatever the user's locale.
    env.LC_ALL = 'C';
    env.LANGUAGE = 'C';
    this.env = env;
  }

  /** With DBSYNC_SIGNING_KEY: git's options that make `-S` sign with that ssh key (they go before the subcommand). */
  private signing(): string[] {
    return this.credentials.signingKey ? ['-c', 'gpg.format=ssh', '-c', `user.signingKey=${this.credentials.signingKey}`] : [];
  }

  /** `-S` when commits are signed; none otherwise (the user's commit.gpgSign then decides, as before). */
  private signFlag(): string[] {
    return this.credentials.signingKey ? ['-S'] : [];
  }

  /**
   * The signature of every commit in `revs` (a `git log` range: `A..B`, or a commit for its whole
   * history), judged against an ssh allowed-signers file (git's gpg.ssh.allowedSignersFile).
   */
  async signatures(revs: readonly string[], allowedSignersFile: string): Promise<CommitSignature[]> {
    const out = await this.ok(
      ['-c', `gpg.ssh.allowedSignersFile=${allowedSignersFile}`, 'log', '--format=%H%x00%G?%x00%GS%x00%GK', ...revs, '--'],
      'check commit signatures',
    );
    return out
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const [commit, status, signer, key] = line.split('\0');
        return { commit: commit!, status: status ?? 'N', signer: signer ?? '', key: key ?? '' };
      });
  }

  /** Run git; resolves with the exit code (never rejects for a non-zero exit). */
  run(
    args: readonly string[],
    opts: { input?: string | Buffer; env?: NodeJS.ProcessEnv; timeoutMs?: number; userHooksPath?: boolean } = {},
  ): Promise<GitResult> {
    return new Promise((resolve, reject) => {
      // userHooksPath: without our override, for questions about the user's own hooks folder (hooksDir).
      const child = spawn('git', [...(opts.userHooksPath ? [] : NO_HOOKS), ...args], {
        cwd: this.workTree,
        env: { ...this.env, ...opts.env },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let timer: NodeJS.Timeout | undefined;
      let timedOut = false;
      if (opts.timeoutMs) {
        timer = setTimeout(() => {
          timedOut = true;
          child.kill('SIGTERM');
        }, opts.timeoutMs);
      }
      child.stdout.on('data', (d: Buffer) => out.push(d));
      child.stderr.on('data', (d: Buffer) => err.push(d));
      child.on('error', (e: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(
          e.code === 'ENOENT'
            ? new DbsyncError({ operation: 'run git', message: 'git is not installed', hint: 'install git (for example `apt-get install git`)', cause: e })
            : e,
        );
      });
      child.stdin.on('error', () => undefined);
      child.stdin.end(opts.input ?? '');
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        resolve({
          code: code ?? (signal ? 128 : 1),
          stdout: Buffer.concat(out),
          stderr: Buffer.concat(err).toString('utf8'),
          ...(timedOut ? { timedOut } : {}),
        });
      });
    });
  }

  /** Run git and fail with a one-line DbsyncError on a non-zero exit. */
  async ok(
    args: readonly string[],
    operation: string,
    opts: { input?: string | Buffer; env?: NodeJS.ProcessEnv; timeoutMs?: number; hint?: string; userHooksPath?: boolean } = {},
  ): Promise<string> {
    const r = await this.run(args, opts);
    if (r.code !== 0) throw gitError(operation, r, opts.hint);
    return r.stdout.toString('utf8');
  }

  /** A blob's bytes as a stream (for large data files). */
  streamBlob(rev: string, path: string): Readable {
    const child = spawn('git', ['cat-file', 'blob', `${rev}:${path}`], { cwd: this.workTree, env: this.env, stdio: ['ignore', 'pipe', 'pipe'] });
    // Piped at once: Node drains (and drops) a child's unread stdout when the child exits, so a
    // consumer that starts reading a moment later would otherwise see nothing.
    const out = new PassThrough();
    child.stdout.pipe(out, { end: false });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (e) => out.destroy(e));
    // A reader that stops early destroys the stream: git must not be left blocked on a full pipe.
    out.on('close', () => {
      if (child.exitCode === null && child.signalCode === null) child.kill();
    });
    child.on('close', (code) => {
      if (out.destroyed) return;
      if (code === 0) out.end();
      else
        out.destroy(new DbsyncError({ operation: 'read snapshot from git', message: `${rev}:${path}: ${lastLine(stderr)}`, hint: 'check the revision name' }));
    });
    return out;
  }

  /**
   * One `git cat-file --batch` for reading many blobs (a pass's old chunk files) without a process
   * each. The caller must close it (try/finally): the process lives until then.
   */
  blobBatch(): BlobBatch {
    const child = spawn('git', ['cat-file', '--batch'], { cwd: this.workTree, env: this.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdin.on('error', () => undefined);
    const batch = new BlobBatch(child.stdin, child.stdout, () => {
      if (child.exitCode === null && child.signalCode === null) child.kill();
    });
    child.on('error', (e: NodeJS.ErrnoException) =>
      batch.fail(
        e.code === 'ENOENT'
          ? new DbsyncError({ operation: 'run git', message: 'git is not installed', hint: 'install git (for example `apt-get install git`)', cause: e })
          : e,
      ),
    );
    child.on('close', (code) =>
      batch.fail(
        new DbsyncError({
          operation: 'read snapshot from git',
          message: `git cat-file --batch ended (${code ?? 'killed'}): ${lastLine(stderr || 'no error output')}`,
          hint: 'check the repository with `git fsck`',
        }),
      ),
    );
    return batch;
  }

  // --- repository -------------------------------------------------------------------------

  /** The top of the repository containing `dir`, or null when there is none. */
  async topLevel(): Promise<string | null> {
    const r = await this.run(['rev-parse', '--show-toplevel']);
    return r.code === 0 ? r.stdout.toString().trim() : null;
  }

  async init(): Promise<void> {
    await this.ok(['init', '-q', '--initial-branch=main'], 'create git repository', { hint: 'check that PROJECT_DIR is writable' });
  }

  /**
   * The folder git runs this repository's hooks from, absolute: core.hooksPath when set (relative
   * values are relative to the top of the working tree), else .git/hooks (of the main repository
   * for a linked worktree). Asked without our core.hooksPath=/dev/null, which would hide the setting.
   */
  async hooksDir(): Promise<string> {
    const out = await this.ok(['rev-parse', '--git-path', 'hooks'], 'find hooks folder', { userHooksPath: true });
    return resolvePath(this.workTree, out.replace(/\n$/, ''));
  }

  /** The repository's shared .git folder (the main one's, from a linked worktree), absolute. */
  async commonDir(): Promise<string> {
    return resolvePath(this.workTree, (await this.ok(['rev-parse', '--git-common-dir'], 'find .git folder')).replace(/\n$/, ''));
  }

  async gitDir(): Promise<string> {
    return (await this.ok(['rev-parse', '--absolute-git-dir'], 'find .git folder')).trim();
  }

  /** HEAD's commit id, or null in a repository without commits. */
  async head(): Promise<string | null> {
    return this.resolve('HEAD');
  }

  async resolve(rev: string): Promise<string | null> {
    const r = await this.run(['rev-parse', '-q', '--verify', `${rev}^{commit}`]);
    return r.code === 0 ? r.stdout.toString().trim() : null;
  }

  /** The checked-out branch, or null when HEAD is detached. */
  async branch(): Promise<string | null> {
    const r = await this.run(['symbolic-ref', '-q', '--short', 'HEAD']);
    return r.code === 0 ? r.stdout.toString().trim() : null;
  }

  async emptyBlob(): Promise<string> {
    return (await this.ok(['hash-object', '--stdin'], 'hash empty blob')).trim();
  }

  async emptyTree(): Promise<string> {
    return (await this.ok(['hash-object', '-t', 'tree', '--stdin'], 'hash empty tree')).trim();
  }

  // --- staging and committing ---------------------------------------------------------------

  /** Stage the folder exactly as it is in the working tree (new, changed and deleted files; ignored files too). */
  /**
   * `indexFile`: stage into that index instead of the one in the environment (GIT_INDEX_FILE) or
   * .git/index; the pre-commit hook stages into the index of the commit being made.
   */
  async addAll(path: string, opts: { indexFile?: string } = {}): Promise<void> {
    await this.ok(['add', '-A', '-f', '--', path], 'stage snapshot', {
      hint: 'another git command may hold .git/index.lock; retry when it is done',
      ...(opts.indexFile ? { env: { GIT_INDEX_FILE: opts.indexFile } } : {}),
    });
  }

  /** Name and status (A, M, D) of each staged change under `path` against `base`. */
  async stagedChanges(base: string, path: string): Promise<Array<{ status: string; path: string }>> {
    const out = await this.ok(['diff', '--cached', '--name-status', '-z', '--no-renames', base, '--', path], 'list staged changes');
    const parts = out.split('\0');
    const res: Array<{ status: string; path: string }> = [];
    for (let i = 0; i + 1 < parts.length; i += 2) res.push({ status: parts[i]!, path: parts[i + 1]! });
    return res;
  }

  /**
   * Commit only `path` (`git commit --only`): whatever the user has staged elsewhere stays staged
   * and out of this commit. Hooks are skipped: the snapshot is not the user's code.
   */
  async commitOnly(path: string, message: string, author: GitIdentity): Promise<string> {
    const env = {
      GIT_AUTHOR_NAME: author.name,
      GIT_AUTHOR_EMAIL: author.email,
      GIT_COMMITTER_NAME: author.name,
      GIT_COMMITTER_EMAIL: author.email,
    };
    await this.ok(
      [...this.signing(), 'commit', ...this.signFlag(), '--only', '--no-verify', '--quiet', '--allow-empty-message', '-F', '-', '--', path],
      'commit snapshot',
      {
        input: message,
        env,
        hint: 'check the repository (git status); another git command may hold .git/index.lock',
      },
    );
    return (await this.head())!;
  }

  /** Size in bytes of a blob, by id. */
  async blobSize(sha: string): Promise<number> {
    return Number((await this.ok(['cat-file', '-s', sha], 'read snapshot from git')).trim());
  }

  /** Sizes in bytes of many blobs, by id, in one git process (a table's chunk files). */
  async blobSizes(shas: readonly string[]): Promise<number[]> {
    if (shas.length === 0) return [];
    const out = await this.ok(['cat-file', '--batch-check=%(objectsize)'], 'read snapshot from git', { input: shas.join('\n') + '\n' });
    return out.trim().split('\n').map(Number);
  }

  async readBlob(rev: string, path: string): Promise<Buffer | null> {
    const r = await this.run(['cat-file', 'blob', `${rev}:${path}`]);
    return r.code === 0 ? r.stdout : null;
  }

  /** Files under `path` (a folder, or a list of files) at `rev`, paths from the top of the repository, whose text contains `text`. */
  async filesContaining(rev: string, path: string | readonly string[], text: string): Promise<string[]> {
    const r = await this.run(['grep', '-l', '-z', '-F', '--full-name', '-e', text, rev, '--', ...(typeof path === 'string' ? [path] : path)]);
    if (r.code === 1) return [];
    if (r.code !== 0) throw gitError(`search the snapshot at ${rev}`, r);
    return r.stdout
      .toString('utf8')
      .split('\0')
      .filter(Boolean)
      .map((p) => p.slice(rev.length + 1));
  }

  /** Files under `path` that differ between two commits (a tree comparison: no file is read); null when `from` is not in the repository. */
  async changedFiles(from: string, to: string, path: string | readonly Pathspec[]): Promise<string[] | null> {
    const specs = pathspecArgs(typeof path === 'string' ? [path] : path);
    const r = await this.run(['diff', '--name-only', '-z', '--no-renames', from, to, '--', ...specs.args], { env: specs.env });
    if (r.code !== 0) return null;
    return r.stdout.toString('utf8').split('\0').filter(Boolean);
  }

  /** Files under `path` at `rev`: path -> blob id. */
  async listTree(rev: string, path: string): Promise<Map<string, string>> {
    const out = await this.ok(['ls-tree', '-r', '-z', '--full-tree', rev, '--', path], `list snapshot files at ${rev}`, { hint: 'check the revision name' });
    const m = new Map<string, string>();
    for (const rec of out.split('\0')) {
      if (!rec) continue;
      const tab = rec.indexOf('\t');
      const [, type, sha] = rec.slice(0, tab).split(' ');
      if (type === 'blob') m.set(rec.slice(tab + 1), sha!);
    }
    return m;
  }

  /**
   * Entries under `path` at `rev` with their modes, folders included (`-t`), so that a symlink or a
   * gitlink anywhere in it is seen; `recursive: false`: only the entry `path` itself.
   */
  async treeEntries(rev: string, path: string, opts: { recursive?: boolean } = {}): Promise<TreeEntry[]> {
    const flags = opts.recursive === false ? [] : ['-r', '-t'];
    const out = await this.ok(['ls-tree', ...flags, '-z', '--full-tree', rev, '--', path || '.'], `list snapshot files at ${rev}`, {
      hint: 'check the revision name',
    });
    const list: TreeEntry[] = [];
    for (const rec of out.split('\0')) {
      if (!rec) continue;
      const tab = rec.indexOf('\t');
      const [mode, type, sha] = rec.slice(0, tab).split(' ');
      list.push({ mode: mode!, type: type!, sha: sha!, path: rec.slice(tab + 1) });
    }
    return list;
  }

  /** Blob ids of files in the working tree (no filters: the bytes as they are). */
  async hashFiles(paths: readonly string[]): Promise<string[]> {
    if (paths.length === 0) return [];
    const out = await this.ok(['hash-object', '--no-filters', '--stdin-paths'], 'hash snapshot files', { input: paths.join('\n') + '\n' });
    return out.trim().split('\n');
  }

  /** The newest commit that touched `path`: id and committer time. */
  async lastCommitTouching(path: string): Promise<{ commit: string; time: string; subject: string } | null> {
    const r = await this.run(['log', '-1', '--format=%H%x00%cI%x00%s', '--', path]);
    const s = r.stdout.toString().trim();
    if (r.code !== 0 || !s) return null;
    const [commit, time, subject] = s.split('\0');
    return { commit: commit!, time: time!, subject: subject ?? '' };
  }

  /** Every commit of HEAD, oldest first: id and subject. */
  async history(): Promise<Array<{ commit: string; subject: string }>> {
    const out = await this.ok(['log', '--reverse', '--format=%H%x00%s'], 'read history');
    return out
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const [commit, subject] = line.split('\0');
        return { commit: commit!, subject: subject ?? '' };
      });
  }

  /** `git show REV` as plain text (message and diff), whatever the user's colour or diff settings. */
  async show(rev: string): Promise<string> {
    return this.ok(['show', '--no-color', '--no-ext-diff', '--format=medium', rev], `show commit ${rev}`, { hint: 'check the revision name' });
  }

  /** Commits in a but not in b, and in b but not in a. */
  async aheadBehind(a: string, b: string): Promise<{ ahead: number; behind: number }> {
    const out = await this.ok(['rev-list', '--left-right', '--count', `${a}...${b}`], 'compare with remote');
    const [ahead, behind] = out.trim().split(/\s+/).map(Number);
    return { ahead: ahead ?? 0, behind: behind ?? 0 };
  }

  async isAncestor(a: string, b: string): Promise<boolean> {
    return (await this.run(['merge-base', '--is-ancestor', a, b])).code === 0;
  }

  // --- two-way sync (src/pull): merging histories, never forced ------------------------------

  /** The best common ancestor of two commits, or null when their histories are unrelated. */
  async mergeBase(a: string, b: string): Promise<string | null> {
    const r = await this.run(['merge-base', a, b]);
    if (r.code === 1) return null;
    if (r.code !== 0) throw gitError('find the common ancestor', r);
    return r.stdout.toString().trim() || null;
  }

  /** Committer time of a commit, in seconds since the epoch. */
  async commitTime(rev: string): Promise<number> {
    return Number((await this.ok(['log', '-1', '--format=%ct', rev, '--'], `read commit ${rev}`)).trim());
  }

  /** Committer time (seconds since the epoch) of the oldest commit reachable from `to` but not from `from`, or null when there is none. */
  async oldestCommitTimeBetween(from: string, to: string): Promise<number | null> {
    const out = (await this.ok(['rev-list', '--reverse', '--format=%ct', '--no-commit-header', `${from}..${to}`], 'list unpushed commits')).trim();
    const first = out.split('\n', 1)[0];
    return first ? Number(first) : null;
  }

  /**
   * The last commit of the branch's own line (first parents from HEAD) made at or before `atMs`
   * (committer date: the time the snapshot was committed), with its time and subject; null when
   * the first is later. Never the reflog: a new computer has none.
   */
  async commitAt(atMs: number, path: string): Promise<{ commit: string; time: string; subject: string } | null> {
    const r = await this.run(['log', '-1', '--first-parent', `--before=@${Math.floor(atMs / 1000)}`, '--format=%H%x00%cI%x00%s', 'HEAD', '--', path]);
    const s = r.stdout.toString().trim();
    if (r.code !== 0 || !s) return null;
    const [commit, time, subject] = s.split('\0');
    return { commit: commit!, time: time!, subject: subject ?? '' };
  }

  /** The first commit of the branch's own line that touched `path` (its time), or null. */
  async firstCommitTouching(path: string): Promise<{ commit: string; time: string } | null> {
    const r = await this.run(['log', '--first-parent', '--reverse', '--format=%H%x00%cI', 'HEAD', '--', path]);
    const s = r.stdout.toString().split('\n', 1)[0]?.trim();
    if (r.code !== 0 || !s) return null;
    const [commit, time] = s.split('\0');
    return { commit: commit!, time: time! };
  }

  /** Commits of HEAD (newest first) that touched any of `paths`: id, committer date, subject. */
  async commitsTouching(
    paths: readonly Pathspec[],
    opts: { max?: number; skip?: number; rev?: string; since?: number; until?: number; grep?: string; changedLines?: string } = {},
  ): Promise<Array<{ commit: string; time: string; subject: string }>> {
    // skip + max: one page of a long history without reading the rest (the history page).
    const filters = [
      ...(opts.max ? [`-${opts.max}`] : []),
      ...(opts.skip ? [`--skip=${opts.skip}`] : []),
      ...(opts.since !== undefined ? [`--since=@${opts.since}`] : []),
      ...(opts.until !== undefined ? [`--until=@${opts.until}`] : []),
      ...(opts.grep ? ['-i', '--fixed-strings', `--grep=${opts.grep}`] : []),
      // changedLines: only commits whose diff adds or removes a line matching this extended regular expression (git's -G).
      ...(opts.changedLines ? [`-G${opts.changedLines}`] : []),
    ];
    const specs = pathspecArgs(paths);
    const r = await this.run(['log', '--format=%H%x00%cI%x00%s', ...filters, opts.rev ?? 'HEAD', '--', ...specs.args], { env: specs.env });
    if (r.code !== 0) return [];
    return r.stdout
      .toString('utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const [commit, time, subject] = line.split('\0');
        return { commit: commit!, time: time!, subject: subject ?? '' };
      });
  }

  /**
   * Commits of HEAD (newest first) whose diff in `paths` adds or removes a line matching `pattern`
   * (an extended regular expression: git's -G), each with the lines its diff removed and added per
   * file (no context): one git process for the whole history of one row.
   */
  async linesChanged(
    paths: readonly Pathspec[],
    pattern: string,
    opts: { max?: number; skip?: number } = {},
  ): Promise<Array<{ commit: string; time: string; subject: string; files: Array<{ path: string; removed: string[]; added: string[] }> }>> {
    const specs = pathspecArgs(paths);
    const r = await this.run(
      [
        'log',
        '--format=%x01%H%x00%cI%x00%s',
        '-p',
        '-U0',
        '--no-color',
        '--no-ext-diff',
        '--no-textconv',
        '--no-renames',
        `-G${pattern}`,
        ...(opts.max ? [`-${opts.max}`] : []),
        ...(opts.skip ? [`--skip=${opts.skip}`] : []),
        'HEAD',
        '--',
        ...specs.args,
      ],
      { env: specs.env },
    );
    if (r.code !== 0) return [];
    type Entry = { commit: string; time: string; subject: string; files: Array<{ path: string; removed: string[]; added: string[] }> };
    const out: Entry[] = [];
    let file: Entry['files'][number] | null = null;
    let inHeader = false;
    for (const line of r.stdout.toString('utf8').split('\n')) {
      if (line.startsWith('\x01')) {
        const [commit, time, subject] = line.slice(1).split('\0');
        out.push({ commit: commit!, time: time!, subject: subject ?? '', files: [] });
        file = null;
      } else if (line.startsWith('diff --git ')) {
        // `diff --git a/P b/P`: no renames, so both names are the same path P.
        const names = line.slice('diff --git '.length);
        file = { path: names.slice(2, 2 + (names.length - 1) / 2 - 2), removed: [], added: [] };
        out.at(-1)?.files.push(file);
        inHeader = true;
      } else if (line.startsWith('@@')) inHeader = false;
      else if (!inHeader && file && line.startsWith('-')) file.removed.push(line.slice(1));
      else if (!inHeader && file && line.startsWith('+')) file.added.push(line.slice(1));
    }
    return out;
  }

  /** Commits reachable from `rev` (its whole history). */
  async countCommits(rev: string): Promise<number> {
    return Number((await this.ok(['rev-list', '--count', rev], 'count commits')).trim());
  }

  /** Commits reachable from `to` but not from `from`. */
  async countBetween(from: string, to: string): Promise<number> {
    return Number((await this.ok(['rev-list', '--count', `${from}..${to}`], 'count commits')).trim());
  }

  /**
   * Move the checked-out branch forward to `rev` (index and working tree too); refuses anything
   * that is not a fast-forward and any local change it would overwrite.
   */
  async mergeFastForward(rev: string): Promise<void> {
    await this.ok(['merge', '--ff-only', '--quiet', '--no-edit', rev], 'fast-forward to the remote', {
      hint: 'files outside the snapshot folder have local changes that the remote changed too: commit or undo them, then pull again',
      env: { GIT_MERGE_AUTOEDIT: 'no' },
    });
  }

  /**
   * The tree of `base` with the working tree's `path` folder staged over it, written without
   * touching .git/index (a temporary index in `scratchIndex`, removed afterwards).
   */
  async treeWithFolder(base: string, path: string, scratchIndex: string): Promise<string> {
    const env = { GIT_INDEX_FILE: scratchIndex };
    try {
      await this.ok(['read-tree', base], 'prepare merge commit', { env });
      await this.ok(['add', '-A', '-f', '--', path], 'prepare merge commit', { env });
      return (await this.ok(['write-tree'], 'prepare merge commit', { env })).trim();
    } finally {
      await rmFile(scratchIndex, { force: true });
    }
  }

  /** A commit object with the given tree and parents (several for a merge); no ref moves. */
  async commitTree(tree: string, parents: readonly string[], message: string, author: GitIdentity): Promise<string> {
    const env = { GIT_AUTHOR_NAME: author.name, GIT_AUTHOR_EMAIL: author.email, GIT_COMMITTER_NAME: author.name, GIT_COMMITTER_EMAIL: author.email };
    const args = [...this.signing(), 'commit-tree', this.signFlag()[0] ?? '--no-gpg-sign', tree, ...parents.flatMap((p) => ['-p', p]), '-F', '-'];
    return (await this.ok(args, 'create merge commit', { input: message, env })).trim();
  }

  /**
   * Point `ref` at `next` only if it still points at `expected` (null: only if it does not exist):
   * a concurrent change of the ref fails instead of being overwritten.
   */
  async updateRefGuarded(ref: string, next: string, expected: string | null, reason: string): Promise<void> {
    await this.ok(['update-ref', '-m', reason, ref, next, expected ?? '0'.repeat(40)], `move ${ref}`, {
      hint: 'another git command changed the branch meanwhile; run the command again',
    });
  }

  /** Create branch `name` at `rev`; never moves an existing branch. */
  async createBranch(name: string, rev: string): Promise<void> {
    await this.ok(['branch', '--no-track', name, rev], `create branch ${name}`, { hint: 'a branch of that name exists already; remove or rename it' });
  }

  /** Make the index and working tree follow HEAD's move from `from` to `to` (like a checkout); refuses to overwrite local changes. */
  async switchTree(from: string, to: string): Promise<void> {
    await this.ok(['read-tree', '-m', '-u', from, to], 'update the working tree', {
      hint: 'files in the working tree have local changes: commit or undo them, then run the command again',
    });
  }

  /** Stage `path` into .git/index exactly as in the working tree (after a ref moved under it). */
  async stagePath(path: string): Promise<void> {
    await this.ok(['add', '-A', '-f', '--', path], 'stage snapshot', { hint: 'another git command may hold .git/index.lock; retry when it is done' });
  }

  /** Paths changed between two commits outside `path` (for reporting what a merge of snapshots leaves alone). */
  async changedOutside(from: string, to: string, path: string): Promise<string[]> {
    if (!path) return [];
    const out = await this.ok(['diff', '--name-only', '-z', '--no-renames', from, to, '--', '.', `:(exclude,literal)${path}`], 'compare commits', {
      env: { GIT_LITERAL_PATHSPECS: '0' },
    });
    return out.split('\0').filter(Boolean);
  }

  /** Clone `url` into `dir` (relative to this object's folder): the new computer's first step. */
  async clone(url: string, dir: string, remoteName: string, branch: string): Promise<GitResult> {
    const { args, env } = await this.remoteEnv();
    return this.run([...args, 'clone', '--quiet', '--origin', remoteName, '--branch', branch, '--', url, dir], { env, timeoutMs: 600_000 });
  }

  /**
   * The branch a new computer should take: the one the remote's HEAD points at, else `main`,
   * `master` or its only branch (a bare repository's HEAD may name a branch nobody pushed); null
   * when the remote has no branch at all (an empty repository).
   */
  async remoteDefaultBranch(remote: string, timeoutMs: number): Promise<{ branch: string | null; result: GitResult }> {
    const { args, env } = await this.remoteEnv();
    const r = await this.run([...args, 'ls-remote', '--symref', remote], { env, timeoutMs });
    const text = r.stdout.toString();
    const heads = [...text.matchAll(/^[0-9a-f]{40,64}\trefs\/heads\/(\S+)$/gm)].map((m) => m[1]!);
    const head = /^ref: refs\/heads\/(\S+)\tHEAD$/m.exec(text)?.[1];
    const branch = head && heads.includes(head) ? head : (['main', 'master'].find((b) => heads.includes(b)) ?? (heads.length === 1 ? heads[0]! : null));
    return { branch, result: r };
  }

  // --- remotes ------------------------------------------------------------------------------

  async remoteUrl(name: string): Promise<string | null> {
    const r = await this.run(['remote', 'get-url', name]);
    return r.code === 0 ? r.stdout.toString().trim() : null;
  }

  /** A value of the repository's own git config (`--local`), or null when unset. */
  async configGet(key: string): Promise<string | null> {
    const r = await this.run(['config', '--local', '--get', key]);
    return r.code === 0 ? r.stdout.toString().trim() : null;
  }

  async configSet(key: string, value: string): Promise<void> {
    await this.ok(['config', '--local', key, value], `record ${key} in .git/config`, { hint: 'make .git/config writable by this user' });
  }

  /** Removes a value of the repository's own git config (nothing when unset). */
  async configUnset(key: string): Promise<void> {
    await this.run(['config', '--local', '--unset-all', key]);
  }

  /**
   * True when the remote-tracking branches of `remote` hold a commit by `authorEmail` that touched
   * `path`: that remote already received git-dbsync's snapshots (see src/remote/push-remote.ts).
   */
  async remoteHasCommitsBy(remote: string, authorEmail: string, path: string): Promise<boolean> {
    const r = await this.run(['log', '-1', '--format=%H', '-F', `--author=<${authorEmail}>`, `--remotes=${remote}`, '--', path]);
    return r.code === 0 && r.stdout.toString().trim() !== '';
  }

  /** Paths tracked in the index (or HEAD) outside `path`: at most `limit` of them. */
  async trackedOutside(path: string, limit: number): Promise<string[]> {
    const r = await this.run(['ls-files', '-z', '--', '.', `:(exclude,literal)${path}`], { env: { GIT_LITERAL_PATHSPECS: '0' } });
    if (r.code !== 0) return [];
    return r.stdout.toString('utf8').split('\0').filter(Boolean).slice(0, limit);
  }

  async setRemote(name: string, url: string): Promise<void> {
    const current = await this.remoteUrl(name);
    if (current === url) return;
    if (current === null) await this.ok(['remote', 'add', name, url], 'add git remote');
    else await this.ok(['remote', 'set-url', name, url], 'set git remote URL');
  }

  /**
   * Arguments and environment for commands that reach the remote: the token through the credential
   * helper, and ssh in batch mode (a daemon must never wait for a password or host-key prompt)
   * unless the user chose their own ssh command (GIT_SSH_COMMAND, GIT_SSH or core.sshCommand).
   */
  private async remoteEnv(): Promise<{ args: string[]; env: NodeJS.ProcessEnv }> {
    const env: NodeJS.ProcessEnv = {};
    if (this.env.GIT_SSH_COMMAND === undefined && this.env.GIT_SSH === undefined && (await this.run(['config', '--get', 'core.sshCommand'])).code !== 0) {
      env.GIT_SSH_COMMAND = sshCommand(this.credentials);
    }
    if (!this.credentials.token) return { args: [], env };
    return {
      args: ['-c', 'credential.helper=', '-c', `credential.helper=${CREDENTIAL_HELPER}`],
      env: { ...env, [CRED_USER]: this.credentials.username ?? 'git-dbsync', [CRED_PASS]: this.credentials.token },
    };
  }

  /** Push without force; never rewrites the remote. Hooks are skipped: they would see the token in the environment. */
  async push(remote: string, branch: string): Promise<GitResult> {
    const { args, env } = await this.remoteEnv();
    return this.run([...args, 'push', '--porcelain', '--no-verify', remote, `HEAD:refs/heads/${branch}`], { env, timeoutMs: 300_000 });
  }

  /** List the remote's branches: proves it can be reached and read. */
  async lsRemote(remote: string, timeoutMs: number): Promise<GitResult> {
    const { args, env } = await this.remoteEnv();
    return this.run([...args, 'ls-remote', '--heads', remote], { env, timeoutMs });
  }

  /**
   * A commit with an empty tree and fixed author, committer and dates, for write probes: the same
   * object in every repository, so repeated probes never add more than this one object anywhere.
   */
  async probeCommit(): Promise<string> {
    const tree = (await this.ok(['hash-object', '-w', '-t', 'tree', '--stdin'], 'create write probe')).trim();
    const fixed = 'git-dbsync';
    const env = {
      GIT_AUTHOR_NAME: fixed,
      GIT_AUTHOR_EMAIL: 'git-dbsync@localhost',
      GIT_AUTHOR_DATE: '@0 +0000',
      GIT_COMMITTER_NAME: fixed,
      GIT_COMMITTER_EMAIL: 'git-dbsync@localhost',
      GIT_COMMITTER_DATE: '@0 +0000',
    };
    // Unsigned: a user's commit.gpgSign must not make the probe ask for a passphrase.
    return (await this.ok(['commit-tree', '--no-gpg-sign', tree, '-m', 'git-dbsync write probe'], 'create write probe', { env })).trim();
  }

  /** Create `ref` on the remote pointing at `commit`; never forced, so an existing ref is left alone. */
  async pushNewRef(remote: string, commit: string, ref: string, timeoutMs: number): Promise<GitResult> {
    const { args, env } = await this.remoteEnv();
    return this.run([...args, 'push', '--no-verify', remote, `${commit}:${ref}`], { env, timeoutMs });
  }

  /** Delete `ref` on the remote (the write probe's own ref; never a branch). */
  async deleteRemoteRef(remote: string, ref: string, timeoutMs: number): Promise<GitResult> {
    const { args, env } = await this.remoteEnv();
    return this.run([...args, 'push', '--no-verify', remote, `:${ref}`], { env, timeoutMs });
  }

  /** Update refs/remotes/<remote>/<branch>; returns the remote branch's commit or null if it has none. */
  async fetch(remote: string, branch: string): Promise<GitResult> {
    const { args, env } = await this.remoteEnv();
    return this.run([...args, 'fetch', '--quiet', '--no-tags', remote, `+refs/heads/${branch}:refs/remotes/${remote}/${branch}`], { env, timeoutMs: 300_000 });
  }
}

/**
 * The ssh command git uses for remotes: batch mode (never a prompt), a connect timeout, and the
 * key and known_hosts file from DBSYNC_SSH_KEY / DBSYNC_SSH_KNOWN_HOSTS when set. git runs it
 * through the shell, hence the quoting; it holds paths only, never a secret.
 */
export function sshCommand(opts: Pick<GitCredentials, 'sshKey' | 'sshKnownHosts'>): string {
  const words = ['ssh', '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=20'];
  // IdentitiesOnly: the named key only, not whatever an ssh-agent or ~/.ssh offers first.
  if (opts.sshKey) words.push('-i', shellQuote(opts.sshKey), '-o', 'IdentitiesOnly=yes');
  // ssh reads this option as a list of files separated by spaces: a path with spaces goes in double quotes.
  if (opts.sshKnownHosts) words.push('-o', shellQuote(`UserKnownHostsFile=${/\s/.test(opts.sshKnownHosts) ? `"${opts.sshKnownHosts}"` : opts.sshKnownHosts}`));
  return words.join(' ');
}

function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./=:@%+-]+$/.test(s) ? s : `'${s.replaceAll("'", `'\\''`)}'`;
}

/** git's last error line without its `fatal:`/`error:` prefix: the cause, for one-line messages. */
export function gitMessage(stderr: string): string {
  return lastLine(stderr).replace(/^(fatal|error): /, '');
}

export function lastLine(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0 && !l.startsWith('hint:'));
  return lines.find((l) => /^(fatal|error):/.test(l)) ?? lines[lines.length - 1] ?? 'git failed';
}

/** When git failed because of the file system (full, read-only), that is the fix, whatever git was doing. */
function fileSystemHint(stderr: string): string | null {
  if (/No space left on device|Out of diskspace|Disk quota exceeded/i.test(stderr)) {
    return 'free disk space on the file system of the repository; nothing half-done was committed, so retry (watch retries by itself)';
  }
  if (/Read-only file system/i.test(stderr)) return 'make the repository writable; nothing half-done was committed, so retry (watch retries by itself)';
  return null;
}

/**
 * A user's commit.gpgsign applies to git-dbsync's commits too; when signing fails (no agent, a key
 * behind a passphrase, no gpg at all) the fix is the signing set-up, not the repository.
 */
function signingHint(stderr: string): string | null {
  if (!/gpg failed to sign|cannot run gpg|error: (?:failed to )?sign|signing failed|Couldn't (?:load|sign)/i.test(stderr)) return null;
  return 'this repository signs commits (commit.gpgsign) and signing failed: make the signing key usable without a prompt (a running gpg-agent, or gpg.format=ssh with a key ssh-agent holds), or turn signing off here with `git config commit.gpgsign false`; nothing was committed, and the next pass retries';
}

export function gitError(operation: string, r: GitResult, hint = 'check the repository with `git status`'): DbsyncError {
  return new DbsyncError({ operation, message: gitMessage(r.stderr), hint: fileSystemHint(r.stderr) ?? signingHint(r.stderr) ?? hint });
}

/** Files in the literal folder `dir` whose name matches `name`, where `*` is the only wildcard. */
export interface NamePattern {
  readonly dir: string;
  readonly name: string;
}

/** A path (always literal: DBSYNC_DIR is a path, never a pattern) or a name pattern in a folder. */
export type Pathspec = string | NamePattern;

/**
 * Pathspec arguments for git. Commands run with GIT_LITERAL_PATHSPECS, under which git parses no
 * `:(magic)` at all; when a name pattern is among them, that command runs without it and every
 * spec is marked: paths `:(literal)`, patterns `:(glob)` with the folder's own wildcards escaped.
 */
export function pathspecArgs(paths: readonly Pathspec[]): { args: string[]; env?: NodeJS.ProcessEnv } {
  if (paths.every((p) => typeof p === 'string')) return { args: paths as string[] };
  const escaped = (text: string) => text.replace(/[\\*?[\]]/g, (c) => `\\${c}`);
  return {
    args: paths.map((p) => (typeof p === 'string' ? `:(literal)${p}` : `:(glob)${p.dir ? `${escaped(p.dir)}/` : ''}${p.name}`)),
    env: { GIT_LITERAL_PATHSPECS: '0' },
  };
}
