import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Plays the managed identity endpoint Azure App Service and Container Apps give a process (IDENTITY_ENDPOINT,
 * guarded by the IDENTITY_HEADER secret): `GET ?api-version=2019-08-01&resource=<resource>[&client_id=...]`
 * answering `{access_token, expires_on, resource, token_type}`.
 */
export class ManagedIdentityServer {
  readonly requests: { resource: string | null; clientId: string | null }[] = [];
  readonly issued: string[] = [];

  private constructor(
    private readonly server: Server,
    readonly header: string,
  ) {}

  static async start(): Promise<ManagedIdentityServer> {
    const header = randomBytes(12).toString('hex');
    const server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const reply = (status: number, body: object) =>
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (req.headers['x-identity-header'] !== header)
        return reply(401, { error: 'unauthorized', error_description: 'X-IDENTITY-HEADER is missing or wrong' });
      if (url.searchParams.get('api-version') !== '2019-08-01' || !url.searchParams.get('resource'))
        return reply(400, { error: 'invalid_request' });
      instance.requests.push({ resource: url.searchParams.get('resource'), clientId: url.searchParams.get('client_id') });
      const token = randomBytes(16).toString('base64url');
      instance.issued.push(token);
      reply(200, {
        access_token: token,
        expires_on: String(Math.floor(Date.now() / 1000) + 3600),
        resource: url.searchParams.get('resource'),
        token_type: 'Bearer',
      });
    });
    const instance = new ManagedIdentityServer(server, header);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return instance;
  }

  /** The environment App Service sets for the process, which @azure/identity reads. */
  get environment(): Record<string, string> {
    return { IDENTITY_ENDPOINT: `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/msi/token`, IDENTITY_HEADER: this.header };
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
