import { withBuiltInTables } from '../fixtures/builtInMigrations.js';
import { earliestEventPosition, EventHubConsumerClient, EventHubProducerClient, type ReceivedEventData } from '@azure/event-hubs';
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseEventHubConfig } from '../../providers/eventhub/config.js';
import { DatabaseCheckpointStore } from '../../providers/eventhub/DatabaseCheckpointStore.js';
import { DeadLetterLog } from '../../providers/eventhub/DeadLetterLog.js';
import { EventHubQueueInspector } from '../../providers/eventhub/EventHubQueueInspector.js';
import { EventHubsTaskQueue, type QueueCallObserver } from '../../providers/eventhub/EventHubsTaskQueue.js';
import type { ReceivedMessage } from '../../src/contracts/TaskQueue.js';
import { newTask } from '../../src/domain/Task.js';
import { decodeTask, decodeTaskMessage, encodeTask, pinTask } from '../../src/domain/taskCodec.js';
import { openDatabase, type OpenDatabase as Database } from '../../src/persistence/dataSource.js';
import { runMigrations } from '../../src/persistence/migrate.js';
import { ProviderError } from '../../src/runtime/errors.js';
import { silentLogger } from '../../src/runtime/logger.js';
import { toMessage } from '../../src/scheduler/WindowDispatcher.js';
import { RecordingLogger } from '../fakes/RecordingLogger.js';
import { EventHubServer } from '../servers/eventhub/EventHubServer.js';
import { waitFor } from './helpers/sqlite.js';

// The real @azure/event-hubs SDK and our queue against the loopback Event Hubs (test/servers/eventhub),
// with ownership and checkpoints in a SQLite file.

const SDK_RETRY = { maxRetries: 2, retryDelayInMs: 100, timeoutInMs: 3_000 };
const HOUR = 3_600_000;
const T0 = Date.parse('2026-01-01T00:00:00Z');

function tasks(models: number, windowsPerModel: number) {
  const out = [];
  for (let w = 0; w < windowsPerModel; w++) {
    for (let m = 0; m < models; m++) out.push(newTask('plant', `model-${m}`, 'r1', { fromMs: T0 + w * HOUR, toMs: T0 + (w + 1) * HOUR }));
  }
  return out;
}

describe('Event Hubs task queue against the loopback server (protocol)', function () {
  // Budget: bounds a hang only; every wait below is for a condition (issue 14: busy machines).
  this.timeout(180_000);
  let server: EventHubServer;
  let dir: string;
  let db: Database;
  const queues: EventHubsTaskQueue[] = [];
  let hubCount = 0;
  let hub: string;

  function queueConfig(extra: Record<string, unknown> = {}) {
    return parseEventHubConfig(
      {
        connection_string: server.connectionString(hub),
        max_wait_time: 200,
        max_batch_size: 50,
        retry: { initial_interval: 50 },
        load_balancing: { strategy: 'greedy', update_interval: 300, ownership_expiration: 3_000 },
        connection_retry: { maximum_attempts: 3, initial_interval: 100 },
        operation_timeout: 3_000,
        ...extra,
      },
      'task_queue',
    );
  }

  async function makeQueue(
    identifier: string,
    options: {
      extra?: Record<string, unknown>;
      log?: RecordingLogger;
      observer?: QueueCallObserver;
    } = {},
  ) {
    const queue = await EventHubsTaskQueue.create({
      ...(options.observer ? { observer: options.observer } : {}),
      config: queueConfig(options.extra),
      identifier,
      log: options.log ?? silentLogger,
      checkpointStore: new DatabaseCheckpointStore(db),
      deadLetters: new DeadLetterLog(db),
    });
    queues.push(queue);
    return queue;
  }

  async function receiveAll(
    queue: EventHubsTaskQueue,
    count: number,
    settle: (m: ReceivedMessage) => Promise<unknown> = (m) => queue.ack(m),
  ) {
    const got: ReceivedMessage[] = [];
    const deadline = Date.now() + 20_000;
    while (got.length < count && Date.now() < deadline) {
      const batch = await queue.receive({ maxMessages: 100, waitMs: 200 });
      for (const m of batch) await settle(m);
      got.push(...batch);
    }
    return got;
  }

  before(async () => {
    server = await EventHubServer.start({
      hubs: Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`tasks-${i}`, { partitions: 4 }])),
    });
    dir = mkdtempSync(join(tmpdir(), 'latigo-eventhub-'));
    db = await openDatabase({ url: `sqlite:${join(dir, 'latigo.sqlite')}`, busyTimeoutMs: 5_000 }, withBuiltInTables);
    await runMigrations(db);
  });
  beforeEach(() => {
    hub = `tasks-${hubCount++}`;
  });
  afterEach(async () => {
    await Promise.all(queues.splice(0).map((q) => q.close()));
  });
  after(async () => {
    await db?.close();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('the loopback server with the bare SDK', () => {
    it('answers management reads and advertises the 1 MB publish limit', async () => {
      const producer = new EventHubProducerClient(server.connectionString(hub), { retryOptions: SDK_RETRY });
      try {
        expect((await producer.getEventHubProperties()).partitionIds).to.deep.equal(['0', '1', '2', '3']);
        expect((await producer.createBatch()).maxSizeInBytes).to.equal(1_048_576);
        await producer.sendBatch([{ body: 'a' }, { body: 'b' }], { partitionId: '2' });
        const props = await producer.getPartitionProperties('2');
        expect(props).to.include({ partitionId: '2', lastEnqueuedSequenceNumber: 1, isEmpty: false, beginningSequenceNumber: 0 });
        expect(props.lastEnqueuedOffset).to.equal(server.events(hub, '2')[1]!.offset);
        expect((await producer.getPartitionProperties('0')).isEmpty).to.equal(true);
      } finally {
        await producer.close();
      }
    });

    it('routes one partition key to one partition and rejects a publish over the size limit', async () => {
      const producer = new EventHubProducerClient(server.connectionString(hub), { retryOptions: SDK_RETRY });
      try {
        for (let i = 0; i < 5; i++) await producer.sendBatch([{ body: i }], { partitionKey: 'plant/model-7' });
        const counts = ['0', '1', '2', '3'].map((p) => server.events(hub, p).length);
        expect(counts.filter((n) => n > 0)).to.deep.equal([5]);
        let error: unknown;
        try {
          await producer.sendBatch([{ body: Buffer.alloc(1_100_000) }]);
        } catch (err) {
          error = err;
        }
        expect((error as { code?: string }).code).to.equal('MessageTooLargeError');
      } finally {
        await producer.close();
      }
    });

    it('starts readers at offsets exclusively and sequence numbers inclusively, as the filter says', async () => {
      const producer = new EventHubProducerClient(server.connectionString(hub), { retryOptions: SDK_RETRY });
      const consumer = new EventHubConsumerClient('$Default', server.connectionString(hub), { retryOptions: SDK_RETRY });
      try {
        await producer.sendBatch(
          Array.from({ length: 10 }, (_, i) => ({ body: i })),
          { partitionId: '0' },
        );
        const stored = server.events(hub, '0');
        const readFrom = async (startPosition: object, expected: number) => {
          const seen: ReceivedEventData[] = [];
          const sub = consumer.subscribe(
            '0',
            {
              processEvents: async (events) => {
                seen.push(...events);
              },
              processError: async () => undefined,
            },
            { startPosition, maxWaitTimeInSeconds: 0.2, maxBatchSize: 20 },
          );
          await waitFor(() => seen.length >= expected, { timeoutMs: 60_000, describe: () => `${expected} events (${seen.length})` });
          await sleep(300); // and no more
          await sub.close();
          return seen.map((e) => e.body as number);
        };
        expect(await readFrom({ offset: stored[3]!.offset }, 6)).to.deep.equal([4, 5, 6, 7, 8, 9]);
        expect(await readFrom({ sequenceNumber: 7, isInclusive: true }, 3)).to.deep.equal([7, 8, 9]);
        expect(await readFrom(earliestEventPosition, 10)).to.have.length(10);
      } finally {
        await consumer.close();
        await producer.close();
      }
    });

    it('closes the older reader with ReceiverDisconnectedError when a higher owner level attaches', async () => {
      const first = new EventHubConsumerClient('$Default', server.connectionString(hub), { retryOptions: SDK_RETRY });
      const second = new EventHubConsumerClient('$Default', server.connectionString(hub), { retryOptions: SDK_RETRY });
      const errors: string[] = [];
      try {
        const handlers = (label: string) => ({
          processEvents: async () => undefined,
          processError: async (err: Error) => {
            errors.push(`${label}:${(err as { code?: string }).code ?? err.name}`);
          },
        });
        const a = first.subscribe('1', handlers('first'), { ownerLevel: 1, maxWaitTimeInSeconds: 0.2 });
        await waitFor(() => server.readerCount(hub, '$Default', '1') === 1, { timeoutMs: 60_000, describe: () => 'first reader' });
        const b = second.subscribe('1', handlers('second'), { ownerLevel: 2, maxWaitTimeInSeconds: 0.2 });
        await waitFor(() => errors.includes('first:ReceiverDisconnectedError'), {
          timeoutMs: 60_000,
          describe: () => `steal (${errors.join()})`,
        });
        expect(server.readerCount(hub, '$Default', '1')).to.equal(1);
        await a.close();
        await b.close();
      } finally {
        await first.close();
        await second.close();
      }
    });
  });

  describe('start-up errors', () => {
    const startWith = async (connectionString: string, hubName = hub) => {
      const config = parseEventHubConfig(
        {
          connection_string: connectionString,
          event_hub_name: hubName,
          connection_retry: { maximum_attempts: 2, initial_interval: 50 },
          operation_timeout: 2_000,
        },
        'task_queue',
      );
      try {
        await EventHubsTaskQueue.create({
          config,
          identifier: 'x',
          log: silentLogger,
          checkpointStore: new DatabaseCheckpointStore(db),
          deadLetters: new DeadLetterLog(db),
        });
      } catch (err) {
        return err as ProviderError;
      }
      return expect.fail('create() should have failed');
    };

    it('names refused credentials without quoting the key', async () => {
      const err = await startWith(server.connectionString(hub, 'RootManageSharedAccessKey', 'not-the-key-s3cr3t'));
      expect(err).to.be.instanceOf(ProviderError);
      expect(err.retryable).to.equal(false);
      expect(err.message).to.match(/refused the credentials for 127\.0\.0\.1:\d+\/tasks-\d+ \(UnauthorizedError\)/);
      expect(err.message).to.not.include('s3cr3t');
    });

    it('names a missing hub', async () => {
      const err = await startWith(server.connectionString('no-such-hub'), 'no-such-hub');
      expect(err.message).to.match(/has no hub 127\.0\.0\.1:\d+\/no-such-hub \(MessagingEntityNotFoundError\)/);
      expect(err.retryable).to.equal(false);
    });

    it('names a refused connection', async () => {
      const err = await startWith('Endpoint=sb://127.0.0.1:1;SharedAccessKeyName=k;SharedAccessKey=s3cr3t;UseDevelopmentEmulator=true');
      expect(err.message).to.match(/cannot connect to Event Hubs at 127\.0\.0\.1:1\/tasks-\d+ \(ECONNREFUSED\)/);
      expect(err.message).to.not.include('s3cr3t');
    });

    it('refuses a malformed connection string as a configuration error, key redacted', () => {
      let error: Error | undefined;
      try {
        parseEventHubConfig({ connection_string: 'SharedAccessKey=s3cr3t;EntityPath=x' }, 'task_queue');
      } catch (err) {
        error = err as Error;
      }
      expect(error?.name).to.equal('ConfigError');
      expect(error?.message).to.include('task_queue.connection_string');
      expect(error?.message).to.not.include('s3cr3t');
    });
  });

  describe('sending and receiving tasks', () => {
    it('sends 2,000 tasks in size-bounded batches over 4 partitions, each model on one partition in window order', async () => {
      const queue = await makeQueue('scheduler');
      const all = tasks(100, 20);
      const result = await queue.send(all.map(toMessage));
      expect(result).to.deep.equal({ sent: 2000, duplicates: 0 });
      expect(queue.stats.batchesSent).to.be.at.least(4).and.below(40);
      const perPartition = ['0', '1', '2', '3'].map((p) => server.events(hub, p));
      expect(perPartition.reduce((n, events) => n + events.length, 0)).to.equal(2000);
      expect(perPartition.every((events) => events.length > 0)).to.equal(true);
      const partitionOfModel = new Map<string, number>();
      perPartition.forEach((events, p) => {
        const lastFrom = new Map<string, number>();
        for (const event of events) {
          const body = Buffer.from((event.message.body as { content: Buffer }).content).toString('utf8');
          const task = decodeTask(body);
          expect(event.message.message_id).to.equal(task.id);
          expect(partitionOfModel.get(task.model) ?? p, `${task.model} on one partition`).to.equal(p);
          partitionOfModel.set(task.model, p);
          expect(task.window.fromMs).to.be.greaterThan(lastFrom.get(task.model) ?? -Infinity);
          lastFrom.set(task.model, task.window.fromMs);
        }
      });
      expect(partitionOfModel.size).to.equal(100);
    });

    it('delivers every task posted before the executor attached (a new consumer group starts at the earliest event)', async () => {
      const sender = await makeQueue('scheduler');
      const all = tasks(10, 5);
      await sender.send(all.map(toMessage));
      const executor = await makeQueue('executor-1');
      const got = await receiveAll(executor, all.length);
      expect(got.map((m) => m.id).sort()).to.deep.equal(all.map((t) => t.id).sort());
      expect(got.every((m) => m.attempt === 1 && decodeTask(m.body).id === m.id)).to.equal(true);
    });

    it('reports the backlog after the checkpoints as the depth `latigo status` shows', async () => {
      const sender = await makeQueue('scheduler');
      await sender.send(tasks(8, 5).map(toMessage));
      expect(await sender.depth()).to.deep.equal({ ready: 40, leased: 0, delayed: 0, dead: 0 });
      const executor = await makeQueue('executor-1');
      await receiveAll(executor, 40);
      expect(await sender.depth()).to.deep.equal({ ready: 0, leased: 0, delayed: 0, dead: 0 });
    });

    it('moves the checkpoint only past the contiguous prefix of finished events', async () => {
      const sender = await makeQueue('scheduler');
      // One model: one partition, in order.
      const all = tasks(1, 6);
      await sender.send(all.map(toMessage));
      const executor = await makeQueue('executor-1');
      const store = new DatabaseCheckpointStore(db);
      const got: ReceivedMessage[] = [];
      await waitFor(
        async () => {
          got.push(...(await executor.receive({ maxMessages: 10, waitMs: 100 })));
          return got.length === 6;
        },
        { timeoutMs: 60_000, describe: () => `6 deliveries, got ${got.length}` },
      );
      const checkpointOf = async () => (await store.listCheckpoints('127.0.0.1', hub, '$Default'))[0]?.sequenceNumber;
      await executor.ack(got[1]!);
      await executor.ack(got[2]!);
      expect(await checkpointOf(), 'nothing finished at the head').to.equal(undefined);
      await executor.ack(got[0]!);
      expect(await checkpointOf()).to.equal(2);
      await executor.ack(got[4]!);
      expect(await checkpointOf()).to.equal(2);
      await executor.ack(got[3]!);
      expect(await checkpointOf()).to.equal(4);
    });

    it('reports its sends and checkpoint writes, with durations, to the metrics observer', async () => {
      const calls: { operation: string; durationMs: number; errorClass?: string }[] = [];
      const observer: QueueCallObserver = {
        providerCall: (event) => {
          expect(event.provider).to.equal('task_queue');
          calls.push(event);
        },
      };
      const sender = await makeQueue('scheduler', { observer });
      await sender.send(tasks(3, 2).map(toMessage));
      const executor = await makeQueue('executor-1', { observer });
      await receiveAll(executor, 6);
      expect(calls.filter((c) => c.operation === 'send')).to.have.length(1);
      expect(calls.filter((c) => c.operation === 'updateCheckpoint').length).to.be.at.least(1);
      expect(calls.every((c) => c.durationMs >= 0 && c.errorClass === undefined)).to.equal(true);
    });

    it('redelivers a nacked task with the attempt counted, and dead-letters it when attempts run out', async () => {
      const sender = await makeQueue('scheduler');
      await sender.send(tasks(1, 1).map(toMessage));
      const executor = await makeQueue('executor-1', { extra: { retry: { maximum_attempts: 2, initial_interval: 50 } } });
      const [first] = await receiveAll(executor, 1, async () => undefined);
      expect(await executor.nack(first!, { reason: 'flaky', retryAfterMs: 10 })).to.deep.equal({ settled: true });
      const [second] = await receiveAll(executor, 1, async () => undefined);
      expect(second!.attempt).to.equal(2);
      expect(second!.id).to.equal(first!.id);
      expect(await executor.nack(second!, { reason: 'flaky again' })).to.deep.equal({ settled: true, deadLettered: true });
      const dead = await executor.listDeadLetters();
      expect(dead).to.have.length(1);
      expect(dead[0]).to.include({ messageId: first!.id, attempts: 2 });
      expect(dead[0]!.reason).to.include('flaky again');
    });

    it('as a QueueInspector, lists dead letters with their reason and re-drives them as fresh events', async () => {
      const sender = await makeQueue('scheduler');
      await sender.send(tasks(2, 1).map(toMessage));
      const executor = await makeQueue('executor-1');
      const got = await receiveAll(executor, 2, (m) => executor.deadLetter(m, `model ${m.id} gone`));
      const inspector = new EventHubQueueInspector(
        {
          eventHubName: hub,
          consumerGroup: '$Default',
          depth: () => executor.depth(),
          send: (m, o) => sender.send(m, o),
        },
        new DeadLetterLog(db),
      );
      const first = await inspector.deadLetters({ limit: 1 });
      expect(first.items).to.have.length(1);
      const second = await inspector.deadLetters({ limit: 1, cursor: first.next! });
      expect(second.next).to.equal(undefined);
      expect([...first.items, ...second.items].map((d) => d.id).sort()).to.deep.equal(got.map((m) => m.id).sort());
      expect(second.items[0]!.reason).to.equal(`model ${second.items[0]!.id} gone`);
      expect(await inspector.depth()).to.include({ dead: 2 });

      expect(await inspector.redrive({ ids: [first.items[0]!.id] })).to.deep.equal({ redriven: 1 });
      const [again] = await receiveAll(executor, 1);
      expect(again).to.include({ id: first.items[0]!.id, attempt: 1 });
      expect((await inspector.deadLetters({ limit: 10 })).items.map((d) => d.id)).to.deep.equal([second.items[0]!.id]);
      // Retention forgets parked events older than the cutoff, and only those.
      expect(await inspector.pruneDeadLetters(0)).to.deep.equal({ pruned: 0 });
      expect(await inspector.pruneDeadLetters(Date.now() + 1)).to.deep.equal({ pruned: 1 });
      expect((await inspector.deadLetters({ limit: 10 })).items).to.deep.equal([]);
    });

    it('records a malformed message with its partition, offset and sequence number, and checkpoints past it', async () => {
      const producer = new EventHubProducerClient(server.connectionString(hub), { retryOptions: SDK_RETRY });
      await producer.sendBatch([{ body: Buffer.from('{not json') }, { body: Buffer.from(encodeTask(tasks(1, 1)[0]!)) }], {
        partitionId: '3',
      });
      await producer.close();
      const executor = await makeQueue('executor-1');
      const got = await receiveAll(executor, 2, async (m) => {
        try {
          decodeTask(m.body);
        } catch (err) {
          return executor.deadLetter(m, `malformed: ${(err as Error).message}`);
        }
        return executor.ack(m);
      });
      expect(got).to.have.length(2);
      const [dead] = await executor.listDeadLetters();
      expect(dead).to.include({ partitionId: '3', sequenceNumber: 0, offset: server.events(hub, '3')[0]!.offset, body: '{not json' });
      expect(dead!.reason).to.match(/^malformed: /);
      const checkpoints = await new DatabaseCheckpointStore(db).listCheckpoints('127.0.0.1', hub, '$Default');
      expect(checkpoints.map((c) => [c.partitionId, c.sequenceNumber])).to.deep.equal([['3', 1]]);
      // What `latigo status` shows.
      expect(await executor.depth()).to.deep.equal({ ready: 0, leased: 0, delayed: 0, dead: 1 });
      expect(await executor.deadLetters(5)).to.deep.equal([{ id: dead!.messageId ?? '3:0', reason: dead!.reason }]);
    });

    it('carries the Python latigo task message unchanged for the executor to pin, and sends it with message_format python', async () => {
      const python = await makeQueue('python-scheduler', { extra: { message_format: 'python' } });
      const task = newTask('plant', 'compressor-1', 'r7', { fromMs: T0, toMs: T0 + HOUR });
      await python.send([toMessage(task)]);
      const [stored] = server.events(
        hub,
        ['0', '1', '2', '3'].find((p) => server.events(hub, p).length > 0)!,
      );
      const wire: unknown = JSON.parse(Buffer.from((stored!.message.body as { content: Buffer }).content).toString('utf8'));
      expect(wire).to.deep.equal({ project_name: 'plant', model_name: 'compressor-1', from_time: T0 / 1000, to_time: (T0 + HOUR) / 1000 });

      // Transport only: the body arrives as sent; the executor's codec reads it and pins the current revision.
      const executor = await makeQueue('executor-1');
      const [received] = await receiveAll(executor, 1);
      expect(received!.id).to.equal(task.id);
      expect(JSON.parse(received!.body)).to.deep.equal(wire);
      expect(pinTask(decodeTaskMessage(received!.body), 'r7')).to.deep.include({
        id: task.id,
        project: 'plant',
        model: 'compressor-1',
        revision: 'r7',
        window: task.window,
      });
    });
  });

  describe('transient AMQP errors', () => {
    it('reconnects its receivers after the service force-closes the connection, losing and repeating nothing', async () => {
      // (A publish caught by the close may be stored twice: its disposition is lost and the SDK sends it
      // again. That is the producer's at-least-once, which the executor's ledger absorbs; not tested here.)
      const sender = await makeQueue('scheduler');
      // Small batches and buffers: most events are still in the hub when the connection drops.
      const executor = await makeQueue('executor-1', { extra: { max_batch_size: 5, max_unsettled_per_partition: 5 } });
      const all = tasks(20, 10);
      await sender.send(all.map(toMessage));
      const seen: string[] = [];
      const drain = async (until: number) =>
        waitFor(
          async () => {
            for (const m of await executor.receive({ maxMessages: 20, waitMs: 50 })) {
              seen.push(m.id);
              await executor.ack(m);
            }
            return seen.length >= until;
          },
          { timeoutMs: 20_000, describe: () => `${until} tasks (${seen.length})` },
        );
      await drain(60);
      const reattached = server.attachCount;
      server.forceCloseConnections();
      await drain(all.length);
      expect(server.attachCount - reattached, 'receivers attached again').to.be.at.least(4);
      expect(await executor.receive({ maxMessages: 10, waitMs: 500 })).to.deep.equal([]);
      expect(seen.sort()).to.deep.equal(all.map((t) => t.id).sort());
    });
  });

  describe('two executors', () => {
    it('balance the 4 partitions 2/2, and a graceful close hands them over without waiting for expiry', async () => {
      const log = new RecordingLogger();
      const a = await makeQueue('executor-a', { log });
      const b = await makeQueue('executor-b', { log });
      const sender = await makeQueue('scheduler');
      // Receiving starts each subscription.
      await Promise.all([a.receive({ maxMessages: 1, waitMs: 0 }), b.receive({ maxMessages: 1, waitMs: 0 })]);
      const owners = async () => (await new DatabaseCheckpointStore(db).listOwnership('127.0.0.1', hub, '$Default')).map((o) => o.ownerId);
      await waitFor(
        async () => {
          const o = await owners();
          return a.stats.partitionsOwned === 2 && b.stats.partitionsOwned === 2 && o.filter((x) => x === 'executor-a').length === 2;
        },
        { timeoutMs: 60_000, intervalMs: 100, describe: () => `2/2 (a ${a.stats.partitionsOwned}, b ${b.stats.partitionsOwned})` },
      );

      const all = tasks(40, 5);
      await sender.send(all.map(toMessage));
      const seen: string[] = [];
      await waitFor(
        async () => {
          for (const q of [a, b])
            for (const m of await q.receive({ maxMessages: 50, waitMs: 20 })) {
              seen.push(m.id);
              await q.ack(m);
            }
          return seen.length >= all.length;
        },
        { timeoutMs: 60_000, describe: () => `all tasks (${seen.length}); a ${JSON.stringify(a.stats)}, b ${JSON.stringify(b.stats)}` },
      );
      expect(seen.sort()).to.deep.equal(all.map((t) => t.id).sort());

      const started = Date.now();
      await a.close();
      await waitFor(() => b.stats.partitionsOwned === 4, {
        timeoutMs: 60_000,
        describe: () => `b takes over (${b.stats.partitionsOwned})`,
      });
      expect(Date.now() - started, 'faster than the 3 s expiry').to.be.below(3_000);
      // The take-over read from the checkpoints: nothing acked is delivered again.
      expect(await b.receive({ maxMessages: 10, waitMs: 500 })).to.deep.equal([]);
    });
  });
});
