import { GordoResourceClient } from '../../providers/kubernetes/client.js';
import { parseKubernetesModelInfoConfig } from '../../providers/kubernetes/config.js';
import { KubernetesModelInformationProvider } from '../../providers/kubernetes/KubernetesModelInformationProvider.js';
import { silentLogger } from '../../src/runtime/logger.js';
import { kubernetesModelConfig } from '../fixtures/gordoSubjects.js';
import { KubernetesServer } from '../servers/kubernetesServer.js';
import { describeModelInformationContract, type SeedModel } from './ModelInformationContract.js';

// The real @kubernetes/client-node, configured from a kubeconfig file, against the loopback API server
// (test/servers/kubernetesServer.ts) listing gordos.equinor.com and models.equinor.com: a protocol test.
describeModelInformationContract('kubernetes Gordo CRDs (protocol)', async () => {
  const server = await KubernetesServer.start();
  const config = parseKubernetesModelInfoConfig({ namespace: 'gordo', kubeconfig: server.writeKubeconfig() }, 'model_info');
  const provider = new KubernetesModelInformationProvider(new GordoResourceClient(config), {}, silentLogger);
  const deployed = new Map<string, string>();
  let revision = 1_700_000_000_000;
  return {
    provider,
    async seed(models: readonly SeedModel[]) {
      const byProject = new Map<string, SeedModel[]>();
      for (const m of models) byProject.set(m.project, [...(byProject.get(m.project) ?? []), m]);
      for (const [project, list] of byProject) {
        const fingerprint = JSON.stringify(list);
        if (deployed.get(project) === fingerprint) continue;
        deployed.set(project, fingerprint);
        // A rebuild, as gordo-controller runs it: a new project revision, one Model resource per model.
        const rev = String(++revision);
        server.putGordo(
          'gordo',
          project,
          rev,
          list.map((m) => m.name),
        );
        for (const m of list) server.putModel('gordo', project, rev, m.name, kubernetesModelConfig(m), 'Succeeded');
      }
    },
    cleanup: () => server.close(),
  };
});
