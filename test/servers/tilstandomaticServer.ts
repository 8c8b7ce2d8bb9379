import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TilstandomaticServerOptions {
  /** Decides whether a bearer token is accepted; requests need none when absent. */
  authorize?: (token: string) => boolean;
}

/**
 * Plays Tilstandomatic's catalogue endpoint: `GET /api/gordo-projects` answers the Gordo resources it
 * holds as a Kubernetes-style list (`{"apiVersion":"v1","kind":"List","items":[...]}`), with a strong ETag
 * and 304 Not Modified for a matching If-None-Match.
 */
export class TilstandomaticServer {
  /** Status of every request answered, in order. */
  readonly responses: number[] = [];
  private resources: unknown[] = [];
  private failures: number[] = [];

  private constructor(
    private readonly server: Server,
    private readonly options: TilstandomaticServerOptions,
  ) {}

  static async start(options: TilstandomaticServerOptions = {}): Promise<TilstandomaticServer> {
    const server = createServer((req, res) => instance.handle(req, res));
    const instance = new TilstandomaticServer(server, options);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return instance;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/api/gordo-projects`;
  }

  /** Replaces the Gordo resources served. */
  setResources(resources: readonly unknown[]): void {
    this.resources = [...resources];
  }

  failNext(count: number, status: number): void {
    for (let i = 0; i < count; i++) this.failures.push(status);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const send = (status: number, body?: string, headers: Record<string, string> = {}) => {
      this.responses.push(status);
      res.writeHead(status, headers).end(body);
    };
    if (new URL(req.url ?? '/', 'http://127.0.0.1').pathname !== '/api/gordo-projects') return send(404, '{"message":"not found"}');
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (this.options.authorize && !(token && this.options.authorize(token))) return send(401, '{"message":"unauthorized"}');
    const failure = this.failures.shift();
    if (failure !== undefined) return send(failure, '{"message":"unavailable"}');
    const body = JSON.stringify({ apiVersion: 'v1', kind: 'List', items: this.resources });
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
    if (req.headers['if-none-match'] === etag) return send(304, undefined, { etag });
    send(200, body, { 'content-type': 'application/json', etag });
  }
}

/** A Gordo custom resource for `project` with these machines and globals, as the Kubernetes API returns it. */
export function gordoResource(project: string, machines: readonly unknown[], globals: Record<string, unknown> = {}): unknown {
  return {
    apiVersion: 'equinor.com/v1',
    kind: 'Gordo',
    metadata: { name: project, namespace: 'gordo' },
    spec: { 'deploy-version': '1.0.0', config: { machines, globals } },
  };
}
