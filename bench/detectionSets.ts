import { demoSchema } from '../src/config/sections.js';
import { demoSeries, generateDemoPlant } from '../src/demo/index.js';
import { randomFor } from '../src/demo/random.js';
import type { FaultInterval } from '../src/demo/index.js';
import type { LabelledAsset, LabelledSet } from './detectionEvaluation.js';

const END = Date.UTC(2026, 2, 10, 9, 0, 0);
const DAY_MS = 86_400_000;

/** The demo plant exactly as `npm start` seeds it (4 assets × 8 tags, 3 days at 10 s, 2 days of training,
 *  3 injected faults per asset), or `days` of it. `draw` > 0 gives another plant of the same shape: seed
 *  42 + draw (other gains, wave periods and phases, fault places) ending `draw` days later (the 2.7-day
 *  ambient wave at another phase), for rates that one test day of 4 assets estimates poorly. */
export function demoPlantSet(scale: number, draw = 0): LabelledSet {
  const defaults = demoSchema.parse({});
  const config = demoSchema.parse({
    history: Math.round(3 * DAY_MS * Math.max(scale, 0.34)),
    training: Math.round(2 * DAY_MS * Math.max(scale, 0.34)),
    seed: defaults.seed + draw,
  });
  const plant = generateDemoPlant(config, END + draw * DAY_MS);
  const trainingRows = Math.round((plant.training.toMs - plant.training.fromMs) / plant.resolutionMs);
  const assets: LabelledAsset[] = [];
  for (const series of demoSeries(plant)) {
    assets.push({
      name: series.asset.name,
      timesMs: series.timesMs,
      columns: series.columns,
      trainingRows,
      faults: plant.faults.filter((f) => f.asset === series.asset.name),
    });
  }
  return { name: draw === 0 ? 'demo' : `demo-${draw}`, resolutionMs: plant.resolutionMs, assets };
}

/**
 * A plant of autocorrelated sensors, like 1 s data: per asset 8 tags following a stationary AR(1)
 * x_t = φ x_{t-1} + L e_t (φ 0.6 .. 0.95, tags sharing innovations through L), 6 h of training and 6 h
 * after it with 4 faults each of 15-30 minutes (at scale 1): a step of 2 σ on one tag, a drift to 4 σ, a sensor stuck
 * at its current value, and a changed dynamic (one tag's φ drops to 0, so it turns to white noise of the
 * same variance). Stuck and changed-dynamic faults keep every value inside its normal range: only a model
 * of the dynamics sees them. Seeded, so every run scores the same data.
 */
export function autocorrelatedSet(scale: number): LabelledSet {
  const resolutionMs = 1_000;
  const trainingRows = Math.round(6 * 3600 * Math.max(scale, 0.1));
  const testRows = trainingRows;
  const assets: LabelledAsset[] = [];
  for (let a = 0; a < 4; a++) {
    const random = randomFor(1807, a);
    const p = 8;
    const phi = Array.from({ length: p }, () => random.between(0.6, 0.95));
    const mixing = Array.from({ length: p }, (_, i) =>
      Array.from({ length: p }, (_, j) => (j > i ? 0 : j === i ? 1 : random.between(-0.8, 0.8) / (1 + i - j))),
    );
    const n = trainingRows + testRows;
    const start = Date.UTC(2026, 0, 1);
    const timesMs = Float64Array.from({ length: n }, (_, i) => start + i * resolutionMs);
    const name = `ar-${a + 1}`;
    const kinds = ['step', 'drift', 'stuck', 'spike'] as const; // 'spike' here: the changed dynamic (reported under that kind)
    const slot = Math.floor(testRows / kinds.length);
    const faults: (FaultInterval & { tag: number })[] = kinds.map((kind, k) => {
      const length = Math.round(slot * random.between(0.25, 0.5));
      const from = trainingRows + k * slot + Math.round(random.between(0.1, 0.4) * slot);
      return { asset: name, kind, fromMs: timesMs[from]!, toMs: timesMs[from]! + length * resolutionMs, tag: random.index(p) };
    });
    const columns = Array.from({ length: p }, () => new Float64Array(n));
    const state = new Float64Array(p);
    const stds = phi.map((f, i) => Math.sqrt(mixing[i]!.reduce((s, m) => s + m * m, 0) / (1 - f * f)));
    const innovation = new Float64Array(p);
    for (let t = -500; t < n; t++) {
      const time = start + t * resolutionMs;
      for (let j = 0; j < p; j++) innovation[j] = random.normal();
      for (let i = 0; i < p; i++) {
        let shock = 0;
        for (let j = 0; j <= i; j++) shock += mixing[i]![j]! * innovation[j]!;
        const dynamicBroken = faults.some((f) => f.kind === 'spike' && f.tag === i && time >= f.fromMs && time < f.toMs);
        // Same stationary variance with φ = 0: scale the shock up by 1/√(1-φ²).
        state[i] = dynamicBroken ? shock / Math.sqrt(1 - phi[i]! * phi[i]!) : phi[i]! * state[i]! + shock;
        if (t >= 0) columns[i]![t] = 50 + 10 * i + state[i]!;
      }
    }
    for (const fault of faults) {
      const from = Math.round((fault.fromMs - start) / resolutionMs);
      const to = Math.round((fault.toMs - start) / resolutionMs);
      const column = columns[fault.tag]!;
      const stuckAt = column[from - 1]!;
      for (let t = from; t < to; t++) {
        if (fault.kind === 'step') column[t]! += 2 * stds[fault.tag]!;
        else if (fault.kind === 'drift') column[t]! += (4 * stds[fault.tag]! * (t - from)) / (to - from);
        else if (fault.kind === 'stuck') column[t] = stuckAt;
      }
    }
    assets.push({ name, timesMs, columns, trainingRows, faults: faults.map(({ tag: _tag, ...interval }) => interval) });
  }
  return { name: 'autocorrelated', resolutionMs, assets };
}
