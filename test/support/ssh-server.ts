/**
 * A throwaway OpenSSH server for tests: Debian's own `sshd` in the foreground on a free loopback
 * port, with a host key, a user key, authorized_keys and known_hosts made for it in a temporary
 * folder. Tests log in as the user running them (root in CI) and use bare repositories in that
 * folder as ssh remotes (`ssh://root@127.0.0.1:PORT/tmp/.../remote.git`).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './mariadb-server.js';
import { tempDir } from './project.js';

export const SSHD = '/usr/sbin/sshd';

/** Why the SSH tests cannot run here, or null when they can. */
export function sshUnavailable(): string | null {
  if (!existsSync(SSHD)) return `${SSHD} not found: install openssh-server (apt-get install openssh-server)`;
  if (!existsSync('/usr/bin/ssh') || !existsSync('/usr/bin/ssh-keygen')) return 'ssh or ssh-keygen not found: install openssh-client';
  if (process.getuid?.() !== 0) return 'sshd must be started as root (privilege separation)';
  return null;
}

/** A new ed25519 key pair without passphrase; returns the private key's path (the public one is PATH.pub). */
export function newKey(file: string): string {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', path.basename(file), '-f', file], { stdio: 'ignore' });
  return file;
}

export class SshServer {
  /** Private key the server accepts for the test user. */
  readonly userKey: string;
  /** known_hosts holding this server's host key for [127.0.0.1]:port. */
  readonly knownHosts: string;
  /** What sshd printed (for failure messages). */
  log = '';
  private proc: ChildProcess | null = null;

  private constructor(
    /** Temporary folder holding keys, config and remotes. */
    readonly dir: string,
    readonly port: number,
  ) {
    this.userKey = path.join(dir, 'id_user');
    this.knownHosts = path.join(dir, 'known_hosts');
  }

  static async start(): Promise<SshServer> {
    const s = new SshServer(tempDir('dbsync-sshd-'), await freePort());
    const hostKey = newKey(path.join(s.dir, 'host_key'));
    newKey(s.userKey);
    writeFileSync(path.join(s.dir, 'authorized_keys'), readFileSync(s.userKey + '.pub'));
    writeFileSync(
      s.knownHosts,
      `[127.0.0.1]:${s.port} ${readFileSync(hostKey + '.pub', 'utf8')
        .split(' ')
        .slice(0, 2)
        .join(' ')}\n`,
    );
    const config = path.join(s.dir, 'sshd_config');
    writeFileSync(
      config,
      [
        `ListenAddress 127.0.0.1:${s.port}`,
        `HostKey ${hostKey}`,
        `AuthorizedKeysFile ${path.join(s.dir, 'authorized_keys')}`,
        `PidFile ${path.join(s.dir, 'sshd.pid')}`,
        // The temporary folder is not owned and locked down the way StrictModes wants.
        'StrictModes no',
        'PermitRootLogin prohibit-password',
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'UsePAM no',
        '',
      ].join('\n'),
    );
    // sshd's privilege separation needs this empty folder (a systemd unit would create it).
    mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
    s.proc = spawn(SSHD, ['-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
    const proc = s.proc;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`sshd did not start within 10 s:\n${s.log}`)), 10_000);
      proc.stderr!.on('data', (d: Buffer) => {
        s.log += d.toString();
        if (s.log.includes('Server listening on')) {
          clearTimeout(timer);
          resolve();
        }
      });
      proc.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`sshd exited with ${code}:\n${s.log}`));
      });
    });
    return s;
  }

  /** ssh URL of a repository path on this server. */
  url(repoPath: string, port = this.port): string {
    return `ssh://${os.userInfo().username}@127.0.0.1:${port}${repoPath}`;
  }

  /** A new empty bare repository (branch main) in this server's folder; returns its path. */
  bareRepo(name: string): string {
    const repo = path.join(this.dir, name);
    execFileSync('git', ['init', '-q', '--bare', '--initial-branch=main', repo], { stdio: 'ignore' });
    return repo;
  }

  /** Settings that make git-dbsync use this server's throwaway key and known_hosts. */
  clientEnv(): Record<string, string> {
    return { DBSYNC_SSH_KEY: this.userKey, DBSYNC_SSH_KNOWN_HOSTS: this.knownHosts };
  }

  /** Stop sshd and remove the folder. */
  async stop(): Promise<void> {
    const p = this.proc;
    if (p && p.exitCode === null && p.signalCode === null) {
      const exited = new Promise((r) => p.once('exit', r));
      p.kill('SIGTERM');
      await exited;
    }
    this.proc = null;
    rmSync(this.dir, { recursive: true, force: true });
  }
}
