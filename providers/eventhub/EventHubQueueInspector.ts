import type { CallOptions } from '../../src/contracts/CallOptions.js';
import type {
  DeadLetter,
  DeadLetterPage,
  ListDeadLettersOptions,
  QueueDepth,
  QueueInspector,
  RedriveFilter,
} from '../../src/contracts/QueueInspector.js';
import type { OutgoingMessage, SendResult } from '../../src/contracts/TaskQueue.js';
import { InvalidDataError, throwIfAborted } from '../../src/runtime/errors.js';
import type { DeadLetterLog, DeadLetteredEvent } from './DeadLetterLog.js';

/** What the inspector needs of the queue: its backlog and a way to put a task on the hub again. */
export interface InspectedHub {
  readonly eventHubName: string;
  readonly consumerGroup: string;
  depth(): Promise<QueueDepth>;
  send(messages: readonly OutgoingMessage[], options?: CallOptions): Promise<SendResult>;
  /** The executor pools' hubs (task_queue.pools), same consumer group: their dead letters are listed too,
   *  and each is re-driven to the hub it was parked from. */
  readonly poolHubs?: readonly Pick<InspectedHub, 'eventHubName' | 'send'>[];
  /** Each executor pool's hub backlog, when the queue has a hub per pool. */
  readyByPool?(): Promise<Readonly<Record<string, number>>>;
}

/**
 * QueueInspector of the Event Hubs queue. A hub cannot park an event, so its dead letters live in the
 * database (DeadLetterLog); re-driving one sends its body to the hub again as a new event (a fresh
 * message, attempts from 1) and then forgets the parked record.
 */
export class EventHubQueueInspector implements QueueInspector {
  /** Present only with a hub per pool: a hub cannot count by kind, but a pool's hub holds only its pool's kinds. */
  readonly readyByPool?: (options?: CallOptions) => Promise<Readonly<Record<string, number>>>;

  constructor(
    private readonly hub: InspectedHub,
    private readonly log: DeadLetterLog,
  ) {
    const readyByPool = hub.readyByPool?.bind(hub);
    if (readyByPool !== undefined)
      this.readyByPool = (options) => {
        throwIfAborted(options?.signal);
        return readyByPool();
      };
  }

  depth(options?: CallOptions): Promise<QueueDepth> {
    throwIfAborted(options?.signal);
    return this.hub.depth();
  }

  /** Newest first; the cursor is the number of dead letters already listed. */
  async deadLetters(options: ListDeadLettersOptions): Promise<DeadLetterPage> {
    throwIfAborted(options.signal);
    const skip = options.cursor === undefined ? 0 : Number(options.cursor);
    if (!Number.isInteger(skip) || skip < 0)
      throw new InvalidDataError(`dead letter cursor ${JSON.stringify(options.cursor)} was not returned by this queue`);
    const newestFirst = (await this.parked()).reverse();
    const items = newestFirst.slice(skip, skip + options.limit).map(toDeadLetter);
    return skip + options.limit < newestFirst.length ? { items, next: String(skip + options.limit) } : { items };
  }

  async redrive(filter: RedriveFilter, options?: CallOptions): Promise<{ redriven: number }> {
    throwIfAborted(options?.signal);
    const matching = (await this.parked()).filter((event) => {
      if ('ids' in filter) return filter.ids.includes(deadLetterId(event));
      if ('reasonContains' in filter) return event.reason.includes(filter.reasonContains);
      return true;
    });
    for (const event of matching) {
      // Sent before forgotten: a crash in between leaves a parked record of a task already re-sent (at-least-once).
      await this.hubOf(event).send([{ id: deadLetterId(event), body: event.body }], options);
      await this.log.remove(event);
    }
    return { redriven: matching.length };
  }

  async pruneDeadLetters(cutoffMs: number, options?: CallOptions): Promise<{ pruned: number }> {
    throwIfAborted(options?.signal);
    let pruned = 0;
    for (const hub of this.hubs()) pruned += await this.log.prune(hub.eventHubName, this.hub.consumerGroup, cutoffMs);
    return { pruned };
  }

  private hubs(): readonly Pick<InspectedHub, 'eventHubName' | 'send'>[] {
    return [this.hub, ...(this.hub.poolHubs ?? [])];
  }

  /** The hub an event was parked from (the log keeps hub names in lower case). */
  private hubOf(event: DeadLetteredEvent): Pick<InspectedHub, 'send'> {
    return this.hubs().find((h) => h.eventHubName.toLowerCase() === event.eventHubName.toLowerCase()) ?? this.hub;
  }

  /** Every hub's parked events, oldest first. */
  private async parked() {
    const lists = await Promise.all(this.hubs().map((h) => this.log.list(h.eventHubName, this.hub.consumerGroup)));
    return lists.flat().sort((a, b) => a.deadAtMs - b.deadAtMs);
  }
}

/** The task's message id, or where the event sat when it had none. */
function deadLetterId(event: DeadLetteredEvent): string {
  return event.messageId ?? `${event.partitionId}:${event.sequenceNumber}`;
}

function toDeadLetter(event: DeadLetteredEvent & { deadAtMs: number }): DeadLetter {
  return { id: deadLetterId(event), body: event.body, attempts: event.attempts, reason: event.reason, deadAtMs: event.deadAtMs };
}
