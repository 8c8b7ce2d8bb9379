import { EventHubProducerClient } from '@azure/event-hubs';
import { expect } from 'chai';
import { EventHubServer } from '../servers/eventhub/EventHubServer.js';
import { startCli, type CliProcess } from './helpers/cli.js';
import { seedFleet } from './helpers/fleet.js';
import { DatabaseReader, waitFor } from './helpers/sqlite.js';
import { Workspace } from './helpers/workspace.js';

// Migration from the Python latigo: its scheduler's task messages (project_name, model_name, from_time and
// to_time as float epoch seconds) on a hub, consumed by a TypeScript executor process, which pins each
// task to the model's current revision and runs it like its own.

const WINDOW_MS = 10 * 60_000;

describe("a TypeScript executor consuming the Python latigo's task messages (protocol)", function () {
  this.timeout(180_000);
  let server: EventHubServer;
  let workspace: Workspace;
  let reader: DatabaseReader | undefined;
  const processes: CliProcess[] = [];

  before(async () => {
    server = await EventHubServer.start({ hubs: { tasks: { partitions: 2 } } });
  });
  after(async () => {
    await server?.stop();
  });
  beforeEach(() => {
    workspace = new Workspace('eventhub-python');
  });
  afterEach(() => {
    processes.splice(0).forEach((p) => p.kill());
    reader?.close();
    workspace.remove();
  });

  it('runs every window of the Python messages at the current revision and stores its predictions', async () => {
    const fleet = await seedFleet(workspace.databasePath, { models: 4, tagsPerModel: 3 });
    const producer = new EventHubProducerClient(server.connectionString('tasks'), {
      retryOptions: { maxRetries: 2, retryDelayInMs: 100, timeoutInMs: 5_000 },
    });
    const expected: { model: string; revision: string; fromMs: number }[] = [];
    try {
      for (const model of fleet.models) {
        const events = [];
        for (let fromMs = fleet.predictionRange.fromMs; fromMs < fleet.predictionRange.toMs; fromMs += WINDOW_MS) {
          // As Python's json.dumps writes them: floats of epoch seconds.
          events.push({
            body: Buffer.from(
              `{"project_name": "${model.project}", "model_name": "${model.name}", "from_time": ${(fromMs / 1000).toFixed(1)}, "to_time": ${((fromMs + WINDOW_MS) / 1000).toFixed(1)}}`,
            ),
          });
          expected.push({ model: model.name, revision: model.revision, fromMs });
        }
        await producer.sendBatch(events, { partitionKey: model.name });
      }
    } finally {
      await producer.close();
    }

    const config = workspace.testConfig();
    config.task_queue = {
      type: 'eventhub',
      connection_string: server.connectionString('tasks'),
      max_wait_time: '250ms',
      load_balancing: { strategy: 'greedy', update_interval: '500ms', ownership_expiration: '4s' },
      connection_retry: { maximum_attempts: 4, initial_interval: '200ms' },
      operation_timeout: '5s',
    };
    const executor = startCli(['--config', workspace.writeConfig(config), 'executor', '--name', 'executor-1'], { cwd: workspace.dir });
    processes.push(executor);
    reader = new DatabaseReader(workspace.databasePath);
    const db = reader;
    await waitFor(() => db.count("SELECT COUNT(*) FROM prediction_window WHERE state = 'succeeded'") === expected.length, {
      timeoutMs: 90_000,
      intervalMs: 100,
      describe: () => `${expected.length} windows to succeed: ${JSON.stringify(db.windowStates())}\n${executor.stderr.slice(-2000)}`,
    });
    executor.child.kill('SIGTERM');
    expect((await executor.untilExit(20_000)).code).to.equal(0);

    const windows = db.all<{ model: string; revision: string; from_ms: number; to_ms: number }>(
      'SELECT model, revision, from_ms, to_ms FROM prediction_window ORDER BY model, from_ms',
    );
    expect(windows.map((w) => ({ model: w.model, revision: w.revision, fromMs: w.from_ms }))).to.deep.equal(
      [...expected].sort((a, b) => a.model.localeCompare(b.model) || a.fromMs - b.fromMs),
    );
    expect(windows.every((w) => w.to_ms - w.from_ms === WINDOW_MS)).to.equal(true);
    expect(db.count('SELECT COUNT(*) FROM prediction')).to.equal(expected.length * (WINDOW_MS / fleet.resolutionMs));
    expect(db.count('SELECT COUNT(*) FROM eventhub_dead_letter')).to.equal(0);
  });
});
