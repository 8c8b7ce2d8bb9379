import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import yaml from 'js-yaml';
import { z } from 'zod';
import { loadConfig } from '../../../src/config/loadConfig.js';
import { providerCatalog } from '../../../src/composition/registry.js';
import { isLoopbackAddress } from '../../../src/config/sections.js';
import { ConfigError } from '../../../src/runtime/errors.js';
import { repoRoot } from '../../integration/helpers/cli.js';
import { Workspace } from '../../integration/helpers/workspace.js';

/**
 * deploy/k8s checked against strict schemas of the Kubernetes fields it uses (apps/v1 Deployment, v1
 * ConfigMap, Secret and Service, a Kustomization): a misspelt or misplaced field fails. Then what must hold
 * between the manifests, the image and the service's own configuration schema.
 */
const dir = join(repoRoot, 'deploy/k8s');
const labels = z.record(z.string(), z.string());
const metadata = z.strictObject({ name: z.string().regex(/^[a-z0-9-]+$/), labels: labels.optional(), annotations: labels.optional() });
const httpProbe = z.strictObject({
  httpGet: z.strictObject({ path: z.string(), port: z.union([z.string(), z.number()]) }),
  initialDelaySeconds: z.number().int().optional(),
  periodSeconds: z.number().int(),
  timeoutSeconds: z.number().int().optional(),
  failureThreshold: z.number().int(),
});
const envVar = z.strictObject({
  name: z.string(),
  value: z.string().optional(),
  valueFrom: z.strictObject({ fieldRef: z.strictObject({ fieldPath: z.string() }) }).optional(),
});
const container = z.strictObject({
  name: z.string(),
  image: z.string(),
  imagePullPolicy: z.enum(['Always', 'IfNotPresent', 'Never']),
  command: z.array(z.string()),
  env: z.array(envVar),
  envFrom: z.array(z.strictObject({ secretRef: z.strictObject({ name: z.string() }) })),
  ports: z.array(z.strictObject({ name: z.string(), containerPort: z.number().int() })),
  livenessProbe: httpProbe,
  readinessProbe: httpProbe,
  startupProbe: httpProbe,
  resources: z.strictObject({
    requests: z.strictObject({ cpu: z.string(), memory: z.string() }),
    limits: z.strictObject({ memory: z.string() }),
  }),
  securityContext: z.strictObject({
    allowPrivilegeEscalation: z.literal(false),
    readOnlyRootFilesystem: z.boolean(),
    capabilities: z.strictObject({ drop: z.array(z.string()) }),
  }),
  volumeMounts: z.array(z.strictObject({ name: z.string(), mountPath: z.string(), readOnly: z.boolean().optional() })),
});
const deployment = z.strictObject({
  apiVersion: z.literal('apps/v1'),
  kind: z.literal('Deployment'),
  metadata,
  spec: z.strictObject({
    replicas: z.number().int().positive(),
    strategy: z.strictObject({ type: z.enum(['Recreate', 'RollingUpdate']) }),
    selector: z.strictObject({ matchLabels: labels }),
    template: z.strictObject({
      metadata: z.strictObject({ labels, annotations: labels.optional() }),
      spec: z.strictObject({
        terminationGracePeriodSeconds: z.number().int().positive(),
        securityContext: z.strictObject({
          runAsNonRoot: z.literal(true),
          runAsUser: z.number().int().positive(),
          runAsGroup: z.number().int(),
          fsGroup: z.number().int(),
        }),
        containers: z.array(container).length(1),
        volumes: z.array(
          z.strictObject({
            name: z.string(),
            configMap: z.strictObject({ name: z.string() }).optional(),
            emptyDir: z.strictObject({}).optional(),
          }),
        ),
      }),
    }),
  }),
});
const configMap = z.strictObject({
  apiVersion: z.literal('v1'),
  kind: z.literal('ConfigMap'),
  metadata,
  data: z.record(z.string(), z.string()),
});
const secret = z.strictObject({
  apiVersion: z.literal('v1'),
  kind: z.literal('Secret'),
  metadata,
  type: z.literal('Opaque'),
  stringData: z.record(z.string(), z.string()),
});
const service = z.strictObject({
  apiVersion: z.literal('v1'),
  kind: z.literal('Service'),
  metadata,
  spec: z.strictObject({
    clusterIP: z.literal('None').optional(),
    selector: labels,
    ports: z.array(z.strictObject({ name: z.string(), port: z.number().int(), targetPort: z.union([z.string(), z.number()]) })),
  }),
});
const kustomization = z.strictObject({
  apiVersion: z.literal('kustomize.config.k8s.io/v1beta1'),
  kind: z.literal('Kustomization'),
  labels: z.array(z.strictObject({ pairs: labels, includeSelectors: z.boolean() })),
  resources: z.array(z.string()),
  images: z.array(z.strictObject({ name: z.string(), newName: z.string(), newTag: z.string() })),
});

type Deployment = z.output<typeof deployment>;

function load() {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort();
  const docs = files.flatMap((file) =>
    yaml.loadAll(readFileSync(join(dir, file), 'utf8')).map((doc) => ({ file, doc: doc as { kind?: string } })),
  );
  const ofKind = <T>(kind: string, schema: z.ZodType<T>) => docs.filter((d) => d.doc.kind === kind).map((d) => schema.parse(d.doc));
  return {
    files,
    kinds: docs.map((d) => d.doc.kind),
    kustomization: ofKind('Kustomization', kustomization)[0]!,
    deployments: new Map(ofKind('Deployment', deployment).map((d) => [d.metadata.name, d])),
    configMaps: ofKind('ConfigMap', configMap),
    secrets: ofKind('Secret', secret),
    services: ofKind('Service', service),
  };
}

describe('deploy/k8s manifests', () => {
  const manifests = load();
  const scheduler = manifests.deployments.get('latigo-scheduler')!;
  const executor = manifests.deployments.get('latigo-executor')!;
  const api = manifests.deployments.get('latigo-api')!;
  const all = [scheduler, executor, api];
  const only = (d: Deployment) => d.spec.template.spec.containers[0]!;
  const serviceNamed = (name: string) => manifests.services.find((s) => s.metadata.name === name)!;
  const configText = () => manifests.configMaps[0]!.data['latigo.yaml']!;
  /** The environment the api container's process sees: the Secret's variables and its own `env` values. */
  const apiEnv = () => ({
    ...manifests.secrets[0]!.stringData,
    ...Object.fromEntries(only(api).env.flatMap((e) => (e.value === undefined ? [] : [[e.name, e.value] as const]))),
  });
  async function loadWith(env: Record<string, string>, text = configText()) {
    const workspace = new Workspace('k8s');
    try {
      return await loadConfig({ file: workspace.writeConfig(text), env, catalog: providerCatalog });
    } finally {
      workspace.remove();
    }
  }

  it('holds only known kinds, every file listed in the kustomization', () => {
    expect([...manifests.kinds].sort()).to.deep.equal([
      'ConfigMap',
      'Deployment',
      'Deployment',
      'Deployment',
      'Kustomization',
      'Secret',
      'Service',
      'Service',
    ]);
    expect([...manifests.kustomization.resources, 'kustomization.yaml'].sort()).to.deep.equal(manifests.files);
  });

  it('runs one scheduler (never two during a rollout) and two executors, from the same image', () => {
    expect(scheduler.spec.replicas).to.equal(1);
    expect(scheduler.spec.strategy.type).to.equal('Recreate');
    expect(executor.spec.replicas).to.equal(2);
    expect(only(scheduler).command).to.deep.equal(['latigo', 'scheduler']);
    expect(only(executor).command).to.deep.equal(['latigo', 'executor']);
    expect(only(scheduler).image).to.equal(only(executor).image);
    expect(only(api).command).to.deep.equal(['latigo', 'api']);
    expect(only(api).image).to.equal(only(executor).image);
    expect(manifests.kustomization.images.map((i) => i.name)).to.include(only(executor).image);
  });

  it('selects its own pods: selector labels match the pod template', () => {
    for (const d of all) {
      for (const [key, value] of Object.entries(d.spec.selector.matchLabels))
        expect(d.spec.template.metadata.labels[key], `${d.metadata.name} ${key}`).to.equal(value);
    }
    const metrics = serviceNamed('latigo-metrics');
    expect(metrics.spec.clusterIP, 'headless: one endpoint per pod').to.equal('None');
    for (const d of all) {
      for (const [key, value] of Object.entries(metrics.spec.selector)) expect(d.spec.template.metadata.labels[key]).to.equal(value);
    }
  });

  it('probes liveness on /healthz and readiness on /readyz, on the port the process serves', () => {
    const config = yaml.load(configText()) as { http: { enabled: boolean; port: number }; api: { port: number } };
    expect(config.http.enabled).to.equal(true);
    for (const d of all) {
      const c = only(d);
      // The api serves its probes and metrics on api.port; the other roles on http.port.
      const served = d === api ? config.api.port : config.http.port;
      const port = c.ports.find((p) => p.containerPort === served);
      expect(port, `${d.metadata.name} exposes http.port`).not.to.equal(undefined);
      expect(c.livenessProbe.httpGet).to.deep.equal({ path: '/healthz', port: port!.name });
      expect(c.startupProbe.httpGet).to.deep.equal({ path: '/healthz', port: port!.name });
      expect(c.readinessProbe.httpGet).to.deep.equal({ path: '/readyz', port: port!.name });
      expect(d.spec.template.metadata.annotations?.['prometheus.io/port']).to.equal(String(served));
      // The metrics Service's named targetPort resolves to this port in each pod.
      expect(port!.name).to.equal(serviceNamed('latigo-metrics').spec.ports[0]!.targetPort);
    }
  });

  it('serves the api through a Service that selects only the api pods, on the port their probes use', () => {
    const service = serviceNamed('latigo-api');
    expect(service.spec.clusterIP, 'load-balanced, not headless').to.equal(undefined);
    const selected = all.filter((d) => Object.entries(service.spec.selector).every(([k, v]) => d.spec.template.metadata.labels[k] === v));
    expect(selected.map((d) => d.metadata.name)).to.deep.equal(['latigo-api']);
    expect(service.spec.ports.map((p) => p.targetPort)).to.deep.equal([only(api).readinessProbe.httpGet.port]);
    expect(api.spec.strategy.type, 'stateless: no downtime on rollout').to.equal('RollingUpdate');
  });

  it('starts the api on a non-loopback address with a token from the Secret, and refuses it without one', async () => {
    const address = only(api).env.find((e) => e.name === 'LATIGO_API__ADDRESS')!.value!;
    expect(isLoopbackAddress(address), 'the Service must reach the pod').to.equal(false);
    const config = await loadWith(apiEnv());
    expect(config.api.address).to.equal(address);
    expect(config.api.port).to.equal(only(api).ports[0]!.containerPort);
    expect(config.api.tokens.map((t) => [t.name, t.role])).to.deep.equal([['ops', 'operator']]);
    expect(configText(), 'the token only as ${NAME}').to.match(/token: \$\{LATIGO_API_TOKEN\}/);

    const { LATIGO_API_TOKEN: token, ...withoutToken } = apiEnv();
    expect(token).to.have.length.of.at.least(16);
    const refused = await loadWith(withoutToken).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(refused).to.be.instanceOf(ConfigError);
    expect((refused as ConfigError).message).to.contain('LATIGO_API_TOKEN');
    expect((refused as ConfigError).message, 'no secret in the error').not.to.contain(manifests.secrets[0]!.stringData.PGPASSWORD);

    // The ConfigMap without its tokens: the api pod (listening beyond loopback) is refused, naming api.tokens.
    const sections = yaml.load(configText()) as { api: { tokens?: unknown } };
    delete sections.api.tokens;
    const bare = await loadWith(apiEnv(), yaml.dump(sections)).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(bare).to.be.instanceOf(ConfigError);
    expect((bare as ConfigError).path).to.equal('api.tokens');
    expect((bare as ConfigError).message).to.contain(address);
  });

  it('wires the ConfigMap as LATIGO_CONFIG and the Secret as environment, both existing', () => {
    for (const d of all) {
      const c = only(d);
      const mount = c.volumeMounts.find((m) => m.name === 'config')!;
      const volume = d.spec.template.spec.volumes.find((v) => v.name === 'config')!;
      expect(manifests.configMaps.map((m) => m.metadata.name)).to.include(volume.configMap!.name);
      const configPath = c.env.find((e) => e.name === 'LATIGO_CONFIG')!.value!;
      expect(configPath.startsWith(`${mount.mountPath}/`)).to.equal(true);
      expect(manifests.configMaps[0]!.data).to.have.property(configPath.slice(mount.mountPath.length + 1));
      expect(c.envFrom.map((e) => e.secretRef.name)).to.deep.equal(manifests.secrets.map((s) => s.metadata.name));
      expect(c.env.find((e) => e.name === 'LATIGO_PROCESS_NAME')!.valueFrom!.fieldRef.fieldPath).to.equal('metadata.name');
    }
  });

  it("has a configuration the service accepts with the Secret's variables, its secrets only as ${NAME}", async () => {
    const text = manifests.configMaps[0]!.data['latigo.yaml']!;
    const workspace = new Workspace('k8s');
    try {
      const config = await loadConfig({
        file: workspace.writeConfig(text),
        env: manifests.secrets[0]!.stringData,
        catalog: providerCatalog,
      });
      expect(config.database.url).to.equal('postgres://latigo:change-me@postgres.example.svc:5432/latigo');
      // Executors drain for shutdown_grace after SIGTERM; the kubelet must wait longer before it kills.
      expect(executor.spec.template.spec.terminationGracePeriodSeconds * 1000).to.be.greaterThan(config.executor.shutdownGraceMs + 5_000);
    } finally {
      workspace.remove();
    }
    const referenced = [...text.matchAll(/\$\{([A-Z_][A-Z0-9_]*)\}/g)].map((m) => m[1]);
    expect([...new Set(referenced)].sort()).to.deep.equal(Object.keys(manifests.secrets[0]!.stringData).sort());
    expect(text, 'no literal password in the ConfigMap').not.to.match(/password: (?!\$\{)/);
  });

  it('runs containers as non-root with a bounded executor heap below the memory limit', () => {
    for (const d of all) {
      expect(d.spec.template.spec.securityContext.runAsUser).to.equal(1000); // the image's node user
      expect(only(d).securityContext.capabilities.drop).to.deep.equal(['ALL']);
    }
    const heapMb = Number(/--max-old-space-size=(\d+)/.exec(only(executor).env.find((e) => e.name === 'NODE_OPTIONS')!.value!)![1]);
    const limitMb = Number.parseInt(only(executor).resources.limits.memory, 10);
    expect(limitMb).to.be.greaterThan(heapMb * 2);
  });
});
