import { expect } from 'chai';
import { newTask } from '../../src/domain/Task.js';
import { silentLogger } from '../../src/runtime/logger.js';
import { EmbeddedSensorStore } from '../../providers/embedded/EmbeddedSensorStore.js';
import { ApiProcess, apiSection, testTokens, tokenEnv } from './helpers/api.js';
import { runCli, startCli, type CliProcess } from './helpers/cli.js';
import { openWorkspaceDatabase, seedFleet, sendTaskMessages, taskMessage, type Fleet } from './helpers/fleet.js';
import { waitFor } from './helpers/wait.js';
import { Workspace } from './helpers/workspace.js';

const MIN = 60_000;
/** One printed event: `<createdAt>  #<id>  <type> <project>/<model>  <what happened>` (src/cli/watchCommand.ts). */
const LINE = /^(\d{4}-\d\d-\d\dT[\d:.]+Z) {2}#(\d+) {2}(window|prediction|anomaly|episode) *(\S+)\/(\S+) {2}(.+)$/;

/**
 * `latigo watch` (issue 15's demo): the real CLI, following a real `latigo api` while a real executor
 * stores predictions, prints one line per event of the model it was given, anomalies with the tags to blame;
 * a token the api does not know ends it with a clear error.
 */
describe('latigo watch (real CLI against a real api and executor, SQLite)', function () {
  this.timeout(300_000);
  let workspace: Workspace;
  let fleet: Fleet;
  let api: ApiProcess;
  let config: string;
  let url: string;
  const processes: CliProcess[] = [];

  before(async () => {
    workspace = new Workspace('live-watch');
    fleet = await seedFleet(workspace.databasePath, { models: 2, tagsPerModel: 3 });
    // A fault in model-0000's data: ten minutes of one tag far off its range, so its windows hold anomalies.
    const db = await openWorkspaceDatabase(workspace.databasePath);
    try {
      const faultAt = fleet.predictionRange.fromMs + 25 * MIN;
      await new EmbeddedSensorStore(db, silentLogger).insertPoints([
        {
          sensor: `${fleet.models[0]!.name}/tag-0`,
          timesMs: Array.from({ length: 10 }, (_, i) => faultAt + i * MIN),
          values: Array(10).fill(40),
        },
      ]);
    } finally {
      await db.close();
    }
    config = workspace.writeConfig(workspace.testConfig({ api: apiSection({ ws: { poll_interval: 50 } }) }));
    api = await ApiProcess.start(config, workspace.dir);
    url = `${api.baseUrl.replace(/^http/, 'ws')}/ws`;
  });

  after(() => {
    processes.forEach((p) => p.kill());
    api?.stop();
    workspace?.remove();
  });

  it("prints the given model's windows, predictions and anomalies as the executor stores them", async () => {
    const model = fleet.models[0]!.name;
    const watch = startCli(['--config', config, 'watch', '--url', url, '--model', `${fleet.project}/${model}`], {
      cwd: workspace.dir,
      env: { ...tokenEnv, LATIGO_API_TOKEN: testTokens.viewer },
    });
    processes.push(watch);
    await waitFor(() => watch.stderr.includes('watching') || watch.child.exitCode !== null, {
      timeoutMs: 90_000,
      describe: () => `latigo watch to subscribe\n${watch.stderr.slice(-2000)}`,
    });
    expect(watch.stderr, 'latigo watch subscribed').to.include(`watching ${fleet.project}/${model}`);
    const executor = startCli(['--config', config, 'executor', '--name', 'executor-1'], { cwd: workspace.dir, env: tokenEnv });
    processes.push(executor);

    // Six 10-minute windows of each model; the fault lies in model-0000's third window.
    const tasks = fleet.models.flatMap((m) =>
      Array.from({ length: 6 }, (_, k) =>
        newTask(fleet.project, m.name, m.revision, {
          fromMs: fleet.predictionRange.fromMs + k * 10 * MIN,
          toMs: fleet.predictionRange.fromMs + (k + 1) * 10 * MIN,
        }),
      ),
    );
    await sendTaskMessages(workspace.databasePath, tasks.map(taskMessage));
    const lines = () => watch.stdout.split('\n').filter((l) => l !== '');
    const printed = (type: string) => lines().filter((l) => LINE.exec(l)?.[3] === type);
    await waitFor(() => printed('prediction').length === 6 && printed('window').filter((l) => l.endsWith('rows)')).length === 6, {
      describe: () => `six stored windows printed\n${watch.stdout.slice(-3000)}\n${executor.stderr.slice(-2000)}`,
      progress: { done: () => lines().length, total: 24, stallMs: 120_000 },
    });

    const parsed = lines().map((line) => {
      const match = LINE.exec(line);
      expect(match, `a line of the documented form: ${line}`).to.not.equal(null);
      return { id: Number(match![2]), type: match![3]!, project: match![4]!, model: match![5]!, rest: match![6]! };
    });
    expect(new Set(parsed.map((p) => `${p.project}/${p.model}`)), 'only the watched model').to.deep.equal(
      new Set([`${fleet.project}/${model}`]),
    );
    const ids = parsed.map((p) => p.id);
    expect(ids, 'in event order, each once').to.deep.equal([...new Set(ids)].sort((a, b) => a - b));
    const windows = parsed.filter((p) => p.type === 'window').map((p) => p.rest);
    expect(
      windows.filter((w) => / running$/.test(w)),
      'each window seen running',
    ).to.have.length(6);
    expect(
      windows.filter((w) => / succeeded \(10 rows\)$/.test(w)),
      'each window stored with its rows',
    ).to.have.length(6);
    for (const p of parsed.filter((e) => e.type === 'prediction'))
      expect(p.rest).to.match(/ 10 rows, \d+ anomalous, max score \d+\.\d{3}$/);
    const anomalies = parsed.filter((p) => p.type === 'anomaly');
    expect(anomalies.length, 'the fault shows as anomaly lines').to.be.greaterThan(0);
    for (const a of anomalies) expect(a.rest).to.match(/^\S+Z {2}score \d+\.\d{3} > [\d.]+ {2}\S+ \(\d+\.\d\d\)/);
    expect(
      anomalies.some((a) => a.rest.includes(`${model}/tag-0 (`)),
      'the faulty tag is named',
    ).to.equal(true);
  });

  it('stops with an error naming the refused token', async () => {
    const result = await runCli(['--config', config, 'watch', '--url', url, '--token', 'not-a-token-of-this-api'], {
      cwd: workspace.dir,
      env: tokenEnv,
      timeoutMs: 90_000,
    });
    expect(result.code, result.stderr).to.not.equal(0);
    expect(result.stderr).to.match(/refused the token/);
    expect(result.stdout).to.equal('');
  });
});
