import { expect } from 'chai';
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { demoSchema, type DemoConfig } from '../../../src/config/sections.js';
import { ConfigError } from '../../../src/runtime/errors.js';
import { assetSeries, type AssetSeries } from '../../../src/demo/assetSeries.js';
import { FAULT_KINDS } from '../../../src/demo/faults.js';
import { demoSeries, generateDemoPlant, type DemoPlant } from '../../../src/demo/generateDemoPlant.js';
import { minMax, pearson } from './stats.js';

const HOUR = 3_600_000;
const END = Date.UTC(2026, 2, 1, 12, 34, 56, 789);

function config(overrides: Partial<Record<string, unknown>> = {}): DemoConfig {
  return demoSchema.parse({
    assets: 3,
    tags_per_asset: 7,
    resolution: '30s',
    history: '36h',
    training: '24h',
    faults_per_asset: 3,
    seed: 7,
    ...overrides,
  });
}

describe('generateDemoPlant', () => {
  const plant = generateDemoPlant(config(), END);
  const series = [...demoSeries(plant)];

  it('builds the configured number of assets and tags, with asset-prefixed names and units', () => {
    expect(plant.assets.map((a) => a.name)).to.deep.equal(['compressor-01', 'pump-01', 'compressor-02']);
    for (const asset of plant.assets) {
      expect(asset.tags).to.have.length(7);
      for (const tag of asset.tags) {
        expect(tag.name.startsWith(`${asset.name}.`)).to.equal(true);
        expect(tag.asset).to.equal(asset.name);
        expect(tag.unit).to.be.a('string').and.not.equal('');
      }
    }
    expect(plant.assets[0]!.tags.map((t) => t.name)).to.include('compressor-01.discharge_pressure');
    expect(plant.assets[0]!.tags.find((t) => t.name === 'compressor-01.discharge_pressure')!.unit).to.equal('bar');
  });

  it('ends the history at the end time rounded down to the resolution and trains on its first part', () => {
    const end = Math.floor(END / 30_000) * 30_000;
    expect(plant.history).to.deep.equal({ fromMs: end - 36 * HOUR, toMs: end });
    expect(plant.training).to.deep.equal({ fromMs: end - 36 * HOUR, toMs: end - 12 * HOUR });
    expect(plant.rowsPerTag).to.equal(36 * 120);
  });

  it('yields one point per tag and resolution step over the history', () => {
    expect(series).to.have.length(3);
    for (const s of series) {
      expect(s.timesMs).to.be.instanceOf(Float64Array);
      expect(s.timesMs).to.have.length(plant.rowsPerTag);
      expect(s.timesMs[0]).to.equal(plant.history.fromMs);
      expect(s.timesMs[s.timesMs.length - 1]).to.equal(plant.history.toMs - 30_000);
      expect(s.columns).to.have.length(7);
      for (const column of s.columns) {
        expect(column).to.have.length(plant.rowsPerTag);
        expect(column.every(Number.isFinite)).to.equal(true);
      }
    }
  });

  it('is deterministic for a seed and different for another seed', () => {
    const again = generateDemoPlant(config(), END);
    expect(again.faults).to.deep.equal(plant.faults);
    const first = demoSeries(again).next().value as AssetSeries;
    expect([...first.columns[3]!]).to.deep.equal([...series[0]!.columns[3]!]);

    const other = generateDemoPlant(config({ seed: 8 }), END);
    expect(other.faults).to.not.deep.equal(plant.faults);
    expect((demoSeries(other).next().value as AssetSeries).columns[3]![100]).to.not.equal(series[0]!.columns[3]![100]);
  });

  it('correlates the tags of an asset strongly: two shared drivers explain nearly all their variance', () => {
    const trainingRows = (plant.training.toMs - plant.training.fromMs) / 30_000;
    for (const s of series) {
      const r = s.columns.map((a) => s.columns.map((b) => pearson(a, b, trainingRows)));
      s.columns.forEach((_, i) => {
        const best = Math.max(...r[i]!.filter((_, j) => j !== i).map(Math.abs));
        expect(best, s.asset.tags[i]!.name).to.be.greaterThan(0.6);
      });
      const offDiagonal = r.flatMap((row, i) => row.filter((_, j) => j > i)).map(Math.abs);
      expect(offDiagonal.reduce((x, y) => x + y) / offDiagonal.length, s.asset.name).to.be.greaterThan(0.6);
      // Load and ambient temperature drive every tag; the rest is measurement noise.
      const eigenvalues = new EigenvalueDecomposition(new Matrix(r), { assumeSymmetric: true }).realEigenvalues.sort((x, y) => y - x);
      expect((eigenvalues[0]! + eigenvalues[1]!) / s.columns.length, s.asset.name).to.be.greaterThan(0.95);
    }
  });

  it('injects faults only after the training range and inside the history', () => {
    expect(plant.faults).to.have.length(9);
    for (const fault of plant.faults) {
      expect(fault.fromMs).to.be.at.least(plant.training.toMs);
      expect(fault.toMs).to.be.at.most(plant.history.toMs);
      expect(fault.toMs).to.be.greaterThan(fault.fromMs);
      expect(plant.assets.find((a) => a.name === fault.asset)!.tags.map((t) => t.name)).to.include(fault.sensor);
    }
    for (const asset of plant.assets) expect(plant.faults.filter((f) => f.asset === asset.name)).to.have.length(3);
  });

  it('leaves the training range identical to a fault-free plant', () => {
    const clean = generateDemoPlant(config({ faults_per_asset: 0 }), END);
    expect(clean.faults).to.deep.equal([]);
    const cleanSeries = [...demoSeries(clean)];
    const trainingRows = (plant.training.toMs - plant.training.fromMs) / 30_000;
    series.forEach((s, a) =>
      s.columns.forEach((column, t) => {
        expect([...column.subarray(0, trainingRows)]).to.deep.equal([...cleanSeries[a]!.columns[t]!.subarray(0, trainingRows)]);
      }),
    );
  });

  it('spreads faults without overlap, with normal operation between them, and uses every kind', () => {
    const sorted = [...plant.faults].sort((a, b) => a.fromMs - b.fromMs);
    for (let i = 1; i < sorted.length; i++) expect(sorted[i]!.fromMs).to.be.greaterThan(sorted[i - 1]!.toMs);
    expect(new Set(plant.faults.map((f) => f.kind))).to.deep.equal(new Set(FAULT_KINDS));
  });

  it('changes only the faulty tag, only inside the fault interval, as its kind describes', () => {
    const clean = [...demoSeries(generateDemoPlant(config({ faults_per_asset: 0 }), END))];
    for (const fault of plant.faults) expectFaultShape(plant, fault, series, clean);
  });

  it('keeps a stuck sensor inside the range the tag showed in training', () => {
    const trainingRows = (plant.training.toMs - plant.training.fromMs) / 30_000;
    const stuck = plant.faults.filter((f) => f.kind === 'stuck');
    expect(stuck.length).to.be.greaterThan(0);
    for (const fault of stuck) {
      const s = series.find((x) => x.asset.name === fault.asset)!;
      const { min, max } = minMax(s.columns[s.asset.tags.findIndex((t) => t.name === fault.sensor)]!, trainingRows);
      expect(fault.magnitude).to.be.within(min, max);
    }
  });

  it('generates any sub-range exactly as the same times of a longer run', () => {
    const asset = plant.assets[1]!;
    const sub = assetSeries(plant, asset, { fromMs: plant.history.fromMs + 7 * HOUR + 30_000, toMs: plant.history.fromMs + 9 * HOUR });
    const offset = (7 * HOUR + 30_000) / 30_000;
    expect([...sub.columns[2]!]).to.deep.equal([...series[1]!.columns[2]!.subarray(offset, offset + sub.timesMs.length)]);
  });

  it('refuses a training range as long as the history, and more faults than fit', () => {
    expect(() => generateDemoPlant(config({ training: '36h' }), END)).to.throw(ConfigError, 'demo.training');
    expect(() => generateDemoPlant(config({ resolution: '1h', faults_per_asset: 10 }), END)).to.throw(ConfigError, 'demo.faults_per_asset');
  });
});

function expectFaultShape(
  plant: DemoPlant,
  fault: DemoPlant['faults'][number],
  faulty: ReturnType<typeof demoSeries> extends Generator<infer S> ? S[] : never,
  clean: typeof faulty,
): void {
  const a = plant.assets.findIndex((x) => x.name === fault.asset);
  const tag = plant.assets[a]!.tags.findIndex((t) => t.name === fault.sensor);
  const times = faulty[a]!.timesMs;
  for (let i = 0; i < times.length; i++) {
    const t = times[i]!;
    const inside = t >= fault.fromMs && t < fault.toMs;
    const diff = faulty[a]!.columns[tag]![i]! - clean[a]!.columns[tag]![i]!;
    if (!inside) {
      expect(diff, `${fault.kind} outside its interval`).to.equal(0);
      continue;
    }
    if (fault.kind === 'step' || fault.kind === 'spike') expect(diff).to.be.closeTo(fault.magnitude, 1e-9);
    if (fault.kind === 'drift') expect(diff).to.be.closeTo((fault.magnitude * (t - fault.fromMs)) / (fault.toMs - fault.fromMs), 1e-9);
    if (fault.kind === 'stuck') expect(faulty[a]!.columns[tag]![i]).to.equal(fault.magnitude);
  }
  // Every other tag of the asset is untouched, everywhere.
  faulty[a]!.columns.forEach((column, j) => {
    if (j !== tag && plant.faults.every((f) => f.sensor !== plant.assets[a]!.tags[j]!.name)) {
      expect([...column]).to.deep.equal([...clean[a]!.columns[j]!]);
    }
  });
}
