import { expect } from 'chai';
import { EventHubServer } from '../servers/eventhub/EventHubServer.js';
import { runCli, startCli, type CliProcess } from './helpers/cli.js';
import { waitFor } from './helpers/wait.js';
import { Workspace } from './helpers/workspace.js';

// Start-up of `latigo executor` on Event Hubs: a configuration the hub refuses stops the process at once
// with one line saying what is wrong (no key in it) and exit code 1; a malformed one with exit code 2.

describe('latigo executor start-up on Event Hubs (protocol)', function () {
  // Budget: a few process starts on 2 shared CPUs; the waits fail on their own conditions.
  this.timeout(600_000);
  let server: EventHubServer;
  let workspace: Workspace;

  before(async () => {
    server = await EventHubServer.start({ hubs: { tasks: { partitions: 2 } } });
  });
  after(async () => {
    await server?.stop();
  });
  beforeEach(() => {
    workspace = new Workspace('eventhub-startup');
  });
  const processes: CliProcess[] = [];
  afterEach(() => {
    processes.splice(0).forEach((p) => p.kill());
    workspace.remove();
  });

  async function startExecutor(taskQueue: Record<string, unknown>) {
    const config = workspace.testConfig();
    config.task_queue = {
      type: 'eventhub',
      connection_retry: { maximum_attempts: 2, initial_interval: '100ms' },
      operation_timeout: '2s',
      ...taskQueue,
    };
    return runCli(['--config', workspace.writeConfig(config), 'executor', '--name', 'executor-1'], {
      cwd: workspace.dir,
      timeoutMs: 120_000,
    });
  }

  it('exits 1 naming refused credentials, without the key', async () => {
    const result = await startExecutor({
      connection_string: server.connectionString('tasks', 'RootManageSharedAccessKey', 'wr0ng-s3cret'),
    });
    expect(result.code).to.equal(1);
    expect(result.stderr).to.match(/Event Hubs refused the credentials for 127\.0\.0\.1:\d+\/tasks \(UnauthorizedError\)/);
    expect(result.stderr + result.stdout).to.not.include('wr0ng-s3cret');
  });

  it('exits 1 naming a missing hub', async () => {
    const result = await startExecutor({
      connection_string: server.connectionString('tasks').replace('EntityPath=tasks', 'EntityPath=nope'),
    });
    expect(result.code).to.equal(1);
    expect(result.stderr).to.match(/Event Hubs has no hub 127\.0\.0\.1:\d+\/nope/);
  });

  it('exits 1 naming a consumer group the hub does not have', async () => {
    const result = await startExecutor({ connection_string: server.connectionString('tasks'), consumer_group: 'no-such-group' });
    expect(result.code, result.stderr).to.equal(1);
    expect(result.stderr).to.match(
      /Event Hubs has no consumer group "no-such-group" on 127\.0\.0\.1:\d+\/tasks \(task_queue\.consumer_group/,
    );
  });

  it('restarted under the same name after kill -9, takes its partitions back at once instead of after their expiry', async () => {
    const config = workspace.testConfig({ logging: { level: 'info', format: 'json' } });
    config.task_queue = {
      type: 'eventhub',
      connection_string: server.connectionString('tasks'),
      max_wait_time: '250ms',
      // Ten minutes: a restart that waited for the old records to expire would fail the test by far.
      load_balancing: { strategy: 'balanced', update_interval: '500ms', ownership_expiration: '10m' },
      connection_retry: { maximum_attempts: 4, initial_interval: '200ms' },
      operation_timeout: '5s',
    };
    const configPath = workspace.writeConfig(config);
    const args = ['--config', configPath, 'executor', '--name', 'executor-1'];
    const reading = (p: CliProcess) => (p.stdout + p.stderr).split('\n').filter((l) => l.includes('reading partition')).length;
    const first = startCli(args, { cwd: workspace.dir });
    processes.push(first);
    await waitFor(() => reading(first) === 2, {
      timeoutMs: 120_000,
      describe: () => `the first run to read both partitions\n${first.stdout.slice(-1500)}`,
    });
    first.child.kill('SIGKILL');
    await first.untilExit(30_000);
    const second = startCli(args, { cwd: workspace.dir });
    processes.push(second);
    await waitFor(() => reading(second) === 2, {
      timeoutMs: 300_000,
      describe: () => `the restarted executor to read both partitions\n${second.stdout.slice(-1500)}${second.stderr.slice(-1500)}`,
    });
    expect(second.stdout + second.stderr).to.include('released the partitions an earlier run of this executor owned');
    second.child.kill('SIGTERM');
    expect((await second.untilExit(30_000)).code).to.equal(0);
  });

  it('exits 2 for a connection string without an endpoint, naming the key and hiding the secret', async () => {
    const result = await startExecutor({ connection_string: 'SharedAccessKeyName=a;SharedAccessKey=s3cr3t-value;EntityPath=tasks' });
    expect(result.code).to.equal(2);
    expect(result.stderr).to.include('task_queue.connection_string');
    expect(result.stderr).to.not.include('s3cr3t-value');
  });
});
