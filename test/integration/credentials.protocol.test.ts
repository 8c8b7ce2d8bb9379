import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createBearerTokenSource,
  CredentialStore,
  findCredentialConfigs,
  parseCredentialConfig,
  verifyCredentials,
} from '../../src/credentials/index.js';
import { ProviderError } from '../../src/runtime/errors.js';
import { silentLogger } from '../../src/runtime/logger.js';
import { ManagedIdentityServer } from '../servers/oauthManagedIdentityServer.js';
import { OAuthTokenServer } from '../servers/oauthTokenServer.js';

const TENANT = '3aa4a235-b6e2-48d5-9195-7fcf05b459b0';
const SCOPE = '141369bd-3dca-4b55-825b-56ad4a69b1fc/.default';

describe('credentials: @azure/identity against a loopback Azure AD token endpoint (protocol)', () => {
  let server: OAuthTokenServer;
  let dir: string;
  const federated = 'eyJhbGciOi.service-account.token';

  before(async () => {
    server = await OAuthTokenServer.start({
      tenantId: TENANT,
      clients: [
        { clientId: 'latigo-app', clientSecret: 's3cret-value' },
        { clientId: 'latigo-workload', federatedToken: federated },
      ],
    });
    dir = mkdtempSync(join(tmpdir(), 'latigo-credentials-'));
  });
  after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const clientSecret = (path: string, overrides: Record<string, unknown> = {}) =>
    parseCredentialConfig(
      {
        kind: 'client_secret',
        tenant_id: TENANT,
        client_id: 'latigo-app',
        client_secret: 's3cret-value',
        scope: SCOPE,
        authority_host: server.authorityHost,
        ca_file: server.caFile,
        instance_discovery: false,
        ...overrides,
      },
      path,
    );

  it('obtains a client-credentials token and serves it from the cache until shortly before it expires', async () => {
    const source = createBearerTokenSource(clientSecret('sensor_data.credential'));
    const first = await source.token();
    expect(server.isValid(first)).to.equal(true);
    const before = server.tokenRequests;
    expect(await source.token()).to.equal(first);
    expect(server.tokenRequests).to.equal(before);
  });

  it('honours the expires_in of the token endpoint: a token expiring within refresh_before_expiry is replaced', async () => {
    const shortLived = await OAuthTokenServer.start({
      tenantId: TENANT,
      clients: [{ clientId: 'latigo-app', clientSecret: 's3cret-value' }],
      expiresInSeconds: 60,
    });
    try {
      const config = parseCredentialConfig(
        {
          kind: 'client_secret',
          tenant_id: TENANT,
          client_id: 'latigo-app',
          client_secret: 's3cret-value',
          scope: SCOPE,
          authority_host: shortLived.authorityHost,
          ca_file: shortLived.caFile,
          instance_discovery: false,
          refresh_before_expiry: '2m',
        },
        'sensor_data.credential',
      );
      const source = createBearerTokenSource(config);
      const first = await source.token();
      const second = await source.token();
      expect(second).to.not.equal(first);
      expect(shortLived.tokenRequests).to.equal(2);
    } finally {
      await shortLived.close();
    }
  });

  it('fetches a new token after invalidate(), as after a 401 from the API', async () => {
    const source = createBearerTokenSource(clientSecret('sensor_data.credential'));
    const first = await source.token();
    source.invalidate();
    const second = await source.token();
    expect(second).to.not.equal(first);
    expect(server.isValid(second)).to.equal(true);
  });

  it('shares one token fetch among concurrent callers', async () => {
    const source = createBearerTokenSource(clientSecret('sensor_data.credential'));
    const before = server.tokenRequests;
    const tokens = await Promise.all([source.token(), source.token(), source.token()]);
    expect(new Set(tokens).size).to.equal(1);
    expect(server.tokenRequests - before).to.equal(1);
  });

  it('exchanges a workload identity token file for an access token', async () => {
    const tokenFile = join(dir, 'azure-identity-token');
    writeFileSync(tokenFile, federated);
    const config = parseCredentialConfig(
      {
        kind: 'workload_identity',
        tenant_id: TENANT,
        client_id: 'latigo-workload',
        token_file: tokenFile,
        scope: SCOPE,
        authority_host: server.authorityHost,
        ca_file: server.caFile,
        instance_discovery: false,
      },
      'model_info.credential',
    );
    expect(server.isValid(await createBearerTokenSource(config).token())).to.equal(true);
  });

  it('refuses a wrong secret with a permanent ProviderError naming the section, without the secret', async () => {
    const config = clientSecret('prediction_storage.credential', { client_secret: 'wrong-secret-value' });
    const err = await createBearerTokenSource(config)
      .token()
      .catch((e: unknown) => e);
    expect(err).to.be.instanceOf(ProviderError);
    expect((err as ProviderError).retryable).to.equal(false);
    expect((err as Error).message)
      .to.include('prediction_storage.credential')
      .and.include('AADSTS7000215');
    expect((err as Error).message).to.not.include('wrong-secret-value');
  });

  it('reports an unavailable token endpoint as retryable', async () => {
    server.failNext(1, 503);
    const err = await createBearerTokenSource(clientSecret('sensor_data.credential'))
      .token()
      .catch((e: unknown) => e);
    expect(err).to.be.instanceOf(ProviderError);
    expect((err as ProviderError).retryable).to.equal(true);
  });

  it('start-up check: reports every failing section at once, not only the first', async () => {
    const good = clientSecret('sensor_data.credential');
    const badSecret = clientSecret('prediction_storage.credential', { client_secret: 'nope-1' });
    const badClient = clientSecret('model_info.credential', { client_id: 'unknown-app' });
    const providers = [{ url: 'x', credential: good }, { nested: { credential: badSecret } }, { credential: badClient }];
    const found = findCredentialConfigs(providers);
    expect(found.map((c) => c.path)).to.deep.equal(['sensor_data.credential', 'prediction_storage.credential', 'model_info.credential']);
    const err = await verifyCredentials(found, new CredentialStore(), silentLogger).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(ProviderError);
    const message = (err as Error).message;
    expect(message).to.include('2 of 3').and.include('prediction_storage.credential').and.include('model_info.credential');
    expect(message).to.not.match(/sensor_data\.credential/);
    expect(message).to.not.include('nope-1');
  });

  it('start-up check passes when every credential obtains a token', async () => {
    await verifyCredentials(
      findCredentialConfigs([{ credential: clientSecret('sensor_data.credential') }]),
      new CredentialStore(),
      silentLogger,
    );
  });

  it('obtains a managed identity token from the App Service identity endpoint, for a user-assigned client id', async () => {
    const endpoint = await ManagedIdentityServer.start();
    // @azure/identity finds the endpoint in the environment App Service sets; set it for this test only.
    const saved = { IDENTITY_ENDPOINT: process.env.IDENTITY_ENDPOINT, IDENTITY_HEADER: process.env.IDENTITY_HEADER };
    Object.assign(process.env, endpoint.environment);
    try {
      const config = parseCredentialConfig(
        { kind: 'managed_identity', client_id: 'user-assigned-1', scope: SCOPE },
        'sensor_data.credential',
      );
      expect(await createBearerTokenSource(config).token()).to.equal(endpoint.issued[0]);
      expect(endpoint.requests).to.deep.equal([{ resource: SCOPE.replace('/.default', ''), clientId: 'user-assigned-1' }]);
    } finally {
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
      await endpoint.close();
    }
  });
});
