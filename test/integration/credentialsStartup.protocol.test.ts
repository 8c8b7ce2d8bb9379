import { expect } from 'chai';
import { OAuthTokenServer } from '../servers/oauthTokenServer.js';
import { runCli, startCli } from './helpers/cli.js';
import { waitFor } from './helpers/sqlite.js';
import { Workspace } from './helpers/workspace.js';

/** `latigo executor` checks every configured credential before it starts, and names each one that fails. */
describe('credentials: the start-up check of `latigo executor` (protocol)', function () {
  this.timeout(180_000);
  let oauth: OAuthTokenServer;
  let workspace: Workspace;

  before(async () => {
    oauth = await OAuthTokenServer.start({ tenantId: 'tenant', clients: [{ clientId: 'app', clientSecret: 'right-secret' }] });
    workspace = new Workspace('credential-check');
  });
  after(async () => {
    workspace?.remove();
    await oauth?.close();
  });

  const credential = (overrides: Record<string, unknown>) => ({
    kind: 'client_secret',
    tenant_id: 'tenant',
    client_id: 'app',
    client_secret: 'right-secret',
    scope: 'api/.default',
    authority_host: oauth.authorityHost,
    ca_file: oauth.caFile,
    instance_discovery: false,
    ...overrides,
  });

  it('exits 1 naming every section whose credential cannot obtain a token, without the secrets', async () => {
    const base = 'http://127.0.0.1:9/plant/timeseries/v1.7'; // never contacted: the check fails first
    const config = workspace.writeConfig(
      workspace.testConfig({
        sensor_data: { type: 'data_api', base_url: base, credential: credential({ client_secret: 'wrong-secret-1' }) },
        prediction_storage: { type: 'data_api', base_url: base, credential: credential({ client_id: 'unknown-app' }) },
        model_info: { type: 'embedded' },
      }),
    );
    const result = await runCli(['--config', config, 'executor', '--name', 'check'], { cwd: workspace.dir });
    expect(result.code, result.stderr).to.equal(1);
    expect(result.stderr)
      .to.include('2 of 2 credential(s) could not obtain a token')
      .and.include('sensor_data.credential')
      .and.include('prediction_storage.credential')
      .and.include('AADSTS7000215');
    expect(result.stderr + result.stdout)
      .to.not.include('wrong-secret-1')
      .and.not.include('right-secret');
  });

  it('starts when every credential obtains a token, and stops cleanly', async () => {
    const config = workspace.writeConfig(
      workspace.testConfig({
        logging: { level: 'info' },
        sensor_data: { type: 'data_api', base_url: 'http://127.0.0.1:9/plant/timeseries/v1.7', credential: credential({}) },
      }),
      'good.yaml',
    );
    const issued = oauth.issued.length;
    const executor = startCli(['--config', config, 'executor', '--name', 'check'], { cwd: workspace.dir });
    try {
      await waitFor(() => oauth.issued.length > issued, { timeoutMs: 30_000, describe: () => `a token request\n${executor.stderr}` });
      await waitFor(() => executor.stdout.includes('executor started') || executor.child.exitCode !== null, {
        timeoutMs: 30_000,
        describe: () => `the executor to start\n${executor.stdout}\n${executor.stderr}`,
      });
      executor.child.kill('SIGTERM');
      const exit = await executor.untilExit(20_000);
      expect(exit.code, exit.stderr).to.equal(0);
    } finally {
      executor.kill();
    }
  });
});
