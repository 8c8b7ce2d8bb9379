import { expect } from 'chai';
import { GordoClient } from '../../providers/gordo/client.js';
import { NotAnAnomalyDetectorError, RevisionGoneError } from '../../providers/gordo/errors.js';
import { GordoModelExecutionProvider } from '../../providers/gordo/GordoModelExecutionProvider.js';
import { GordoModelInformationProvider } from '../../providers/gordo/GordoModelInformationProvider.js';
import type { BearerTokenSource } from '../../src/credentials/BearerTokenSource.js';
import { createBearerTokenSource, parseCredentialConfig } from '../../src/credentials/index.js';
import type { SensorDataProvider } from '../../src/contracts/SensorDataProvider.js';
import { bucketStarts, emptyQualityCounts, type SensorFrame } from '../../src/domain/SensorFrame.js';
import type { SensorTag } from '../../src/domain/SensorTag.js';
import type { TimeRange } from '../../src/domain/TimeRange.js';
import { NotFoundError, ProviderError } from '../../src/runtime/errors.js';
import { silentLogger } from '../../src/runtime/logger.js';
import { GordoServer, type GordoFlavour, type GordoModelSpec } from '../servers/gordoServer.js';

const MINUTE = 60_000;
const T0 = Date.parse('2025-03-01T00:00:00Z');
const WINDOW: TimeRange = { fromMs: T0 + 60 * MINUTE, toMs: T0 + 90 * MINUTE };
const TAGS = ['GRA-LT  -21-0480.PV', 'tag "b"', 'NaN sensor'];

function spec(extra: Partial<GordoModelSpec> = {}): GordoModelSpec {
  return {
    name: 'model-a',
    tags: TAGS,
    resolution: '1T',
    trainStart: '2025-01-01T00:00:00+00:00',
    trainEnd: '2025-02-01T00:00:00+00:00',
    aggregateThreshold: 2,
    ...extra,
  };
}

/** Values for any tag: a smooth series per tag name, NaN where `gap` says. */
function frameOf(tags: readonly SensorTag[], range: TimeRange, gap: (tag: string, t: number) => boolean = () => false): SensorFrame {
  const timestamps = bucketStarts(range, MINUTE);
  const columns = tags.map((tag, i) =>
    Float64Array.from(timestamps, (t) => (gap(tag.name, t) ? Number.NaN : 10 + i + Math.sin(t / (7 * MINUTE)))),
  );
  return { range, resolutionMs: MINUTE, tags, timestamps, columns, quality: emptyQualityCounts() };
}

class GeneratedData implements SensorDataProvider {
  readonly reads: string[][] = [];
  rangeSpecifier(): string {
    return 'generated';
  }
  async getData(tags: readonly SensorTag[], range: TimeRange): Promise<SensorFrame> {
    this.reads.push(tags.map((t) => t.name));
    return frameOf(tags, range);
  }
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    () => expect.fail('expected a rejection'),
    (err: unknown) => err as Error,
  );
}

for (const flavour of ['0.57', '6.x'] as GordoFlavour[]) {
  describe(`gordo client and providers against a Gordo ${flavour} server (protocol)`, () => {
    let server: GordoServer;
    let client: GordoClient;
    let revision: string;
    beforeEach(async () => {
      server = await GordoServer.start({ flavour });
      client = new GordoClient({ baseUrl: `${server.url}/`, timeoutMs: 2_000, maxSockets: 4 });
      revision = server.deploy('plant', [spec(), spec({ name: 'model b' })], { expected: ['model-a', 'model b', 'model-c'] });
    });
    afterEach(() => server.close());

    const predictor = (sensorData: SensorDataProvider = new GeneratedData(), batchRows = 1_000) =>
      new GordoModelExecutionProvider(client, sensorData, { batchRows, parallelism: 3, metadataCacheSize: 10 }, silentLogger);
    const describe_ = (name = 'model-a') =>
      new GordoModelInformationProvider(client, { projects: ['plant'] }, silentLogger).describeModel('plant', name);

    it('reads revisions, models and expected models, each answer carrying the revision', async () => {
      expect(await client.revisions('plant')).to.deep.equal({ latest: revision, available: [revision] });
      expect(await client.models('plant', revision)).to.deep.equal(['model-a', 'model b']);
      expect(await client.expectedModels('plant', revision)).to.deep.equal(['model-a', 'model b', 'model-c']);
      expect(server.requests.slice(1).map((r) => r.revision)).to.deep.equal([revision, revision]);
    });

    it('lists built models and reports the expected-but-unbuilt one as building', async () => {
      const info = new GordoModelInformationProvider(client, { projects: ['plant'] }, silentLogger);
      expect((await info.listModels('plant')).map((m) => m.name)).to.deep.equal(['model b', 'model-a']);
      expect((await info.listModelPhases('plant')).map((m) => `${m.name}:${m.phase}`)).to.deep.equal([
        'model b:built',
        'model-a:built',
        'model-c:building',
      ]);
      expect(await predictor().status({ project: 'plant', name: 'model-c' })).to.include({ state: 'training', revision });
    });

    it('parses a metadata document holding bare NaN tokens and maps it to a model description', async () => {
      const description = await describe_('model b');
      expect(description).to.deep.include({ project: 'plant', name: 'model b', revision, resolutionMs: MINUTE, offsetRows: 0 });
      expect(description.inputTags.map((t) => t.name)).to.deep.equal(TAGS);
      expect(description.trainingRange).to.deep.equal({
        fromMs: Date.parse('2025-01-01T00:00:00Z'),
        toMs: Date.parse('2025-02-01T00:00:00Z'),
      });
    });

    it(`turns 404 (${flavour === '6.x' ? 'an HTML page' : 'JSON'}) into NotFoundError with the server's words`, async () => {
      const err = await rejection(client.metadata('plant', 'no-such-model', revision));
      expect(err).to.be.instanceOf(NotFoundError);
      expect(err.message).to.match(
        flavour === '6.x' ? /HTTP 404: Not Found The requested URL was not found/ : /HTTP 404: Model 'no-such-model' not found/,
      );
      expect(err.message).to.not.match(/[<>]/);
    });

    it('turns 410 for a missing revision into RevisionGoneError', async () => {
      const err = await rejection(client.models('plant', '1234'));
      expect(err).to.be.instanceOf(RevisionGoneError);
      expect((err as RevisionGoneError).revision).to.equal('1234');
      expect(err.message).to.contain("Revision '1234' not found.");
    });

    it('treats a 2xx HTML page for an unknown project as "not served"', async () => {
      const err = await rejection(client.revisions('elsewhere'));
      expect(err).to.be.instanceOf(NotFoundError);
      expect(err.message).to.contain('not JSON: the project is not served there');
      expect(
        await new GordoModelInformationProvider(client, { projects: ['elsewhere'] }, silentLogger).listModels('elsewhere'),
      ).to.deep.equal([]);
    });

    it('turns a 503 gateway page into a retryable ProviderError without markup, and 422 into NotAnAnomalyDetectorError', async () => {
      server.fail({ kind: 'status', status: 503, times: 1 });
      const outage = await rejection(client.models('plant', revision));
      expect(outage).to.be.instanceOf(ProviderError).and.to.include({ retryable: true });
      expect(outage.message).to.match(/HTTP 503: 503 Service Unavailable upstream connect error$/);
      server.deploy('plant', [spec({ kind: 'plain' })]);
      const refused = await rejection(
        client.predict('plant', 'model-a', server.latest('plant'), 'anomaly/prediction', '{"X": {}, "y": {}}'),
      );
      expect(refused).to.be.instanceOf(NotAnAnomalyDetectorError).and.to.include({ retryable: false });
      expect(refused.message).to.contain('Model is not an AnomalyDetector');
    });

    it('a timeout and a dropped connection are retryable', async () => {
      const impatient = new GordoClient({ baseUrl: server.url, timeoutMs: 100, maxSockets: 1 });
      server.fail({ kind: 'hang', times: 1 });
      expect(await rejection(impatient.models('plant', revision)))
        .to.be.instanceOf(ProviderError)
        .and.to.include({ retryable: true });
      server.fail({ kind: 'reset', times: 1 });
      expect(await rejection(client.models('plant', revision)))
        .to.be.instanceOf(ProviderError)
        .and.to.include({ retryable: true });
    });

    it('predicts a window: column-first answer with space-separated keys, repeated single-column keys and NaN/Infinity cells', async () => {
      server.deploy('plant', [spec({ zeroLastThreshold: true })]);
      const model = await describe_();
      const set = await predictor().execute(
        model,
        frameOf(model.inputTags, { fromMs: WINDOW.fromMs - 5 * MINUTE, toMs: WINDOW.toMs }),
        WINDOW,
      );
      expect(set.rows.map((r) => r.timeMs)).to.deep.equal(Array.from(bucketStarts(WINDOW, MINUTE)));
      const [row] = set.rows;
      const x = frameOf(model.inputTags, WINDOW).columns.map((c) => c[0]!);
      // The loopback model: output 0.95 x input; scaled anomaly |output - y| / (1 + tag index).
      row!.outputs.forEach((o, i) => expect(o).to.be.closeTo(0.95 * x[i]!, 1e-9));
      row!.contributions.forEach((c, i) => expect(c).to.be.closeTo((0.05 * x[i]!) / (1 + i), 1e-9));
      const total = row!.contributions.reduce((s, c) => s + c * c, 0) / 3;
      expect(row!.totalAnomaly).to.be.closeTo(total, 1e-9);
      expect(row).to.include({ threshold: 2, isAnomaly: total > 2 });
      expect(row!.details!['total-anomaly-confidence']).to.be.closeTo(total / 2, 1e-9);
      expect(row!.details![`anomaly-confidence:${TAGS[2]}`]).to.equal(Infinity); // feature threshold 0: Python writes Infinity
      expect(set.counts).to.deep.equal({ incomplete_rows: 0, filtered_rows: 0, unanswered_rows: 0 });
      const sent = JSON.parse(server.requests.find((r) => r.path.endsWith('/anomaly/prediction'))!.body) as {
        X: Record<string, Record<string, number>>;
      };
      expect(Object.keys(sent.X)).to.deep.equal(TAGS);
      expect(Object.keys(sent.X[TAGS[0]!]!)[0]).to.equal('2025-03-01 00:55:00+00:00');
    });

    it("splits a window into batches; a sequence model's batches overlap by its offset, so no row is lost", async () => {
      server.deploy('plant', [spec({ modelOffset: 3 })]);
      const model = await describe_();
      expect(model.offsetRows).to.equal(3);
      const set = await predictor(new GeneratedData(), 7).execute(
        model,
        frameOf(model.inputTags, { fromMs: WINDOW.fromMs - 8 * MINUTE, toMs: WINDOW.toMs }),
        WINDOW,
      );
      expect(set.rows.map((r) => r.timeMs)).to.deep.equal(Array.from(bucketStarts(WINDOW, MINUTE)));
      const posts = server.requests.filter((r) => r.path.endsWith('/anomaly/prediction'));
      expect(posts).to.have.length(Math.ceil(38 / 7));
      expect(posts.every((r) => r.revision === model.revision)).to.equal(true);
      // Without history before the window, the model's first 3 outputs are missing, and counted.
      const short = await predictor().execute(model, frameOf(model.inputTags, WINDOW), WINDOW);
      expect(short.rows).to.have.length(27);
      expect(short.counts).to.include({ unanswered_rows: 3 });
    });

    it('drops incomplete rows, applies the row filter with its buffer, and counts both', async () => {
      server.deploy('plant', [spec({ rowFilter: [`\`${TAGS[0]}\` > 0`, '`tag "b"` < 11.9'], rowFilterBufferSize: 1 })]);
      const model = await describe_();
      const frame = frameOf(
        model.inputTags,
        { fromMs: WINDOW.fromMs - 5 * MINUTE, toMs: WINDOW.toMs },
        (tag, t) => tag === TAGS[2] && t === WINDOW.fromMs + 10 * MINUTE,
      );
      const set = await predictor().execute(model, frame, WINDOW);
      const b = frame.columns[1]!;
      const failing = Array.from(frame.timestamps).filter((t, j) => !(b[j]! < 11.9) && t !== WINDOW.fromMs + 10 * MINUTE).length;
      expect(failing, 'the filter removes some rows').to.be.greaterThan(0);
      expect(set.counts!.incomplete_rows).to.equal(1);
      expect(set.counts!.filtered_rows).to.be.greaterThan(failing); // the buffer removes neighbours too
      expect(set.rows.some((r) => r.timeMs === WINDOW.fromMs + 10 * MINUTE)).to.equal(false);
    });

    it('reads target tags that are not inputs through the SensorDataProvider', async () => {
      server.deploy('plant', [spec({ targetTags: [TAGS[1]!, 'downstream flow'] })]);
      const model = await describe_();
      const data = new GeneratedData();
      const set = await predictor(data).execute(
        model,
        frameOf(model.inputTags, { fromMs: WINDOW.fromMs - 5 * MINUTE, toMs: WINDOW.toMs }),
        WINDOW,
      );
      expect(data.reads).to.deep.equal([['downstream flow']]);
      expect(set.tagNames).to.deep.equal([TAGS[1], 'downstream flow']);
      expect(set.rows).to.have.length(30);
    });

    it('on 410 re-resolves once: repeats the call while the revision is listed, else fails permanently naming the new one', async () => {
      const model = await describe_();
      const frame = frameOf(model.inputTags, { fromMs: WINDOW.fromMs - 5 * MINUTE, toMs: WINDOW.toMs });
      server.fail({ kind: 'status', status: 410, times: 1, match: (r) => r.path.endsWith('/anomaly/prediction') });
      expect((await predictor().execute(model, frame, WINDOW)).rows).to.have.length(30);
      const next = server.deploy('plant', [spec()]);
      server.removeRevision('plant', revision);
      const err = await rejection(predictor().execute(model, frame, WINDOW));
      expect(err).to.be.instanceOf(NotFoundError);
      expect(err.message).to.contain(`revision ${revision} is gone from the Gordo server (it serves ${next} now)`);
    });
  });
}

describe('gordo client authentication (protocol)', () => {
  it('sends the bearer token of the configured credential, and on a 401 drops it and asks again once', async () => {
    const server = await GordoServer.start({ bearerToken: 'secret-token' });
    try {
      const revision = server.deploy('plant', [spec()]);
      const tokens = createBearerTokenSource(parseCredentialConfig({ kind: 'static', token: 'secret-token' }, 'predictor.credential'));
      expect(
        await new GordoClient({ baseUrl: server.url, timeoutMs: 2_000, maxSockets: 2, tokens }).models('plant', revision),
      ).to.deep.equal(['model-a']);
      expect(server.requests[0]!.authorization).to.equal('Bearer secret-token');

      const issued = ['stale', 'fresh'];
      let invalidated = 0;
      const rotating: BearerTokenSource = {
        token: async () => (issued[invalidated] === 'fresh' ? 'secret-token' : 'stale'),
        invalidate: () => {
          invalidated++;
        },
      };
      expect(
        await new GordoClient({ baseUrl: server.url, timeoutMs: 2_000, maxSockets: 2, tokens: rotating }).models('plant', revision),
      ).to.deep.equal(['model-a']);
      expect(invalidated).to.equal(1);

      const wrong: BearerTokenSource = { token: async () => 'wrong', invalidate: () => {} };
      const err = await rejection(
        new GordoClient({ baseUrl: server.url, timeoutMs: 2_000, maxSockets: 2, tokens: wrong }).models('plant', revision),
      );
      expect(err).to.be.instanceOf(ProviderError).and.to.include({ retryable: false });
      expect(err.message).to.contain('HTTP 401').and.not.contain('wrong');
    } finally {
      await server.close();
    }
  });
});
