import { expect } from 'chai';
import { startCli, type CliProcess } from './helpers/cli.js';
import { DatabaseReader, waitFor } from './helpers/sqlite.js';
import { Workspace } from './helpers/workspace.js';
import { isAlive, startedChildren } from './helpers/startChildren.js';

describe('latigo start --demo', function () {
  this.timeout(240_000);
  let workspace: Workspace;
  let start: CliProcess | undefined;

  beforeEach(() => {
    workspace = new Workspace('start');
  });
  afterEach(() => {
    start?.kill();
    for (const { pid } of startedChildren(start?.stdout ?? '')) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    workspace.remove();
  });

  it('seeds the demo, predicts with a scheduler and two executors, restarts a killed child, and prints a summary on Ctrl-C', async () => {
    const config = workspace.writeConfig(
      workspace.testConfig({
        logging: { level: 'info', format: 'json' },
        demo: { assets: 2, tags_per_asset: 6, history: '8h', training: '5h', resolution: '60s', faults_per_asset: 2 },
      }),
    );
    start = startCli(['--config', config, 'start', '--demo', '--status-interval', '300'], { cwd: workspace.dir });
    const running = start;
    const output = () => `${running.stdout.slice(-3000)}\n${running.stderr.slice(-2000)}`;

    await waitFor(() => /^\[latigo\] windows \d+ done .*\| predictions [1-9].*\| scored windows [1-9]/m.test(running.stdout), {
      timeoutMs: 120_000,
      describe: () => `a window inside the scored range to finish\n${output()}`,
    });
    expect(
      startedChildren(running.stdout)
        .map((c) => c.child)
        .sort(),
    ).to.deep.equal(['api', 'executor-1', 'executor-2', 'scheduler']);
    await waitFor(() => /^\[api\] API and docs at http:\/\/127\.0\.0\.1:\d+\/api\/docs$/m.test(running.stdout), {
      timeoutMs: 20_000,
      describe: () => `the api to say where it listens\n${output()}`,
    });

    // A child that dies is restarted.
    const victim = startedChildren(running.stdout).find((c) => c.child === 'executor-2')!;
    process.kill(victim.pid, 'SIGKILL');
    await waitFor(() => startedChildren(running.stdout).filter((c) => c.child === 'executor-2').length === 2, {
      timeoutMs: 15_000,
      describe: () => `executor-2 to be restarted\n${output()}`,
    });
    expect(running.stdout).to.match(/"child":"executor-2".*"signal":"SIGKILL".*"msg":"child process exited unexpectedly; restarting"/);

    running.child.kill('SIGINT');
    const exit = await running.untilExit(30_000);
    expect(exit.code, output()).to.equal(0);

    expect(exit.stdout).to.match(/^\[scheduler\] \{/m);
    expect(exit.stdout).to.match(/^\[executor-1\] \{.*"process":"executor-1"/m);
    expect(exit.stdout).to.match(/^\[executor-2\] \{.*"msg":"executor stopped"/m);
    expect(exit.stdout).to.match(/^\[latigo\] stopped\. windows [1-9]\d* done/m);
    expect(exit.stdout).to.match(/^Demo detections for project demo over /m);
    expect(exit.stdout).to.match(/^ {2}windows processed +[1-9]/m);
    expect(exit.stdout).to.match(/^ {2}faults found +\d+ of 4/m);
    for (const { child, pid } of startedChildren(exit.stdout)) expect(isAlive(pid), `${child} (${pid}) still running`).to.equal(false);
    // Every child drained and exited on SIGTERM rather than being killed.
    expect(exit.stdout.match(/"msg":"child process exited"/g)).to.have.length(4);
    expect(exit.stdout).not.to.contain('did not stop in time');

    const db = new DatabaseReader(workspace.databasePath);
    try {
      expect(db.count('SELECT COUNT(*) FROM prediction')).to.be.greaterThan(0);
      expect(db.count('SELECT COUNT(*) FROM demo_fault')).to.equal(4);
    } finally {
      db.close();
    }
  });
});
