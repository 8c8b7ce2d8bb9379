import { expect } from 'chai';
import { runCli, startCli, type CliProcess } from './helpers/cli.js';
import { DatabaseReader, waitFor } from './helpers/sqlite.js';
import { Workspace } from './helpers/workspace.js';

// backfill queues; executors predict. Without an executor it must say so instead of ending at "0%".
describe('latigo backfill without and with executors; models train --force', function () {
  this.timeout(180_000);
  let workspace: Workspace;
  let config: string;
  const started: CliProcess[] = [];
  const latigo = (...args: string[]) => runCli(['--config', config, ...args], { cwd: workspace.dir });
  const range = ['--from', '2026-02-01T00:00:00Z', '--to', '2026-02-01T02:00:00Z'];

  beforeEach(async () => {
    workspace = new Workspace('backfill-wait');
    config = workspace.writeConfig(
      workspace.testConfig({
        scheduler: { batch_size: 5 },
        demo: { assets: 2, tags_per_asset: 6, history: '8h', training: '5h', resolution: '60s', faults_per_asset: 1 },
      }),
    );
    expect((await latigo('demo', 'seed')).code).to.equal(0);
  });
  afterEach(() => {
    started.splice(0).forEach((p) => p.kill());
    workspace.remove();
  });

  it('says that no executor has started a window when the queue fills and nothing takes from it', async () => {
    // A batch of 5 lets 10 backfill windows wait at once: with no executor, the backfill pauses at 10.
    const backfill = startCli(['--config', config, 'backfill', ...range, '--idle-warning', '1'], { cwd: workspace.dir });
    started.push(backfill);
    await waitFor(() => backfill.stderr.includes('no executor has started one'), { timeoutMs: 30_000, describe: () => backfill.stderr });
    expect(backfill.stderr).to.match(
      /latigo: \d+ window\(s\) are queued but no executor has started one in 1 s; is an executor running\? \(latigo executor, or latigo start\)/,
    );
    expect(backfill.stderr.match(/no executor has started one/g), 'said once').to.have.length(1);
    backfill.child.kill('SIGINT');
    expect((await backfill.untilExit(15_000)).stdout).to.contain('backfill stopped');
  });

  it('without --wait ends saying how many windows still wait for an executor', async () => {
    const result = await runCli(['--config', config, 'backfill', '--from', '2026-02-01T00:00:00Z', '--to', '2026-02-01T00:40:00Z'], {
      cwd: workspace.dir,
    });
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.contain('backfill done: 8 windows of 2 model(s); 8 queued, 0 already recorded');
    expect(result.stdout).to.contain('8 window(s) of the range wait for an executor (latigo executor, or latigo start)');
  });

  it('--wait counts finished windows until the executors have predicted the whole range', async () => {
    const executor = startCli(['--config', config, 'executor', '--name', 'executor-1'], { cwd: workspace.dir });
    started.push(executor);
    const result = await runCli(['--config', config, 'backfill', ...range, '--wait'], { cwd: workspace.dir, timeoutMs: 60_000 });
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.contain('backfill done: 24 windows of 2 model(s); 24 queued, 0 already recorded');
    expect(result.stdout).to.contain('backfill predicted: 24 of 24 windows finished');
    expect(result.stderr, 'the progress counts finished windows').to.match(/^predicted: 24\/24$/m);
    const db = new DatabaseReader(workspace.databasePath);
    try {
      expect(db.count(`SELECT COUNT(*) FROM prediction_window WHERE state IN ('queued', 'running')`)).to.equal(0);
    } finally {
      db.close();
    }
    executor.child.kill('SIGTERM');
    await executor.untilExit(20_000);
  });

  it('models train --force trains again the models that are already trained', async () => {
    const first = await latigo('models', 'train');
    expect(first.stdout).to.contain('trained 2, already trained 0, failed 0');
    expect((await latigo('models', 'train')).stdout).to.contain('trained 0, already trained 2, failed 0');
    expect((await latigo('models', 'train', '--model', 'compressor-01-anomaly')).stdout).to.contain(
      'trained 0, already trained 1, failed 0',
    );
    const forced = await latigo('models', 'train', '--force', '--model', 'compressor-01-anomaly');
    expect(forced.code, forced.stderr).to.equal(0);
    expect(forced.stdout).to.contain('trained 1, already trained 0, failed 0');
    expect((await latigo('models', 'list')).stdout).to.contain('2 model(s), 2 trained');
  });
});
