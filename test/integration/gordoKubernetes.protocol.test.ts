import { expect } from 'chai';
import { GordoResourceClient } from '../../providers/kubernetes/client.js';
import { parseKubernetesModelInfoConfig } from '../../providers/kubernetes/config.js';
import { KubernetesModelInformationProvider } from '../../providers/kubernetes/KubernetesModelInformationProvider.js';
import { NotFoundError, ProviderError } from '../../src/runtime/errors.js';
import { RecordingLogger } from '../fakes/RecordingLogger.js';
import { modelConfigOf, plantModels } from './helpers/gordoCycle.js';
import { KubernetesServer } from '../servers/kubernetesServer.js';

/** The kubernetes model-information provider through the real client-node against the loopback API server. */
describe('kubernetes Gordo CRDs through @kubernetes/client-node (protocol)', () => {
  let kube: KubernetesServer;
  beforeEach(async () => {
    kube = await KubernetesServer.start();
  });
  afterEach(() => kube.close());

  function provider(options: Record<string, unknown> = {}, log = new RecordingLogger()) {
    const config = parseKubernetesModelInfoConfig(
      { namespace: 'gordo', kubeconfig: kube.writeKubeconfig(), timeout: '2s', ...options },
      'model_info',
    );
    return new KubernetesModelInformationProvider(
      new GordoResourceClient(config),
      config.projects ? { projects: config.projects } : {},
      log,
    );
  }

  it('reads a namespace page by page, and only the current revision of each project', async () => {
    const models = plantModels(1);
    kube.putGordo('gordo', 'big', '2', []);
    for (let i = 0; i < 1_203; i++)
      kube.putModel('gordo', 'big', '2', `m-${String(i).padStart(4, '0')}`, modelConfigOf(models[0]!), 'Succeeded');
    for (let i = 0; i < 3; i++) kube.putModel('gordo', 'big', '1', `old-${i}`, modelConfigOf(models[0]!), 'Succeeded');
    kube.putGordo('other', 'elsewhere', '1', []);
    const listed = await provider().listModels('big');
    expect(listed).to.have.length(1_203);
    expect(listed.every((m) => m.revision === '2')).to.equal(true);
    expect(kube.requests.filter((r) => r.path.endsWith('/models'))).to.have.length(3); // 500 + 500 + 203
    expect(await provider().listProjects()).to.deep.equal(['big']);
    expect(await provider({ projects: ['nope'] }).listProjects()).to.deep.equal([]);
  });

  it('reports models not ready once, with phase and reason, and describes only Succeeded ones', async () => {
    const [a, b] = plantModels(2);
    kube.putGordo('gordo', 'p', '7', [a!.name, b!.name, 'later']);
    kube.putModel('gordo', 'p', '7', a!.name, modelConfigOf(a!), 'Succeeded');
    kube.putModel('gordo', 'p', '7', b!.name, modelConfigOf(b!), 'Failed', 'ValueError: too few rows');
    const log = new RecordingLogger();
    const p = provider({}, log);
    expect((await p.listModelPhases('p')).map((m) => [m.name, m.phase, m.reason])).to.deep.equal([
      [a!.name, 'Succeeded', undefined],
      [b!.name, 'Failed', 'ValueError: too few rows'],
      ['later', 'Pending', undefined],
    ]);
    await p.listModels('p');
    const warnings = log.lines.filter((e) => e.level === 'warn');
    expect(warnings).to.have.length(1);
    expect(warnings[0]!.fields).to.deep.include({ project: 'p', revision: '7', notReady: 2, failed: 1 });
    const err = await p.describeModel('p', b!.name).then(
      () => expect.fail('expected NotFoundError'),
      (e: unknown) => e as Error,
    );
    expect(err).to.be.instanceOf(NotFoundError);
    expect(err.message).to.equal(`model p/${b!.name} at revision 7 is Failed: ValueError: too few rows`);
    kube.setModelPhase('gordo', 'p', '7', b!.name, 'Succeeded');
    expect((await p.describeModel('p', b!.name)).revision).to.equal('7');
  });

  it('refused credentials are permanent and say what to grant; an API server outage is retryable', async () => {
    const config = parseKubernetesModelInfoConfig({ namespace: 'gordo', kubeconfig: kube.writeKubeconfig('wrong-token') }, 'model_info');
    const refused = await new KubernetesModelInformationProvider(new GordoResourceClient(config), {}, new RecordingLogger())
      .listProjects()
      .then(
        () => expect.fail('expected a rejection'),
        (e: unknown) => e as ProviderError,
      );
    expect(refused).to.be.instanceOf(ProviderError).and.to.include({ retryable: false });
    expect(refused.message).to.match(/HTTP 401: Unauthorized \(the service account needs get\/list on gordos and models in equinor\.com\)/);
    expect(refused.message).to.not.contain('wrong-token');
    kube.failures.push({ status: 503, times: 1 });
    const outage = await provider()
      .listProjects()
      .then(
        () => expect.fail('expected a rejection'),
        (e: unknown) => e as ProviderError,
      );
    expect(outage).to.be.instanceOf(ProviderError).and.to.include({ retryable: true });
  });
});
