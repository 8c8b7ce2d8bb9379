import { expect } from 'chai';
import { parseEmbeddedModelInfoConfig } from '../../../providers/embedded/config.js';
import { EmbeddedModelRegistry, modelRevision, type ModelDefinition } from '../../../providers/embedded/EmbeddedModelRegistry.js';
import { EmbeddedSensorStore } from '../../../providers/embedded/EmbeddedSensorStore.js';
import { ConfigError, InvalidDataError, NotFoundError } from '../../../src/runtime/errors.js';
import { silentLogger } from '../../../src/runtime/logger.js';
import { openTempDatabase, type TempDatabase } from './tempDatabase.js';

const T0 = Date.UTC(2026, 0, 1);

function definition(overrides: Partial<ModelDefinition> = {}): ModelDefinition {
  return {
    project: 'plant',
    name: 'pump',
    inputTags: ['flow', 'head'],
    resolutionMs: 10_000,
    trainingRange: { fromMs: T0, toMs: T0 + 86_400_000 },
    ...overrides,
  };
}

const declared = {
  models: [
    {
      project: 'plant',
      name: 'declared',
      tags: ['flow', 'head'],
      resolution: '1m',
      training_from: '2026-01-01T00:00:00Z',
      training_to: '2026-01-02T00:00:00Z',
    },
  ],
};

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.fail('expected a rejection'),
    (err: unknown) => err,
  );
}

describe('EmbeddedModelRegistry', () => {
  let temp: TempDatabase;
  let sensors: EmbeddedSensorStore;

  beforeEach(async () => {
    temp = await openTempDatabase();
    sensors = new EmbeddedSensorStore(temp.db, silentLogger);
    await sensors.upsertSensors([
      { name: 'flow', asset: 'pump', unit: 'm3/h' },
      { name: 'head', asset: 'pump' },
    ]);
  });
  afterEach(async () => {
    await temp.cleanup();
  });

  const registryWith = (config: unknown = {}) =>
    new EmbeddedModelRegistry(temp.db, parseEmbeddedModelInfoConfig(config, 'model_info'), silentLogger);

  describe('modelRevision', () => {
    it('is 12 hex characters that ignore key order and an omitted targetTags equal to the inputs', () => {
      const a = modelRevision(definition({ parameters: { confidence: 0.99, explained_variance: 0.9 } }));
      const b = modelRevision({
        ...definition({ targetTags: ['flow', 'head'] }),
        parameters: { explained_variance: 0.9, confidence: 0.99 },
      });
      expect(a).to.match(/^[0-9a-f]{12}$/);
      expect(b).to.equal(a);
    });

    it('changes with every part of the definition but not with its project or name', () => {
      const base = modelRevision(definition());
      const variants = [
        definition({ inputTags: ['head', 'flow'] }),
        definition({ targetTags: ['flow'] }),
        definition({ resolutionMs: 20_000 }),
        definition({ trainingRange: { fromMs: T0, toMs: T0 + 1 } }),
        definition({ parameters: { confidence: 0.9 } }),
      ];
      for (const variant of variants) expect(modelRevision(variant), JSON.stringify(variant)).to.not.equal(base);
      expect(modelRevision(definition({ project: 'other', name: 'other' }))).to.equal(base);
    });
  });

  it('serves models declared in the configuration beside stored ones; the configuration wins a clash', async () => {
    const registry = registryWith(declared);
    await registry.saveModels([definition(), definition({ name: 'declared', resolutionMs: 5_000 })]);
    const models = await registry.listModels('plant');
    expect(models.map((m) => m.name)).to.deep.equal(['declared', 'pump']);
    const description = await registry.describeModel('plant', 'declared');
    expect(description).to.deep.include({ resolutionMs: 60_000, revision: models[0]!.revision });
    expect(description.trainingRange).to.deep.equal({ fromMs: T0, toMs: T0 + 86_400_000 });
    expect(await registry.listProjects()).to.deep.equal(['plant']);
  });

  it('refuses a declared model with a reversed training range as a configuration error', () => {
    const reversed = { models: [{ ...declared.models[0], training_from: '2026-01-02T00:00:00Z', training_to: '2026-01-01T00:00:00Z' }] };
    expect(() => registryWith(reversed)).to.throw(ConfigError, /model_info\.models\.0/);
  });

  it('returns the revision saveModel reports, and the parameters of the definition', async () => {
    const registry = registryWith();
    const saved = await registry.saveModel(definition({ parameters: { explained_variance: 0.9 } }));
    expect(saved).to.deep.equal({
      project: 'plant',
      name: 'pump',
      revision: modelRevision(definition({ parameters: { explained_variance: 0.9 } })),
    });
    const description = await registry.describeModel('plant', 'pump', { revision: saved.revision });
    expect(description.parameters).to.deep.equal({ explained_variance: 0.9 });
    expect(description.inputTags).to.deep.equal([
      { name: 'flow', asset: 'pump', unit: 'm3/h' },
      { name: 'head', asset: 'pump' },
    ]);
  });

  it('refuses an invalid definition on save, naming the model', async () => {
    const err = await rejection(registryWith().saveModel(definition({ inputTags: [] })));
    expect(err).to.be.instanceOf(InvalidDataError);
    expect((err as Error).message)
      .to.include('plant/pump')
      .and.include('inputTags');
  });

  it('says a pinned revision is gone once the definition changed', async () => {
    const registry = registryWith();
    const old = await registry.saveModel(definition());
    await registry.saveModel(definition({ resolutionMs: 30_000 }));
    const err = await rejection(registry.describeModel('plant', 'pump', { revision: old.revision }));
    expect(err).to.be.instanceOf(NotFoundError);
    expect((err as Error).message)
      .to.include(old.revision)
      .and.include('is gone');
  });

  it('skips a stored definition that is not valid when listing, and refuses to describe it', async () => {
    const registry = registryWith();
    await registry.saveModel(definition());
    await temp.db.dataSource.query(
      'INSERT INTO model_definition (project, name, definition, created_at, updated_at) VALUES (?, ?, ?, 0, 0)',
      ['plant', 'broken', '{"inputTags": 5'],
    );
    expect((await registry.listModels('plant')).map((m) => m.name)).to.deep.equal(['pump']);
    expect(await registry.modelExists('plant', 'broken')).to.equal(true);
    expect(await rejection(registry.describeModel('plant', 'broken'))).to.be.instanceOf(InvalidDataError);
  });

  it('keeps describing a revision from its cache, and does not cache tags missing from the sensor store', async () => {
    const registry = registryWith();
    await registry.saveModel(definition({ inputTags: ['flow', 'later'] }));
    const first = await registry.describeModel('plant', 'pump');
    expect(first.inputTags[1]).to.deep.equal({ name: 'later', asset: '' });
    await sensors.upsertSensors([
      { name: 'later', asset: 'pump', unit: 'bar' },
      { name: 'flow', asset: 'renamed' },
    ]);
    const second = await registry.describeModel('plant', 'pump');
    expect(second.inputTags).to.deep.equal([
      { name: 'flow', asset: 'renamed' },
      { name: 'later', asset: 'pump', unit: 'bar' },
    ]);
    await sensors.upsertSensors([{ name: 'flow', asset: 'renamed again' }]);
    // Same revision: served from the cache, which revisions as content hashes make safe.
    expect(await registry.describeModel('plant', 'pump')).to.equal(second);
  });

  it('keeps only the most recently described models: one pushed out is described afresh from the sensor store', async () => {
    const registry = new EmbeddedModelRegistry(temp.db, parseEmbeddedModelInfoConfig({}, 'model_info'), silentLogger, {
      maxDescribedModels: 2,
    });
    await registry.saveModels(['a', 'b', 'c'].map((name) => definition({ name })));
    const first = await registry.describeModel('plant', 'a');
    await registry.describeModel('plant', 'b');
    await sensors.upsertSensors([{ name: 'flow', asset: 'moved', unit: 'm3/h' }]);
    // b was used last: a is still cached, so the change is not seen yet (the cache test above says why that is safe).
    expect(await registry.describeModel('plant', 'a')).to.equal(first);
    await registry.describeModel('plant', 'c'); // pushes out b, the least recently used
    await registry.describeModel('plant', 'a');
    const bAgain = await registry.describeModel('plant', 'b');
    expect(bAgain.inputTags[0]).to.deep.equal({ name: 'flow', asset: 'moved', unit: 'm3/h' });
    await registry.describeModel('plant', 'c'); // pushes out a
    const aAgain = await registry.describeModel('plant', 'a');
    expect(aAgain).to.not.equal(first);
    expect(aAgain.inputTags[0]).to.deep.equal({ name: 'flow', asset: 'moved', unit: 'm3/h' });
    expect(aAgain.revision).to.equal(first.revision);
  });

  it('reuses an unchanged listing, and lists what another registry (another process) saved, changed or deleted since', async () => {
    const lister = registryWith();
    const other = registryWith();
    await other.saveModels([definition({ name: 'b' }), definition({ name: 'a' })]);
    const first = await lister.listModels('plant');
    expect(first.map((m) => m.name)).to.deep.equal(['a', 'b']);
    const again = await lister.listModels('plant');
    expect(again).to.deep.equal(first);
    expect(again[0]).to.equal(first[0], 'an unchanged listing is reused, not rebuilt');

    const changed = await other.saveModel(definition({ name: 'a', resolutionMs: 60_000 }));
    await other.saveModel(definition({ name: 'c' }));
    expect((await lister.listModels('plant')).map((m) => [m.name, m.revision])).to.deep.equal([
      ['a', changed.revision],
      ['b', first[1]!.revision],
      ['c', modelRevision(definition({ name: 'c' }))],
    ]);
    await other.deleteModel({ project: 'plant', name: 'b' });
    // Deleted and another saved: as many rows as before, yet a different listing.
    await other.saveModel(definition({ name: 'd' }));
    expect((await lister.listModels('plant')).map((m) => m.name)).to.deep.equal(['a', 'c', 'd']);
  });

  it('lists every model of a project larger than one read of stamps (1,000), once each and by name', async () => {
    const names = Array.from({ length: 2_345 }, (_, i) => `m-${String(i).padStart(4, '0')}`);
    await registryWith().saveModels([...names].reverse().map((name) => definition({ name })));
    const lister = registryWith();
    expect((await lister.listModels('plant')).map((m) => m.name)).to.deep.equal(names);
    await registryWith().deleteModel({ project: 'plant', name: 'm-1000' });
    expect((await lister.listModels('plant')).map((m) => m.name)).to.deep.equal(names.filter((n) => n !== 'm-1000'));
  });

  it('as a ModelWriter, deletes a stored model (false when absent) and refuses to delete a declared one', async () => {
    await sensors.upsertSensors([
      { name: 'flow', asset: 'pump' },
      { name: 'head', asset: 'pump' },
    ]);
    const registry = new EmbeddedModelRegistry(temp.db, parseEmbeddedModelInfoConfig(declared, 'model_info'), silentLogger);
    await registry.saveModels([definition()]);
    expect(await registry.modelExists('plant', 'pump')).to.equal(true);
    expect(await registry.deleteModel({ project: 'plant', name: 'pump' })).to.equal(true);
    expect(await registry.modelExists('plant', 'pump')).to.equal(false);
    expect(await registry.deleteModel({ project: 'plant', name: 'pump' })).to.equal(false);
    const err = await rejection(registry.deleteModel({ project: 'plant', name: 'declared' }));
    expect(err).to.be.instanceOf(InvalidDataError).with.property('message').that.includes('model_info.models');
  });
});
