import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { startCli, type CliProcess } from './helpers/cli.js';
import { PostgresReader, useThrowawayPostgres } from './helpers/postgres.js';
import { waitFor } from './helpers/sqlite.js';
import { Workspace } from './helpers/workspace.js';
import { isAlive, startedChildren } from './helpers/startChildren.js';

/** cliStartDemo.test.ts with one change of configuration: `database.url` points to PostgreSQL. */
describe('latigo start --demo on PostgreSQL', function () {
  this.timeout(240_000);
  const server = useThrowawayPostgres({ migrate: false });
  let workspace: Workspace;
  let start: CliProcess | undefined;

  beforeEach(() => {
    workspace = new Workspace('start-pg');
  });
  afterEach(() => {
    start?.kill();
    for (const { pid } of startedChildren(start?.stdout ?? '')) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    workspace.remove();
  });

  it('migrates an empty database, seeds the demo, predicts with a scheduler and two executors, and prints a summary on Ctrl-C', async () => {
    const config = workspace.writeConfig(
      workspace.testConfig({
        database: { url: server.url },
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

    running.child.kill('SIGINT');
    const exit = await running.untilExit(30_000);
    expect(exit.code, output()).to.equal(0);

    expect(exit.stdout).to.match(/^\[latigo\] seeded the demo plant: 2 assets, \d+ points, 4 injected faults$/m);
    expect(exit.stdout).to.match(/^\[executor-2\] \{.*"msg":"executor stopped"/m);
    expect(exit.stdout).to.match(/^\[latigo\] stopped\. windows [1-9]\d* done/m);
    expect(exit.stdout).to.match(/^Demo detections for project demo over /m);
    expect(exit.stdout).to.match(/^ {2}windows processed +[1-9]/m);
    expect(exit.stdout).to.match(/^ {2}faults found +\d+ of 4/m);
    for (const { child, pid } of startedChildren(exit.stdout)) expect(isAlive(pid), `${child} (${pid}) still running`).to.equal(false);
    expect(exit.stdout.match(/"msg":"child process exited"/g), 'children that drained and exited on SIGTERM').to.have.length(4);
    expect(exit.stdout).not.to.contain('did not stop in time');
    expect(exit.stdout + exit.stderr, 'errors logged').not.to.match(/"level":(50|60)/);

    // Everything went to PostgreSQL: no SQLite file was created beside the configuration.
    expect(existsSync(workspace.databasePath), workspace.databasePath).to.equal(false);
    const db = new PostgresReader(server.url);
    try {
      expect(await db.count('SELECT COUNT(*) FROM prediction')).to.be.greaterThan(0);
      expect(await db.count('SELECT COUNT(*) FROM demo_fault')).to.equal(4);
      expect(await db.count(`SELECT COUNT(*) FROM prediction_window WHERE state = 'succeeded'`)).to.be.greaterThan(0);
      expect(await db.count(`SELECT COUNT(*) FROM prediction_window WHERE state IN ('failed', 'dead')`)).to.equal(0);
    } finally {
      await db.close();
    }
  });
});
