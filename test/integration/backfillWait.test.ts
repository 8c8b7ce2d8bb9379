import { expect } from 'chai';
import { runCli, startCli, type CliProcess } from './helpers/cli.js';
import { seedFleet } from './helpers/fleet.js';
import { DatabaseReader } from './helpers/sqlite.js';
import { Workspace } from './helpers/workspace.js';

describe('latigo backfill --wait', function () {
  this.timeout(180_000);
  let workspace: Workspace;
  let executor: CliProcess | undefined;
  let reader: DatabaseReader | undefined;

  beforeEach(() => {
    workspace = new Workspace('backfill-wait');
  });
  afterEach(() => {
    executor?.kill();
    reader?.close();
    workspace.remove();
  });

  it('returns once an executor has run every queued window of an off-grid range, and says so', async () => {
    const config = workspace.writeConfig(workspace.testConfig({ scheduler: { interval: '30m' } }));
    const fleet = await seedFleet(workspace.databasePath, { models: 2, tagsPerModel: 3 });
    executor = startCli(['--config', config, 'executor', '--name', 'executor-1'], { cwd: workspace.dir });
    // Off the 30-minute grid at both ends: the windows covering it are the prediction hour's two.
    const from = new Date(fleet.predictionRange.fromMs + 7 * 60_000).toISOString();
    const to = new Date(fleet.predictionRange.toMs - 5 * 60_000).toISOString();
    const backfill = await runCli(['--config', config, 'backfill', '--from', from, '--to', to, '--wait'], { cwd: workspace.dir });
    expect(backfill.code, backfill.stderr).to.equal(0);
    expect(backfill.stdout).to.contain('queued 4 windows covering');
    expect(backfill.stdout).to.contain('(--from/--to aligned outward to the window grid)');
    expect(backfill.stdout).to.contain('backfill predicted: 4 of 4 windows finished');
    // Already finished when the command returned, not merely queued.
    reader = new DatabaseReader(workspace.databasePath);
    expect(reader.windowStates()).to.deep.equal({ succeeded: 4 });
    expect(reader.count('SELECT COUNT(*) FROM prediction')).to.equal(2 * 60);
  });
});
