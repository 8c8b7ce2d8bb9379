import { expect } from 'chai';
import type { ModelExecutionProvider } from '../../src/contracts/ModelExecutionProvider.js';
import type { ModelDescription } from '../../src/domain/ModelDescription.js';
import { bucketStarts, type SensorFrame } from '../../src/domain/SensorFrame.js';
import type { TimeRange } from '../../src/domain/TimeRange.js';
import { InsufficientDataError, isAbortError } from '../../src/runtime/errors.js';

/** What one run of the suite needs from an implementation; made afresh for every test. */
export interface ModelExecutionSubject {
  readonly provider: ModelExecutionProvider;
  /** A model the provider can register and execute; its inputs and training data are the subject's business. */
  readonly model: ModelDescription;
  /** Complete, fault-free data of the model's input tags over `range` at the model's resolution. */
  normalFrame(range: TimeRange): SensorFrame | Promise<SensorFrame>;
  /** Releases what makeSubject acquired (databases, servers, temporary files). */
  cleanup(): Promise<void>;
}

/**
 * The behaviour every ModelExecutionProvider must show. Run it from a mocha file:
 * `describeModelExecutionContract('my provider', async () => ({ provider, model, normalFrame, cleanup }))`.
 */
export function describeModelExecutionContract(name: string, makeSubject: () => Promise<ModelExecutionSubject>): void {
  describe(`ModelExecutionProvider contract: ${name}`, () => {
    let subject: ModelExecutionSubject | undefined;
    const current = (): ModelExecutionSubject => subject ?? expect.fail('makeSubject did not complete');

    beforeEach(async () => {
      subject = await makeSubject();
    });
    afterEach(async () => {
      await subject?.cleanup();
      subject = undefined;
    });

    /** 30 rows, well after the training range, on the model's resolution grid. */
    function windowOf(model: ModelDescription): TimeRange {
      const start = (Math.ceil(model.trainingRange.toMs / model.resolutionMs) + 100) * model.resolutionMs;
      return { fromMs: start, toMs: start + 30 * model.resolutionMs };
    }

    /** The window widened by the model's history rows plus some, and some rows after it. */
    async function frameAround(window: TimeRange): Promise<SensorFrame> {
      const { model } = current();
      const before = ((model.offsetRows ?? 0) + 5) * model.resolutionMs;
      return current().normalFrame({ fromMs: window.fromMs - before, toMs: window.toMs + 3 * model.resolutionMs });
    }

    async function registered(): Promise<{ provider: ModelExecutionProvider; model: ModelDescription }> {
      const { provider, model } = current();
      await provider.register(model);
      return { provider, model };
    }

    it('register() is idempotent and reports the model ready at its revision', async () => {
      const { provider, model } = current();
      const first = await provider.register(model);
      const second = await provider.register(model);
      expect(first).to.include({ state: 'ready', revision: model.revision });
      expect(second).to.include({ state: 'ready', revision: model.revision });
    });

    it('status() reports a registered model ready at the registered revision', async () => {
      const { provider, model } = await registered();
      const status = await provider.status({ project: model.project, name: model.name, revision: model.revision });
      expect(status).to.include({ state: 'ready', revision: model.revision });
    });

    it('status() reports a model it has never seen as not registered', async () => {
      const { provider, model } = current();
      const status = await provider.status({ project: model.project, name: `${model.name}-never-registered` });
      expect(status.state).to.equal('not_registered');
    });

    it('execute() returns one row per timestamp of the window, in time order, none outside it', async () => {
      const { provider, model } = await registered();
      const window = windowOf(model);
      const set = await provider.execute(model, await frameAround(window), window);
      expect(set.rows.map((row) => row.timeMs)).to.deep.equal(Array.from(bucketStarts(window, model.resolutionMs)));
    });

    it('execute() labels the set with the model, its revision, the window and the target tag names', async () => {
      const { provider, model } = await registered();
      const window = windowOf(model);
      const set = await provider.execute(model, await frameAround(window), window);
      expect(set).to.include({ project: model.project, model: model.name, revision: model.revision });
      expect(set.window).to.deep.equal(window);
      expect(set.tagNames).to.deep.equal(model.targetTags.map((tag) => tag.name));
    });

    it('execute() aligns outputs and contributions with tagNames and scores every row finitely', async () => {
      const { provider, model } = await registered();
      const window = windowOf(model);
      const set = await provider.execute(model, await frameAround(window), window);
      for (const row of set.rows) {
        expect(row.outputs).to.have.length(set.tagNames.length);
        expect(row.contributions).to.have.length(set.tagNames.length);
        expect(row.outputs.every(Number.isFinite), 'finite outputs').to.equal(true);
        expect(
          row.contributions.every((value) => Number.isFinite(value) && value >= 0),
          'non-negative contributions',
        ).to.equal(true);
        expect(Number.isFinite(row.totalAnomaly) && Number.isFinite(row.threshold), 'finite score and threshold').to.equal(true);
      }
    });

    it('execute() flags exactly the rows whose total anomaly exceeds the threshold', async () => {
      const { provider, model } = await registered();
      const window = windowOf(model);
      const set = await provider.execute(model, await frameAround(window), window);
      for (const row of set.rows) expect(row.isAnomaly, `row ${row.timeMs}`).to.equal(row.totalAnomaly > row.threshold);
    });

    it('execute() gives the same predictions for the same data (stores rely on it to be idempotent)', async () => {
      const { provider, model } = await registered();
      const window = windowOf(model);
      const frame = await frameAround(window);
      expect(await provider.execute(model, frame, window)).to.deep.equal(await provider.execute(model, frame, window));
    });

    it('execute() throws InsufficientDataError when every value of the window is missing', async () => {
      const { provider, model } = await registered();
      const window = windowOf(model);
      const frame = await frameAround(window);
      const missing: SensorFrame = { ...frame, columns: frame.columns.map((column) => new Float64Array(column.length).fill(Number.NaN)) };
      await expectRejection(
        provider.execute(model, missing, window),
        (err) => err instanceof InsufficientDataError,
        'InsufficientDataError',
      );
    });

    it('execute() throws InsufficientDataError when the data has no row inside the window', async () => {
      const { provider, model } = await registered();
      const window = windowOf(model);
      const before = await current().normalFrame({ fromMs: window.fromMs - 10 * model.resolutionMs, toMs: window.fromMs });
      await expectRejection(
        provider.execute(model, before, window),
        (err) => err instanceof InsufficientDataError,
        'InsufficientDataError',
      );
    });

    it('execute() rejects with an AbortError when its signal has fired', async () => {
      const { provider, model } = await registered();
      const window = windowOf(model);
      const frame = await frameAround(window);
      const controller = new AbortController();
      controller.abort();
      await expectRejection(provider.execute(model, frame, window, { signal: controller.signal }), isAbortError, 'AbortError');
    });

    it('unregister() ignores a model it does not know', async () => {
      const { provider, model } = current();
      await provider.unregister({ project: model.project, name: `${model.name}-never-registered` });
    });

    it('a model can be registered and executed again after unregister()', async () => {
      const { provider, model } = await registered();
      await provider.unregister(model);
      expect(await provider.register(model)).to.include({ state: 'ready', revision: model.revision });
      const window = windowOf(model);
      expect((await provider.execute(model, await frameAround(window), window)).rows).to.not.be.empty;
    });
  });
}

async function expectRejection(promise: Promise<unknown>, matches: (err: unknown) => boolean, expected: string): Promise<void> {
  let outcome: unknown;
  try {
    outcome = await promise;
  } catch (err) {
    expect(matches(err), `expected ${expected}, got ${String(err)}`).to.equal(true);
    return;
  }
  expect.fail(`expected a rejection with ${expected}, but it resolved with ${JSON.stringify(outcome)?.slice(0, 200)}`);
}
