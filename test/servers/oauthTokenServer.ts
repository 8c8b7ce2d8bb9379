import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { selfSignedCertificate, type SelfSignedCertificate } from './selfSignedCertificate.js';

/** An app registration the server knows: client id, and either a secret or a federated (workload) token. */
export interface RegisteredClient {
  readonly clientId: string;
  readonly clientSecret?: string;
  /** The service account token a workload identity presents as `client_assertion`. */
  readonly federatedToken?: string;
}

export interface OAuthTokenServerOptions {
  tenantId: string;
  clients: readonly RegisteredClient[];
  /** `expires_in` of issued tokens, in seconds (Azure AD: about 3600). */
  expiresInSeconds?: number;
}

/**
 * Plays the Azure AD (Entra ID) v2.0 endpoints a confidential client uses, over https with a
 * self-signed certificate: the tenant's OpenID configuration document and the token endpoint, answering
 * the client credentials grant (secret or client assertion) as documented, errors included
 * (`{"error":"invalid_client","error_description":"AADSTS7000215: ..."}`).
 */
export class OAuthTokenServer {
  readonly issued: { token: string; clientId: string; scope: string; expiresAtMs: number }[] = [];
  /** Token requests answered, successful or not. */
  tokenRequests = 0;
  private failures: { status: number; body: object }[] = [];

  private constructor(
    private readonly server: Server,
    private readonly certificate: SelfSignedCertificate,
    private readonly options: OAuthTokenServerOptions,
  ) {}

  static async start(options: OAuthTokenServerOptions): Promise<OAuthTokenServer> {
    const certificate = selfSignedCertificate();
    const server = createServer({ cert: certificate.cert, key: certificate.key }, (req, res) => {
      instance.handle(req, res).catch((err: unknown) => reply(res, 500, { error: 'server_error', error_description: String(err) }));
    });
    const instance = new OAuthTokenServer(server, certificate, options);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return instance;
  }

  /** `https://127.0.0.1:<port>`: what `authority_host` points at. */
  get authorityHost(): string {
    return `https://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** The PEM file that makes a client trust this server (`ca_file`). */
  get caFile(): string {
    return this.certificate.certFile;
  }

  /** True for a token this server issued that has not expired. */
  isValid(token: string, nowMs = Date.now()): boolean {
    return this.issued.some((t) => t.token === token && t.expiresAtMs > nowMs);
  }

  /** Every token issued so far expires now, as if the cycle outlived them. */
  expireAll(): void {
    for (const t of this.issued) t.expiresAtMs = 0;
  }

  /** The next `count` token requests fail with `status` (503: outage; 400 and 401: refusal). */
  failNext(count: number, status: number): void {
    const body =
      status >= 500
        ? { error: 'temporarily_unavailable', error_description: 'AADSTS50196: The server is temporarily unavailable.' }
        : { error: 'invalid_request', error_description: 'AADSTS90002: Tenant not found.' };
    for (let i = 0; i < count; i++) this.failures.push({ status, body });
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.certificate.dispose();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.authorityHost);
    const tenant = this.options.tenantId;
    if (req.method === 'GET' && url.pathname === `/${tenant}/v2.0/.well-known/openid-configuration`) {
      const base = `${this.authorityHost}/${tenant}`;
      return reply(res, 200, {
        token_endpoint: `${base}/oauth2/v2.0/token`,
        authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
        issuer: `${base}/v2.0`,
        jwks_uri: `${base}/discovery/v2.0/keys`,
        end_session_endpoint: `${base}/oauth2/v2.0/logout`,
      });
    }
    if (req.method === 'POST' && url.pathname === `/${tenant}/oauth2/v2.0/token`) return this.token(req, res);
    if (url.pathname.includes('/.well-known/openid-configuration')) {
      return reply(res, 400, {
        error: 'invalid_tenant',
        error_description: `AADSTS90002: Tenant '${url.pathname.split('/')[1]}' not found.`,
      });
    }
    return reply(res, 404, { error: 'not_found' });
  }

  private async token(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.tokenRequests++;
    const form = new URLSearchParams(await readBody(req));
    const failure = this.failures.shift();
    if (failure) return reply(res, failure.status, failure.body);
    if (form.get('grant_type') !== 'client_credentials')
      return reply(res, 400, { error: 'unsupported_grant_type', error_description: 'AADSTS70003' });
    const client = this.options.clients.find((c) => c.clientId === form.get('client_id'));
    const secret = form.get('client_secret');
    const assertion = form.get('client_assertion');
    const authenticated =
      client !== undefined &&
      ((secret !== null && client.clientSecret === secret) ||
        (assertion !== null &&
          client.federatedToken === assertion &&
          form.get('client_assertion_type') === 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'));
    if (!authenticated) {
      return reply(res, 401, {
        error: 'invalid_client',
        error_description: 'AADSTS7000215: Invalid client secret provided.',
        error_codes: [7000215],
      });
    }
    const scope = form.get('scope') ?? '';
    if (!scope.split(' ').some((s) => s.endsWith('/.default'))) {
      return reply(res, 400, { error: 'invalid_scope', error_description: 'AADSTS1002012: The provided value for scope is not valid.' });
    }
    const expiresIn = this.options.expiresInSeconds ?? 3599;
    const token = randomBytes(24).toString('base64url');
    this.issued.push({ token, clientId: client.clientId, scope, expiresAtMs: Date.now() + expiresIn * 1000 });
    return reply(res, 200, { token_type: 'Bearer', expires_in: expiresIn, ext_expires_in: expiresIn, access_token: token });
  }
}

function reply(res: ServerResponse, status: number, body: object): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
