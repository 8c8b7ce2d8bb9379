import { expect } from 'chai';
import { CachedBearerTokenSource, parseCredentialConfig, type TokenCredentialLike } from '../../../src/credentials/index.js';
import { ConfigError, isAbortError, ProviderError } from '../../../src/runtime/errors.js';

/** A credential that hands out numbered tokens expiring `lifetimeMs` after the fake clock's now. */
class CountingCredential implements TokenCredentialLike {
  calls = 0;
  pending: ((value: void) => void) | undefined;
  constructor(
    private readonly now: () => number,
    private readonly lifetimeMs: number,
    private readonly gate?: Promise<void>,
  ) {}
  async getToken() {
    this.calls++;
    if (this.gate) await this.gate;
    return { token: `token-${this.calls}`, expiresOnTimestamp: this.now() + this.lifetimeMs };
  }
}

describe('CachedBearerTokenSource', () => {
  let now = 0;
  const clock = () => now;
  beforeEach(() => {
    now = 1_000_000;
  });

  const source = (credential: TokenCredentialLike, refreshBeforeExpiryMs = 300_000) =>
    new CachedBearerTokenSource({
      path: 'sensor_data.credential',
      scope: 'api/.default',
      refreshBeforeExpiryMs,
      createCredential: () => credential,
      clock,
    });

  it('serves the cached token until refresh_before_expiry before it expires, then fetches a new one', async () => {
    const credential = new CountingCredential(clock, 3_600_000);
    const tokens = source(credential);
    expect(await tokens.token()).to.equal('token-1');
    now += 3_600_000 - 300_001;
    expect(await tokens.token()).to.equal('token-1');
    now += 1;
    expect(await tokens.token()).to.equal('token-2');
    expect(credential.calls).to.equal(2);
  });

  it('builds a new credential on invalidate(), since the library caches the refused token', async () => {
    let built = 0;
    const tokens = new CachedBearerTokenSource({
      path: 'p',
      scope: 's',
      refreshBeforeExpiryMs: 0,
      clock,
      createCredential: () => {
        built++;
        return new CountingCredential(clock, 3_600_000);
      },
    });
    await tokens.token();
    tokens.invalidate();
    await tokens.token();
    expect(built).to.equal(2);
  });

  it('does not keep a token whose fetch started before invalidate()', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const slow = new CountingCredential(clock, 3_600_000, gate);
    const fresh = new CountingCredential(clock, 3_600_000);
    const credentials = [slow, fresh];
    const tokens = new CachedBearerTokenSource({
      path: 'p',
      scope: 's',
      refreshBeforeExpiryMs: 0,
      clock,
      createCredential: () => credentials.shift()!,
    });
    const first = tokens.token();
    tokens.invalidate();
    release();
    expect(await first).to.equal('token-1');
    expect(await tokens.token()).to.equal('token-1'); // from the new credential, its own first token
    expect(fresh.calls).to.equal(1);
  });

  it('rejects a waiting caller whose signal fires, without failing the shared fetch', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tokens = source(new CountingCredential(clock, 3_600_000, gate));
    const controller = new AbortController();
    const aborted = tokens.token({ signal: controller.signal });
    const other = tokens.token();
    controller.abort();
    expect(isAbortError(await aborted.catch((e: unknown) => e))).to.equal(true);
    release();
    expect(await other).to.equal('token-1');
  });

  it('translates a null token into a retryable ProviderError naming the section', async () => {
    const err = await source({ getToken: async () => null })
      .token()
      .catch((e: unknown) => e);
    expect(err).to.be.instanceOf(ProviderError);
    expect((err as ProviderError).retryable).to.equal(true);
    expect((err as Error).message).to.include('sensor_data.credential');
  });
});

describe('parseCredentialConfig', () => {
  it('names the key path and never quotes the secret', () => {
    const err = (() => {
      try {
        return parseCredentialConfig(
          { kind: 'client_secret', tenant_id: 't', client_id: 'c', client_secret: 'hunter2', scope: 's', authority_host: 'http://login' },
          'sensor_data.credential',
        );
      } catch (e) {
        return e;
      }
    })();
    expect(err).to.be.instanceOf(ConfigError);
    expect((err as ConfigError).path).to.equal('sensor_data.credential.authority_host');
    expect((err as Error).message).to.not.include('hunter2');
  });

  it('refuses an unknown kind, listing the valid ones', () => {
    expect(() => parseCredentialConfig({ kind: 'password' }, 'model_info.credential')).to.throw(
      ConfigError,
      /model_info\.credential.*kind: static, client_secret, workload_identity or managed_identity/,
    );
  });

  it('fills defaults and keeps where it was configured', () => {
    expect(parseCredentialConfig({ kind: 'managed_identity', scope: 'api/.default' }, 'x.credential')).to.deep.equal({
      kind: 'managed_identity',
      path: 'x.credential',
      scope: 'api/.default',
      refreshBeforeExpiryMs: 300_000,
    });
    expect(
      parseCredentialConfig({ kind: 'client_secret', tenant_id: 't', client_id: 'c', client_secret: 's', scope: 'api/.default' }, 'y'),
    ).to.deep.include({ authorityHost: 'https://login.microsoftonline.com', instanceDiscovery: true });
  });
});
