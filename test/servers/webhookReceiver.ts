import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request a receiver got. */
export interface ReceivedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly at: number;
  /** The status it was answered with; undefined while (or if never) answered. */
  status?: number;
}

/** Decides the answer to the n-th request (1-based): a status (and headers), or 'hang' (never answer). */
export type ReceiverScript = (
  request: ReceivedRequest,
  n: number,
) => { status: number; headers?: Record<string, string>; body?: string } | 'hang';

/**
 * A webhook receiver on 127.0.0.1 (or another loopback address): records every request and answers as its
 * script says. Plays the systems outputs deliver to (a ticketing tool, a chat webhook).
 */
export class WebhookReceiver {
  readonly requests: ReceivedRequest[] = [];
  private readonly hanging = new Set<ServerResponse>();

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(script: ReceiverScript = () => ({ status: 200 }), host = '127.0.0.1'): Promise<WebhookReceiver> {
    // The handler runs only after start() returned the receiver it records into.
    const self: { receiver?: WebhookReceiver } = {};
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const request: ReceivedRequest = {
          method: req.method ?? '',
          url: req.url ?? '',
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
          at: Date.now(),
        };
        self.receiver!.requests.push(request);
        const answer = script(request, self.receiver!.requests.length);
        if (answer === 'hang') {
          self.receiver!.hanging.add(res);
          res.on('close', () => self.receiver!.hanging.delete(res));
          return;
        }
        request.status = answer.status;
        res.writeHead(answer.status, answer.headers ?? {});
        res.end(answer.body ?? '');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, host, resolve));
    const { port } = server.address() as AddressInfo;
    self.receiver = new WebhookReceiver(server, `http://${host}:${port}`);
    return self.receiver;
  }

  /** Requests answered with a 2xx. */
  accepted(): ReceivedRequest[] {
    return this.requests.filter((r) => r.status !== undefined && r.status >= 200 && r.status < 300);
  }

  async close(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
