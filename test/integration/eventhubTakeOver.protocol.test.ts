import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEventHubConfig } from '../../providers/eventhub/config.js';
import { DatabaseCheckpointStore } from '../../providers/eventhub/DatabaseCheckpointStore.js';
import { DeadLetterLog } from '../../providers/eventhub/DeadLetterLog.js';
import { EventHubsTaskQueue } from '../../providers/eventhub/EventHubsTaskQueue.js';
import type { ReceivedMessage } from '../../src/contracts/TaskQueue.js';
import { newTask } from '../../src/domain/Task.js';
import { openDatabase, type OpenDatabase as Database } from '../../src/persistence/dataSource.js';
import { runMigrations } from '../../src/persistence/migrate.js';
import { silentLogger } from '../../src/runtime/logger.js';
import { toMessage } from '../../src/scheduler/WindowDispatcher.js';
import { withBuiltInTables } from '../fixtures/builtInMigrations.js';
import { EventHubServer } from '../servers/eventhub/EventHubServer.js';
import { runCli, startCli, type CliProcess } from './helpers/cli.js';
import { seedFleet } from './helpers/fleet.js';
import { auditWindows } from './helpers/predictions.js';
import { DatabaseReader } from './helpers/sqlite.js';
import { waitFor } from './helpers/wait.js';
import { Workspace } from './helpers/workspace.js';

// Issue 14: an executor with a backlog loses half its partitions to a second executor. The loopback hub
// withholds the `amqp:link:stolen` detach (`withholdSteals`), so the old owner can learn of the take-over
// only from the ownership records in the checkpoint store: the take-over is forced, not left to timing.

const HOUR = 3_600_000;
const T0 = Date.parse('2026-01-01T00:00:00Z');
const TASKS = 2_000;

describe('Event Hubs take-over of a partition with a backlog (protocol)', function () {
  this.timeout(180_000);
  let server: EventHubServer;
  let dir: string;
  let db: Database;
  const queues: EventHubsTaskQueue[] = [];

  before(async () => {
    server = await EventHubServer.start({ hubs: { tasks: { partitions: 4 } }, withholdSteals: true });
    dir = mkdtempSync(join(tmpdir(), 'latigo-takeover-'));
    db = await openDatabase({ url: `sqlite:${join(dir, 'latigo.sqlite')}`, busyTimeoutMs: 5_000 }, withBuiltInTables);
    await runMigrations(db);
  });
  after(async () => {
    await Promise.all(queues.splice(0).map((q) => q.close()));
    await db?.close();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function makeQueue(identifier: string) {
    const config = parseEventHubConfig(
      {
        connection_string: server.connectionString('tasks'),
        max_wait_time: 200,
        max_batch_size: 50,
        max_unsettled_per_partition: 200,
        load_balancing: { strategy: 'greedy', update_interval: 300, ownership_expiration: 30_000 },
        connection_retry: { maximum_attempts: 3, initial_interval: 100 },
        operation_timeout: 5_000,
      },
      'task_queue',
    );
    const queue = await EventHubsTaskQueue.create({
      config,
      identifier,
      log: silentLogger,
      checkpointStore: new DatabaseCheckpointStore(db),
      deadLetters: new DeadLetterLog(db),
    });
    queues.push(queue);
    return queue;
  }

  it('stops handing out a taken-over partition the moment its ownership record names the new owner, and drops its buffer', async () => {
    const sender = await makeQueue('scheduler');
    const all = Array.from({ length: TASKS }, (_, i) =>
      newTask('plant', `model-${i % 100}`, 'r1', { fromMs: T0 + Math.floor(i / 100) * HOUR, toMs: T0 + (Math.floor(i / 100) + 1) * HOUR }),
    );
    await sender.send(all.map(toMessage));
    const partitionOf = new Map<string, string>();
    for (const p of ['0', '1', '2', '3']) for (const e of server.events('tasks', p)) partitionOf.set(String(e.message.message_id), p);
    expect(partitionOf.size).to.equal(TASKS);

    // Executor A alone: it owns all four partitions and buffers up to 200 events of each (the backlog).
    const a = await makeQueue('executor-a');
    const handedOutByA: { id: string; afterLoss: boolean }[] = [];
    const held: ReceivedMessage[] = [];
    let lostSeen = false;
    const receiveA = async (max: number) => {
      const got = await a.receive({ maxMessages: max, waitMs: 50 });
      for (const m of got) handedOutByA.push({ id: m.id, afterLoss: lostSeen });
      return got;
    };
    await waitFor(
      async () => {
        held.push(...(await receiveA(10)));
        return a.stats.partitionsOwned === 4 && a.stats.received >= 4 * 200;
      },
      {
        timeoutMs: 60_000,
        describe: () => `A to own 4 partitions and buffer a backlog (${a.stats.partitionsOwned}, ${a.stats.received} received)`,
      },
    );

    // Executor B joins and takes half the partitions. A is not told by the hub (the detach is withheld).
    const b = await makeQueue('executor-b');
    await b.receive({ maxMessages: 0, waitMs: 0 });
    const owners = async () =>
      (await new DatabaseCheckpointStore(db).listOwnership('127.0.0.1', 'tasks', '$Default')).filter((o) => o.ownerId === 'executor-b');
    await waitFor(async () => (await owners()).length === 2, {
      timeoutMs: 30_000,
      describe: () => `B to claim 2 partitions (A owns ${a.stats.partitionsOwned})`,
    });
    const lost = new Set((await owners()).map((o) => o.partitionId));

    // A's very next receive reads the records first: nothing of B's partitions comes out of it any more.
    lostSeen = true;
    const next = await receiveA(100);
    expect(
      next.filter((m) => lost.has(partitionOf.get(m.id)!)),
      'handed out after the claim',
    ).to.deep.equal([]);
    held.push(...next);
    expect(a.stats.partitionsLost, 'learned from the ownership records (the hub withholds its detach)').to.equal(2);
    expect(a.stats.partitionsOwned).to.equal(2);
    expect(a.stats.droppedOnTakeOver, 'buffered events of the lost partitions dropped').to.be.greaterThan(0);
    // Leases A held on the lost partitions are gone; those on its own are not.
    for (const m of held) {
      const result = await a.ack(m);
      expect(result.settled, m.id).to.equal(!lost.has(partitionOf.get(m.id)!));
    }

    // Both work the rest off; every event is acked by exactly one of them, except those A had in hand when
    // it lost the partition (B reads them again from the checkpoint; the ledger fences such a window).
    const ackedBy = new Map<string, string[]>();
    const work = async (queue: EventHubsTaskQueue, name: string, receive: (n: number) => Promise<ReceivedMessage[]>) => {
      for (const m of await receive(100)) {
        if ((await queue.ack(m)).settled) ackedBy.set(m.id, [...(ackedBy.get(m.id) ?? []), name]);
      }
    };
    for (const m of held) if (!lost.has(partitionOf.get(m.id)!)) ackedBy.set(m.id, ['a']);
    await waitFor(
      async () => {
        await work(a, 'a', receiveA);
        await work(b, 'b', (n) => b.receive({ maxMessages: n, waitMs: 50 }));
        return ackedBy.size === TASKS;
      },
      {
        timeoutMs: 120_000,
        progress: { done: () => ackedBy.size, total: TASKS, stallMs: 30_000 },
        describe: () => {
          const missing: Record<string, number> = {};
          for (const [id, p] of partitionOf) if (!ackedBy.has(id)) missing[p] = (missing[p] ?? 0) + 1;
          return (
            `every task acked (${ackedBy.size}); missing per partition ${JSON.stringify(missing)}, B took ${[...lost].join(',')}; ` +
            `A ${JSON.stringify(a.stats)}, B ${JSON.stringify(b.stats)}`
          );
        },
      },
    );
    expect(
      handedOutByA.filter((h) => h.afterLoss && lost.has(partitionOf.get(h.id)!)),
      'A handed out nothing of the lost partitions after the claim',
    ).to.deep.equal([]);
    const twice = [...ackedBy].filter(([, by]) => by.length > 1).map(([id]) => id);
    expect(twice, 'acked by both').to.deep.equal([]);
    for (const [id, by] of ackedBy) expect(by, id).to.deep.equal([lost.has(partitionOf.get(id)!) ? 'b' : 'a']);
    server.releaseWithheldSteals();
  });
});

describe('Event Hubs take-over between two executor processes, one with a 2,000-task backlog (protocol)', function () {
  // Budget: seeding and 2,000 tasks on 2 shared CPUs; the waits below fail on a stall, not on slowness.
  this.timeout(600_000);
  let server: EventHubServer;
  let workspace: Workspace;
  let reader: DatabaseReader | undefined;
  const processes: CliProcess[] = [];

  before(async () => {
    server = await EventHubServer.start({ hubs: { tasks: { partitions: 4 } }, withholdSteals: true });
  });
  after(async () => {
    processes.splice(0).forEach((p) => p.kill());
    reader?.close();
    workspace?.remove();
    await server?.stop();
  });

  it('runs every window exactly once: the old owner stops at the claim, not at the detach the hub withholds', async () => {
    workspace = new Workspace('eventhub-takeover');
    const config = workspace.testConfig({
      scheduler: { interval: '3m' },
      executor: { concurrency: 4, task_timeout: '60s' },
      logging: { level: 'info', format: 'json' },
    });
    config.task_queue = {
      type: 'eventhub',
      connection_string: server.connectionString('tasks'),
      max_batch_size: 50,
      max_wait_time: '250ms',
      max_unsettled_per_partition: 200,
      load_balancing: { strategy: 'balanced', update_interval: '500ms', ownership_expiration: '10m' },
      connection_retry: { maximum_attempts: 4, initial_interval: '200ms' },
      operation_timeout: '5s',
    };
    const configPath = workspace.writeConfig(config);
    const fleet = await seedFleet(workspace.databasePath, { models: 100, tagsPerModel: 3 });
    const range = [
      '--from',
      new Date(fleet.predictionRange.fromMs).toISOString(),
      '--to',
      new Date(fleet.predictionRange.toMs).toISOString(),
    ];
    const backfill = await runCli(['--config', configPath, 'backfill', ...range], { cwd: workspace.dir, timeoutMs: 300_000 });
    expect(backfill.code, backfill.stderr).to.equal(0);
    expect(server.published).to.equal(TASKS);

    reader = new DatabaseReader(workspace.databasePath);
    const db = reader;
    const owned = (owner: string) => db.count('SELECT COUNT(*) FROM eventhub_ownership WHERE owner_id = ?', owner);
    const runsBy = (owner: string) => db.count('SELECT COUNT(*) FROM task_run WHERE executor = ?', owner);
    const succeeded = () => db.count("SELECT COUNT(*) FROM prediction_window WHERE state = 'succeeded'");
    // The hub sends the first 125 events of each partition and keeps the rest (1,500 of 2,000) as a backlog,
    // however fast executor-1 works and however slowly executor-2 starts; executor-2 takes half the
    // partitions and reads them from their checkpoints. executor-1 can only learn of the take-over from the
    // ownership records (the hub withholds its detach).
    server.capDelivery(TASKS / 4 / 4);
    const first = startCli(['--config', configPath, 'executor', '--name', 'executor-1'], { cwd: workspace.dir });
    processes.push(first);
    await waitFor(() => owned('executor-1') === 4, {
      timeoutMs: 120_000,
      describe: () => `executor-1 to own 4 partitions (${owned('executor-1')})\n${first.stderr.slice(-1500)}`,
    });
    await waitFor(() => runsBy('executor-1') >= 50, {
      timeoutMs: 120_000,
      describe: () => `executor-1 to run 50 windows (${runsBy('executor-1')})\n${first.stderr.slice(-1500)}`,
    });
    const second = startCli(['--config', configPath, 'executor', '--name', 'executor-2'], { cwd: workspace.dir });
    processes.push(second);
    await waitFor(() => owned('executor-2') === 2, {
      timeoutMs: 300_000,
      describe: () =>
        `executor-2 to take 2 partitions (${owned('executor-2')})\n${second.stdout.slice(-1500)}${second.stderr.slice(-1500)}`,
    });
    server.resumeDelivery();
    await waitFor(() => succeeded() === TASKS, {
      timeoutMs: 540_000,
      progress: { done: succeeded, total: TASKS, stallMs: 60_000 },
      describe: () =>
        `every window to succeed: ${JSON.stringify(db.windowStates())}\n${first.stderr.slice(-1000)}${second.stderr.slice(-1000)}`,
    });
    expect(owned('executor-2')).to.equal(2);
    expect(runsBy('executor-2'), 'executor-2 worked off its share of the backlog').to.be.greaterThan(0);
    // executor-1 learned of both take-overs from the ownership records (the hub never detached it).
    expect(
      (first.stdout + first.stderr).split('\n').filter((l) => l.includes('partition claimed by another executor')).length,
    ).to.be.at.least(2);
    server.releaseWithheldSteals();
    for (const p of [first, second]) {
      p.child.kill('SIGTERM');
      expect((await p.untilExit(30_000)).code, p.stderr.slice(-2000)).to.equal(0);
    }
    const off = auditWindows(db).filter((w) => w.state !== 'succeeded' || w.succeeded_runs !== 1 || w.stored !== w.rows_written);
    expect(off, 'windows not done exactly once').to.deep.equal([]);
    expect(db.count('SELECT COUNT(*) FROM eventhub_dead_letter')).to.equal(0);
  });
});
