import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ExecutorConfig } from '../config/sections.js';
import type { ModelExecutionProvider } from '../contracts/ModelExecutionProvider.js';
import type { ModelInformationProvider } from '../contracts/ModelInformationProvider.js';
import type { PredictionStorageProvider } from '../contracts/PredictionStorageProvider.js';
import type { SensorDataProvider } from '../contracts/SensorDataProvider.js';
import type { ReceivedMessage, TaskQueue } from '../contracts/TaskQueue.js';
import type { Clock } from '../runtime/clock.js';
import { classifyError, describeError, isProviderError } from '../runtime/errors.js';
import type { Logger } from '../runtime/logger.js';
import { retryDelayMs } from '../runtime/retry.js';
import type { StoredWindowRecorder } from './StoredWindowRecorder.js';
import type { ExecutorLedger } from './ExecutorLedger.js';
import type { ExecutorObserver } from './ExecutorObserver.js';
import { InFlightTasks } from './InFlightTasks.js';
import { countOutcome, emptySummary, type ExecutorSummary, type TaskOutcome } from './outcomes.js';
import { TaskRunner } from './TaskRunner.js';

export interface ExecutorOptions {
  config: ExecutorConfig;
  queue: TaskQueue;
  models: ModelInformationProvider;
  sensorData: SensorDataProvider;
  predictor: ModelExecutionProvider;
  storage: PredictionStorageProvider;
  /** The window ledger (WindowLedger), or anything with its `begin` and `finish`. */
  ledger: ExecutorLedger;
  clock: Clock;
  /** Recorded on every task run, e.g. `executor-1`. */
  processName: string;
  log: Logger;
  /** Told of every task and provider call (metrics); optional. */
  observer?: ExecutorObserver;
  /** Records each stored window's summary share and episodes; optional. */
  recorder?: StoredWindowRecorder;
}

/** How long one receive waits for work before the loop looks at the shutdown signal again. */
const RECEIVE_WAIT_MS = 1000;

/** Consumes the task queue with up to `config.concurrency` tasks in flight. */
export class Executor {
  private readonly runner: TaskRunner;
  private receiveFailures = 0;
  private receivedOnce = false;

  constructor(private readonly options: ExecutorOptions) {
    this.runner = new TaskRunner(options);
  }

  /**
   * Receives and runs tasks until `signal` fires, then stops receiving, lets the tasks in flight finish
   * for `config.shutdownGraceMs`, and cancels and releases the rest to other executors. Resolves with
   * the counts; never exits the process.
   */
  async run(signal: AbortSignal): Promise<ExecutorSummary> {
    const { config, log } = this.options;
    const summary = emptySummary();
    const inFlight = new InFlightTasks();
    log.info('executor started', { concurrency: config.concurrency });
    while (!signal.aborted) {
      const free = config.concurrency - inFlight.size;
      if (free === 0) {
        await inFlight.waitForSlot(signal);
        continue;
      }
      const messages = await this.receive(free, signal);
      if (signal.aborted) {
        for (const message of messages) countOutcome(summary, await this.releaseUnstarted(message));
        break;
      }
      for (const message of messages) {
        this.options.observer?.taskStarted?.();
        inFlight.start((taskSignal) =>
          this.runner.process(message, taskSignal).then(
            (outcome) => countOutcome(summary, outcome),
            (err) => log.error('task crashed', { messageId: message.id, error: describeError(err) }),
          ),
        );
      }
    }
    await this.drain(inFlight);
    log.info('executor stopped', { ...summary });
    return summary;
  }

  /** Runs one message end to end; public for tests and the benchmark. Never rejects. */
  processMessage(message: ReceivedMessage, signal?: AbortSignal): Promise<TaskOutcome> {
    return this.runner.process(message, signal);
  }

  private async receive(maxMessages: number, signal: AbortSignal): Promise<ReceivedMessage[]> {
    const { queue, config, log } = this.options;
    const t0 = performance.now();
    try {
      // An executor of a pool leases only its pool's lanes (model kinds).
      const lanes = config.lanes === undefined ? {} : { lanes: config.lanes };
      const messages = await queue.receive({ maxMessages, waitMs: RECEIVE_WAIT_MS, signal, ...lanes });
      if (this.receiveFailures > 0) log.info('receiving tasks again', { failedReceives: this.receiveFailures });
      this.receiveFailures = 0;
      this.receivedOnce = true;
      return messages;
    } catch (err) {
      if (signal.aborted) return [];
      // A queue that refuses the very first receive for good (e.g. an Event Hubs consumer group that does
      // not exist) is misconfigured: stop (exit 1, the error names it) rather than retry forever.
      if (!this.receivedOnce && isProviderError(err) && !err.retryable) throw err;
      this.options.observer?.providerCall({
        provider: 'task_queue',
        operation: 'receive',
        durationMs: performance.now() - t0,
        errorClass: classifyError(err),
      });
      // An unreachable queue would fail every receive: log the first failure, count the rest, back off.
      if (++this.receiveFailures === 1) log.error('cannot receive tasks; retrying', { error: describeError(err) });
      const delayMs = retryDelayMs(config.retry, Math.min(this.receiveFailures, 10), undefined);
      await sleep(delayMs, undefined, { signal }).catch(() => {});
      return [];
    }
  }

  /** A message leased while shutdown began: handed straight back, its attempt not counted, so another executor takes it. */
  private async releaseUnstarted(message: ReceivedMessage): Promise<TaskOutcome> {
    try {
      await this.options.queue.release(message);
    } catch (err) {
      this.options.log.warn('could not release a message at shutdown; it returns when its lease expires', {
        messageId: message.id,
        error: describeError(err),
      });
    }
    return 'released';
  }

  private async drain(inFlight: InFlightTasks): Promise<void> {
    const { config, log } = this.options;
    if (inFlight.size === 0) return;
    log.info('finishing tasks in flight', { inFlight: inFlight.size, graceMs: config.shutdownGraceMs });
    if (await inFlight.settledWithin(config.shutdownGraceMs)) return;
    log.warn('shutdown grace period over: releasing tasks still in flight', { inFlight: inFlight.size });
    await inFlight.abortAll(new DOMException('shutdown grace period over', 'AbortError'));
  }
}
