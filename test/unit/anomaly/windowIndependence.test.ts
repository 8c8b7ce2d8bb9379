import { withBuiltInTables } from '../../fixtures/builtInMigrations.js';
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PcaModelExecutionProvider } from '../../../providers/pca/PcaModelExecutionProvider.js';
import { parseEmbeddedPredictorConfig } from '../../../providers/pca/config.js';
import type { PredictionRow } from '../../../src/domain/Prediction.js';
import type { TimeRange } from '../../../src/domain/TimeRange.js';
import { paddedRange } from '../../../src/executor/TaskRunner.js';
import { openDatabase, type OpenDatabase as Database } from '../../../src/persistence/dataSource.js';
import { runMigrations } from '../../../src/persistence/migrate.js';
import { InsufficientDataError } from '../../../src/runtime/errors.js';
import { silentLogger } from '../../../src/runtime/logger.js';
import { GeneratedSensorData, MODEL, RESOLUTION_MS, TRAINING } from '../../fixtures/compressorPlant.js';

const MINUTE = 60_000;

describe('scores do not depend on how the series is cut into windows', function () {
  this.timeout(60_000);
  // Half an hour, two hours after training, at 10 s: a 64 s gap (12:00 .. 13:04, seven rows) and data that
  // ends 25 s before the last window does (a recording that stopped mid-window).
  const start = TRAINING.toMs + 120 * MINUTE;
  const end = start + 30 * MINUTE;
  const gap = { fromMs: start + 12 * MINUTE, toMs: start + 13 * MINUTE + 4_000 };
  const dataEnd = end - 25_000;
  const missing = (t: number) => (t >= gap.fromMs && t < gap.toMs) || t >= dataEnd;
  const sensorData = new GeneratedSensorData((_tag, t, value) => (missing(t) ? Number.NaN : value));
  // Two lags and a 4-row EWMA: each row looks 5 complete rows back, 50 s of padding, less than the gap.
  const config = parseEmbeddedPredictorConfig({ lags: 2, smoothing: { method: 'ewma', rows: 4 } }, 'predictor');
  let dir: string;
  let db: Database;
  let provider: PcaModelExecutionProvider;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'latigo-windows-'));
    db = await openDatabase({ url: `sqlite:${join(dir, 'latigo.sqlite')}`, busyTimeoutMs: 5_000, logQueries: false }, withBuiltInTables);
    await runMigrations(db);
    provider = new PcaModelExecutionProvider(db, sensorData, config, silentLogger);
    await provider.register(MODEL);
  });
  after(async () => {
    await db?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** What the executor does per window: read the padded range the provider asks for, execute the window. */
  async function scoreInWindows(windowMs: number): Promise<Map<number, PredictionRow>> {
    const rows = new Map<number, PredictionRow>();
    for (let from = start; from < end; from += windowMs) {
      const window: TimeRange = { fromMs: from, toMs: Math.min(end, from + windowMs) };
      const frame = await sensorData.getData(
        MODEL.inputTags,
        paddedRange(window, MODEL, provider.requiredHistoryRows(MODEL)),
        MODEL.resolutionMs,
      );
      try {
        for (const row of (await provider.execute(MODEL, frame, window)).rows) rows.set(row.timeMs, row);
      } catch (err) {
        // Only a window without a single row of data may go unscored: there is nothing in it to lose.
        expect(err).to.be.instanceOf(InsufficientDataError);
        expect(frame.timestamps.filter((t) => t >= window.fromMs && t < window.toMs && !missing(t))).to.have.length(0);
      }
    }
    return rows;
  }

  const comparable = (row: PredictionRow) => ({
    totalAnomaly: row.totalAnomaly,
    isAnomaly: row.isAnomaly,
    t2: row.details!['t2'],
    q: row.details!['q'],
    t2Smoothed: row.details!['t2_smoothed'],
    qSmoothed: row.details!['q_smoothed'],
    contributions: row.contributions,
    outputs: row.outputs,
  });

  it('gives identical scores and flags on every row in 1-minute windows, 10-minute windows and one piece', async () => {
    const onePiece = await scoreInWindows(end - start);
    const tenMinutes = await scoreInWindows(10 * MINUTE);
    const oneMinute = await scoreInWindows(MINUTE);
    const expectedTimes: number[] = [];
    for (let t = start; t < end; t += RESOLUTION_MS) if (!missing(t)) expectedTimes.push(t);
    expect(expectedTimes).to.have.length(180 - 7 - 2); // the gap's rows and 29:40, 29:50
    for (const scored of [onePiece, tenMinutes, oneMinute]) expect([...scored.keys()].sort((a, b) => a - b)).to.deep.equal(expectedTimes);
    for (const t of expectedTimes) {
      const reference = comparable(onePiece.get(t)!);
      expect(comparable(tenMinutes.get(t)!), `10-minute window, row ${new Date(t).toISOString()}`).to.deep.equal(reference);
      expect(comparable(oneMinute.get(t)!), `1-minute window, row ${new Date(t).toISOString()}`).to.deep.equal(reference);
    }
    // The rows right after the gap are where padding alone would have run short.
    expect(oneMinute.get(gap.toMs + 6_000)!.details!['t2_smoothed']).to.be.a('number');
  });
});
