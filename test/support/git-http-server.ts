/**
 * A git server over HTTP for tests: git's own `git http-backend` (CGI) behind a small Node HTTP
 * server that wants Basic authentication with one token, like a git host would. Repositories are
 * bare repositories in a temporary folder. `readOnly` refuses pushes with 403, as a host does for a
 * token without write access.
 */
import { execFileSync, spawn } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { tempDir } from './project.js';

export class GitHttpServer {
  /** Authorization headers of every request, in order (undefined when none was sent). */
  readonly seen: Array<string | undefined> = [];
  /** Refuse pushes (403) while true. */
  readOnly = false;
  /** Wait this long before answering each request (so tests can watch the client's processes). */
  delayMs = 0;

  private constructor(
    private readonly server: http.Server,
    readonly root: string,
    readonly port: number,
  ) {}

  /** Start on a free loopback port; `token` (with any user name) is the one accepted password. */
  static async start(token: string): Promise<GitHttpServer> {
    const root = tempDir('dbsync-githttp-');
    let self: GitHttpServer | undefined;
    const server = http.createServer((req, res) => {
      const body: Buffer[] = [];
      req.on('data', (d: Buffer) => body.push(d));
      req.on('end', () => {
        setTimeout(() => self!.handle(req, Buffer.concat(body), res, token), self!.delayMs);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    self = new GitHttpServer(server, root, (server.address() as AddressInfo).port);
    return self;
  }

  /** URL of repository `name` (optionally with user-info, as a user would paste it). */
  url(name: string, userInfo = ''): string {
    return `http://${userInfo ? userInfo + '@' : ''}127.0.0.1:${this.port}/${name}`;
  }

  /** A new empty bare repository (branch main) served as /NAME; returns its path. */
  bareRepo(name: string): string {
    const repo = path.join(this.root, name);
    execFileSync('git', ['init', '-q', '--bare', '--initial-branch=main', repo], { stdio: 'ignore' });
    return repo;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private handle(req: http.IncomingMessage, body: Buffer, res: http.ServerResponse, token: string): void {
    const auth = req.headers.authorization;
    this.seen.push(auth);
    const password = auth?.startsWith('Basic ') ? Buffer.from(auth.slice(6), 'base64').toString().split(':').slice(1).join(':') : undefined;
    if (password !== token) {
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="git"' }).end('authentication required\n');
      return;
    }
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (this.readOnly && (url.searchParams.get('service') === 'git-receive-pack' || url.pathname.endsWith('/git-receive-pack'))) {
      res.writeHead(403).end('this token may not push\n');
      return;
    }
    const cgi = spawn('git', ['http-backend'], {
      env: {
        PATH: process.env.PATH,
        GIT_PROJECT_ROOT: this.root,
        GIT_HTTP_EXPORT_ALL: '1',
        GIT_CONFIG_GLOBAL: '/dev/null',
        GIT_CONFIG_NOSYSTEM: '1',
        // http-backend allows pushes only from an authenticated user.
        REMOTE_USER: 'robot',
        REMOTE_ADDR: '127.0.0.1',
        REQUEST_METHOD: req.method ?? 'GET',
        PATH_INFO: decodeURIComponent(url.pathname),
        QUERY_STRING: url.search.slice(1),
        CONTENT_TYPE: req.headers['content-type'] ?? '',
        CONTENT_LENGTH: String(body.length),
        ...(req.headers['content-encoding'] ? { HTTP_CONTENT_ENCODING: req.headers['content-encoding'] } : {}),
        ...(req.headers['git-protocol'] ? { GIT_PROTOCOL: String(req.headers['git-protocol']) } : {}),
      },
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    const out: Buffer[] = [];
    cgi.stdout.on('data', (d: Buffer) => out.push(d));
    cgi.stdin.on('error', () => undefined);
    cgi.stdin.end(body);
    cgi.on('close', () => {
      const all = Buffer.concat(out);
      const split = all.indexOf('\r\n\r\n');
      const headers: Record<string, string> = {};
      let status = 200;
      for (const line of all.subarray(0, Math.max(split, 0)).toString().split('\r\n')) {
        const colon = line.indexOf(':');
        if (colon < 0) continue;
        const name = line.slice(0, colon).trim();
        const value = line.slice(colon + 1).trim();
        if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10);
        else headers[name] = value;
      }
      res.writeHead(status, headers).end(split < 0 ? all : all.subarray(split + 4));
    });
  }
}
