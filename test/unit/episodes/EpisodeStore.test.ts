import { openTempDatabase } from '../embedded/tempDatabase.js';
import { describeEpisodeStore } from './episodeStoreSuite.js';

// A migrated SQLite file per test; the same suite runs on PostgreSQL in test/integration/episodeStore.postgres.test.ts.
describeEpisodeStore('SQLite', openTempDatabase);
