import { performance } from 'node:perf_hooks';
import type { ReceivedMessage } from '../contracts/TaskQueue.js';
import type { ModelDescription } from '../domain/ModelDescription.js';
import { summarizePredictions, type PredictionSummary } from '../domain/predictionSummary.js';
import type { PredictionTask } from '../domain/Task.js';
import { decodeTaskMessage, pinTask, type DecodedTask } from '../domain/taskCodec.js';
import { formatRange, type TimeRange } from '../domain/TimeRange.js';
import { classifyError, describeError, InvalidDataError, NotFoundError } from '../runtime/errors.js';
import type { LogFields, Logger } from '../runtime/logger.js';
import { withRetry } from '../runtime/retry.js';
import { applySettlement, type AppliedSettlement } from './applySettlement.js';
import { claimWindow } from './claimWindow.js';
import { frameBoundsProblem } from './frameBounds.js';
import type { ExecutorOptions } from './Executor.js';
import type { TaskOutcome } from './outcomes.js';
import { SETTLEMENT_RULES, type Settlement, type SettlementRule } from './settlement.js';
import { abandonOnAbort, createTaskSignal, type TaskSignal } from './taskSignal.js';

/** Reasons and error messages are kept to this length: a queue row or log line is no place for a megabyte. */
const MAX_REASON_LENGTH = 500;
const BODY_PREVIEW_LENGTH = 200;
/** How often a duplicate delivery asks the ledger whether the delivery holding its window is done. */
const FENCE_POLL_MS = 200;

type ProviderCallName = 'model_info.describeModel' | 'sensor_data.getData' | 'predictor.execute' | 'prediction_storage.store';

/** One delivery of a task being worked on: where its calls log, and what they count for the final log line. */
interface Work {
  readonly message: ReceivedMessage;
  readonly log: Logger;
  /** Provider calls retried after transient errors (counted for the log line only). */
  retries: number;
}

/**
 * Runs one message end to end (ARCHITECTURE flow and invariants 3, 5, 6): ledger check, model at the
 * pinned revision (a Python message is pinned to the current one by the same describeModel call),
 * sensor data, execution, idempotent store. What came of it is a typed Settlement; applySettlement then
 * records it and settles the message as SETTLEMENT_RULES states. Provider calls are retried for transient
 * errors inside the task's deadline.
 */
export class TaskRunner {
  constructor(private readonly deps: ExecutorOptions) {}

  /** Never rejects: failures of the ledger or queue themselves leave the message to its lease expiry. */
  async process(message: ReceivedMessage, signal?: AbortSignal): Promise<TaskOutcome> {
    let decoded: DecodedTask;
    try {
      decoded = decodeTaskMessage(message.body);
    } catch (err) {
      const malformed = await this.deadLetterMalformed(message, err);
      this.deps.observer?.taskFinished({ outcome: malformed, errorClass: 'permanent', durationMs: 0 });
      return malformed;
    }
    const named = decoded.format === 'latigo' ? decoded.task : decoded;
    const log = this.deps.log.child({
      ...(decoded.format === 'latigo' ? { taskId: decoded.task.id } : {}),
      project: named.project,
      model: named.model,
      window: formatRange(named.window),
    });
    const work: Work = { message, log, retries: 0 };
    const startedAt = this.deps.clock();
    const t0 = performance.now();
    let settlement: Settlement | undefined;
    let applied: AppliedSettlement | undefined;
    let infrastructureError: string | undefined;
    try {
      settlement = await this.attempt(work, decoded, signal);
      applied = await applySettlement(settlement, {
        queue: this.deps.queue,
        ledger: this.deps.ledger,
        message,
        executor: this.deps.processName,
        startedAt,
      });
    } catch (err) {
      // The ledger or the queue failed (not a provider): nothing was settled, so the lease expires and
      // the message comes back; a ledger that already saw the work makes the redelivery cheap.
      infrastructureError = truncate(describeError(err));
    }
    const outcome = applied?.outcome ?? 'failed';
    const errorClass = infrastructureError ? 'infrastructure' : settlement && settlementErrorClass(settlement);
    const fields = {
      outcome,
      durationMs: Math.round(performance.now() - t0),
      ...logFields(work, settlement, applied),
      ...(infrastructureError ? { infrastructureError } : {}),
    };
    this.deps.observer?.taskFinished({
      outcome,
      durationMs: performance.now() - t0,
      errorClass,
      task: { project: named.project, model: named.model, windowEndMs: named.window.toMs },
    });
    if (outcome === 'dead' || infrastructureError) log.error('task finished', fields);
    else if (outcome === 'failed' || applied?.leaseLost) log.warn('task finished', fields);
    else log.debug('task finished', fields); // one line per window floods info; the scheduler's pass line and start's progress line summarise them
    return outcome;
  }

  /** Works the delivery and says what came of it; settles nothing. Rejects only when the ledger fails. */
  private async attempt(work: Work, decoded: DecodedTask, signal: AbortSignal | undefined): Promise<Settlement> {
    const pinned = decoded.format === 'latigo' ? decoded.task : undefined;
    if (work.message.exhausted === true) {
      // Never run again: without a revision (a Python message) there is no window to record it on.
      const deliveries = work.message.attempt - 1;
      const errorMessage =
        `lease expired without ack or nack on the last of ${deliveries} deliveries, and the attempts ran out: ` +
        'the task kept crashing or hanging its executor';
      return { kind: 'exhausted', ...(pinned ? { task: pinned } : {}), errorMessage };
    }
    const taskSignal = createTaskSignal(signal, this.deps.config.taskTimeoutMs);
    const quality: Record<string, number> = {};
    const failed = (task: PredictionTask | undefined, err: unknown): Settlement => {
      if (signal?.aborted) return { kind: 'released', ...(task ? { task } : {}) };
      return this.failure(task, err, taskSignal, quality);
    };
    try {
      let model: ModelDescription | undefined;
      if (decoded.format === 'python') {
        // A Python message names no revision: the model's current one, from the call the task makes anyway.
        try {
          model = await this.describe(work, taskSignal, decoded);
        } catch (err) {
          return failed(undefined, err);
        }
      }
      const task = pinned ?? pinTask(decoded, model!.revision);
      // The ledger's own failures propagate: nothing is settled and the lease brings the message back.
      // The ledger's fence: a window another delivery holds is waited for, not run twice (claimWindow).
      const { taskTimeoutMs } = this.deps.config;
      const { begun, fenced } = await claimWindow(this.deps.ledger, task, this.deps.processName, {
        leaseMs: taskTimeoutMs,
        maxWaitMs: taskTimeoutMs,
        pollMs: FENCE_POLL_MS,
        ...(signal ? { signal } : {}),
      });
      if (!begun.proceed) {
        if (begun.state === 'running') return { kind: 'duplicate_held', task };
        return fenced ? { kind: 'duplicate', task, ledgerState: begun.state } : { kind: 'skipped', task, ledgerState: begun.state };
      }
      try {
        const { rowsWritten, predictions } = await this.predictAndStore(work, task, model, taskSignal, quality);
        return { kind: 'succeeded', task, rowsWritten, quality, predictions };
      } catch (err) {
        return failed(task, err);
      }
    } finally {
      taskSignal.dispose();
    }
  }

  private async predictAndStore(
    work: Work,
    task: PredictionTask,
    described: ModelDescription | undefined,
    taskSignal: TaskSignal,
    quality: Record<string, number>,
  ): Promise<{ rowsWritten: number; predictions: PredictionSummary }> {
    const { models, sensorData, predictor, storage, config } = this.deps;
    const model =
      described ??
      (await this.call(work, taskSignal, 'model_info.describeModel', (signal) =>
        models.describeModel(task.project, task.model, { revision: task.revision, signal }),
      ));
    if (model.revision !== task.revision) {
      // Invariant 5: a task runs the revision it was scheduled with, or not at all.
      throw new NotFoundError(
        `model ${task.project}/${task.model} was described at revision ${model.revision}, not the pinned ${task.revision}`,
      );
    }
    const range = paddedRange(task.window, model, config.paddingRows + (predictor.requiredHistoryRows?.(model) ?? 0));
    const tooLarge = frameBoundsProblem(model, range, config);
    if (tooLarge !== undefined) throw new InvalidDataError(tooLarge);
    const frame = await this.call(work, taskSignal, 'sensor_data.getData', (signal) =>
      sensorData.getData(model.inputTags, range, model.resolutionMs, { signal, rows: predictor.frameRows?.(model) ?? 'all' }),
    );
    Object.assign(quality, frame.quality);
    const predictions = await this.call(work, taskSignal, 'predictor.execute', (signal) =>
      predictor.execute(model, frame, task.window, { signal }),
    );
    const stored = await this.call(work, taskSignal, 'prediction_storage.store', (signal) => storage.store(predictions, { signal }));
    quality.droppedNonFinite = stored.droppedNonFinite;
    // After the store committed: episodes are recomputed from stored points, never ahead of them.
    await this.deps.recorder?.record(predictions, model);
    for (const [key, count] of Object.entries(predictions.counts ?? {})) quality[key] = count;
    return { rowsWritten: stored.written, predictions: summarizePredictions(predictions) };
  }

  /** The model's current description, for a message that names no revision. */
  private describe(work: Work, taskSignal: TaskSignal, named: { project: string; model: string }): Promise<ModelDescription> {
    return this.call(work, taskSignal, 'model_info.describeModel', (signal) =>
      this.deps.models.describeModel(named.project, named.model, { signal }),
    );
  }

  /** One provider call (`what` is `<section>.<method>`): retried for transient errors, abandoned when the task is cancelled. */
  private call<T>(work: Work, taskSignal: TaskSignal, what: ProviderCallName, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const signal = taskSignal.signal;
    return withRetry(async () => this.observed(what, () => abandonOnAbort(fn(signal), signal)), this.deps.config.retry, {
      signal,
      deadlineMs: taskSignal.deadlineMs,
      onRetry: (err, failedAttempt, delayMs) => {
        work.retries++;
        work.log.debug('retrying after a transient error', { failedAttempt, delayMs, error: describeError(err) });
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

  /** Invariant 6: the error's class decides the settlement. */
  private failure(task: PredictionTask | undefined, err: unknown, taskSignal: TaskSignal, quality: Record<string, number>): Settlement {
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
    const known = { ...(task ? { task } : {}), errorMessage, ...(Object.keys(quality).length > 0 ? { quality } : {}) };
    if (errorClass === 'insufficient_data' && task) return { kind: 'insufficient_data', ...known, task };
    if (errorClass === 'transient') return { kind: 'transient', ...known };
    return { kind: 'permanent', ...known };
  }

  private async deadLetterMalformed(message: ReceivedMessage, err: unknown): Promise<TaskOutcome> {
    const reason = truncate(`malformed: ${describeError(err)}`);
    this.deps.log.warn('malformed message dead-lettered', {
      messageId: message.id,
      attempt: message.attempt,
      reason,
      bodyLength: message.body.length,
      bodyPreview: message.body.slice(0, BODY_PREVIEW_LENGTH),
    });
    try {
      return (
        await applySettlement(
          { kind: 'malformed', reason },
          {
            queue: this.deps.queue,
            ledger: this.deps.ledger,
            message,
            executor: this.deps.processName,
            startedAt: this.deps.clock(),
          },
        )
      ).outcome;
    } catch (settleErr) {
      this.deps.log.error('could not dead-letter a malformed message; it will be redelivered', {
        messageId: message.id,
        error: describeError(settleErr),
      });
      return 'malformed';
    }
  }
}

/** The window widened backwards by the model's own history (`offsetRows`) plus `paddingRows`
 *  (the configured padding and whatever history the predictor asks for). */
export function paddedRange(window: TimeRange, model: ModelDescription, paddingRows: number): TimeRange {
  const rows = (model.offsetRows ?? 0) + paddingRows;
  return { fromMs: window.fromMs - rows * model.resolutionMs, toMs: window.toMs };
}

/** The error class a settlement records (for metrics); undefined when nothing failed. */
function settlementErrorClass(settlement: Settlement): string | undefined {
  const rule: SettlementRule = SETTLEMENT_RULES[settlement.kind];
  return settlement.kind === 'malformed' ? undefined : rule.errorClass;
}

/** The fields of the "task finished" line besides outcome and duration. */
function logFields(work: Work, settlement: Settlement | undefined, applied: AppliedSettlement | undefined): LogFields {
  const fields: LogFields = { attempt: work.message.attempt, retries: work.retries };
  if (settlement && 'task' in settlement && settlement.task) fields.taskId = settlement.task.id;
  if (settlement?.kind === 'skipped') fields.ledgerState = settlement.ledgerState;
  if (settlement?.kind === 'succeeded') fields.rows = settlement.rowsWritten;
  const errorClass = settlement && settlementErrorClass(settlement);
  if (errorClass) fields.errorClass = errorClass;
  if (settlement && 'errorMessage' in settlement) fields.error = settlement.errorMessage;
  if (applied?.leaseLost) fields.leaseLost = true;
  return fields;
}

function truncate(text: string): string {
  return text.length <= MAX_REASON_LENGTH ? text : `${text.slice(0, MAX_REASON_LENGTH - 1)}…`;
}
