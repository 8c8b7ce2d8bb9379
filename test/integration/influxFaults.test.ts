import { expect } from 'chai';
import { isAbortError, ProviderError } from '../../src/runtime/errors.js';
import { PartialWriteError } from '../../providers/influx/errors.js';
import { Influxd, freePort, uniqueDatabaseName } from '../servers/influxd.js';
import { ScriptedInfluxServer } from '../servers/influxScriptedServer.js';
import { predictionStorage, sensorProviders } from './helpers/influx.js';

const T0 = Date.UTC(2026, 0, 1);
const DAY = 86_400_000;
const tags = ['flow', 'pressure'];
const row = (timeMs: number) => ({ timeMs, outputs: [1, 2], contributions: [0.1, 0.2], totalAnomaly: 0.5, threshold: 1, isAnomaly: false });
const predictions = (rows: ReturnType<typeof row>[]) => ({
  project: 'p',
  model: 'm',
  revision: 'r1',
  window: { fromMs: T0, toMs: T0 + 10 * DAY },
  tagNames: tags,
  rows,
});
const POINTS_PER_ROW = 2 * tags.length + 3;

async function failure(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    () => expect.fail('expected a rejection'),
    (err: Error) => err,
  );
}

describe('influx: faults on a real influxd (v1 API)', function () {
  this.timeout(180_000);
  let server: Influxd;
  let database: string;
  before(async () => {
    server = await Influxd.launch();
    database = uniqueDatabaseName('faults');
    await server.createDatabase(database);
  });
  after(async () => {
    await server?.remove();
  });

  it('reports a field type conflict as a permanent partial write with the count of dropped points, storing the rest', async () => {
    // The shard of the first week already holds `value` as an integer; the second week's shard is free.
    await server.write(database, [`prediction,project=other value=1i ${T0}`]);
    const { storage } = predictionStorage({ raw: { url: server.url, api: 'v1', database }, writeRaw: async () => {} });
    const err = await failure(storage.store(predictions([row(T0), row(T0 + 8 * DAY)])));
    expect(err).to.be.instanceOf(PartialWriteError);
    expect((err as PartialWriteError).retryable).to.equal(false);
    // The first row's points and the tag-index points beside it (one per tag) fall in the first week's shard.
    const dropped = POINTS_PER_ROW + tags.length;
    expect((err as PartialWriteError).droppedPoints).to.equal(dropped);
    expect(err.message)
      .to.match(/field type conflict/)
      .and.match(new RegExp(`${dropped} of ${2 * POINTS_PER_ROW + tags.length} point`));
    const stored = await server.query(`SELECT count("value") FROM "prediction" WHERE "model" = 'm'`, database);
    expect(stored.results?.[0]?.series?.[0]?.values?.[0]?.[1]).to.equal(POINTS_PER_ROW);
  });

  it('reports a missing database as a permanent error with the server message, for writes and reads', async () => {
    const target = { raw: { url: server.url, api: 'v1', database: 'no_such_database' }, writeRaw: async () => {} };
    const write = await failure(predictionStorage(target).storage.store(predictions([row(T0)])));
    expect(write).to.be.instanceOf(ProviderError).and.include({ retryable: false });
    expect(write.message).to.match(/HTTP 404: database not found/);
    const read = await failure(
      sensorProviders(target).data.getData([{ name: 'a', asset: 'x' }], { fromMs: T0, toMs: T0 + 60_000 }, 10_000),
    );
    expect(read).to.be.instanceOf(ProviderError).and.include({ retryable: false });
    expect(read.message).to.match(/database not found/);
  });

  it('retries a refused connection and then fails with a transient error', async () => {
    const target = { raw: { url: `http://127.0.0.1:${await freePort()}`, api: 'v1', database }, writeRaw: async () => {} };
    const err = await failure(sensorProviders(target).data.getData([{ name: 'a', asset: 'x' }], { fromMs: T0, toMs: T0 + 60_000 }, 10_000));
    expect(err).to.be.instanceOf(ProviderError).and.include({ retryable: true });
    expect(err.message).to.match(/cannot reach InfluxDB \(ECONNREFUSED\)/);
  });
});

for (const api of ['v1', 'v2'] as const) {
  describe(`influx: HTTP faults from a scripted loopback server (${api} API, protocol)`, function () {
    this.timeout(180_000);
    let server: ScriptedInfluxServer;
    before(async () => {
      server = await ScriptedInfluxServer.start([]);
    });
    after(async () => {
      await server?.close();
    });
    const target = (extra: Record<string, unknown> = {}) => ({
      raw: { url: server.url, api, database: 'plant', bucket: 'plant', org: 'acme', token: 'secret-token-123', ...extra },
      writeRaw: async () => {},
    });
    const ok = { status: 204 };

    it('waits at least the Retry-After of a 429 before writing again, and then succeeds', async () => {
      server.setScript([
        { status: 429, headers: { 'retry-after': '1', 'content-type': 'application/json' }, body: '{"error":"slow down"}' },
        ok,
      ]);
      const { storage } = predictionStorage(target({ retry: { maximum_attempts: 3, initial_interval: 10 } }));
      expect(await storage.store(predictions([row(T0)]))).to.deep.equal({ written: 1, droppedNonFinite: 0 });
      expect(server.requests).to.have.length(2);
      expect(server.requests[1]!.atMs - server.requests[0]!.atMs).to.be.at.least(950);
      expect(server.requests[1]!.body).to.equal(server.requests[0]!.body);
    });

    it('retries 503 up to the configured attempts, then fails with a transient error carrying the server message', async () => {
      server.setScript([{ status: 503, body: 'request throttled, queue full' }]);
      const { storage } = predictionStorage(target({ retry: { maximum_attempts: 3, initial_interval: 10 } }));
      const err = await failure(storage.store(predictions([row(T0)])));
      expect(err).to.be.instanceOf(ProviderError).and.include({ retryable: true });
      expect(err.message).to.match(/HTTP 503: request throttled, queue full/);
      expect(server.requests).to.have.length(3);
    });

    it('gives up on a request that does not answer within timeout, as a transient error', async () => {
      server.setScript([{ hang: true }]);
      const { data } = sensorProviders(target({ timeout: 200, retry: { maximum_attempts: 2, initial_interval: 10 } }));
      const err = await failure(data.getData([{ name: 'a', asset: 'x' }], { fromMs: T0, toMs: T0 + 60_000 }, 10_000));
      expect(err).to.be.instanceOf(ProviderError).and.include({ retryable: true });
      expect(err.message).to.match(/timed out/);
      expect(server.requests).to.have.length(2);
    });

    it('rejects with an AbortError, not a provider error, when the caller cancels a request in flight', async () => {
      server.setScript([{ hang: true }]);
      const { data } = sensorProviders(target({ timeout: 10_000 }));
      const controller = new AbortController();
      const pending = data.getData([{ name: 'a', asset: 'x' }], { fromMs: T0, toMs: T0 + 60_000 }, 10_000, { signal: controller.signal });
      while (server.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
      controller.abort();
      const err = await failure(pending);
      expect(isAbortError(err), String(err)).to.equal(true);
      expect(server.requests).to.have.length(1);
    });

    it('fails at once on 401, with the server message and without the token', async () => {
      server.setScript([
        {
          status: 401,
          headers: { 'content-type': 'application/json' },
          body: '{"code":"unauthorized","message":"unauthorized access","error":"unauthorized access"}',
        },
      ]);
      const { storage } = predictionStorage(target());
      const err = await failure(storage.store(predictions([row(T0)])));
      expect(err).to.be.instanceOf(ProviderError).and.include({ retryable: false });
      expect(err.message).to.match(/HTTP 401: unauthorized access/);
      expect(server.requests).to.have.length(1);
      expect(server.requests[0]!.headers.authorization).to.equal('Token secret-token-123');
      expect(JSON.stringify(err, Object.getOwnPropertyNames(err)) + String(err.cause) + err.stack).to.not.contain('secret-token-123');
    });

    it('reports a partial write (400 on 1.x, 422 on 2.x) with the count of dropped points, without retrying', async () => {
      const status = api === 'v1' ? 400 : 422;
      const message = 'partial write: points beyond retention policy dropped=4';
      server.setScript([
        {
          status,
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(api === 'v1' ? { error: message } : { code: 'unprocessable entity', message }),
        },
      ]);
      const { storage } = predictionStorage(target());
      const err = await failure(storage.store(predictions([row(T0)])));
      expect(err).to.be.instanceOf(PartialWriteError).and.include({ retryable: false, droppedPoints: 4 });
      expect(server.requests).to.have.length(1);
    });
  });
}
