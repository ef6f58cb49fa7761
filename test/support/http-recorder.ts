/** A real local HTTP server that records every request it receives (alerts, heartbeats); answers 200, or `failWith` while set. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: string;
  readonly at: number;
}

export class HttpRecorder {
  readonly requests: RecordedRequest[] = [];
  /** Answer with this status instead of 200 (an endpoint that is down). */
  failWith: number | null = null;

  private constructor(private readonly server: Server) {}

  static async start(): Promise<HttpRecorder> {
    const server = createServer();
    const rec = new HttpRecorder(server);
    server.on('request', (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        rec.requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() });
        res.statusCode = rec.failWith ?? 200;
        res.end('ok');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return rec;
  }

  url(path: string): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}${path}`;
  }

  to(path: string): RecordedRequest[] {
    return this.requests.filter((r) => r.url === path);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
