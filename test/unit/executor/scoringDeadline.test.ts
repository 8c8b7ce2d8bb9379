import { withBuiltInTables } from '../../fixtures/builtInMigrations.js';
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEmbeddedPredictorConfig } from '../../../providers/pca/config.js';
import { PcaModelExecutionProvider } from '../../../providers/pca/PcaModelExecutionProvider.js';
import type { SensorDataProvider } from '../../../src/contracts/SensorDataProvider.js';
import type { ModelDescription } from '../../../src/domain/ModelDescription.js';
import { bucketStarts, emptyQualityCounts, type SensorFrame } from '../../../src/domain/SensorFrame.js';
import { timeRange, type TimeRange } from '../../../src/domain/TimeRange.js';
import { openDatabase, type OpenDatabase as Database } from '../../../src/persistence/dataSource.js';
import { runMigrations } from '../../../src/persistence/migrate.js';
import { silentLogger } from '../../../src/runtime/logger.js';
import { RecordingTaskQueue } from '../../fakes/RecordingTaskQueue.js';
import { ar1Process } from '../anomaly/ar1Process.js';
import { deliver, harness, task } from './harness.js';

// Issue 14: scoring ran on the event loop in one piece, so a long window of a wide model held the loop
// past the task's deadline, and the timer that should have ended the task could not fire until the
// scoring was done: the lease expired and another executor could run the same window. Scoring now yields
// between chunks and stops at the deadline.

const TAGS = 60;
const RESOLUTION_MS = 1_000;
const T0 = Date.UTC(2026, 0, 1);
const TRAINING = timeRange(T0, T0 + 3_000 * RESOLUTION_MS);
/** 20,000 rows of 60 tags with 3 lags: seconds of scoring on an idle machine, far past the deadline below. */
const WINDOW = timeRange(T0 + 10_000 * RESOLUTION_MS, T0 + 30_000 * RESOLUTION_MS);
const TASK_TIMEOUT_MS = 300;
/** The queue lease: ten times the deadline, so only a task stuck past its deadline loses it. */
const VISIBILITY_TIMEOUT_MS = 3_000;

const tags = Array.from({ length: TAGS }, (_, i) => ({ name: `tag ${i}`, asset: 'wide' }));
const MODEL: ModelDescription = {
  project: 'plant',
  name: 'compressor-1',
  revision: 'r1',
  inputTags: tags,
  targetTags: tags,
  resolutionMs: RESOLUTION_MS,
  trainingRange: TRAINING,
};

/** A correlated AR(1) process over 60 tags, generated once per range (the training range and the window). */
class Ar1SensorData implements SensorDataProvider {
  private readonly frames = new Map<string, SensorFrame>();
  rangeSpecifier(): string {
    return 'ar1';
  }
  async getData(requested: typeof tags, range: TimeRange, resolutionMs: number): Promise<SensorFrame> {
    const key = `${range.fromMs}-${range.toMs}`;
    let frame = this.frames.get(key);
    if (!frame) {
      const timestamps = bucketStarts(range, resolutionMs);
      const phi = Array.from({ length: TAGS }, (_, i) => 0.5 + 0.4 * ((i * 7) % 10) * 0.1);
      const columns = ar1Process(timestamps.length, range.fromMs % 1_000_003, { phi });
      frame = { range, resolutionMs, tags: requested, timestamps, columns, quality: emptyQualityCounts() };
      this.frames.set(key, frame);
    }
    return frame;
  }
}

describe('Executor: a scoring task over its deadline', function () {
  this.timeout(120_000);
  let dir: string;
  let db: Database;
  let predictor: PcaModelExecutionProvider;
  const sensorData = new Ar1SensorData();

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'latigo-scoring-deadline-'));
    db = await openDatabase({ url: `sqlite:${join(dir, 'latigo.sqlite')}`, busyTimeoutMs: 5_000, logQueries: false }, withBuiltInTables);
    await runMigrations(db);
    const config = parseEmbeddedPredictorConfig({ lags: 3, explained_variance: 0.9 }, 'predictor');
    predictor = new PcaModelExecutionProvider(db, sensorData, config, silentLogger);
    await predictor.register(MODEL); // trained ahead: the task below spends its time scoring
    await sensorData.getData(tags, WINDOW, RESOLUTION_MS); // and none generating its data
  });
  after(async () => {
    await db?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is released as timed out while its lease still holds, with nothing stored', async () => {
    const queue = new RecordingTaskQueue({ visibilityTimeoutMs: VISIBILITY_TIMEOUT_MS });
    let scoring: Promise<'resolved' | 'rejected'> | undefined;
    const h = harness({
      queue,
      catalog: [MODEL],
      sensorData,
      config: { taskTimeoutMs: TASK_TIMEOUT_MS, paddingRows: 0 },
      predictor: {
        requiredHistoryRows: (model) => predictor.requiredHistoryRows(model),
        register: (model, options) => predictor.register(model, options),
        unregister: (model, options) => predictor.unregister(model, options),
        status: (model, options) => predictor.status(model, options),
        execute: (model, frame, window, options) => {
          const execution = predictor.execute(model, frame, window, options);
          scoring = execution.then(
            () => 'resolved' as const,
            () => 'rejected' as const,
          );
          return execution;
        },
      },
    });
    const outcome = await h.executor.processMessage(await deliver(queue, task('compressor-1', WINDOW)));

    expect(outcome).to.equal('failed');
    expect(scoring, 'the model was asked to score the window').to.not.equal(undefined);
    // The executor gives the task back as soon as its deadline fires; the scoring stops at its next chunk.
    expect(await scoring, 'scoring stopped at the deadline instead of finishing').to.equal('rejected');
    expect(queue.nacked.map((n) => n.options.reason)).to.deep.equal([`transient: task timed out after ${TASK_TIMEOUT_MS} ms`]);
    // settled: the executor still held the lease when it gave the task back (a lost lease reads lease_lost).
    expect(queue.nacked[0]?.result).to.include({ settled: true });
    expect(h.storage.storeCalls, 'no predictions stored').to.equal(0);
  });
});
