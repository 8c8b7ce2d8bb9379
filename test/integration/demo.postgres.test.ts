import { expect } from 'chai';
import { DatabasePredictionStorage } from '../../providers/embedded/DatabasePredictionStorage.js';
import { EmbeddedModelRegistry } from '../../providers/embedded/EmbeddedModelRegistry.js';
import { EmbeddedSensorStore } from '../../providers/embedded/EmbeddedSensorStore.js';
import { parseEmbeddedModelInfoConfig } from '../../providers/embedded/config.js';
import { latestPointMs } from '../../src/demo/demoTables.js';
import { evaluateDetections, isDemoSeeded, seedDemo } from '../../src/demo/index.js';
import { demoSchema } from '../../src/config/sections.js';
import type { OpenDatabase as Database } from '../../src/persistence/dataSource.js';
import { silentLogger } from '../../src/runtime/logger.js';
import { truncateAllTables, useThrowawayPostgres } from './helpers/postgres.js';

/** The demo's own SQL (demo_fault, the clean-up of a previous demo, the evaluation queries) on PostgreSQL. */
describe('the demo plant on PostgreSQL', function () {
  this.timeout(180_000);
  const server = useThrowawayPostgres();
  const config = demoSchema.parse({
    assets: 2,
    tags_per_asset: 6,
    resolution: '1m',
    history: '12h',
    training: '6h',
    faults_per_asset: 2,
    seed: 5,
  });
  const END = Date.UTC(2026, 2, 10, 9, 0, 0);
  let db: Database;
  let env: { db: Database; store: EmbeddedSensorStore; registry: EmbeddedModelRegistry };
  const count = async (table: string) => Number((await db.dataSource.query<{ n: number }[]>(`SELECT COUNT(*) AS n FROM ${table}`))[0]!.n);

  beforeEach(async () => {
    db = await server.open();
    await truncateAllTables(db);
    env = {
      db,
      store: new EmbeddedSensorStore(db, silentLogger),
      registry: new EmbeddedModelRegistry(db, parseEmbeddedModelInfoConfig({}, 'model_info'), silentLogger),
    };
  });
  afterEach(async () => {
    await db.close();
  });

  it('seeds sensors, points, faults and models, then replaces them all when forced', async () => {
    const first = await seedDemo({ ...env, config, endMs: END, log: silentLogger });
    if (!first.seeded) throw new Error('a fresh database was reported as seeded');
    expect(await isDemoSeeded(db, config)).to.equal(true);
    expect([await count('sensor'), await count('sensor_point'), await count('demo_fault')]).to.deep.equal([12, 2 * 6 * 12 * 60, 4]);
    expect(
      await latestPointMs(
        db,
        first.plant.assets.map((a) => a.name),
      ),
    ).to.equal(END - 60_000);

    const later = END + 5 * 3_600_000;
    const forced = await seedDemo({ ...env, config, endMs: later, log: silentLogger, force: true });
    if (!forced.seeded) throw new Error('forced seed did not seed');
    expect([await count('sensor'), await count('sensor_point'), await count('demo_fault')]).to.deep.equal([12, 2 * 6 * 12 * 60, 4]);
    expect(
      await latestPointMs(
        db,
        forced.plant.assets.map((a) => a.name),
      ),
    ).to.equal(later - 60_000);
  });

  it('evaluates stored anomaly flags against the injected faults', async () => {
    const seeded = await seedDemo({ ...env, config, endMs: END, log: silentLogger });
    if (!seeded.seeded) throw new Error('a fresh database was reported as seeded');
    const fault = seeded.plant.faults.find((f) => f.fromMs >= seeded.plant.training.toMs)!;
    const model = (await env.registry.listModels(config.project)).find((m) => m.name.startsWith(fault.asset))!;
    // Flag every minute of the fault, and nothing else.
    const rows = [];
    for (let t = seeded.plant.training.toMs; t < seeded.plant.history.toMs; t += 60_000) {
      const isAnomaly = t >= fault.fromMs && t < fault.toMs;
      rows.push({ timeMs: t, outputs: [1], contributions: [0], totalAnomaly: isAnomaly ? 5 : 1, threshold: 2, isAnomaly });
    }
    await new DatabasePredictionStorage(db, silentLogger).store({
      project: config.project,
      model: model.name,
      revision: model.revision,
      window: { fromMs: rows[0]!.timeMs, toMs: seeded.plant.history.toMs },
      tagNames: ['x'],
      rows,
    });
    const summary = await evaluateDetections({
      db,
      project: config.project,
      range: { fromMs: seeded.plant.training.toMs, toMs: seeded.plant.history.toMs },
      resolutionMs: 60_000,
    });
    expect(summary.anomalies).to.equal(rows.filter((r) => r.isAnomaly).length);
    expect(summary.scoredTimestamps).to.equal(rows.length);
    expect(summary.faultsFound).to.be.at.least(1);
    expect(summary.precision).to.equal(1);
  });
});
