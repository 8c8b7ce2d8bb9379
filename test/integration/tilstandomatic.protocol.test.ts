import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { parseTilstandomaticConfig } from '../../providers/tilstandomatic/config.js';
import { ProviderError } from '../../src/runtime/errors.js';
import { RecordingLogger } from '../fakes/RecordingLogger.js';
import { tilstandomaticProviders, tilstandomaticTestConfig } from '../fixtures/tilstandomaticSubjects.js';
import { OAuthTokenServer } from '../servers/oauthTokenServer.js';
import { gordoResource, TilstandomaticServer } from '../servers/tilstandomaticServer.js';

const dataset = (tags: unknown[], extra: Record<string, unknown> = {}) => ({
  tag_list: tags,
  train_start_date: '2025-01-01T00:00:00+00:00',
  train_end_date: '2025-06-01T00:00:00Z',
  ...extra,
});

describe('tilstandomatic providers against a loopback catalogue endpoint (protocol)', () => {
  let server: TilstandomaticServer;
  beforeEach(async () => {
    server = await TilstandomaticServer.start();
  });
  afterEach(async () => {
    await server.close();
  });

  it('revalidates with If-None-Match: an unchanged catalogue costs a 304', async () => {
    server.setResources([gordoResource('p', [{ name: 'a', dataset: dataset(['T1', 'T2']) }])]);
    const { models } = tilstandomaticProviders(tilstandomaticTestConfig(server.url));
    const first = await models.listModels('p');
    expect(await models.listModels('p')).to.deep.equal(first);
    expect(server.responses).to.deep.equal([200, 304]);
    server.setResources([gordoResource('p', [{ name: 'a', dataset: dataset(['T1', 'T3']) }])]);
    const [changed] = await models.listModels('p');
    expect(server.responses).to.deep.equal([200, 304, 200]);
    expect(changed!.revision).to.not.equal(first[0]!.revision);
  });

  it('asks the endpoint again only after refresh_interval', async () => {
    server.setResources([gordoResource('p', [{ name: 'a', dataset: dataset(['T1']) }])]);
    const { models } = tilstandomaticProviders(tilstandomaticTestConfig(server.url, { refresh_interval: '1h' }));
    await Promise.all([models.listProjects(), models.listModels('p'), models.modelExists('p', 'a')]);
    await models.describeModel('p', 'a');
    expect(server.responses).to.deep.equal([200]);
  });

  it('merges globals into every machine, reads YAML-text values, and maps the Gordo dataset', async () => {
    server.setResources([
      gordoResource(
        'plant',
        [
          {
            name: 'm1',
            dataset: yaml.dump(
              dataset(['1903.A', { name: '1903.B', asset: 'special' }], { target_tag_list: ['1903.B'], row_filter: '`1903.A` > 0' }),
            ),
          },
          { name: 'm2', dataset: dataset(['X'], { resolution: '1H' }), metadata: { 'machine-metadata': { owner: 'ops' } } },
        ],
        { dataset: { resolution: '30S' }, metadata: { 'global-metadata': { site: 'north' } } },
      ),
    ]);
    const { models } = tilstandomaticProviders(
      tilstandomaticTestConfig(server.url, { asset_rules: [{ prefix: '1903.', asset: '1903' }], default_asset: 'unknown' }),
    );
    const m1 = await models.describeModel('plant', 'm1');
    expect(m1.inputTags).to.deep.equal([
      { name: '1903.A', asset: '1903' },
      { name: '1903.B', asset: 'special' },
    ]);
    expect(m1.targetTags).to.deep.equal([{ name: '1903.B', asset: 'special' }]);
    expect(m1.resolutionMs).to.equal(30_000);
    expect(m1.trainingRange).to.deep.equal({ fromMs: Date.UTC(2025, 0, 1), toMs: Date.UTC(2025, 5, 1) });
    expect(m1.parameters).to.deep.equal({ rowFilter: '`1903.A` > 0', metadata: { 'global-metadata': { site: 'north' } } });
    const m2 = await models.describeModel('plant', 'm2');
    expect(m2.resolutionMs).to.equal(3_600_000);
    expect(m2.inputTags).to.deep.equal([{ name: 'X', asset: 'unknown' }]);
    expect(m2.parameters!.metadata).to.deep.equal({ 'global-metadata': { site: 'north' }, 'machine-metadata': { owner: 'ops' } });
  });

  it('skips malformed machines, reporting each by name, and serves the others', async () => {
    server.setResources([
      gordoResource('p', [
        { name: 'good', dataset: dataset(['T1']) },
        { name: 'no-tags', dataset: dataset([]) },
        { name: 'bad-resolution', dataset: dataset(['T1'], { resolution: '1MS' }) },
        { name: 'naive-date', dataset: dataset(['T1'], { train_start_date: '2025-01-01T00:00:00' }) },
        { dataset: dataset(['T1']) },
        'not: [a machine',
      ]),
    ]);
    const log = new RecordingLogger();
    const { models } = tilstandomaticProviders(tilstandomaticTestConfig(server.url), log);
    expect((await models.listModels('p')).map((m) => m.name)).to.deep.equal(['good']);
    const skipped = log.withMessage('Gordo machine skipped').map((l) => `${String(l.fields.machine)}: ${String(l.fields.reason)}`);
    expect(skipped).to.have.length(5);
    expect(skipped[0]).to.match(/^no-tags: dataset\.tag_list: expected at least one tag/);
    expect(skipped[1]).to.match(/^bad-resolution: dataset\.resolution: .*1MS/);
    expect(skipped[2]).to.match(/^naive-date: dataset\.train_start_date: expected an ISO 8601 time with an offset/);
    expect(skipped[3]).to.match(/^#4: name:/);
    expect(skipped[4]).to.match(/^#5: /);
    // Logged once per catalogue, not on every call.
    await models.listModels('p');
    expect(log.withMessage('Gordo machine skipped')).to.have.length(5);
    // And listed with their reason for `latigo models list`.
    const phases = await models.listModelPhases('p');
    expect(phases.map((m) => `${m.name}:${m.phase}`)).to.deep.equal([
      '#4:Invalid',
      '#5:Invalid',
      'bad-resolution:Invalid',
      'good:Valid',
      'naive-date:Invalid',
      'no-tags:Invalid',
    ]);
    expect(phases.find((m) => m.name === 'no-tags')!.reason).to.match(/tag_list/);
  });

  it('reports an unavailable endpoint as retryable and a missing one as permanent', async () => {
    const { models } = tilstandomaticProviders(tilstandomaticTestConfig(server.url));
    server.failNext(1, 503);
    const outage = await models.listProjects().catch((e: unknown) => e);
    expect(outage).to.be.instanceOf(ProviderError);
    expect((outage as ProviderError).retryable).to.equal(true);
    const missing = await tilstandomaticProviders(tilstandomaticTestConfig(server.url.replace('gordo-projects', 'nothing')))
      .models.listProjects()
      .catch((e: unknown) => e);
    expect((missing as ProviderError).retryable).to.equal(false);
    expect((missing as Error).message).to.include('404');
  });

  it('sends a bearer token from the credential, and refreshes it once after a 401', async () => {
    const oauth = await OAuthTokenServer.start({ tenantId: 't', clients: [{ clientId: 'c', clientSecret: 's' }] });
    const guarded = await TilstandomaticServer.start({ authorize: (token) => oauth.isValid(token) });
    try {
      guarded.setResources([gordoResource('p', [{ name: 'a', dataset: dataset(['T1']) }])]);
      const config = tilstandomaticTestConfig(guarded.url, {
        credential: {
          kind: 'client_secret',
          tenant_id: 't',
          client_id: 'c',
          client_secret: 's',
          scope: 'tilstandomatic/.default',
          authority_host: oauth.authorityHost,
          ca_file: oauth.caFile,
          instance_discovery: false,
        },
      });
      const { models } = tilstandomaticProviders(config);
      expect(await models.listProjects()).to.deep.equal(['p']);
      oauth.expireAll();
      expect(await models.modelExists('p', 'a')).to.equal(true);
      expect(guarded.responses).to.deep.equal([200, 401, 304]);
    } finally {
      await guarded.close();
      await oauth.close();
    }
  });

  it('reads Gordo configurations from files, naming bare configs after the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'latigo-tilstandomatic-'));
    try {
      writeFileSync(join(dir, 'plant-b.yaml'), yaml.dump({ machines: [{ name: 'x', dataset: dataset(['T']) }] }));
      writeFileSync(
        join(dir, 'resources.json'),
        JSON.stringify({ items: [gordoResource('plant-c', [{ name: 'y', dataset: dataset(['U']) }])] }),
      );
      const config = parseTilstandomaticConfig({ files: [join(dir, 'plant-b.yaml'), join(dir, 'resources.json')] }, 'model_info');
      const { models, sensors } = tilstandomaticProviders(config);
      expect(await models.listProjects()).to.deep.equal(['plant-b', 'plant-c']);
      expect((await sensors.listSensors()).map((s) => s.name)).to.deep.equal(['T', 'U']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
