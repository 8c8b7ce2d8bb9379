import { expect } from 'chai';
import { EventHubServer } from '../servers/eventhub/EventHubServer.js';
import { runCli } from './helpers/cli.js';
import { Workspace } from './helpers/workspace.js';

// Start-up of `latigo executor` on Event Hubs: a configuration the hub refuses stops the process at once
// with one line saying what is wrong (no key in it) and exit code 1; a malformed one with exit code 2.

describe('latigo executor start-up on Event Hubs (protocol)', function () {
  this.timeout(60_000);
  let server: EventHubServer;
  let workspace: Workspace;

  before(async () => { server = await EventHubServer.start({ hubs: { tasks: { partitions: 2 } } }); });
  after(async () => { await server?.stop(); });
  beforeEach(() => { workspace = new Workspace('eventhub-startup'); });
  afterEach(() => workspace.remove());

  async function startExecutor(taskQueue: Record<string, unknown>) {
    const config = workspace.testConfig();
    config.task_queue = { type: 'eventhub', retry: { max_retries: 1, delay: '100ms', timeout: '2s' }, ...taskQueue };
    return runCli(['--config', workspace.writeConfig(config), 'executor', '--name', 'executor-1'], { cwd: workspace.dir });
  }

  it('exits 1 naming refused credentials, without the key', async () => {
    const result = await startExecutor({ connection_string: server.connectionString('tasks', 'RootManageSharedAccessKey', 'wr0ng-s3cret') });
    expect(result.code).to.equal(1);
    expect(result.stderr).to.match(/Event Hubs refused the credentials for 127\.0\.0\.1:\d+\/tasks \(UnauthorizedError\)/);
    expect(result.stderr + result.stdout).to.not.include('wr0ng-s3cret');
  });

  it('exits 1 naming a missing hub', async () => {
    const result = await startExecutor({ connection_string: server.connectionString('tasks').replace('EntityPath=tasks', 'EntityPath=nope') });
    expect(result.code).to.equal(1);
    expect(result.stderr).to.match(/Event Hubs has no hub 127\.0\.0\.1:\d+\/nope/);
  });

  it('exits 2 for a connection string without an endpoint, naming the key and hiding the secret', async () => {
    const result = await startExecutor({ connection_string: 'SharedAccessKeyName=a;SharedAccessKey=s3cr3t-value;EntityPath=tasks' });
    expect(result.code).to.equal(2);
    expect(result.stderr).to.include('task_queue.connection_string');
    expect(result.stderr).to.not.include('s3cr3t-value');
  });
});
