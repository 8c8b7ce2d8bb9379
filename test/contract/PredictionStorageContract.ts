import { expect } from 'chai';
import type { PredictionStorageProvider } from '../../src/contracts/PredictionStorageProvider.js';
import type { PredictionRow, PredictionSet } from '../../src/domain/Prediction.js';
import { isAbortError } from '../../src/runtime/errors.js';

/** A stored prediction as read back from the backend; NaN where a value was not stored. */
export interface StoredPrediction {
  readonly timeMs: number;
  readonly outputs: readonly number[];
  readonly contributions: readonly number[];
  readonly totalAnomaly: number;
  readonly threshold: number;
  readonly isAnomaly: boolean;
}

/** What one run of the suite needs from an implementation; made afresh for every test. */
export interface PredictionStorageSubject {
  /** Storage over an empty backend. */
  readonly storage: PredictionStorageProvider;
  /** Every stored prediction of one model revision, ordered by time. */
  readBack(project: string, model: string, revision: string): Promise<StoredPrediction[]>;
  /** Releases what makeSubject acquired (databases, servers, temporary files). */
  cleanup(): Promise<void>;
}

const T0 = Date.UTC(2026, 0, 1);
const RES = 10_000;

function row(i: number, overrides: Partial<PredictionRow> = {}): PredictionRow {
  return {
    timeMs: T0 + i * RES,
    outputs: [10 + i, 20.5 + i],
    contributions: [0.25 * i, 1.5],
    totalAnomaly: 1 + i / 4,
    threshold: 2,
    isAnomaly: 1 + i / 4 > 2,
    ...overrides,
  };
}

function predictionSet(rows: readonly PredictionRow[], overrides: Partial<PredictionSet> = {}): PredictionSet {
  return {
    project: 'plant "north"',
    model: 'compressor 1 ünï',
    revision: 'r1',
    window: { fromMs: T0, toMs: T0 + 180 * RES },
    tagNames: ['flow', 'pressure\nout'],
    rows,
    ...overrides,
  };
}

/** What readBack should return for rows stored without non-finite values. */
function expected(rows: readonly PredictionRow[]): StoredPrediction[] {
  return rows.map((r) => ({
    timeMs: r.timeMs,
    outputs: r.outputs,
    contributions: r.contributions,
    totalAnomaly: r.totalAnomaly,
    threshold: r.threshold,
    isAnomaly: r.isAnomaly,
  }));
}

/**
 * The behaviour every PredictionStorageProvider must show: idempotent upserts on (model, revision,
 * timestamp), last write wins, non-finite values dropped and counted, revisions kept apart.
 */
export function describePredictionStorageContract(name: string, makeSubject: () => Promise<PredictionStorageSubject>): void {
  describe(`PredictionStorageProvider contract: ${name}`, () => {
    let subject: PredictionStorageSubject | undefined;
    const current = (): PredictionStorageSubject => subject ?? expect.fail('makeSubject did not complete');
    const readBack = (set: PredictionSet) => current().readBack(set.project, set.model, set.revision);

    beforeEach(async () => {
      subject = await makeSubject();
    });
    afterEach(async () => {
      await subject?.cleanup();
      subject = undefined;
    });

    it('stores every row and reads them back', async () => {
      const rows = Array.from({ length: 180 }, (_, i) => row(i));
      const set = predictionSet(rows);
      expect(await current().storage.store(set)).to.deep.equal({ written: 180, droppedNonFinite: 0 });
      expect(await readBack(set)).to.deep.equal(expected(rows));
    });

    it('leaves the same rows when the same set is stored twice', async () => {
      const set = predictionSet([row(0), row(1), row(2)]);
      await current().storage.store(set);
      const first = await readBack(set);
      expect(await current().storage.store(set)).to.deep.include({ droppedNonFinite: 0 });
      expect(await readBack(set)).to.deep.equal(first);
      expect(first).to.have.length(3);
    });

    it('lets the last write win for a timestamp stored again', async () => {
      await current().storage.store(predictionSet([row(0), row(1)]));
      const changed = row(1, { outputs: [99, 98], totalAnomaly: 7, isAnomaly: true });
      const set = predictionSet([changed, row(2)]);
      await current().storage.store(set);
      expect(await readBack(set)).to.deep.equal(expected([row(0), changed, row(2)]));
    });

    it('drops NaN and infinite values, counts them, and stores the finite ones', async () => {
      const bad = row(0, { outputs: [NaN, 1], contributions: [Infinity, -Infinity], totalAnomaly: NaN });
      const set = predictionSet([bad, row(1)]);
      expect(await current().storage.store(set)).to.deep.equal({ written: 2, droppedNonFinite: 4 });
      const [stored, intact] = await readBack(set);
      expect(stored!.outputs[1]).to.equal(1);
      expect(stored!.outputs[0]).to.be.NaN;
      expect(stored!.contributions.every(Number.isNaN)).to.equal(true);
      expect(stored!.totalAnomaly).to.be.NaN;
      expect(stored!.threshold).to.equal(2);
      expect(intact).to.deep.equal(expected([row(1)])[0]);
    });

    it('keeps the rows of different revisions and models apart', async () => {
      const r1 = predictionSet([row(0)]);
      const r2 = predictionSet([row(0, { totalAnomaly: 3 })], { revision: 'r2' });
      const other = predictionSet([row(0, { totalAnomaly: 4 })], { model: 'another model' });
      for (const set of [r1, r2, other]) await current().storage.store(set);
      expect((await readBack(r1)).map((p) => p.totalAnomaly)).to.deep.equal([1]);
      expect((await readBack(r2)).map((p) => p.totalAnomaly)).to.deep.equal([3]);
      expect((await readBack(other)).map((p) => p.totalAnomaly)).to.deep.equal([4]);
    });

    it('stores an empty set as nothing', async () => {
      const set = predictionSet([]);
      expect(await current().storage.store(set)).to.deep.equal({ written: 0, droppedNonFinite: 0 });
      expect(await readBack(set)).to.deep.equal([]);
    });

    it('rejects with an AbortError when the signal has fired, storing nothing', async () => {
      const controller = new AbortController();
      controller.abort();
      const set = predictionSet([row(0)]);
      const err = await current()
        .storage.store(set, { signal: controller.signal })
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(isAbortError(err), `expected an AbortError, got ${String(err)}`).to.equal(true);
      expect(await readBack(set)).to.deep.equal([]);
    });
  });
}
