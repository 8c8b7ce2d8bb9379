import { expect } from 'chai';
import { episodesOfModelSql, OPEN_OF_MODEL } from '../../../src/episodes/EpisodeStore.js';
import { SqlClient } from '../../../src/persistence/sql/SqlClient.js';
import { openTempDatabase } from '../embedded/tempDatabase.js';
import { describeEpisodeStore } from './episodeStoreSuite.js';

// A migrated SQLite file per test; the same suite runs on PostgreSQL in test/integration/episodeStore.postgres.test.ts.
describeEpisodeStore('SQLite', openTempDatabase);

describe('EpisodeStore on SQLite: query plan', () => {
  it("reads a model's open episodes through the model's index, not every open episode of every model", async () => {
    const temp = await openTempDatabase();
    try {
      const plan = await new SqlClient(temp.db).query<{ detail: string }>(`EXPLAIN QUERY PLAN ${episodesOfModelSql(OPEN_OF_MODEL)}`, [
        'demo',
        'pump-01-anomaly',
        'r1',
      ]);
      // With ix_episode_open each task of a 9,000-model cycle scanned every open episode (cycle 178.9 s, not 96 s).
      expect(plan.map((r) => r.detail).join(' | ')).to.match(
        /USING INDEX ix_episode_model_start \(project=\? AND model=\? AND revision=\?\)/,
      );
    } finally {
      await temp.cleanup();
    }
  });
});
