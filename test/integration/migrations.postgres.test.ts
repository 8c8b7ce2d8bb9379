import { expect } from 'chai';
import type { OpenDatabase as Database } from '../../src/persistence/dataSource.js';
import { migrations } from '../../migrations/index.js';
import { embeddedDefaultsMigrations } from '../fixtures/builtInMigrations.js';
import { migrationStatus, revertAllMigrations, runMigrations } from '../../src/persistence/migrate.js';
import { runCli } from './helpers/cli.js';
import { useThrowawayPostgres } from './helpers/postgres.js';
import { Workspace } from './helpers/workspace.js';

const tables = [
  'prediction_window',
  'task_run',
  'queue_message',
  'scheduler_state',
  'sensor',
  'sensor_point',
  'model_definition',
  'model_revision',
  'prediction_series',
  'prediction',
  'demo_fault',
];

async function existingTables(db: Database): Promise<string[]> {
  const rows = await db.dataSource.query<{ tablename: string }[]>('SELECT tablename FROM pg_tables WHERE schemaname = current_schema()');
  return rows.map((r) => r.tablename).sort();
}

describe('migrations on PostgreSQL', function () {
  this.timeout(180_000);
  const server = useThrowawayPostgres({ migrate: false });
  let db: Database;

  beforeEach(async () => {
    db = await server.open();
    await revertAllMigrations(db); // every test starts from an empty schema
  });
  afterEach(async () => {
    await db.close();
  });

  it('creates every table going up and removes them all going down, and can go up again', async () => {
    expect(await existingTables(db)).to.not.include.members(['prediction_window']);

    expect(await runMigrations(db)).to.have.length(db.dataSource.migrations.length);
    expect(await existingTables(db)).to.include.members(tables);
    expect((await migrationStatus(db)).every((m) => m.applied)).to.equal(true);

    expect(await revertAllMigrations(db)).to.equal(db.dataSource.migrations.length);
    expect(await existingTables(db)).to.deep.equal(['migrations']);
    expect((await migrationStatus(db)).some((m) => m.applied)).to.equal(false);

    await runMigrations(db);
    expect(await existingTables(db)).to.include.members(tables);
    expect(await runMigrations(db)).to.deep.equal([]);
  });

  it('gives the columns the PostgreSQL types the SQL relies on', async () => {
    await runMigrations(db);
    const rows = await db.dataSource.query<{ name: string; data_type: string }[]>(
      `SELECT table_name || '.' || column_name AS name, data_type FROM information_schema.columns
       WHERE table_schema = current_schema() AND table_name IN ('sensor_point', 'prediction', 'sensor')`,
    );
    const types = Object.fromEntries(rows.map((r) => [r.name, r.data_type]));
    expect(types).to.include({
      'sensor.id': 'integer',
      'sensor_point.time_ms': 'bigint',
      'sensor_point.value': 'double precision',
      'prediction.is_anomaly': 'boolean',
      'prediction.outputs': 'text',
    });
    const [partial] = await db.dataSource.query<{ indexdef: string }[]>(
      "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_prediction_anomaly_time'",
    );
    expect(partial?.indexdef).to.match(/\(time_ms\) WHERE \(is_anomaly = true\)$/);
  });

  describe('latigo migrate', () => {
    let workspace: Workspace;
    let config: string;
    const latigo = (...args: string[]) => runCli(['--config', config, ...args], { cwd: workspace.dir });

    beforeEach(() => {
      workspace = new Workspace('migrate-postgres');
      config = workspace.writeConfig(workspace.testConfig({ database: { url: server.url } }));
    });
    afterEach(() => workspace.remove());

    it('applies the migrations once and --status lists them', async () => {
      const pending = await latigo('migrate', '--status');
      expect(pending.code, pending.stderr).to.equal(0);
      expect(pending.stdout)
        .to.match(/^pending +CreateCoreTables1764000000000$/m)
        .and.match(/^pending +CreateEmbeddedProviderTables/m);
      const applied = await latigo('migrate');
      expect(applied.code, applied.stderr).to.equal(0);
      expect(applied.stdout).to.match(
        new RegExp(`^applied ${migrations.length + embeddedDefaultsMigrations.length} migration\\(s\\) to postgres://.*latigo_test_`),
      );
      expect((await latigo('migrate')).stdout).to.match(/is up to date/);
      const status = await latigo('migrate', '--status');
      expect(status.stdout)
        .to.match(/^applied +CreateCoreTables1764000000000$/m)
        .and.match(/^applied +CreateEmbeddedProviderTables/m);
      expect(status.stdout).not.to.contain('pending');
    });

    it('reports an unreachable server in one line, with the password masked and no stack trace', async () => {
      // Port 1 on the loopback: nothing listens there, so the connection is refused at once.
      config = workspace.writeConfig(workspace.testConfig({ database: { url: 'postgres://latigo:s3cret-pw@127.0.0.1:1/latigo' } }));
      const result = await latigo('migrate', '--status');
      expect(result.code).to.equal(1);
      expect(result.stderr.trimEnd().split('\n'), result.stderr).to.have.length(1);
      expect(result.stderr).to.match(
        /^latigo: cannot connect to PostgreSQL at postgres:\/\/latigo:\*\*\*@127\.0\.0\.1:1\/latigo \(connection refused/,
      );
      expect(result.stderr).not.to.contain('s3cret-pw');
    });

    it('reports a missing database in one line that says so', async () => {
      const missing = new URL(server.url);
      missing.pathname = '/latigo_no_such_database';
      config = workspace.writeConfig(workspace.testConfig({ database: { url: missing.toString() } }));
      const result = await latigo('migrate');
      expect(result.code).to.equal(1);
      expect(result.stderr.trimEnd().split('\n'), result.stderr).to.have.length(1);
      expect(result.stderr).to.contain('the database does not exist');
    });
  });
});
