import { expect } from 'chai';
import { apiSection, testTokens, tokenEnv } from './helpers/api.js';
import { startCli, type CliProcess } from './helpers/cli.js';
import { DatabaseReader, waitFor } from './helpers/sqlite.js';
import { Workspace } from './helpers/workspace.js';
import { isAlive, startedChildren } from './helpers/startChildren.js';

/** A printed anomaly: `<createdAt>  #<id>  anomaly    <project>/<model>  <time>  score ...` (src/cli/watchCommand.ts). */
const ANOMALY = /^\S+Z {2}#\d+ {2}anomaly +(\S+)\/(\S+) {2}(\S+Z) {2}score \d+\.\d{3} > /;

/**
 * Issue 15's demo: `latigo start --demo` (scheduler, two executors and the api over a plant with injected
 * faults) and `latigo watch` against its api print the anomalies as the executors store them; both stop
 * cleanly on Ctrl-C. The watch starts from event 0 (`--since 0`), so it does not race the executors that
 * may find the first faults before it has connected; what it prints is compared with the stored predictions.
 */
describe('latigo watch on the demo (real latigo start --demo and latigo watch)', function () {
  this.timeout(600_000);
  let workspace: Workspace;
  let start: CliProcess | undefined;
  let watch: CliProcess | undefined;
  let db: DatabaseReader | undefined;

  afterEach(() => {
    db?.close();
    watch?.kill();
    start?.kill();
    for (const { pid } of startedChildren(start?.stdout ?? '')) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    workspace.remove();
  });

  it("prints anomaly lines of the demo's models as the executors find the injected faults, and both stop cleanly", async () => {
    workspace = new Workspace('watch-demo');
    const config = workspace.writeConfig(
      workspace.testConfig({
        logging: { level: 'info', format: 'json' },
        api: apiSection({ port: 0, ws: { poll_interval: 50 } }),
        demo: { assets: 2, tags_per_asset: 6, history: '8h', training: '5h', resolution: '60s', faults_per_asset: 2 },
      }),
    );
    start = startCli(['--config', config, 'start', '--demo', '--status-interval', '300'], { cwd: workspace.dir, env: tokenEnv });
    const running = start;
    let apiUrl: string | undefined;
    await waitFor(
      () => {
        apiUrl = /^\[api\] API and docs at (http:\/\/127\.0\.0\.1:\d+)\/api\/docs$/m.exec(running.stdout)?.[1];
        return apiUrl !== undefined || running.child.exitCode !== null;
      },
      {
        describe: () => `the demo's api to say where it listens\n${running.stdout.slice(-3000)}\n${running.stderr.slice(-2000)}`,
        progress: { done: () => running.stdout.length + running.stderr.length, total: Infinity, stallMs: 180_000 },
      },
    );
    expect(apiUrl, `latigo start exited: ${running.stderr.slice(-2000)}`).to.not.equal(undefined);

    watch = startCli(['--config', config, 'watch', '--url', `${apiUrl!.replace(/^http/, 'ws')}/ws`, '--since', '0'], {
      cwd: workspace.dir,
      env: { ...tokenEnv, LATIGO_API_TOKEN: testTokens.viewer },
    });
    const watching = watch;
    const anomalies = () =>
      watching.stdout.split('\n').flatMap((line) => {
        const m = ANOMALY.exec(line);
        return m === null ? [] : [{ project: m[1]!, model: m[2]!, time: m[3]! }];
      });
    db = new DatabaseReader(workspace.databasePath);
    const reader = db;
    // The anomalies the executors have stored so far; each must reach the watch.
    const stored = () =>
      reader
        .all<{ model: string; time_ms: number }>("SELECT DISTINCT model, time_ms FROM prediction WHERE project = 'demo' AND is_anomaly")
        .map((r) => `${r.model} ${new Date(Number(r.time_ms)).toISOString()}`);
    const printedKeys = () => new Set(anomalies().map((a) => `${a.model} ${a.time}`));
    // Which of the demo's faults fall inside the windows predicted so far depends on the clock (in some runs only
    // one asset's), so the watch must show every anomaly stored, of whichever models, and at least one.
    let storedAtWait: string[] = [];
    await waitFor(
      () => {
        storedAtWait = stored();
        const printed = printedKeys();
        return watching.child.exitCode !== null || (storedAtWait.length > 0 && storedAtWait.every((k) => printed.has(k)));
      },
      {
        describe: () =>
          `the watch to print every anomaly stored, at least one (${stored().length} stored, ${printedKeys().size} printed, ` +
          `models ${[...new Set(anomalies().map((a) => a.model))].join(', ')})\n` +
          `watch:\n${watching.stdout.slice(-2000)}\n${watching.stderr.slice(-2000)}\nstart:\n${running.stdout.slice(-2000)}`,
        progress: { done: () => watching.stdout.length + stored().length, total: Infinity, stallMs: 180_000 },
      },
    );
    expect(watching.child.exitCode, `latigo watch exited: ${watching.stderr.slice(-2000)}`).to.equal(null);
    expect(watching.stderr).to.include('watching every model');

    // Every anomaly line is one of the demo's models, `<asset>-anomaly` for an asset with injected faults,
    // and names a stored anomalous prediction.
    const assets = reader.all<{ asset: string }>('SELECT DISTINCT asset FROM demo_fault').map((r) => r.asset);
    expect(assets, 'the demo injected faults').to.have.length(2);
    const printed = anomalies();
    expect([...new Set(printed.map((a) => a.model))], 'anomaly lines of every model with a stored anomaly').to.include.members([
      ...new Set(storedAtWait.map((k) => k.split(' ')[0]!)),
    ]);
    const storedNow = new Set(stored());
    for (const a of printed) {
      expect(a.project).to.equal('demo');
      expect(assets.map((asset) => `${asset}-anomaly`)).to.include(a.model);
      expect(storedNow.has(`${a.model} ${a.time}`), `${a.model} ${a.time} is a stored anomaly`).to.equal(true);
    }

    // Ctrl-C: the watch, then the demo, stop cleanly.
    watching.child.kill('SIGINT');
    const watchExit = await watching.untilExit(60_000);
    expect(watchExit.code, watchExit.stderr).to.equal(0);
    running.child.kill('SIGINT');
    const startExit = await running.untilExit(120_000);
    expect(startExit.code, startExit.stderr.slice(-3000)).to.equal(0);
    expect(startExit.stdout).to.match(/^\[latigo\] stopped\. windows [1-9]\d* done/m);
    expect(startExit.stdout.match(/"msg":"child process exited"/g), 'every child exited on SIGTERM').to.have.length(4);
    for (const { child, pid } of startedChildren(startExit.stdout)) expect(isAlive(pid), `${child} (${pid}) still running`).to.equal(false);
  });
});
