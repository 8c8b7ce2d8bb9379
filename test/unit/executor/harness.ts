import type { ExecutorConfig } from '../../../src/config/sections.js';
import type { ModelExecutionProvider } from '../../../src/contracts/ModelExecutionProvider.js';
import type { ModelInformationProvider } from '../../../src/contracts/ModelInformationProvider.js';
import type { PredictionStorageProvider } from '../../../src/contracts/PredictionStorageProvider.js';
import type { SensorDataProvider } from '../../../src/contracts/SensorDataProvider.js';
import type { ReceivedMessage, TaskQueue } from '../../../src/contracts/TaskQueue.js';
import type { ModelDescription } from '../../../src/domain/ModelDescription.js';
import { newTask, type PredictionTask } from '../../../src/domain/Task.js';
import { encodeTask } from '../../../src/domain/taskCodec.js';
import { timeRange } from '../../../src/domain/TimeRange.js';
import { Executor } from '../../../src/executor/Executor.js';
import type { ExecutorLedger } from '../../../src/executor/ExecutorLedger.js';
import type { ExecutorObserver } from '../../../src/executor/ExecutorObserver.js';
import type { WindowLedger } from '../../../src/ledger/WindowLedger.js';
import type { DescribeModelOptions } from '../../../src/contracts/ModelInformationProvider.js';
import { spyOn } from '../../fakes/FlakyProvider.js';
import { InMemoryExecutorLedger } from '../../fakes/InMemoryExecutorLedger.js';
import { InMemoryModelCatalog } from '../../fakes/InMemoryModelCatalog.js';
import { InMemoryModelExecution } from '../../fakes/InMemoryModelExecution.js';
import { InMemoryPredictionStorage } from '../../fakes/InMemoryPredictionStorage.js';
import { InMemorySensorData } from '../../fakes/InMemorySensorData.js';
import { RecordingLogger } from '../../fakes/RecordingLogger.js';
import { RecordingTaskQueue } from '../../fakes/RecordingTaskQueue.js';

// The real ledger must stay usable where the executor's narrow one is expected (checked by the compiler).
export const windowLedgerFits: (ledger: WindowLedger) => ExecutorLedger = (ledger) => ledger;

export const RESOLUTION_MS = 10_000;
/** 2026-01-01T00:00Z to 00:30Z: 180 rows at 10 s. */
export const WINDOW = timeRange(Date.UTC(2026, 0, 1, 0, 0), Date.UTC(2026, 0, 1, 0, 30));
export const ROWS_PER_WINDOW = 180;

export function compressor(name = 'compressor-1', revision = 'r1', extra: Partial<ModelDescription> = {}): ModelDescription {
  const tags = [
    { name: 'flow', asset: name },
    { name: 'pressure', asset: name },
  ];
  return {
    project: 'plant',
    name,
    revision,
    inputTags: tags,
    targetTags: tags,
    resolutionMs: RESOLUTION_MS,
    trainingRange: timeRange(Date.UTC(2025, 11, 1), Date.UTC(2025, 11, 31)),
    ...extra,
  };
}

export function executorConfig(overrides: Partial<ExecutorConfig> = {}): ExecutorConfig {
  return {
    concurrency: 4,
    taskTimeoutMs: 5_000,
    shutdownGraceMs: 1_000,
    paddingRows: 0,
    maxHeapMb: 0,
    maxWindowRows: 100_000,
    maxModelTags: 1_000,
    poisonWindowCrashes: 3,
    pools: {},
    pool: undefined,
    lanes: undefined,
    retry: { initialIntervalMs: 1, backoffCoefficient: 2, maximumIntervalMs: 4, maximumAttempts: 3 },
    ...overrides,
  };
}

export interface HarnessOverrides {
  config?: Partial<ExecutorConfig>;
  queue?: RecordingTaskQueue;
  /** The models of the default catalogue (the last revision of a model is current); default: compressor(). */
  catalog?: ModelDescription[];
  /** Replaces the catalogue entirely (then `describeCalls` stays empty). */
  models?: ModelInformationProvider;
  sensorData?: SensorDataProvider;
  predictor?: ModelExecutionProvider;
  storage?: PredictionStorageProvider;
  ledger?: ExecutorLedger;
  /** Replaces the queue the executor sees (e.g. a flaky wrapper) while `queue` stays the recording one. */
  queueView?: TaskQueue;
  observer?: ExecutorObserver;
  /** The executor's name in the ledger and the run history; default `executor-test`. */
  processName?: string;
}

/** An executor over in-memory fakes, and the fakes, for assertions. */
export function harness(overrides: HarnessOverrides = {}) {
  const queue = overrides.queue ?? new RecordingTaskQueue();
  const catalog = spyOn(new InMemoryModelCatalog(overrides.catalog ?? [compressor()]), 'describeModel');
  const sensors = new InMemorySensorData();
  const model = new InMemoryModelExecution();
  const storage = new InMemoryPredictionStorage();
  const ledger = new InMemoryExecutorLedger();
  const log = new RecordingLogger();
  const executor = new Executor({
    config: executorConfig(overrides.config),
    queue: overrides.queueView ?? queue,
    models: overrides.models ?? catalog.provider,
    sensorData: overrides.sensorData ?? sensors,
    predictor: overrides.predictor ?? model,
    storage: overrides.storage ?? storage,
    ledger: overrides.ledger ?? ledger,
    clock: () => Date.now(),
    processName: overrides.processName ?? 'executor-test',
    log,
    ...(overrides.observer ? { observer: overrides.observer } : {}),
  });
  /** The default catalogue's describeModel calls: which model, at which revision. */
  const describeCalls = () =>
    catalog.calls.map(([project, name, options]) => ({ project, name, revision: (options as DescribeModelOptions | undefined)?.revision }));
  return { executor, queue, describeCalls, sensors, model, storage, ledger, log };
}

export function task(model = 'compressor-1', window = WINDOW, revision = 'r1'): PredictionTask {
  return newTask('plant', model, revision, window);
}

/** The nth 30-minute window after WINDOW, for runs over many distinct tasks. */
export function nthTask(n: number): PredictionTask {
  return task('compressor-1', timeRange(WINDOW.fromMs + n * 1_800_000, WINDOW.toMs + n * 1_800_000));
}

/** Sends `t` and leases it back, as an executor would receive it. */
export async function deliver(queue: RecordingTaskQueue, t: PredictionTask = task()): Promise<ReceivedMessage> {
  await queue.send([{ id: t.id, body: encodeTask(t) }]);
  const [message] = await queue.receive({ maxMessages: 1 });
  if (!message) throw new Error('the queue did not deliver the task just sent');
  return message;
}

/** Leases back a raw body, e.g. a malformed one. */
export async function deliverRaw(queue: RecordingTaskQueue, body: string): Promise<ReceivedMessage> {
  const id = await queue.push(body);
  const [message] = await queue.receive({ maxMessages: 1 });
  if (!message || message.id !== id) throw new Error('the queue did not deliver the body just pushed');
  return message;
}

/** Polls `condition` until it holds; fails the test after `timeoutMs`. */
export async function until(condition: () => boolean, timeoutMs = 3_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}
