import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One canned answer; `hang` never answers (for timeouts). */
export interface ScriptedAnswer {
  status?: number;
  headers?: Record<string, string>;
  body?: string;
  hang?: boolean;
}

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
  atMs: number;
}

/**
 * Plays a misbehaving InfluxDB on loopback (either API): answers requests with a script, in order (the
 * last answer repeats), and records every request. For the fault tests: 429 with Retry-After, 5xx, partial
 * writes, requests that never answer, refused tokens.
 */
export class ScriptedInfluxServer {
  readonly requests: RecordedRequest[] = [];
  private readonly hanging = new Set<ServerResponse>();

  private constructor(
    private readonly server: Server,
    private script: ScriptedAnswer[],
  ) {}

  static async start(script: ScriptedAnswer[]): Promise<ScriptedInfluxServer> {
    const server = createServer((req, res) => self.handle(req, res));
    const self = new ScriptedInfluxServer(server, script);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return self;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  setScript(script: ScriptedAnswer[]): void {
    this.script = script;
    this.requests.length = 0;
  }

  async close(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      this.requests.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
        atMs: Date.now(),
      });
      const answer = this.script[Math.min(this.requests.length - 1, this.script.length - 1)] ?? { status: 500 };
      if (answer.hang) {
        this.hanging.add(res);
        return;
      }
      res.writeHead(answer.status ?? 200, answer.headers ?? {});
      res.end(answer.body ?? '');
    });
  }
}
