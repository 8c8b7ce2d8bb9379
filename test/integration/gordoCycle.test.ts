import { expect } from 'chai';
import { CYCLE_INTERVAL_MS, CYCLE_RESOLUTION_MS, GordoCycle, modelConfigOf, plantModels } from './helpers/gordoCycle.js';
import { GordoServer, type GordoModelSpec } from '../servers/gordoServer.js';
import { KubernetesServer } from '../servers/kubernetesServer.js';

const NAMESPACE = 'kubeflow';
const PROJECT = 'plant';

/**
 * Full cycles with `model_info: kubernetes`, `predictor: gordo` and the embedded sensor store: the real
 * scheduler and two executors against the loopback Kubernetes API server and Gordo server (protocol).
 */
describe('gordo cycle: kubernetes model info, gordo predictor, embedded sensor store (protocol)', function () {
  this.timeout(180_000);
  let gordo: GordoServer;
  let kube: KubernetesServer;
  let cycle: GordoCycle | undefined;

  beforeEach(async () => {
    gordo = await GordoServer.start({ flavour: '6.x' });
    kube = await KubernetesServer.start();
  });
  afterEach(async () => {
    await cycle?.close();
    cycle = undefined;
    await gordo.close();
    await kube.close();
  });

  /** Deploys `built` on the Gordo server and the CRDs; `failed` and `building` exist only as Model resources. */
  function deploy(
    built: readonly GordoModelSpec[],
    failed: readonly GordoModelSpec[] = [],
    building: readonly GordoModelSpec[] = [],
  ): string {
    const revision = gordo.deploy(PROJECT, built, { expected: [...built, ...failed, ...building].map((m) => m.name) });
    kube.putGordo(
      NAMESPACE,
      PROJECT,
      revision,
      [...built, ...failed, ...building].map((m) => m.name),
    );
    for (const m of built) kube.putModel(NAMESPACE, PROJECT, revision, m.name, modelConfigOf(m), 'Succeeded');
    for (const m of failed)
      kube.putModel(NAMESPACE, PROJECT, revision, m.name, modelConfigOf(m), 'Failed', 'ValueError: not enough training data');
    for (const m of building) kube.putModel(NAMESPACE, PROJECT, revision, m.name, modelConfigOf(m), 'InProgress');
    return revision;
  }

  function sections(): Record<string, Record<string, unknown>> {
    return {
      model_info: { type: 'kubernetes', namespace: NAMESPACE, kubeconfig: kube.writeKubeconfig() },
      predictor: { type: 'gordo', url: gordo.url, timeout: '5s', batch_rows: 20, parallelism: 2 },
    };
  }

  const rowsPerWindow = CYCLE_INTERVAL_MS / CYCLE_RESOLUTION_MS;

  it('predicts and stores every window of every Succeeded model; Failed and building models are not scheduled', async () => {
    const models = plantModels(6);
    const revision = deploy(models.slice(0, 4), [models[4]!], [models[5]!]);
    cycle = await GordoCycle.create('gordo-cycle', models, sections());

    const pass = await cycle.runScheduler();
    expect(pass.models).to.equal(4);
    expect(pass.listingFailures).to.equal(0);
    const windowsPerModel = pass.windowsQueued / 4;
    expect(windowsPerModel).to.equal(4);
    await cycle.drain(2);

    const { reader } = cycle;
    expect(reader.windowStates()).to.deep.equal({ succeeded: 16 });
    const perModel = reader.all<{ model: string; revision: string; n: number }>(
      'SELECT model, revision, COUNT(*) AS n FROM prediction GROUP BY model, revision ORDER BY model',
    );
    expect(perModel).to.deep.equal(models.slice(0, 4).map((m) => ({ model: m.name, revision, n: windowsPerModel * rowsPerWindow })));
    expect(reader.count('SELECT COUNT(*) FROM prediction_window WHERE model IN (?, ?)', models[4]!.name, models[5]!.name)).to.equal(0);
    // Every call of every task named the window's revision.
    const calls = gordo.requests.filter((r) => /\/(metadata|prediction)$/.test(r.path));
    expect(calls.length).to.be.greaterThan(16);
    expect(calls.every((r) => r.revision === revision)).to.equal(true);
  });

  it('a revision switch mid-cycle (410 for the old one) completes without mixing revisions', async () => {
    const models = plantModels(4);
    const first = deploy(models);
    cycle = await GordoCycle.create('gordo-rebuild', models, sections());
    expect((await cycle.runScheduler()).windowsQueued).to.equal(16);

    // After some predictions, the project is rebuilt and the old revision's directory removed.
    let second = '';
    gordo.afterPredictions(5, () => {
      second = deploy(models);
      gordo.removeRevision(PROJECT, first);
    });
    await cycle.drain(2);
    expect(second).to.not.equal('');
    const { reader } = cycle;
    const oldWindows = reader.all<{ state: string; error_message: string | null }>(
      'SELECT state, error_message FROM prediction_window WHERE revision = ?',
      first,
    );
    expect(oldWindows).to.have.length(16);
    const gone = oldWindows.filter((w) => w.state === 'dead');
    expect(gone.length, 'old-revision windows that met the 410').to.be.greaterThan(0);
    for (const w of gone) expect(w.error_message).to.match(new RegExp(`revision ${first} is gone .*serves ${second}`));
    expect(oldWindows.every((w) => w.state === 'succeeded' || w.state === 'dead')).to.equal(true);

    // The next pass schedules the new revision's windows, which all complete.
    expect((await cycle.runScheduler()).windowsQueued).to.equal(16);
    await cycle.drain(2);
    expect(reader.all('SELECT state FROM prediction_window WHERE revision = ? AND state != ?', second, 'succeeded')).to.deep.equal([]);
    // No stored set mixes revisions: each old-revision window that succeeded has exactly its rows at the old
    // revision, every window at the new one.
    const succeededOld = oldWindows.filter((w) => w.state === 'succeeded').length;
    expect(reader.count('SELECT COUNT(*) FROM prediction WHERE revision = ?', first)).to.equal(succeededOld * rowsPerWindow);
    expect(reader.count('SELECT COUNT(*) FROM prediction WHERE revision = ?', second)).to.equal(16 * rowsPerWindow);
    expect(reader.count('SELECT COUNT(*) FROM prediction WHERE revision NOT IN (?, ?)', first, second)).to.equal(0);
  });

  it('lists each project once per pass; a project that fails is counted and skipped, the others are scheduled', async () => {
    const models = plantModels(4);
    gordo.deploy('east', models.slice(0, 2));
    gordo.deploy('west', models.slice(2));
    gordo.fail({ kind: 'status', status: 503, times: 1_000, match: (r) => r.path.startsWith('/gordo/v0/west/') });
    cycle = await GordoCycle.create('gordo-projects', models, {
      model_info: { type: 'gordo', url: gordo.url, projects: ['east', 'west'] },
      predictor: { type: 'gordo', url: gordo.url },
    });
    const pass = await cycle.runScheduler();
    expect(pass).to.include({ models: 2, listingFailures: 1, windowsQueued: 8 });
    for (const project of ['east', 'west']) {
      expect(
        gordo.requests.filter((r) => r.path === `/gordo/v0/${project}/revisions`),
        project,
      ).to.have.length(1);
    }
    await cycle.drain(2);
    expect(cycle.reader.windowStates()).to.deep.equal({ succeeded: 8 });
    expect(cycle.reader.count('SELECT COUNT(DISTINCT project) FROM prediction_window')).to.equal(1);
  });

  it('lists every Gordo project of the namespace once per pass through the Kubernetes API', async () => {
    const models = plantModels(3);
    deploy(models);
    cycle = await GordoCycle.create('gordo-kube-listing', models, sections());
    kube.requests.length = 0;
    expect((await cycle.runScheduler()).models).to.equal(3);
    const paths = kube.requests.map((r) => r.path.replace(/^\/apis\/equinor\.com\/v1\/namespaces\/kubeflow\//, ''));
    expect(paths).to.deep.equal(['gordos', `gordos/${PROJECT}`, 'models']);
    expect(kube.requests[2]!.labelSelector).to.match(/project-name=plant,applications\.gordo\.equinor\.com\/project-revision=\d+$/);
  });
});
