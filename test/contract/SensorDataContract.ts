import { expect } from 'chai';
import type { SensorDataProvider } from '../../src/contracts/SensorDataProvider.js';
import { bucketStarts } from '../../src/domain/SensorFrame.js';
import type { SensorTag } from '../../src/domain/SensorTag.js';
import type { TimeRange } from '../../src/domain/TimeRange.js';
import { isAbortError } from '../../src/runtime/errors.js';

/** A raw point as the backend stores it. */
export interface SeedPoint {
  readonly tag: string;
  readonly timeMs: number;
  readonly value: number;
}

/** What one run of the suite needs from an implementation; made afresh for every test. */
export interface SensorDataSubject {
  /** A provider over an empty source. */
  readonly provider: SensorDataProvider;
  /** Stores sensors and raw points in the backend the provider reads. Called at most once per test. */
  seed(tags: readonly SensorTag[], points: readonly SeedPoint[]): Promise<void>;
  /** Releases what makeSubject acquired (databases, servers, temporary files). */
  cleanup(): Promise<void>;
}

/** Names a provider must quote or escape, never reject (SensorTag). */
export const awkwardTagNames: readonly string[] = [
  `it's "quoted"`,
  'with  spaces ',
  'ünïcödé 温度 🌡',
  'line\nbreak',
  `back\\slash'); DROP TABLE sensor; --`,
  '${interpolation}',
];

const T0 = Date.UTC(2026, 0, 1); // aligned to every resolution below
const RES = 10_000;

/**
 * The behaviour every SensorDataProvider must show: columns in the order asked, left-labelled mean
 * buckets aligned to the resolution, NaN for empty buckets and unknown tags, awkward names intact.
 */
export function describeSensorDataContract(name: string, makeSubject: () => Promise<SensorDataSubject>): void {
  describe(`SensorDataProvider contract: ${name}`, () => {
    let subject: SensorDataSubject | undefined;
    const current = (): SensorDataSubject => subject ?? expect.fail('makeSubject did not complete');

    beforeEach(async () => {
      subject = await makeSubject();
    });
    afterEach(async () => {
      await subject?.cleanup();
      subject = undefined;
    });

    const tag = (n: string): SensorTag => ({ name: n, asset: 'compressor 1' });
    const range: TimeRange = { fromMs: T0, toMs: T0 + 4 * RES };
    const values = (column: Float64Array | undefined) => Array.from(column ?? [], (v) => (Number.isNaN(v) ? 'NaN' : v));

    it('returns one column per requested tag, in the requested order, on bucketStarts timestamps', async () => {
      const [a, b] = [tag('a'), tag('b')];
      await current().seed(
        [a, b],
        [
          { tag: 'a', timeMs: T0, value: 1 },
          { tag: 'b', timeMs: T0, value: 2 },
        ],
      );
      const frame = await current().provider.getData([b, a], range, RES);
      expect(frame.tags.map((t) => t.name)).to.deep.equal(['b', 'a']);
      expect(Array.from(frame.timestamps)).to.deep.equal(Array.from(bucketStarts(range, RES)));
      expect(frame.columns.map((c) => c[0])).to.deep.equal([2, 1]);
      expect(frame.resolutionMs).to.equal(RES);
      expect(frame.range).to.deep.equal(range);
    });

    it('averages the points of each left-labelled bucket; a point on a boundary opens the next bucket', async () => {
      await current().seed(
        [tag('a')],
        [
          { tag: 'a', timeMs: T0, value: 1 },
          { tag: 'a', timeMs: T0 + 4_000, value: 3 },
          { tag: 'a', timeMs: T0 + RES - 1, value: 5 },
          { tag: 'a', timeMs: T0 + RES, value: 10 },
          { tag: 'a', timeMs: T0 + 3 * RES + 1, value: 7 },
        ],
      );
      const frame = await current().provider.getData([tag('a')], range, RES);
      expect(values(frame.columns[0])).to.deep.equal([3, 10, 'NaN', 7]);
    });

    it('ignores points before the range and at its end', async () => {
      await current().seed(
        [tag('a')],
        [
          { tag: 'a', timeMs: T0 - 1, value: 100 },
          { tag: 'a', timeMs: T0 + 1, value: 1 },
          { tag: 'a', timeMs: range.toMs - 1, value: 2 },
          { tag: 'a', timeMs: range.toMs, value: 200 },
        ],
      );
      const frame = await current().provider.getData([tag('a')], range, RES);
      expect(values(frame.columns[0])).to.deep.equal([1, 'NaN', 'NaN', 2]);
    });

    it('starts at the first bucket aligned to the resolution when the range is not aligned', async () => {
      await current().seed(
        [tag('a')],
        [
          { tag: 'a', timeMs: T0 + 3_000, value: 9 },
          { tag: 'a', timeMs: T0 + RES + 1, value: 4 },
        ],
      );
      const frame = await current().provider.getData([tag('a')], { fromMs: T0 + 2_000, toMs: T0 + 3 * RES }, RES);
      expect(Array.from(frame.timestamps)).to.deep.equal([T0 + RES, T0 + 2 * RES]);
      expect(values(frame.columns[0])).to.deep.equal([4, 'NaN']);
    });

    it('leaves empty buckets NaN and counts them', async () => {
      await current().seed([tag('a')], [{ tag: 'a', timeMs: T0 + RES, value: 1 }]);
      const frame = await current().provider.getData([tag('a')], range, RES);
      expect(values(frame.columns[0])).to.deep.equal(['NaN', 1, 'NaN', 'NaN']);
      expect(frame.quality.emptyBuckets).to.equal(3);
    });

    it("with rows: 'present', holds every bucket with a value, with the full frame's values and counts", async () => {
      const [a, b] = [tag('a'), tag('b')];
      await current().seed(
        [a, b],
        [
          { tag: 'a', timeMs: T0, value: 1 },
          { tag: 'b', timeMs: T0 + 2 * RES + 1, value: 5 },
        ],
      );
      const full = await current().provider.getData([a, b], range, RES);
      const present = await current().provider.getData([a, b], range, RES, { rows: 'present' });
      const times = Array.from(present.timestamps);
      // A provider may return every bucket anyway; one that honours the option returns the two with data.
      if (times.length !== full.timestamps.length) expect(times).to.deep.equal([T0, T0 + 2 * RES]);
      const fullRow = (t: number) => Array.from(full.timestamps).indexOf(t);
      for (let c = 0; c < 2; c++) {
        expect(values(present.columns[c]), `column ${c}`).to.deep.equal(times.map((t) => values(full.columns[c])[fullRow(t)]));
      }
      expect(present.quality).to.deep.equal(full.quality);
    });

    it('yields a NaN column, not an error, for an unknown tag and for a tag without points', async () => {
      await current().seed([tag('a'), tag('quiet')], [{ tag: 'a', timeMs: T0, value: 1 }]);
      const frame = await current().provider.getData([tag('a'), tag('never seen'), tag('quiet')], range, RES);
      expect(frame.columns[0]![0]).to.equal(1);
      expect(values(frame.columns[1])).to.deep.equal(['NaN', 'NaN', 'NaN', 'NaN']);
      expect(values(frame.columns[2])).to.deep.equal(['NaN', 'NaN', 'NaN', 'NaN']);
    });

    it('keeps a NaN value out of the bucket mean', async () => {
      await current().seed(
        [tag('a')],
        [
          { tag: 'a', timeMs: T0, value: 4 },
          { tag: 'a', timeMs: T0 + 1, value: NaN },
        ],
      );
      const frame = await current().provider.getData([tag('a')], range, RES);
      expect(frame.columns[0]![0]).to.equal(4);
    });

    it('round-trips tag names with quotes, spaces, unicode and newlines', async () => {
      const tags = awkwardTagNames.map(tag);
      await current().seed(
        tags,
        tags.map((t, i) => ({ tag: t.name, timeMs: T0 + RES, value: i + 1 })),
      );
      const frame = await current().provider.getData(tags, range, RES);
      expect(frame.tags.map((t) => t.name)).to.deep.equal([...awkwardTagNames]);
      expect(frame.columns.map((c) => c[1])).to.deep.equal(tags.map((_, i) => i + 1));
      expect(current().provider.rangeSpecifier(tags, range, RES)).to.be.a('string').and.not.be.empty;
    });

    it('describes its read with rangeSpecifier, the same way for the same arguments', async () => {
      const specifier = current().provider.rangeSpecifier([tag('a'), tag('b')], range, RES);
      expect(specifier).to.be.a('string').and.not.be.empty;
      expect(current().provider.rangeSpecifier([tag('a'), tag('b')], range, RES)).to.equal(specifier);
      expect(current().provider.rangeSpecifier([tag('a'), tag('b')], { fromMs: T0, toMs: T0 + 9 * RES }, RES)).to.not.equal(specifier);
    });

    it('rejects with an AbortError when the signal has fired', async () => {
      await current().seed([tag('a')], [{ tag: 'a', timeMs: T0, value: 1 }]);
      const controller = new AbortController();
      controller.abort();
      const err = await current()
        .provider.getData([tag('a')], range, RES, { signal: controller.signal })
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(isAbortError(err), `expected an AbortError, got ${String(err)}`).to.equal(true);
    });
  });
}
