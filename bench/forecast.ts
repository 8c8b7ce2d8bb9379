import { assetSeries } from '../src/demo/assetSeries.js';
import { generateDemoPlant } from '../src/demo/generateDemoPlant.js';
import { forecastParametersSchema, type ForecastParameters } from '../src/domain/modelKinds/index.js';
import { emptyQualityCounts } from '../src/domain/SensorFrame.js';
import { ForecastModelExecutionProvider } from '../providers/forecast/ForecastModelExecutionProvider.js';
import { fitSeries } from '../providers/forecast/fitSeries.js';
import { silentLogger } from '../src/runtime/logger.js';
import { report } from './report.js';

const SUITE = 'forecast';
const DAY = 86_400_000;
const RAW_MS = 10_000; // the demo's 10 s data
const RES_MS = 300_000; // resampled to 5 min
const SEASON = DAY / RES_MS; // 288 rows: daily
const TRAIN_DAYS = 14;

/**
 * `npm run bench -- forecast`: accuracy and cost of the `forecast` kind on the demo plant's tags (daily
 * seasonality, 10 s data resampled to 5 min, two weeks of history, one day ahead), 200 series at scale 1.
 * MASE of Holt-Winters against the seasonal naive forecast (the same day a season earlier), both scaled by
 * the in-sample seasonal naive MAE; coverage of the 95% interval; fits per second and forecast tasks per
 * second (a 10-minute window with a one-day horizon, the fit cached as between refits).
 */
export async function forecast(_dir: string, scale: number): Promise<void> {
  const seriesWanted = Math.max(8, Math.round(200 * scale));
  const tagsPerAsset = 8;
  const plant = generateDemoPlant(
    {
      assets: Math.ceil(seriesWanted / tagsPerAsset),
      tagsPerAsset,
      resolutionMs: RAW_MS,
      historyMs: (TRAIN_DAYS + 1) * DAY,
      trainingMs: TRAIN_DAYS * DAY,
      faultsPerAsset: 0,
      seed: 42,
      project: 'bench',
    },
    Date.UTC(2026, 0, 1),
  );
  const parameters: ForecastParameters = forecastParametersSchema.parse({
    method: 'holt_winters',
    trend: 'none', // MASE ratio 0.67 with none, 0.70 damped (200 series, horizon fit)
    seasonality: 'additive',
    // The tags' daily season is known here (as the issue states it); `auto` is measured separately below.
    season_length: SEASON,
    max_n_points: TRAIN_DAYS * SEASON,
    horizon: SEASON,
    coverage: 0.95,
  });
  let maseModel = 0;
  let maseNaive = 0;
  let inside = 0;
  let points = 0;
  let series = 0;
  let fitMs = 0;
  let detected = 0;
  const trainRows = TRAIN_DAYS * SEASON;
  for (const asset of plant.assets) {
    const raw = assetSeries(plant, asset, plant.history);
    for (const column of raw.columns) {
      if (series >= seriesWanted) break;
      const y = resample(column, RES_MS / RAW_MS);
      const train = y.subarray(0, trainRows);
      const test = y.subarray(trainRows, trainRows + SEASON);
      const t0 = performance.now();
      const fit = fitSeries(train, parameters);
      fitMs += performance.now() - t0;
      if (!fit.ok) throw new Error(`series ${series}: ${fit.reason}`);
      if (series < 20 && fitSeries(train, { ...parameters, season_length: 'auto' }).ok) {
        const auto = fitSeries(train, { ...parameters, season_length: 'auto' });
        if (auto.ok && auto.seasonLength === SEASON) detected++;
      }
      const path = fit.forecaster.forecast(SEASON, parameters.coverage);
      let scaleMae = 0;
      for (let t = SEASON; t < trainRows; t++) scaleMae += Math.abs(train[t]! - train[t - SEASON]!);
      scaleMae /= trainRows - SEASON;
      let maeModel = 0;
      let maeNaive = 0;
      for (let h = 0; h < SEASON; h++) {
        const actual = test[h]!;
        maeModel += Math.abs(actual - path.yhat[h]!);
        maeNaive += Math.abs(actual - train[trainRows - SEASON + h]!);
        if (actual >= path.lower[h]! && actual <= path.upper[h]!) inside++;
        points++;
      }
      maseModel += maeModel / SEASON / scaleMae;
      maseNaive += maeNaive / SEASON / scaleMae;
      series++;
    }
  }
  const fitsPerSecond = (series * 1000) / fitMs;
  const tasksPerSecond = await forecastTasksPerSecond(parameters, scale);
  const extra = { series, scale, horizon_rows: SEASON, history_rows: trainRows, season_detected_of_first_20: detected };
  report({
    suite: SUITE,
    metric: 'mase_ratio_vs_seasonal_naive',
    value: maseModel / maseNaive,
    unit: 'ratio',
    baseline: 'seasonal naive (same run)',
    baseline_value: maseNaive / series,
    mase_forecast: maseModel / series,
    target: '<=0.85',
    ...extra,
  });
  report({
    suite: SUITE,
    metric: 'interval_coverage_95',
    value: inside / points,
    unit: 'ratio',
    nominal: 0.95,
    target: '>=0.92',
    ...extra,
  });
  report({
    suite: SUITE,
    metric: 'fits_per_second',
    value: fitsPerSecond,
    unit: 'fits/s',
    timed: 'fitSeries, 4032 rows, season length given (288)',
    ...extra,
  });
  report({
    suite: SUITE,
    metric: 'forecast_tasks_per_second',
    value: tasksPerSecond,
    unit: 'tasks/s',
    timed: 'execute() of a 10-minute window with a 288-step horizon, fit cached (refit schedule)',
    ...extra,
  });
}

/** Means of consecutive groups of `factor` values (left-labelled buckets, as the sensor providers resample). */
function resample(values: Float64Array, factor: number): Float64Array {
  const out = new Float64Array(Math.floor(values.length / factor));
  for (let i = 0; i < out.length; i++) {
    let s = 0;
    for (let j = 0; j < factor; j++) s += values[i * factor + j]!;
    out[i] = s / factor;
  }
  return out;
}

/** Windows per second through ForecastModelExecutionProvider.execute with the fit cached (one fit, then timed windows). */
async function forecastTasksPerSecond(parameters: ForecastParameters, scale: number): Promise<number> {
  const provider = new ForecastModelExecutionProvider(silentLogger);
  const tag = { name: 'x', asset: 'a' };
  const rows = TRAIN_DAYS * SEASON + SEASON;
  const fromMs = 100 * DAY;
  const timestamps = Float64Array.from({ length: rows }, (_, i) => fromMs + i * RES_MS);
  const values = Float64Array.from(timestamps, (t, i) => 50 + 7 * Math.sin((2 * Math.PI * t) / DAY) + Math.sin(i * 12.9898) * 0.5);
  const data = {
    range: { fromMs, toMs: fromMs + rows * RES_MS },
    resolutionMs: RES_MS,
    tags: [tag],
    timestamps,
    columns: [values],
    quality: emptyQualityCounts(),
  };
  const model = {
    project: 'bench',
    name: 'f',
    revision: 'r',
    kind: 'forecast',
    inputTags: [tag],
    targetTags: [tag],
    resolutionMs: RES_MS,
    trainingRange: { fromMs: 0, toMs: 1 },
    parameters: { ...parameters, refit_interval_ms: DAY, season_length: SEASON },
  };
  const dayStart = fromMs + TRAIN_DAYS * DAY;
  await provider.execute(model, data, { fromMs: dayStart, toMs: dayStart + 2 * RES_MS }); // the fit
  const windows = Math.max(20, Math.round(200 * scale));
  const t0 = performance.now();
  for (let k = 0; k < windows; k++) {
    const from = dayStart + ((k * 2) % (SEASON - 2)) * RES_MS;
    await provider.execute(model, data, { fromMs: from, toMs: from + 2 * RES_MS });
  }
  return (windows * 1000) / (performance.now() - t0);
}
