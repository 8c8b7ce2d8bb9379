import { withBuiltInTables } from '../fixtures/builtInMigrations.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseCheckpointStore } from '../../providers/eventhub/DatabaseCheckpointStore.js';
import { openDatabase } from '../../src/persistence/dataSource.js';
import { runMigrations } from '../../src/persistence/migrate.js';
import { truncateAllTables, useThrowawayPostgres } from '../integration/helpers/postgres.js';
import { describeCheckpointStoreContract } from './checkpointStoreContract.js';

// The Event Hubs checkpoint store on both databases, each subject with two connections to one database:
// what two executor processes see.

describeCheckpointStoreContract('database checkpoint store on SQLite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'latigo-checkpoints-'));
  const url = `sqlite:${join(dir, 'store.sqlite')}`;
  const first = await openDatabase({ url, busyTimeoutMs: 5_000 }, withBuiltInTables);
  await runMigrations(first);
  const second = await openDatabase({ url, busyTimeoutMs: 5_000 }, withBuiltInTables);
  return {
    stores: [new DatabaseCheckpointStore(first), new DatabaseCheckpointStore(second)],
    cleanup: async () => {
      await Promise.all([first.close(), second.close()]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

describe('database checkpoint store on PostgreSQL', () => {
  const server = useThrowawayPostgres();
  describeCheckpointStoreContract('database checkpoint store on PostgreSQL', async () => {
    const first = await server.open();
    await truncateAllTables(first);
    const second = await server.open();
    return {
      stores: [new DatabaseCheckpointStore(first), new DatabaseCheckpointStore(second)],
      cleanup: async () => {
        await Promise.all([first.close(), second.close()]);
      },
    };
  });
});
