import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import yaml from 'js-yaml';
import { z } from 'zod';
import { buildProgram } from '../../../src/cli/program.js';
import { loadConfig } from '../../../src/config/loadConfig.js';
import { ConfigError } from '../../../src/runtime/errors.js';
import { providerCatalog } from '../../../src/composition/registry.js';
import { repoRoot } from '../../integration/helpers/cli.js';
import { Workspace } from '../../integration/helpers/workspace.js';
import { exposedMetricNames, metricNamesIn } from './metricNames.js';

/**
 * docker-compose.yml cannot be run here (no Docker daemon), so its structure is checked instead: a strict
 * schema of the Compose Specification keys it uses (a misspelt or misplaced key fails), then what must
 * hold between its parts and the rest of the repository.
 */
const duration = z.string().regex(/^\d+(ms|s|m|h)$/);
const healthcheck = z.strictObject({
  test: z.tuple([z.literal('CMD')]).rest(z.string()),
  interval: duration,
  timeout: duration,
  retries: z.number().int().positive(),
  start_period: duration.optional(),
});
const service = z.strictObject({
  image: z.string().min(1),
  build: z.string().optional(),
  command: z.array(z.string()).optional(),
  profiles: z.array(z.enum(['demo', 'grafana', 'eventhub'])).optional(),
  init: z.boolean().optional(),
  restart: z.enum(['no', 'always', 'on-failure', 'unless-stopped']),
  env_file: z.array(z.strictObject({ path: z.string(), required: z.boolean() })).optional(),
  environment: z.record(z.string().regex(/^[A-Z][A-Z0-9_]*$/), z.string()).optional(),
  stop_grace_period: duration.optional(),
  healthcheck: healthcheck.optional(),
  depends_on: z
    .record(z.string(), z.strictObject({ condition: z.enum(['service_started', 'service_healthy', 'service_completed_successfully']) }))
    .optional(),
  ports: z.array(z.string().regex(/^127\.0\.0\.1:\d+(-\d+)?:\d+(-\d+)?$/)).optional(),
  volumes: z.array(z.string().regex(/^[^:]+:[^:]+(:ro)?$/)).optional(),
});
const composeFile = z
  .looseObject({
    name: z.string(),
    services: z.record(z.string(), service),
    volumes: z.record(z.string(), z.null()),
  })
  .refine((f) => Object.keys(f).every((k) => ['name', 'services', 'volumes'].includes(k) || k.startsWith('x-')), 'unknown top-level key');

type Compose = z.output<typeof composeFile>;
const latigoRoles = ['scheduler', 'executor-1', 'executor-2'];
/** A token as an operator would set it for set-env (at least 16 characters). */
const apiToken = 'compose-test-token-0123456789abcdef';

describe('docker-compose.yml', () => {
  let compose: Compose;

  before(() => {
    compose = composeFile.parse(yaml.load(readFileSync(join(repoRoot, 'docker-compose.yml'), 'utf8')));
  });

  it('runs a scheduler, two executors and the api from one image, each with its own command', () => {
    const roles = latigoRoles.map((name) => compose.services[name]!);
    expect(new Set(roles.map((s) => `${s.image} ${s.build}`)).size).to.equal(1);
    expect(roles[0]!.build).to.equal('.');
    expect(roles.map((s) => s.command)).to.deep.equal([
      ['latigo', 'scheduler', '--name', 'scheduler'],
      ['latigo', 'executor', '--name', 'executor-1'],
      ['latigo', 'executor', '--name', 'executor-2'],
    ]);
    expect(compose.services.demo!.command).to.deep.equal(['latigo', 'start', '--demo']);
    expect(compose.services.api!.command).to.deep.equal(['latigo', 'api', '--name', 'api']);
    expect(`${compose.services.api!.image} ${compose.services.api!.build}`).to.equal(`${roles[0]!.image} ${roles[0]!.build}`);
  });

  it('names only commands and options the latigo CLI has', () => {
    const program = buildProgram();
    for (const [name, s] of Object.entries(compose.services)) {
      if (s.command?.[0] !== 'latigo') continue;
      const [, sub, ...args] = s.command;
      const command = program.commands.find((c) => c.name() === sub);
      expect(command, `${name}: latigo ${sub}`).not.to.equal(undefined);
      for (const flag of args.filter((a) => a.startsWith('--'))) {
        expect(
          command!.options.some((o) => o.long === flag),
          `${name}: ${sub} ${flag}`,
        ).to.equal(true);
      }
    }
  });

  it('gives every long-running service a restart policy and the stateful ones health checks and volumes', () => {
    for (const [name, s] of Object.entries(compose.services)) expect(s.restart, name).to.equal('unless-stopped');
    for (const name of [...latigoRoles, 'api', 'postgres', 'influxdb', 'demo', 'prometheus', 'grafana']) {
      expect(compose.services[name]!.healthcheck, `${name} healthcheck`).not.to.equal(undefined);
    }
    expect(compose.services.postgres!.volumes).to.deep.equal(['postgres-data:/var/lib/postgresql/data']);
    expect(compose.services.influxdb!.volumes).to.deep.equal(['influxdb-data:/var/lib/influxdb']);
  });

  it('probes each latigo container on the port its process serves, and waits for healthy databases', () => {
    for (const name of latigoRoles) {
      const s = compose.services[name]!;
      expect(s.environment?.LATIGO_HTTP__ENABLED, name).to.equal('true');
      const port = s.environment!.LATIGO_HTTP__PORT!;
      expect(s.healthcheck!.test.join(' '), name).to.contain(`http://127.0.0.1:${port}/readyz`);
      expect(s.ports, name).to.have.length(1);
      expect(s.ports![0]!.endsWith(`:${port}`), name).to.equal(true);
      expect(s.depends_on, name).to.deep.equal({ postgres: { condition: 'service_healthy' }, influxdb: { condition: 'service_healthy' } });
      expect(s.env_file, `${name} reads the .env set-env writes`).to.deep.equal([{ path: '.env', required: false }]);
      // Compose stops a container after stop_grace_period: longer than the executors' default 10 s drain.
      expect(Number.parseInt(s.stop_grace_period!, 10)).to.be.greaterThan(10);
    }
  });

  it('publishes the api on its api.port, probes its /readyz there, waits for the databases and reads .env', () => {
    const api = compose.services.api!;
    const port = api.environment!.LATIGO_API__PORT!;
    expect(api.healthcheck!.test.join(' ')).to.contain(`http://127.0.0.1:${port}/readyz`);
    expect(api.ports).to.deep.equal([`127.0.0.1:${port}:${port}`]);
    expect(api.depends_on).to.deep.equal({ postgres: { condition: 'service_healthy' }, influxdb: { condition: 'service_healthy' } });
    expect(api.env_file).to.deep.equal([{ path: '.env', required: false }]);
    // Reachable through the published port only when it listens beyond the container's loopback.
    expect(api.environment!.LATIGO_API__ADDRESS).to.equal('0.0.0.0');
  });

  it('starts the api container only with a token from LATIGO_API_TOKEN, which set-env needs and never a default', async () => {
    const file = join(repoRoot, 'deploy/compose/local_config.yaml');
    const containerEnv = compose.services.api!.environment!;
    const config = await loadConfig({ file, env: { ...containerEnv, LATIGO_API_TOKEN: apiToken }, catalog: providerCatalog });
    expect(config.api).to.include({ address: '0.0.0.0', port: Number(containerEnv.LATIGO_API__PORT) });
    expect(config.api.tokens.map((t) => [t.name, t.role])).to.deep.equal([['ops', 'operator']]);

    const unset = await loadConfig({ file, env: containerEnv, catalog: providerCatalog }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(unset).to.be.instanceOf(ConfigError);
    expect((unset as ConfigError).message)
      .to.contain('LATIGO_API_TOKEN')
      .and.to.contain('api.tokens');

    // The same container without the file's tokens: refused, naming api.tokens (it would listen on 0.0.0.0).
    const workspace = new Workspace('compose-api');
    try {
      const bare = workspace.writeConfig('database:\n  url: sqlite:latigo.sqlite\n');
      const refused = await loadConfig({ file: bare, env: containerEnv, catalog: providerCatalog }).then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(refused).to.be.instanceOf(ConfigError);
      expect((refused as ConfigError).message)
        .to.contain('api.tokens')
        .and.to.contain('0.0.0.0');
    } finally {
      workspace.remove();
    }
  });

  it('refers only to declared services, health-checked dependencies, declared volumes and files in the repository', () => {
    for (const [name, s] of Object.entries(compose.services)) {
      for (const [dependency, { condition }] of Object.entries(s.depends_on ?? {})) {
        expect(compose.services[dependency], `${name} depends on ${dependency}`).not.to.equal(undefined);
        if (condition === 'service_healthy')
          expect(compose.services[dependency]!.healthcheck, `${dependency} healthcheck`).not.to.equal(undefined);
        // A service outside every profile cannot wait for one inside a profile.
        if (s.profiles === undefined) expect(compose.services[dependency]!.profiles, `${name} -> ${dependency}`).to.equal(undefined);
      }
      for (const volume of s.volumes ?? []) {
        const source = volume.split(':')[0]!;
        if (source.startsWith('./')) expect(existsSync(join(repoRoot, source)), `${name} mounts ${source}`).to.equal(true);
        else expect(compose.volumes, `${name} volume ${source}`).to.have.property(source);
      }
    }
  });

  it('has the demo, grafana and eventhub profiles, the default stack outside all of them', () => {
    const byProfile = (profile: 'demo' | 'grafana' | 'eventhub') =>
      Object.entries(compose.services)
        .filter(([, s]) => s.profiles?.includes(profile))
        .map(([n]) => n)
        .sort();
    expect(byProfile('demo')).to.deep.equal(['demo']);
    expect(byProfile('grafana')).to.deep.equal(['grafana', 'prometheus']);
    expect(byProfile('eventhub')).to.deep.equal(['azurite', 'eventhubs']);
    const always = Object.entries(compose.services)
      .filter(([, s]) => s.profiles === undefined)
      .map(([n]) => n)
      .sort();
    expect(always).to.deep.equal(['api', 'executor-1', 'executor-2', 'influxdb', 'postgres', 'scheduler']);
  });

  it('has Prometheus scrape every latigo container, and a dashboard charting only metrics latigo exposes', () => {
    const prometheus = yaml.load(readFileSync(join(repoRoot, 'deploy/prometheus/prometheus.yml'), 'utf8')) as {
      scrape_configs: { static_configs: { targets: string[] }[] }[];
    };
    const targets = prometheus.scrape_configs.flatMap((c) => c.static_configs.flatMap((s) => s.targets)).sort();
    expect(targets).to.deep.equal(
      [
        ...latigoRoles.map((n) => `${n}:${compose.services[n]!.environment!.LATIGO_HTTP__PORT}`),
        `api:${compose.services.api!.environment!.LATIGO_API__PORT}`,
      ].sort(),
    );

    const dashboard = JSON.parse(readFileSync(join(repoRoot, 'deploy/grafana/dashboards/latigo.json'), 'utf8')) as {
      panels: { type: string; datasource?: { uid: string }; targets?: { expr?: string; query?: string }[] }[];
    };
    const datasources = yaml.load(readFileSync(join(repoRoot, 'deploy/grafana/provisioning/datasources/latigo.yaml'), 'utf8')) as {
      datasources: { uid: string; url: string }[];
    };
    const uids = new Set(datasources.datasources.map((d) => d.uid));
    const exposed = exposedMetricNames();
    const charts = dashboard.panels.filter((p) => p.type !== 'row');
    expect(charts.length).to.be.at.least(10);
    for (const panel of charts) {
      expect(uids.has(panel.datasource!.uid), `datasource ${panel.datasource!.uid}`).to.equal(true);
      for (const target of panel.targets ?? []) {
        for (const metric of metricNamesIn(target.expr ?? '')) expect(exposed.has(metric), `${metric} is exposed`).to.equal(true);
      }
    }
    // Sensor data, anomaly scores and flags per model, from the measurements the influx providers write.
    const queries = charts.flatMap((p) => p.targets ?? []).map((t) => t.query ?? '');
    expect(queries.some((q) => q.includes('FROM "sensor"'))).to.equal(true);
    for (const output of ['total-anomaly', 'anomaly-threshold', 'is-anomaly'])
      expect(
        queries.some((q) => q.includes(`'${output}'`)),
        output,
      ).to.equal(true);
  });

  it('ships a local configuration for the stack that the service accepts, pointing at the compose services', async () => {
    const config = await loadConfig({
      file: join(repoRoot, 'deploy/compose/local_config.yaml'),
      env: { LATIGO_API_TOKEN: apiToken },
      catalog: providerCatalog,
    });
    expect(config.database.url).to.equal('postgres://latigo:latigo@postgres:5432/latigo');
    for (const section of ['sensor_data', 'prediction_storage'] as const) {
      expect(config.providers[section].type).to.equal('influx');
      expect((config.providers[section].config as { url: string }).url).to.equal('http://influxdb:8086');
    }
  });
});

describe('Dockerfile', () => {
  const dockerfile = readFileSync(join(repoRoot, 'Dockerfile'), 'utf8');

  it('builds in one stage and runs in another as the unprivileged node user, supervisord by default', () => {
    expect(dockerfile.match(/^FROM /gm)).to.have.length(2);
    expect(dockerfile).to.match(/^FROM \S+ AS build$/m);
    expect(dockerfile).to.match(/^USER node$/m);
    expect(dockerfile).to.match(/^CMD \["supervisord", "-c", "\/app\/supervisord\.conf"\]$/m);
    expect(dockerfile).to.match(/^COPY --from=build \/src\/node_modules node_modules$/m);
  });

  it('copies from the build context only files that exist and .dockerignore lets through', () => {
    const allowed = readFileSync(join(repoRoot, '.dockerignore'), 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('!'))
      .map((l) => l.slice(1).replace(/\/$/, ''));
    const copied = [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) => m[1]!.split(' '));
    expect(copied.length).to.be.greaterThan(5);
    for (const source of copied) {
      expect(existsSync(join(repoRoot, source)), `${source} exists`).to.equal(true);
      expect(allowed, `${source} is in .dockerignore's allow list`).to.include(source);
    }
  });
});
