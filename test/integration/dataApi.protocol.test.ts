import { expect } from 'chai';
import { parseCredentialConfig } from '../../src/credentials/index.js';
import type { SensorTag } from '../../src/domain/index.js';
import { ProviderError } from '../../src/runtime/errors.js';
import { RecordingLogger } from '../fakes/RecordingLogger.js';
import { dataApiProviders, dataApiTestConfig } from '../fixtures/dataApiSubjects.js';
import { DataApiServer, type DataApiServerOptions } from '../servers/dataApiServer.js';
import { OAuthTokenServer } from '../servers/oauthTokenServer.js';

const T0 = Date.UTC(2026, 2, 1);
const RES = 60_000;
const HOUR = { fromMs: T0, toMs: T0 + 3_600_000 };
const iso = (ms: number) => new Date(ms).toISOString();

/** `count` series named `tag-<i>` in facility 1000, each with one good point per minute of HOUR (value i). */
function seed(server: DataApiServer, count: number): SensorTag[] {
  return Array.from({ length: count }, (_, i) => {
    const name = `1000.tag-${String(i).padStart(3, '0')}`;
    const id = server.addSeries({ name, facility: '1000' });
    server.addPoints(
      id,
      Array.from({ length: 60 }, (_, k) => ({ time: iso(T0 + k * RES), value: i, status: 192 })),
    );
    return { name, asset: '1000' };
  });
}

describe('data_api providers against the loopback Data API (protocol)', () => {
  const servers: DataApiServer[] = [];
  const start = async (options: DataApiServerOptions = {}) => {
    const server = await DataApiServer.start(options);
    servers.push(server);
    return server;
  };
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });
  const queries = (server: DataApiServer) => server.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/query/data'));

  describe('reading', () => {
    it('reads 250 series with multi-id reads of at most 100 ids', async () => {
      const server = await start();
      const tags = seed(server, 250);
      const { sensorData } = dataApiProviders(dataApiTestConfig(server));
      const frame = await sensorData.getData(tags, HOUR, RES);
      expect(frame.columns.map((c) => c[59])).to.deep.equal(tags.map((_, i) => i));
      expect(queries(server)).to.have.length(3);
    });

    it('follows top-level continuationTokens until every point is read', async () => {
      const server = await start({ pagePoints: 7 });
      const tags = seed(server, 3);
      const { sensorData } = dataApiProviders(dataApiTestConfig(server));
      const frame = await sensorData.getData(tags, HOUR, RES);
      expect(frame.quality.rawPoints).to.equal(180);
      expect(frame.quality.emptyBuckets).to.equal(0);
      expect(queries(server)).to.have.length(Math.ceil(60 / 7));
    });

    it('follows per-item continuationTokens, asking again only for the items that have more', async () => {
      const server = await start({ pagePoints: 25, paging: 'items' });
      const tags = seed(server, 2);
      const shortId = server.addSeries({ name: '1000.short', facility: '1000' });
      server.addPoints(shortId, [{ time: iso(T0), value: 5, status: 192 }]);
      const { sensorData } = dataApiProviders(dataApiTestConfig(server));
      const frame = await sensorData.getData([...tags, { name: '1000.short', asset: '1000' }], HOUR, RES);
      expect(frame.quality.rawPoints).to.equal(121);
      expect(frame.columns[2]![0]).to.equal(5);
      expect(queries(server)).to.have.length(3);
    });

    it('respects read.points_per_request as the per-item limit', async () => {
      const server = await start();
      const tags = seed(server, 1);
      const { sensorData } = dataApiProviders(dataApiTestConfig(server, { read: { points_per_request: 10 } }));
      expect((await sensorData.getData(tags, HOUR, RES)).quality.rawPoints).to.equal(60);
      expect(queries(server)).to.have.length(6);
    });

    it('keeps only good-status points, even when the API sends others', async () => {
      const server = await start({ ignoreStatusFilter: true });
      const id = server.addSeries({ name: '1000.q', facility: '1000' });
      server.addPoints(id, [
        { time: iso(T0), value: 1, status: 192 },
        { time: iso(T0 + 1000), value: 1000, status: 0 },
        { time: iso(T0 + 2000), value: 3, status: 64 },
      ]);
      const { sensorData } = dataApiProviders(dataApiTestConfig(server));
      const frame = await sensorData.getData([{ name: '1000.q', asset: '1000' }], HOUR, RES);
      expect(frame.columns[0]![0]).to.equal(1);
      expect(frame.quality).to.deep.include({ rawPoints: 1, droppedBadStatus: 2 });
    });

    it('keeps times to the millisecond and counts the points whose sub-millisecond digits it drops', async () => {
      const server = await start();
      const id = server.addSeries({ name: '1000.fine', facility: '1000' });
      server.addPoints(id, [
        { time: '2026-03-01T00:00:59.9999999Z', value: 1, status: 192 },
        { time: '2026-03-01T00:01:00.0000000Z', value: 2, status: 192 },
      ]);
      const { sensorData } = dataApiProviders(dataApiTestConfig(server));
      const frame = await sensorData.getData([{ name: '1000.fine', asset: '1000' }], HOUR, RES);
      // 00:00:59.9999999 is kept as 00:00:59.999: it stays in the first bucket rather than rounding into the next.
      expect([frame.columns[0]![0], frame.columns[0]![1]]).to.deep.equal([1, 2]);
      // The server pads every time to 7 digits; only the one with non-zero digits beyond the millisecond counts.
      expect(frame.quality).to.deep.include({ rawPoints: 2, truncatedSubMillisecond: 1 });
    });

    it('caches name lookups for series_cache_ttl, then looks again', async () => {
      const server = await start();
      const tags = seed(server, 3);
      let now = T0;
      const { sensorData } = dataApiProviders(dataApiTestConfig(server, { series_cache_ttl: '1h' }), undefined, () => now);
      const lookups = () => server.requests.filter((r) => r.method === 'GET').length;
      await sensorData.getData(tags, HOUR, RES);
      const first = lookups();
      expect(first).to.be.greaterThan(0);
      await sensorData.getData(tags, HOUR, RES);
      expect(lookups()).to.equal(first);
      now += 3_600_001;
      await sensorData.getData(tags, HOUR, RES);
      expect(lookups()).to.equal(2 * first);
    });

    it("gives every tag its own facility in per_tag mode, and the first tag's facility to all in first_tag mode", async () => {
      const server = await start();
      server.addPoints(server.addSeries({ name: 'A', facility: 'north' }), [{ time: iso(T0), value: 1, status: 192 }]);
      server.addPoints(server.addSeries({ name: 'B', facility: 'south' }), [{ time: iso(T0), value: 2, status: 192 }]);
      const tags = [
        { name: 'A', asset: '' },
        { name: 'B', asset: '' },
      ];
      const perTag = dataApiProviders(dataApiTestConfig(server, { facility: { mode: 'per_tag' } }));
      expect((await perTag.sensorData.getData(tags, HOUR, RES)).columns.map((c) => c[0])).to.deep.equal([1, 2]);
      const firstTag = dataApiProviders(dataApiTestConfig(server));
      const columns = (await firstTag.sensorData.getData(tags, HOUR, RES)).columns.map((c) => c[0]);
      expect(columns[0]).to.equal(1);
      expect(columns[1]).to.be.NaN; // B is not in facility north
    });
  });

  describe('errors', () => {
    it('retries 429 honouring Retry-After, then succeeds', async () => {
      const server = await start();
      const tags = seed(server, 1);
      server.failNext(2, 429, { retryAfterSeconds: 1, match: /query\/data/ });
      const log = new RecordingLogger();
      const { sensorData } = dataApiProviders(dataApiTestConfig(server), log);
      expect((await sensorData.getData(tags, HOUR, RES)).quality.rawPoints).to.equal(60);
      const waits = log.withMessage('retrying a Data API request').map((l) => l.fields.delayMs as number);
      expect(waits).to.have.length(2);
      expect(
        waits.every((ms) => ms >= 1000),
        `waits ${waits.join(', ')}`,
      ).to.equal(true);
    });

    it('retries a page that fails once without reading the earlier pages again', async () => {
      let armed = false;
      let pages = 0;
      // The second page of the armed read fails once (the hook runs before the server answers).
      const server: DataApiServer = await start({
        pagePoints: 20,
        onRequest: (request) => {
          if (armed && request === 'POST /query/data' && ++pages === 2) server.failNext(1, 503);
        },
      });
      const tags = seed(server, 1);
      const { sensorData } = dataApiProviders(dataApiTestConfig(server));
      await sensorData.getData(tags, HOUR, RES); // warms the name cache
      server.requests.length = 0;
      armed = true;
      expect((await sensorData.getData(tags, HOUR, RES)).quality.rawPoints).to.equal(60);
      expect(queries(server).map((r) => r.status)).to.deep.equal([200, 503, 200, 200]);
    });

    it('gives up after retry.maximum_attempts attempts with a retryable ProviderError', async () => {
      const server = await start();
      const tags = seed(server, 1);
      server.failNext(10, 503, { match: /query\/data/ });
      const { sensorData } = dataApiProviders(
        dataApiTestConfig(server, { retry: { maximum_attempts: 3, initial_interval: 1, maximum_interval: 5 } }),
      );
      const err = await sensorData.getData(tags, HOUR, RES).catch((e: unknown) => e);
      expect(err).to.be.instanceOf(ProviderError);
      expect((err as ProviderError).retryable).to.equal(true);
      expect(queries(server)).to.have.length(3);
    });

    it('reports a 4xx as permanent, quoting the API message and traceId', async () => {
      const server = await start();
      seed(server, 1);
      const { client } = dataApiProviders(dataApiTestConfig(server));
      const items = Array.from({ length: 101 }, () => ({
        id: server.allSeries()[0]!.id,
        startTime: iso(T0),
        endTime: iso(T0 + 1),
        limit: 10,
        includeOutsidePoints: false as const,
        statusFilter: [192],
      }));
      const err = await client.queryData(items, undefined).catch((e: unknown) => e);
      expect(err).to.be.instanceOf(ProviderError);
      expect((err as ProviderError).retryable).to.equal(false);
      expect((err as Error).message).to.match(/400: Too many items in request\. Maximum is 100\. \(traceId [0-9a-f-]{36}\)/);
      expect(server.requests).to.have.length(1);
    });

    describe('with Azure AD tokens', () => {
      let oauth: OAuthTokenServer;
      before(async () => {
        oauth = await OAuthTokenServer.start({ tenantId: 'tenant', clients: [{ clientId: 'app', clientSecret: 'secret-1' }] });
      });
      after(async () => {
        await oauth.close();
      });
      const credential = () =>
        parseCredentialConfig(
          {
            kind: 'client_secret',
            tenant_id: 'tenant',
            client_id: 'app',
            client_secret: 'secret-1',
            scope: 'api/.default',
            authority_host: oauth.authorityHost,
            ca_file: oauth.caFile,
            instance_discovery: false,
          },
          'sensor_data.credential',
        );

      it('refreshes an expired token once on 401 and replays the request', async () => {
        const server = await start({ authorize: (token) => oauth.isValid(token) });
        const tags = seed(server, 1);
        const config = { ...dataApiTestConfig(server), credential: credential() };
        const { sensorData } = dataApiProviders(config);
        await sensorData.getData(tags, HOUR, RES);
        const issued = oauth.issued.length;
        oauth.expireAll();
        expect((await sensorData.getData(tags, HOUR, RES)).quality.rawPoints).to.equal(60);
        expect(oauth.issued.length).to.equal(issued + 1);
        expect(queries(server).map((r) => r.status)).to.deep.equal([200, 401, 200]);
      });

      it('fails permanently, without the token in the message, when a fresh token is refused too', async () => {
        const server = await start({ authorize: () => false });
        const tags = seed(server, 1);
        const { sensorData } = dataApiProviders({ ...dataApiTestConfig(server), credential: credential() });
        const err = await sensorData.getData(tags, HOUR, RES).catch((e: unknown) => e);
        expect(err).to.be.instanceOf(ProviderError);
        expect((err as ProviderError).retryable).to.equal(false);
        expect((err as Error).message).to.include('401');
        for (const t of oauth.issued)
          expect(JSON.stringify(err, Object.getOwnPropertyNames(err)) + String((err as Error).cause)).to.not.include(t.token);
        expect(server.requests.filter((r) => r.status === 401)).to.have.length(2);
      });
    });
  });

  describe('writing', () => {
    const set = (rows: number, overrides: Record<string, unknown> = {}) => ({
      project: 'p',
      model: 'model|7',
      revision: 'r1',
      window: HOUR,
      tagNames: ['1000.flow|in', '1000.temp'],
      rows: Array.from({ length: rows }, (_, i) => ({
        timeMs: T0 + i * RES,
        outputs: [i, 2 * i],
        contributions: [0.5, 0.25],
        totalAnomaly: i,
        threshold: 3,
        isAnomaly: i > 3,
      })),
      ...overrides,
    });

    it('names output series <tag>|<model>|<operation>, replacing | inside the parts, and creates them once', async () => {
      const server = await start();
      const { storage } = dataApiProviders(dataApiTestConfig(server, { facility: { rules: [{ prefix: '1000.', facility: '1000' }] } }));
      await storage.store(set(5));
      await storage.store(set(5, { window: { fromMs: HOUR.toMs, toMs: HOUR.toMs + 3_600_000 } }));
      expect(
        server
          .allSeries()
          .map((s) => s.name)
          .sort(),
      ).to.deep.equal([
        '1000.INDICATOR|model-7|anomaly-flag',
        '1000.INDICATOR|model-7|anomaly-threshold',
        '1000.INDICATOR|model-7|total-anomaly',
        '1000.flow-in|model-7|model-output',
        '1000.flow-in|model-7|tag-anomaly',
        '1000.temp|model-7|model-output',
        '1000.temp|model-7|tag-anomaly',
      ]);
      expect(server.created).to.equal(7);
      expect(server.requests.filter((r) => r.path.endsWith('/getoradd'))).to.have.length(1);
      expect(server.allSeries().every((s) => s.facility === '1000')).to.equal(true);
    });

    it('writes numeric statuses, never NaN or Infinity, in requests of at most output.points_per_request', async () => {
      const server = await start();
      const { storage } = dataApiProviders(dataApiTestConfig(server, { facility: { default: '1000' }, output: { points_per_request: 8 } }));
      const rows = set(6).rows.map((r, i) => (i === 2 ? { ...r, outputs: [Number.NaN, Number.POSITIVE_INFINITY] } : r));
      const result = await storage.store(set(6, { rows }));
      expect(result).to.deep.equal({ written: 6, droppedNonFinite: 2 });
      const points = server.allSeries().flatMap((s) => server.pointsOf(s.id));
      expect(points).to.have.length(7 * 6 - 2);
      expect(points.every((p) => p.status === 192 && Number.isFinite(p.value))).to.equal(true);
      expect(server.requests.filter((r) => r.path.endsWith('/data'))).to.have.length(Math.ceil(40 / 8));
    });

    it('refuses a set whose facility cannot be found, naming the tags', async () => {
      const server = await start();
      const { storage } = dataApiProviders(dataApiTestConfig(server));
      const err = await storage.store(set(1)).catch((e: unknown) => e);
      expect(err).to.be.instanceOf(ProviderError);
      expect((err as ProviderError).retryable).to.equal(false);
      expect((err as Error).message)
        .to.include('"1000.flow|in"')
        .and.include('facility');
    });
  });
});
