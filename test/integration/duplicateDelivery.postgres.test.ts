import { describeDuplicateDeliveries } from '../unit/executor/duplicateDeliverySuite.js';
import { truncateAllTables, useThrowawayPostgres } from './helpers/postgres.js';

// The ledger's fence against duplicate deliveries (test/unit/executor/duplicateDeliverySuite.ts) on
// PostgreSQL: one throwaway database, emptied before each test; the racing begins run on separate pooled connections.
describe('duplicate deliveries on PostgreSQL', () => {
  const server = useThrowawayPostgres();
  describeDuplicateDeliveries('PostgreSQL', async () => {
    const db = await server.open();
    await truncateAllTables(db);
    return { db, cleanup: () => db.close() };
  });
});
