import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';
import { DbsyncError } from '../errors/dbsync-error.js';

/**
 * Serves `GET /metrics` (Prometheus text format) on DBSYNC_METRICS_ADDR; everything else is 404.
 * Read-only and unauthenticated, like every Prometheus exporter: bind it to 127.0.0.1 or a private
 * network (the default address in the docs is 127.0.0.1:9187).
 */
export async function serveMetrics(registry: Registry, addr: { host: string; port: number }): Promise<{ close(): Promise<void>; port: number }> {
  const server: Server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.statusCode = 404;
      res.end('not found: try /metrics\n');
      return;
    }
    registry.metrics().then(
      (text) => {
        res.setHeader('content-type', registry.contentType);
        res.end(text);
      },
      (err: unknown) => {
        res.statusCode = 500;
        res.end(`${(err as Error).message}\n`);
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new DbsyncError({
          operation: 'serve metrics',
          message: `cannot listen on ${addr.host}:${addr.port} (${err.code ?? err.message})`,
          hint:
            err.code === 'EADDRINUSE'
              ? 'another process uses that port: choose another DBSYNC_METRICS_ADDR'
              : 'check DBSYNC_METRICS_ADDR (host:port of this machine)',
        }),
      ),
    );
    server.listen(addr.port, addr.host, () => resolve());
  });
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : addr.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
