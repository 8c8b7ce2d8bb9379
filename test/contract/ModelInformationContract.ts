import { expect } from 'chai';
import type { ModelInformationProvider } from '../../src/contracts/ModelInformationProvider.js';
import type { SensorTag } from '../../src/domain/SensorTag.js';
import type { TimeRange } from '../../src/domain/TimeRange.js';
import { isAbortError, NotFoundError } from '../../src/runtime/errors.js';

/** A model the suite asks the backend to hold. */
export interface SeedModel {
  readonly project: string;
  readonly name: string;
  readonly inputTags: readonly SensorTag[];
  /** Omitted: the model predicts its input tags. */
  readonly targetTags?: readonly SensorTag[];
  readonly resolutionMs: number;
  readonly trainingRange: TimeRange;
}

/** What one run of the suite needs from an implementation; made afresh for every test. */
export interface ModelInformationSubject {
  /** A provider over an empty catalogue. */
  readonly provider: ModelInformationProvider;
  /** Creates the models, or replaces their definitions when they exist (the sensors they name included). */
  seed(models: readonly SeedModel[]): Promise<void>;
  /** Releases what makeSubject acquired (databases, servers, temporary files). */
  cleanup(): Promise<void>;
}

const T0 = Date.UTC(2026, 0, 1);
const flow: SensorTag = { name: 'flow "in"', asset: 'compressor 1', unit: 'm3/h' };
const pressure: SensorTag = { name: 'pressure', asset: 'compressor 1', unit: 'bar' };
const temperature: SensorTag = { name: 'temperature', asset: 'compressor 1' };

function model(project: string, name: string, overrides: Partial<SeedModel> = {}): SeedModel {
  return {
    project,
    name,
    inputTags: [flow, pressure, temperature],
    resolutionMs: 10_000,
    trainingRange: { fromMs: T0, toMs: T0 + 86_400_000 },
    ...overrides,
  };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.fail('expected a rejection'),
    (err: unknown) => err,
  );
}

/**
 * The behaviour every ModelInformationProvider must show: ordered listings, revisions that are stable
 * while the definition is and change with it, NotFoundError for missing models and revisions.
 */
export function describeModelInformationContract(name: string, makeSubject: () => Promise<ModelInformationSubject>): void {
  describe(`ModelInformationProvider contract: ${name}`, () => {
    let subject: ModelInformationSubject | undefined;
    const current = (): ModelInformationSubject => subject ?? expect.fail('makeSubject did not complete');
    const provider = () => current().provider;

    beforeEach(async () => {
      subject = await makeSubject();
    });
    afterEach(async () => {
      await subject?.cleanup();
      subject = undefined;
    });

    it('lists each project once, ordered', async () => {
      await current().seed([model('west', 'b'), model('East', 'a'), model('west', 'a')]);
      expect(await provider().listProjects()).to.deep.equal(['East', 'west']);
    });

    it("lists a project's models ordered by name, each with a revision", async () => {
      await current().seed([model('p', 'zeta'), model('p', 'Alpha'), model('p', 'beta'), model('other', 'gamma')]);
      const models = await provider().listModels('p');
      expect(models.map((m) => m.name)).to.deep.equal(['Alpha', 'beta', 'zeta']);
      for (const m of models) {
        expect(m.project).to.equal('p');
        expect(m.revision).to.be.a('string').and.not.be.empty;
      }
    });

    it('lists no models for an unknown project', async () => {
      await current().seed([model('p', 'a')]);
      expect(await provider().listModels('unknown')).to.deep.equal([]);
    });

    it('says whether a model exists in a project', async () => {
      await current().seed([model('p', 'a')]);
      expect(await provider().modelExists('p', 'a')).to.equal(true);
      expect(await provider().modelExists('p', 'b')).to.equal(false);
      expect(await provider().modelExists('q', 'a')).to.equal(false);
    });

    it('describes a model at its listed revision: tags in order with asset and unit, resolution, training range', async () => {
      const seeded = model('p', 'a', { targetTags: [pressure] });
      await current().seed([seeded]);
      const [listed] = await provider().listModels('p');
      const description = await provider().describeModel('p', 'a');
      expect(description).to.deep.include({
        project: 'p',
        name: 'a',
        revision: listed!.revision,
        resolutionMs: 10_000,
        trainingRange: seeded.trainingRange,
      });
      expect(description.inputTags).to.deep.equal([flow, pressure, temperature]);
      expect(description.targetTags).to.deep.equal([pressure]);
      expect(await provider().describeModel('p', 'a', { revision: listed!.revision })).to.deep.equal(description);
    });

    it('predicts the input tags when a model names no target tags', async () => {
      await current().seed([model('p', 'a')]);
      expect((await provider().describeModel('p', 'a')).targetTags).to.deep.equal([flow, pressure, temperature]);
    });

    it('throws NotFoundError for an unknown model and for a revision that never existed', async () => {
      await current().seed([model('p', 'a')]);
      expect(await rejection(provider().describeModel('p', 'nope'))).to.be.instanceOf(NotFoundError);
      expect(await rejection(provider().describeModel('q', 'a'))).to.be.instanceOf(NotFoundError);
      expect(await rejection(provider().describeModel('p', 'a', { revision: 'no-such-revision' }))).to.be.instanceOf(NotFoundError);
    });

    it('keeps the revision while the definition stays the same', async () => {
      await current().seed([model('p', 'a')]);
      const [before] = await provider().listModels('p');
      await current().seed([model('p', 'a')]);
      const [after] = await provider().listModels('p');
      expect(after!.revision).to.equal(before!.revision);
    });

    it('gives a changed definition a new revision; the old one is gone or still describes the old definition', async () => {
      await current().seed([model('p', 'a')]);
      const [before] = await provider().listModels('p');
      await current().seed([model('p', 'a', { resolutionMs: 60_000 })]);
      const [after] = await provider().listModels('p');
      expect(after!.revision).to.not.equal(before!.revision);
      expect((await provider().describeModel('p', 'a')).resolutionMs).to.equal(60_000);
      expect((await provider().describeModel('p', 'a', { revision: after!.revision })).resolutionMs).to.equal(60_000);
      // Backends differ: some keep old revisions, others (the embedded registry) serve only the current one.
      const old = await provider()
        .describeModel('p', 'a', { revision: before!.revision })
        .catch((err: unknown) => err);
      if (old instanceof NotFoundError) return;
      expect(old).to.deep.include({ revision: before!.revision, resolutionMs: 10_000 });
    });

    it('rejects with an AbortError when the signal has fired', async () => {
      const controller = new AbortController();
      controller.abort();
      const err = await rejection(provider().listModels('p', { signal: controller.signal }));
      expect(isAbortError(err), `expected an AbortError, got ${String(err)}`).to.equal(true);
    });
  });
}
