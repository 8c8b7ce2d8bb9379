import type { CallOptions } from '../../src/contracts/CallOptions.js';
import type {
  NackOptions,
  NackResult,
  OutgoingMessage,
  ReceivedMessage,
  ReceiveOptions,
  SendResult,
  SettleResult,
  TaskQueue,
} from '../../src/contracts/TaskQueue.js';
import { ConfigError } from '../../src/runtime/errors.js';
import type { EventHubQueueConfig } from './config.js';
import type { EventHubsTaskQueue } from './EventHubsTaskQueue.js';

type HubQueue = TaskQueue & Pick<EventHubsTaskQueue, 'depth' | 'close'>;

/**
 * The task queue with a hub per executor pool (`task_queue.pools`): `send` puts each task on the hub of the
 * pool that serves its kind (its lane), tasks of a kind in no pool on the section's own hub; `receive` reads
 * the one hub of the lanes asked for (an executor's pool), the section's hub without lanes. A hub is a queue
 * of its own (EventHubsTaskQueue: partitions, checkpoints, dead letters), so a pool's executors balance only
 * that hub's partitions between them and never see another pool's tasks.
 */
export class PoolHubs implements TaskQueue {
  /** Which hub's queue handed out a message, so its settlement goes back there. */
  private readonly origin = new WeakMap<ReceivedMessage, HubQueue>();
  private readonly byKind = new Map<string, HubQueue>();

  /** `hubs`: the section's own hub under '' and each pool's under its name. */
  constructor(
    config: EventHubQueueConfig,
    private readonly hubs: ReadonlyMap<string, HubQueue>,
  ) {
    for (const [name, pool] of Object.entries(config.pools)) for (const kind of pool.kinds) this.byKind.set(kind, this.hub(name));
  }

  async send(messages: readonly OutgoingMessage[], options?: CallOptions): Promise<SendResult> {
    const groups = new Map<HubQueue, OutgoingMessage[]>();
    for (const message of messages) {
      const queue = this.hubOfLane(message.lane);
      groups.set(queue, [...(groups.get(queue) ?? []), message]);
    }
    let sent = 0;
    for (const [queue, group] of groups) sent += (await queue.send(group, options)).sent;
    return { sent, duplicates: 0 };
  }

  async receive(options: ReceiveOptions): Promise<ReceivedMessage[]> {
    const queue = this.hubOfLanes(options.lanes);
    const messages = await queue.receive(options);
    for (const message of messages) this.origin.set(message, queue);
    return messages;
  }

  ack(message: ReceivedMessage, options?: CallOptions): Promise<SettleResult> {
    return this.originOf(message).ack(message, options);
  }

  nack(message: ReceivedMessage, options: NackOptions): Promise<NackResult> {
    return this.originOf(message).nack(message, options);
  }

  deadLetter(message: ReceivedMessage, reason: string, options?: CallOptions): Promise<SettleResult> {
    return this.originOf(message).deadLetter(message, reason, options);
  }

  release(message: ReceivedMessage, options?: CallOptions): Promise<SettleResult> {
    return this.originOf(message).release(message, options);
  }

  /** The backlog of every hub, summed (`latigo status`). */
  async depth(): Promise<{ ready: number; leased: number; delayed: number; dead: number }> {
    const total = { ready: 0, leased: 0, delayed: 0, dead: 0 };
    for (const d of await Promise.all([...this.hubs.values()].map((q) => q.depth()))) {
      total.ready += d.ready;
      total.leased += d.leased;
      total.delayed += d.delayed;
      total.dead += d.dead;
    }
    return total;
  }

  /** Each pool's hub backlog (its `ready`), for the tasks no live executor of that pool serves (waitingUnserved). */
  async readyByPool(): Promise<Record<string, number>> {
    const pools = [...this.hubs].filter(([name]) => name !== '');
    const depths = await Promise.all(pools.map(([, q]) => q.depth()));
    return Object.fromEntries(pools.map(([name], i) => [name, depths[i]!.ready]));
  }

  async close(): Promise<void> {
    await Promise.all([...this.hubs.values()].map((q) => q.close()));
  }

  private hub(name: string): HubQueue {
    const queue = this.hubs.get(name);
    if (queue === undefined) throw new Error(`no queue for hub ${JSON.stringify(name)}`);
    return queue;
  }

  private hubOfLane(lane: string | undefined): HubQueue {
    return (lane === undefined ? undefined : this.byKind.get(lane)) ?? this.hub('');
  }

  /** An executor pool's lanes all lie on its pool's hub (withExecutorPools sees to it). */
  private hubOfLanes(lanes: readonly string[] | undefined): HubQueue {
    const queues = new Set((lanes ?? [undefined]).map((lane) => this.hubOfLane(lane)));
    if (queues.size !== 1) throw new ConfigError('executor.pools', `lanes ${JSON.stringify(lanes)} lie on more than one event hub`);
    return [...queues][0]!;
  }

  private originOf(message: ReceivedMessage): HubQueue {
    return this.origin.get(message) ?? this.hub('');
  }
}
