import { performance } from 'node:perf_hooks';
import type { ReceivedMessage } from '../contracts/TaskQueue.js';
import type { ModelDescription } from '../domain/ModelDescription.js';
import { decodeTask, type PredictionTask } from '../domain/Task.js';
import { formatRange, type TimeRange } from '../domain/TimeRange.js';
import { classifyError, describeError, NotFoundError } from '../runtime/errors.js';
import type { Logger, LogFields } from '../runtime/logger.js';
import { withRetry } from '../runtime/retry.js';
import type { ExecutorOptions } from './Executor.js';
import type { LedgerOutcome } from './ExecutorLedger.js';
import type { TaskOutcome } from './outcomes.js';
import { abandonOnAbort, createTaskSignal, type TaskSignal } from './taskSignal.js';

/** Reasons and error messages are kept to this length: a queue row or log line is no place for a megabyte. */
const MAX_REASON_LENGTH = 500;
const BODY_PREVIEW_LENGTH = 200;

type ProviderCallName = 'model_info.describeModel' | 'sensor_data.getData' | 'predictor.execute' | 'prediction_storage.store';

/** One message in progress: what the final log line reports. */
interface Attempt {
  readonly message: ReceivedMessage;
  readonly task: PredictionTask;
  readonly log: Logger;
  readonly startedAt: number;
  readonly line: LogFields & { retries: number };
  /** Data-quality counts of the frame, once read; recorded with any outcome (invariant 7). */
  quality?: Record<string, number>;
}

/**
 * Runs one message end to end (ARCHITECTURE flow and invariants 3, 5, 6): ledger check, model at the
 * pinned revision, sensor data, execution, idempotent store, ledger record, then ack. Provider calls
 * are retried for transient errors inside the task's deadline; every outcome settles the message.
 */
export class TaskRunner {
  constructor(private readonly deps: ExecutorOptions) {}

  /** Never rejects: failures of the ledger or queue themselves leave the message to its lease expiry. */
  async process(message: ReceivedMessage, signal?: AbortSignal): Promise<TaskOutcome> {
    let task: PredictionTask;
    try {
      task = decodeTask(message.body, message.attempt);
    } catch (err) {
      const malformed = await this.deadLetterMalformed(message, err);
      this.deps.observer?.taskFinished({ outcome: malformed, errorClass: 'permanent', durationMs: 0 });
      return malformed;
    }
    const log = this.deps.log.child({ taskId: task.id, project: task.project, model: task.model, window: formatRange(task.window) });
    const attempt: Attempt = { message, task, log, startedAt: this.deps.clock(), line: { attempt: message.attempt, retries: 0 } };
    const t0 = performance.now();
    let outcome: TaskOutcome;
    try {
      outcome = await this.run(attempt, signal);
    } catch (err) {
      // The ledger or the queue failed (not a provider): nothing was settled, so the lease expires and
      // the message comes back; a ledger that already saw the work makes the redelivery cheap.
      attempt.line.infrastructureError = truncate(describeError(err));
      outcome = 'failed';
    }
    const fields = { outcome, durationMs: Math.round(performance.now() - t0), ...attempt.line };
    this.deps.observer?.taskFinished({
      outcome, durationMs: performance.now() - t0, errorClass: attempt.line.infrastructureError ? 'infrastructure' : attempt.line.errorClass as string | undefined,
      task: { project: task.project, model: task.model, windowEndMs: task.window.toMs },
    });
    if (outcome === 'dead' || attempt.line.infrastructureError) log.error('task finished', fields);
    else if (outcome === 'failed' || attempt.line.leaseLost) log.warn('task finished', fields);
    else log.info('task finished', fields);
    return outcome;
  }

  private async run(attempt: Attempt, signal: AbortSignal | undefined): Promise<TaskOutcome> {
    const { task } = attempt;
    if (attempt.message.exhausted === true) return this.deadLetterExhausted(attempt);
    const begun = await this.deps.ledger.begin(task, this.deps.processName);
    if (!begun.proceed) {
      attempt.line.ledgerState = begun.state;
      await this.ack(attempt);
      return 'skipped';
    }
    const taskSignal = createTaskSignal(signal, this.deps.config.taskTimeoutMs);
    try {
      let rowsWritten: number;
      try {
        rowsWritten = await this.predictAndStore(attempt, taskSignal);
      } catch (err) {
        if (signal?.aborted) return this.release(attempt);
        return await this.recordFailure(attempt, err, taskSignal);
      }
      attempt.line.rows = rowsWritten;
      await this.record(attempt, { state: 'succeeded', rowsWritten });
      await this.ack(attempt);
      return 'succeeded';
    } finally {
      taskSignal.dispose();
    }
  }

  private async predictAndStore(attempt: Attempt, taskSignal: TaskSignal): Promise<number> {
    const { task } = attempt;
    const { models, sensorData, predictor, storage, config } = this.deps;
    const model = await this.call(attempt, taskSignal, 'model_info.describeModel', (signal) =>
      models.describeModel(task.project, task.model, { revision: task.revision, signal }));
    if (model.revision !== task.revision) {
      // Invariant 5: a task runs the revision it was scheduled with, or not at all.
      throw new NotFoundError(`model ${task.project}/${task.model} was described at revision ${model.revision}, not the pinned ${task.revision}`);
    }
    const range = paddedRange(task.window, model, config.paddingRows + (predictor.requiredHistoryRows?.(model) ?? 0));
    const frame = await this.call(attempt, taskSignal, 'sensor_data.getData', (signal) =>
      sensorData.getData(model.inputTags, range, model.resolutionMs, { signal }));
    attempt.quality = { ...frame.quality };
    const predictions = await this.call(attempt, taskSignal, 'predictor.execute', (signal) => predictor.execute(model, frame, task.window, { signal }));
    const stored = await this.call(attempt, taskSignal, 'prediction_storage.store', (signal) => storage.store(predictions, { signal }));
    attempt.quality.droppedNonFinite = stored.droppedNonFinite;
    for (const [key, count] of Object.entries(predictions.counts ?? {})) attempt.quality[key] = count;
    return stored.written;
  }

  /** One provider call (`what` is `<section>.<method>`): retried for transient errors, abandoned when the task is cancelled. */
  private call<T>(attempt: Attempt, taskSignal: TaskSignal, what: ProviderCallName, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const signal = taskSignal.signal;
    return withRetry(async () => this.observed(what, () => abandonOnAbort(fn(signal), signal)), this.deps.config.retry, {
      signal,
      deadlineMs: taskSignal.deadlineMs,
      onRetry: (err, failedAttempt, delayMs) => {
        attempt.line.retries++;
        attempt.log.debug('retrying after a transient error', { failedAttempt, delayMs, error: describeError(err) });
      },
    });
  }

  /** Times one attempt of a provider call for the observer (metrics); the result or error passes through. */
  private async observed<T>(what: ProviderCallName, run: () => Promise<T>): Promise<T> {
    const observer = this.deps.observer;
    if (observer === undefined) return run();
    const [provider, operation] = what.split('.') as [string, string];
    const t0 = performance.now();
    try {
      const result = await run();
      observer.providerCall({ provider, operation, durationMs: performance.now() - t0 });
      return result;
    } catch (err) {
      observer.providerCall({ provider, operation, durationMs: performance.now() - t0, errorClass: classifyError(err) });
      throw err;
    }
  }

  /** Invariant 6: the error's class decides; the window records it and the message is settled to match. */
  private async recordFailure(attempt: Attempt, err: unknown, taskSignal: TaskSignal): Promise<TaskOutcome> {
    let errorClass = classifyError(err);
    let errorMessage = truncate(describeError(err));
    if (taskSignal.timedOut() && (errorClass === 'aborted' || err === taskSignal.signal.reason)) {
      // Our own deadline (its TimeoutError, or the AbortError a provider turned it into): worth another attempt.
      errorClass = 'transient';
      errorMessage = `task timed out after ${this.deps.config.taskTimeoutMs} ms`;
    } else if (errorClass === 'aborted') {
      // Neither our shutdown (handled before) nor our deadline: a provider cancelled its own call. Try again later.
      errorClass = 'transient';
    }
    attempt.line.errorClass = errorClass;
    attempt.line.error = errorMessage;
    switch (errorClass) {
      case 'insufficient_data':
        await this.record(attempt, { state: 'insufficient_data', errorClass, errorMessage });
        await this.ack(attempt);
        return 'insufficient_data';
      case 'transient': {
        // Nack first: only the queue knows whether this was the last attempt, and the window records one state.
        // A refused nack means another delivery holds the message (our lease expired): it owns the window's
        // state, so this attempt goes into the run history only.
        const result = await this.deps.queue.nack(attempt.message, { reason: `transient: ${errorMessage}` });
        if (!result.settled) attempt.line.leaseLost = true;
        const dead = result.settled && result.deadLettered === true;
        await this.record(attempt, { state: dead ? 'dead' : 'failed', errorClass, errorMessage }, !result.settled);
        return dead ? 'dead' : 'failed';
      }
      default:
        return this.recordDead(attempt, errorMessage);
    }
  }

  /**
   * Records the window dead, then dead-letters the message. In that order a crash in between leaves a
   * dead window whose redelivery is acked without work; the other order could leave a dead message with
   * its window 'running' for good. The window is recorded even when the dead-letter then finds the lease
   * lost: the failure is permanent, so any other delivery fails the same way.
   */
  private async recordDead(attempt: Attempt, errorMessage: string): Promise<TaskOutcome> {
    await this.record(attempt, { state: 'dead', errorClass: 'permanent', errorMessage });
    const result = await this.deps.queue.deadLetter(attempt.message, `permanent: ${errorMessage}`);
    if (!result.settled) attempt.line.leaseLost = true;
    return 'dead';
  }

  /** The queue gave up on the message after its leases kept expiring: never run again, recorded and dead-lettered. */
  private deadLetterExhausted(attempt: Attempt): Promise<TaskOutcome> {
    const deliveries = attempt.message.attempt - 1;
    const errorMessage = `lease expired without ack or nack on the last of ${deliveries} deliveries, and the attempts ran out: `
      + 'the task kept crashing or hanging its executor';
    attempt.line.errorClass = 'permanent';
    attempt.line.error = errorMessage;
    return this.recordDead(attempt, errorMessage);
  }

  /** Shutdown took the task away: hand it straight to another executor; the attempt neither failed nor counts. */
  private async release(attempt: Attempt): Promise<TaskOutcome> {
    const result = await this.deps.queue.release(attempt.message);
    if (!result.settled) attempt.line.leaseLost = true;
    return 'released';
  }

  /** With `leaseLost`, the ledger keeps the run but leaves the window to the delivery holding the message. */
  private async record(attempt: Attempt, outcome: LedgerOutcome, leaseLost = false): Promise<void> {
    const withQuality = attempt.quality ? { ...outcome, quality: attempt.quality } : outcome;
    await this.deps.ledger.finish(attempt.task, withQuality, {
      executor: this.deps.processName, startedAt: attempt.startedAt, ...(leaseLost ? { leaseLost } : {}),
    });
  }

  /** A lost lease is expected (another executor redoes the task; the store is idempotent), so it only warns. */
  private async ack(attempt: Attempt): Promise<void> {
    const result = await this.deps.queue.ack(attempt.message);
    if (!result.settled) attempt.line.leaseLost = true;
  }

  private async deadLetterMalformed(message: ReceivedMessage, err: unknown): Promise<TaskOutcome> {
    const reason = truncate(`malformed: ${describeError(err)}`);
    this.deps.log.warn('malformed message dead-lettered', {
      messageId: message.id, attempt: message.attempt, reason,
      bodyLength: message.body.length, bodyPreview: message.body.slice(0, BODY_PREVIEW_LENGTH),
    });
    try {
      await this.deps.queue.deadLetter(message, reason);
    } catch (settleErr) {
      this.deps.log.error('could not dead-letter a malformed message; it will be redelivered', {
        messageId: message.id, error: describeError(settleErr),
      });
    }
    return 'malformed';
  }
}

/** The window widened backwards by the model's own history (`offsetRows`) plus `paddingRows`
 *  (the configured padding and whatever history the predictor asks for). */
export function paddedRange(window: TimeRange, model: ModelDescription, paddingRows: number): TimeRange {
  const rows = (model.offsetRows ?? 0) + paddingRows;
  return { fromMs: window.fromMs - rows * model.resolutionMs, toMs: window.toMs };
}

function truncate(text: string): string {
  return text.length <= MAX_REASON_LENGTH ? text : `${text.slice(0, MAX_REASON_LENGTH - 1)}…`;
}
