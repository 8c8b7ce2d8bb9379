import { withBuiltInTables } from '../fixtures/builtInMigrations.js';
import { expect } from 'chai';
import { writeFileSync } from 'node:fs';
import { withDemoSeedLock } from '../../src/cli/demoSeedLock.js';
import { openDatabase } from '../../src/persistence/dataSource.js';
import { runCli, startCli } from './helpers/cli.js';
import { DatabaseReader } from './helpers/sqlite.js';
import { Workspace } from './helpers/workspace.js';

// Issue 14: two `latigo start --demo` in one folder both seeded the demo (24 faults instead of 12). The
// seed now runs under a lock per database; the second process waits and keeps the first one's demo.
describe('demo seed under a lock (SQLite)', function () {
  this.timeout(180_000);
  let workspace: Workspace;
  beforeEach(() => {
    workspace = new Workspace('demo-lock');
  });
  afterEach(() => workspace.remove());

  it('two `latigo demo seed` started at once in one folder seed the demo once', async () => {
    const config = workspace.writeConfig(
      workspace.testConfig({
        demo: { assets: 2, tags_per_asset: 6, history: '3d', training: '2d', resolution: '60s', faults_per_asset: 2 },
      }),
    );
    await runCli(['--config', config, 'migrate'], { cwd: workspace.dir });
    const seeds = [
      startCli(['--config', config, 'demo', 'seed'], { cwd: workspace.dir }),
      startCli(['--config', config, 'demo', 'seed'], { cwd: workspace.dir }),
    ];
    const results = await Promise.all(seeds.map((s) => s.untilExit(150_000)));
    for (const r of results) expect(r.code, r.stderr).to.equal(0);
    const kept = results.filter((r) => r.stdout.includes('is already seeded'));
    expect(kept, results.map((r) => r.stdout).join('\n---\n')).to.have.length(1);
    const reader = new DatabaseReader(workspace.databasePath);
    try {
      expect(reader.count('SELECT COUNT(*) FROM demo_fault')).to.equal(4); // 2 assets x 2 faults, once
    } finally {
      reader.close();
    }
  });

  it('runs one holder at a time, and takes over a lock whose owner died', async () => {
    const db = await openDatabase({ url: `sqlite:${workspace.databasePath}`, busyTimeoutMs: 5_000, logQueries: false }, withBuiltInTables);
    try {
      let inside = 0;
      let most = 0;
      const holder = () =>
        withDemoSeedLock(
          db,
          async () => {
            most = Math.max(most, ++inside);
            await new Promise((resolve) => setTimeout(resolve, 30));
            inside--;
          },
          { pollMs: 5 },
        );
      await Promise.all([holder(), holder(), holder()]);
      expect(most).to.equal(1);
      // A crashed seed left its lock behind, naming a process that no longer exists.
      writeFileSync(`${workspace.databasePath}.demo-seed.lock`, '2147483646');
      expect(await withDemoSeedLock(db, async () => 'seeded', { pollMs: 5 })).to.equal('seeded');
    } finally {
      await db.close();
    }
  });
});
