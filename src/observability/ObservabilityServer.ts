import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describeError } from '../runtime/errors.js';
import type { Logger } from '../runtime/logger.js';
import type { ReadinessReport } from './readiness.js';

export interface ObservabilityServerOptions {
  readonly host: string;
  /** 0 picks a free port; `port` tells which. */
  readonly port: number;
  readonly metrics: () => Promise<{ contentType: string; body: string }>;
  readonly readiness: () => Promise<ReadinessReport>;
  readonly log: Logger;
}

/**
 * The small HTTP endpoint of a latigo process, for probes and Prometheus:
 * - `GET /healthz`: 200 while the process runs (liveness: its event loop answers);
 * - `GET /readyz`: 200 when the database and the queue answer, 503 (with the failing check) otherwise;
 * - `GET /metrics`: Prometheus text format.
 */
export class ObservabilityServer {
  private constructor(
    private readonly server: Server,
    readonly port: number,
    readonly host: string,
  ) {}

  static async start(options: ObservabilityServerOptions): Promise<ObservabilityServer> {
    const server = createServer((req, res) => {
      handle(req, res, options).catch((err: unknown) => {
        options.log.error('http endpoint: request failed', { path: req.url, error: describeError(err) });
        if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', 'internal error\n');
        else res.destroy();
      });
    });
    // Probes and scrapers hold keep-alive connections; they must not keep a stopping process alive.
    server.keepAliveTimeout = 5_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    return new ObservabilityServer(server, (server.address() as AddressInfo).port, options.host);
  }

  /** Stops listening and closes open connections. Idempotent. */
  async close(): Promise<void> {
    if (!this.server.listening) return;
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}

async function handle(req: IncomingMessage, res: ServerResponse, options: ObservabilityServerOptions): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('Allow', 'GET, HEAD');
    send(res, 405, 'text/plain; charset=utf-8', 'method not allowed\n');
    return;
  }
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  switch (path) {
    case '/healthz':
      send(res, 200, 'application/json', '{"status":"ok"}\n');
      return;
    case '/readyz': {
      const report = await options.readiness();
      send(
        res,
        report.ready ? 200 : 503,
        'application/json',
        `${JSON.stringify({ status: report.ready ? 'ready' : 'not ready', checks: report.checks })}\n`,
      );
      return;
    }
    case '/metrics': {
      const { contentType, body } = await options.metrics();
      send(res, 200, contentType, body);
      return;
    }
    default:
      send(res, 404, 'text/plain; charset=utf-8', 'not found: try /healthz, /readyz or /metrics\n');
  }
}

function send(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { 'Content-Type': contentType, 'Cache-Control': 'no-store' });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}
