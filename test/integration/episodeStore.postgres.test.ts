import { describeEpisodeStore } from '../unit/episodes/episodeStoreSuite.js';
import { truncateAllTables, useThrowawayPostgres } from './helpers/postgres.js';

// The episode store's suite (test/unit/episodes) on PostgreSQL: its version-checked recomputation and the
// outbox statements in its transactions, with concurrent recorders on a connection pool.
describe('episode store on PostgreSQL', () => {
  const server = useThrowawayPostgres();
  describeEpisodeStore('PostgreSQL', async () => {
    const db = await server.open();
    try {
      await truncateAllTables(db);
    } catch (err) {
      await db.close();
      throw err;
    }
    return { db, cleanup: () => db.close() };
  });
});
