import { expect } from 'chai';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from './helpers/cli.js';
import { Workspace } from './helpers/workspace.js';
import type { StatusReport } from '../../src/cli/statusReport.js';

// Read-only commands never create a database: a mistyped database.url is an error naming it, not a fresh
// empty database reporting zeros. Only migrate (and start and the long-running roles) create one, saying so.
describe('latigo read-only commands on a database that does not exist', function () {
  this.timeout(180_000);
  let workspace: Workspace;
  beforeEach(() => {
    workspace = new Workspace('readonly');
  });
  afterEach(() => workspace.remove());

  const missingUrls = {
    'a missing file': (w: Workspace) => `sqlite:${join(w.dir, 'latigo.sqlite')}`,
    'a missing directory': (w: Workspace) => `sqlite:${join(w.dir, 'nonexistent', 'dir', 'latigo.sqlite')}`,
  };
  for (const [what, url] of Object.entries(missingUrls)) {
    for (const command of [['status'], ['status', '--json'], ['models', 'list'], ['migrate', '--status']]) {
      it(`latigo ${command.join(' ')} on ${what} exits 1 naming the URL and creates nothing`, async () => {
        const config = workspace.writeConfig(workspace.testConfig({ database: { url: url(workspace) } }));
        const result = await runCli(['--config', config, ...command], { cwd: workspace.dir });
        expect(result.code, result.stderr).to.equal(1);
        expect(result.stderr).to.contain(`latigo: database ${url(workspace)} does not exist`);
        expect(result.stderr).to.contain('latigo migrate');
        expect(result.stdout).to.equal('');
        expect(readdirSync(workspace.dir)).to.deep.equal(['config.yaml']);
      });
    }
  }

  it('latigo migrate creates the database and says so; status then reads it', async () => {
    const url = missingUrls['a missing directory'](workspace);
    const config = workspace.writeConfig(workspace.testConfig({ database: { url } }));
    const migrated = await runCli(['--config', config, 'migrate'], { cwd: workspace.dir });
    expect(migrated.code, migrated.stderr).to.equal(0);
    expect(migrated.stdout).to.match(new RegExp(`^created database ${url.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\n`));
    expect(existsSync(join(workspace.dir, 'nonexistent', 'dir', 'latigo.sqlite'))).to.equal(true);
    const status = await runCli(['--config', config, 'status', '--json'], { cwd: workspace.dir });
    expect(status.code, status.stderr).to.equal(0);
    expect((JSON.parse(status.stdout) as StatusReport).runs.queued).to.equal(0);
  });
});
