import { gitMessage } from '../git/git.js';

/** What kept git from reaching, reading or writing a remote. */
export type RemoteProblem =
  | 'unreachable'
  | 'key-refused'
  | 'host-key-unknown'
  | 'host-key-changed'
  | 'repository-missing'
  | 'auth-failed'
  | 'cannot-write'
  | 'helper-missing'
  | 'failed';

export interface RemoteFailure {
  readonly problem: RemoteProblem;
  /** What went wrong, one line, starting with the kind of problem ("host unreachable: ..."). */
  readonly message: string;
  /** What to do about it. */
  readonly hint: string;
}

/** Host and port of an ssh remote URL (ssh://[user@]host[:port]/path or scp-like [user@]host:path); null for others. */
export function sshHost(url: string): { host: string; port: number | undefined } | null {
  const m = /^ssh:\/\/(?:[^@/]*@)?(\[[^\]]+\]|[^:/]+)(?::(\d+))?\//i.exec(url);
  if (m) return { host: m[1]!.replace(/^\[|\]$/g, ''), port: m[2] ? Number(m[2]) : undefined };
  const scp = /^(?:[^@/:]+@)?([^/:]+):(?!\/\/)/.exec(url);
  return scp && !/^[a-z][a-z0-9+.-]*:\/\//i.test(url) ? { host: scp[1]!, port: undefined } : null;
}

/**
 * Why git could not use a remote, from its stderr, as one line with a fix. `stage` is what was
 * being done: `read` (ls-remote: reach and read) or `write` (push of the probe ref).
 */
export function describeRemoteFailure(stderr: string, stage: 'read' | 'write', url: string, timedOutAfterMs?: number): RemoteFailure {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
  const line = (re: RegExp) => lines.find((l) => re.test(l));
  const ssh = sshHost(url);
  const keyscan = ssh ? `ssh-keyscan ${ssh.port ? `-p ${ssh.port} ` : ''}${ssh.host} >> ~/.ssh/known_hosts` : 'ssh-keyscan HOST >> ~/.ssh/known_hosts';
  const unreachableHint = 'check the host name and port in the URL, that the server is up, and that this computer can reach it (DNS, firewall, proxy)';

  if (timedOutAfterMs !== undefined) {
    return { problem: 'unreachable', message: `host unreachable: no answer within ${Math.round(timedOutAfterMs / 1000)} s`, hint: unreachableHint };
  }
  // `gcrypt::...`, `s3://...`: git runs git-remote-<helper>, which may not be installed.
  const helper = /'remote-([\w.+-]+)' is not a git command|Unable to find remote helper for '([^']+)'/.exec(stderr);
  if (helper) {
    const name = helper[1] ?? helper[2]!;
    return {
      problem: 'helper-missing',
      message: `remote helper missing: git has no git-remote-${name} for this URL`,
      hint: `install it (e.g. \`apt-get install git-remote-${name}\` where Debian packages it) so that git-remote-${name} is on PATH, or use an https://, ssh:// or path remote`,
    };
  }
  // ssh's and curl's own words come on a line before git's generic "Could not read from remote repository".
  const network = line(
    /^ssh: (connect to host|Could not resolve hostname)|Could not resolve host|Failed to connect to|Connection refused|Connection timed out|Operation timed out|Network is unreachable|No route to host|Connection reset by peer|Connection closed by/i,
  );
  if (network) {
    return { problem: 'unreachable', message: `host unreachable: ${network.replace(/^(fatal|error): /, '')}`, hint: unreachableHint };
  }
  if (/REMOTE HOST IDENTIFICATION HAS CHANGED|Host key for .* has changed/.test(stderr)) {
    const where = ssh ? (ssh.port ? `[${ssh.host}]:${ssh.port}` : ssh.host) : 'HOST';
    return {
      problem: 'host-key-changed',
      message: `host key changed: the server's host key differs from the one in known_hosts`,
      hint: `if the server was reinstalled, remove the old key (ssh-keygen -R "${where}") and add the new one after checking its fingerprint; otherwise someone may be intercepting the connection, do not connect`,
    };
  }
  if (/Host key verification failed/.test(stderr)) {
    return {
      problem: 'host-key-unknown',
      message: `host key unknown: ${ssh ? ssh.host + (ssh.port ? ` port ${ssh.port}` : '') : 'the server'} is not in known_hosts`,
      hint: `check the server's fingerprint, then add its key: ${keyscan} (or to the file DBSYNC_SSH_KNOWN_HOSTS names)`,
    };
  }
  const unprotected = /Permissions (\d+) for '([^']+)' are too open/.exec(stderr);
  if (unprotected) {
    return {
      problem: 'key-refused',
      message: `key refused: ssh ignored the private key ${unprotected[2]} because its permissions (${unprotected[1]}) are too open`,
      hint: `chmod 600 ${unprotected[2]} (a key mounted into a container keeps its permissions from the host)`,
    };
  }
  const denied = line(/Permission denied \(/);
  if (denied) {
    return {
      problem: 'key-refused',
      message: `key refused: ${denied}`,
      hint: "add this computer's public key to the repository (a deploy key with write access) or account, or point DBSYNC_SSH_KEY at the private key it accepts (default: ~/.ssh/id_*)",
    };
  }
  if (/does not appear to be a git repository|Repository not found|repository '.*' not found|requested URL returned error: 404/i.test(stderr)) {
    const cause = line(/does not appear to be a git repository|Repository not found|not found|error: 404/i) ?? gitMessage(stderr);
    return {
      problem: 'repository-missing',
      message: `repository missing: ${cause.replace(/^(fatal|error|ERROR|remote): /, '')}`,
      hint: 'create the repository on the server first (empty, without a README), or fix the path in the URL; some hosts also say this when your key or token has no access to it',
    };
  }
  // https: "could not read Username ... terminal prompts disabled" when no token was given at all.
  if (/could not read (Username|Password)/i.test(stderr)) {
    return {
      problem: 'auth-failed',
      message: 'https authentication failed: the server wants credentials and none were given',
      hint: 'set DBSYNC_GIT_TOKEN (or GITHUB_TOKEN) to a token with read and write access to the repository',
    };
  }
  // The ref's own "[remote rejected] ... (reason)" line first: a hook's own words come before it.
  const write =
    stage === 'write' &&
    (line(/\[(remote )?rejected\]/) ?? line(/Permission to .* denied|not allowed to push|insufficient permission|read[- ]only|error: 403/i));
  if (write) {
    const reason = /\[(?:remote )?rejected\].*\((.+)\)\s*$/.exec(write)?.[1] ?? write.replace(/^(fatal|error|remote): /, '');
    const said = lines.find((l) => /^remote: \S/.test(l) && !/^remote: (Resolving|Counting|Compressing|Total|error: )/.test(l));
    return {
      problem: 'cannot-write',
      message: `cannot write to the repository: ${reason}${said && !said.includes(reason) ? ` (${said})` : ''}`,
      hint: 'give the key or token write access to the repository (a deploy key needs "allow write access"); git-dbsync only adds commits, it never forces',
    };
  }
  if (/Authentication failed|requested URL returned error: 40[13]|HTTP Basic: Access denied|Invalid username or (password|token)/i.test(stderr)) {
    const cause = line(/Authentication failed|error: 40[13]|Access denied|Invalid username/i) ?? gitMessage(stderr);
    return {
      problem: 'auth-failed',
      message: `https authentication failed: ${cause.replace(/^(fatal|error|remote): /, '')}`,
      hint: 'set DBSYNC_GIT_TOKEN (or GITHUB_TOKEN) to a valid token with read and write access, or put it in the URL as https://user:TOKEN@host/...',
    };
  }
  if (stage === 'write') {
    return {
      problem: 'cannot-write',
      message: `cannot write to the repository: ${gitMessage(stderr)}`,
      hint: 'check that the key or token may push to this repository',
    };
  }
  return { problem: 'failed', message: `cannot read the repository: ${gitMessage(stderr)}`, hint: 'check the URL and your access to the repository' };
}
