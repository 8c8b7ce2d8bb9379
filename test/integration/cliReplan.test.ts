import { expect } from 'chai';
import { runCli } from './helpers/cli.js';
import { Workspace } from './helpers/workspace.js';

// `latigo replan` (issue 14): after a schedule change the scheduler applies the new schedule from the next
// tick on only; replan queues the horizon's windows under the new schedule on purpose.
describe('latigo replan', function () {
  this.timeout(180_000);
  let workspace: Workspace;
  before(() => {
    workspace = new Workspace('replan');
  });
  after(() => workspace?.remove());

  const configWith = (interval: string) =>
    workspace.writeConfig(
      workspace.testConfig({
        scheduler: { start_time: '2020-01-01T00:00:00', interval, delay: 0, catch_up_horizon: '1h' },
        model_info: {
          models: [
            {
              project: 'plant',
              name: 'pump',
              tags: ['flow', 'head'],
              training_from: '2025-01-01T00:00:00Z',
              training_to: '2025-01-02T00:00:00Z',
            },
          ],
        },
      }),
      `config-${interval}.yaml`,
    );

  it('queues the horizon once, nothing again, and every window of a changed interval', async () => {
    const tenMinutes = configWith('10m');
    const first = await runCli(['--config', tenMinutes, 'replan'], { cwd: workspace.dir });
    expect(first.code, first.stderr).to.equal(0);
    expect(first.stdout).to.match(/^replan done: 6 window\(s\) queued for 1 model\(s\), 0 already recorded$/m);
    const again = await runCli(['--config', tenMinutes, 'replan'], { cwd: workspace.dir });
    expect(again.stdout).to.match(/replan done: 0 window\(s\) queued for 1 model\(s\), 6 already recorded/);
    const fiveMinutes = await runCli(['--config', configWith('5m'), 'replan'], { cwd: workspace.dir });
    expect(fiveMinutes.code, fiveMinutes.stderr).to.equal(0);
    expect(fiveMinutes.stdout).to.match(/replan done: 12 window\(s\) queued for 1 model\(s\), 0 already recorded/);
  });
});
