import { expect } from 'chai';
import { runCli } from './helpers/cli.js';
import { modelConfigOf, plantModels } from './helpers/gordoCycle.js';
import { Workspace } from './helpers/workspace.js';
import { GordoServer } from '../servers/gordoServer.js';
import { KubernetesServer } from '../servers/kubernetesServer.js';

/** `latigo models list` over the Gordo CRDs: every model of the current revision with its phase (protocol). */
describe('latigo models list with model_info: kubernetes and predictor: gordo (protocol)', function () {
  this.timeout(180_000);
  let gordo: GordoServer;
  let kube: KubernetesServer;
  let workspace: Workspace;
  before(async () => {
    gordo = await GordoServer.start();
    kube = await KubernetesServer.start();
    workspace = new Workspace('gordo-models-list');
  });
  after(async () => {
    workspace.remove();
    await gordo.close();
    await kube.close();
  });

  it('shows every model with its phase and revision; only Succeeded ones are ready', async () => {
    const [a, b, c] = plantModels(3);
    const revision = gordo.deploy('plant', [a!], { expected: [a!.name, b!.name, c!.name] });
    kube.putGordo('kubeflow', 'plant', revision, [a!.name, b!.name, c!.name, 'not-created-yet']);
    kube.putModel('kubeflow', 'plant', revision, a!.name, modelConfigOf(a!), 'Succeeded');
    kube.putModel('kubeflow', 'plant', revision, b!.name, modelConfigOf(b!), 'Failed', 'ValueError: no data');
    kube.putModel('kubeflow', 'plant', revision, c!.name, modelConfigOf(c!), 'InProgress');
    const config = workspace.writeConfig(
      workspace.testConfig({
        model_info: { type: 'kubernetes', namespace: 'kubeflow', kubeconfig: kube.writeKubeconfig() },
        predictor: { type: 'gordo', url: gordo.url },
      }),
    );

    // `models list` is read-only: it refuses a database that does not exist, so the workspace creates one first.
    const migrated = await runCli(['--config', config, 'migrate'], { cwd: workspace.dir });
    expect(migrated.code, migrated.stderr).to.equal(0);
    const json = await runCli(['--config', config, 'models', 'list', '--json'], { cwd: workspace.dir });
    expect(json.code, json.stderr).to.equal(0);
    expect(JSON.parse(json.stdout)).to.deep.equal([
      { project: 'plant', name: a!.name, revision, trained: true, state: 'ready', phase: 'Succeeded' },
      { project: 'plant', name: b!.name, revision, trained: false, state: 'not_built', phase: 'Failed', reason: 'ValueError: no data' },
      { project: 'plant', name: c!.name, revision, trained: false, state: 'not_built', phase: 'InProgress' },
      { project: 'plant', name: 'not-created-yet', revision, trained: false, state: 'not_built', phase: 'Pending' },
    ]);

    const table = await runCli(['--config', config, 'models', 'list'], { cwd: workspace.dir });
    expect(table.code, table.stderr).to.equal(0);
    const lines = table.stdout.trim().split('\n');
    expect(lines[0]).to.match(/^PROJECT\s+NAME\s+REVISION\s+PHASE\s+TRAINED$/);
    expect(lines[2]).to.match(new RegExp(`^plant\\s+${b!.name}\\s+${revision}\\s+Failed\\s+no \\(not_built\\)$`));
    expect(lines.at(-1)).to.equal('4 model(s), 1 trained');
  });
});
