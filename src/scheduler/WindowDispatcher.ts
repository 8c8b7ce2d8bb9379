import type { OutgoingMessage, TaskQueue } from '../contracts/TaskQueue.js';
import type { PredictionTask } from '../domain/Task.js';
import { encodeTask } from '../domain/taskCodec.js';
import type { WindowLedger, WindowOrigin } from '../ledger/WindowLedger.js';
import type { ModelLanes } from './ModelLanes.js';

export interface DispatchOptions {
  signal?: AbortSignal;
  /** Awaited before each batch is recorded, with the batch size: backfill waits here for room. */
  beforeBatch?: (size: number) => Promise<void>;
  /** Called after each batch with what happened to it. */
  afterBatch?: (result: DispatchResult) => void;
}

export interface DispatchResult {
  /** Windows new to the ledger, now sent. */
  queued: number;
  /** Windows the ledger already had (another pass, scheduler or backfill recorded them first). */
  duplicates: number;
}

/**
 * Turns planned windows into queued work, batch by batch: insert-if-absent in the ledger, send only the
 * windows that were new, then mark them enqueued. A crash after the insert leaves the windows 'unsent'
 * in the ledger; `resendUnsent` sends them on the next pass, so nothing is lost and the ledger, not the
 * sender, decides that a window is queued once.
 */
export class WindowDispatcher {
  constructor(
    private readonly ledger: WindowLedger,
    private readonly queue: TaskQueue,
    private readonly batchSize: number,
    /** Routes each message by its model's kind (executor pools); no lanes when omitted. */
    private readonly lanes?: ModelLanes,
  ) {}

  async dispatch(tasks: Iterable<PredictionTask>, origin: WindowOrigin, options: DispatchOptions = {}): Promise<DispatchResult> {
    const total: DispatchResult = { queued: 0, duplicates: 0 };
    for (const batch of batches(tasks, this.batchSize)) {
      options.signal?.throwIfAborted();
      await options.beforeBatch?.(batch.length);
      const fresh = await this.ledger.recordNew(batch, origin);
      if (fresh.length > 0) await this.send(fresh, options.signal);
      const result = { queued: fresh.length, duplicates: batch.length - fresh.length };
      total.queued += result.queued;
      total.duplicates += result.duplicates;
      options.afterBatch?.(result);
    }
    return total;
  }

  /** Sends the windows the ledger holds as recorded but never enqueued. Returns how many. */
  async resendUnsent(signal?: AbortSignal): Promise<number> {
    let resent = 0;
    for (;;) {
      signal?.throwIfAborted();
      const unsent = await this.ledger.unsent(this.batchSize);
      if (unsent.length === 0) return resent;
      await this.send(unsent, signal);
      resent += unsent.length;
      if (unsent.length < this.batchSize) return resent;
    }
  }

  /** Sends windows the ledger already holds as queued and unsent (e.g. made runnable again by `WindowLedger.requeue`). */
  async sendRecorded(tasks: readonly PredictionTask[], signal?: AbortSignal): Promise<void> {
    for (const batch of batches(tasks, this.batchSize)) await this.send(batch, signal);
  }

  private async send(tasks: readonly PredictionTask[], signal?: AbortSignal): Promise<void> {
    const messages = [];
    for (const task of tasks) {
      const message = toMessage(task);
      messages.push(this.lanes === undefined ? message : { ...message, lane: await this.lanes.laneOf(task, signal) });
    }
    await this.queue.send(messages, signal === undefined ? {} : { signal });
    await this.ledger.markEnqueued(tasks.map((t) => t.id));
  }
}

export function toMessage(task: PredictionTask): OutgoingMessage {
  return { id: task.id, partitionKey: `${task.project}/${task.model}`, body: encodeTask(task) };
}

function* batches<T>(items: Iterable<T>, size: number): Generator<T[]> {
  let batch: T[] = [];
  for (const item of items) {
    batch.push(item);
    if (batch.length >= size) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}
