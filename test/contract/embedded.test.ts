import { describeEmbeddedProviderContracts } from '../fixtures/embeddedSubjects.js';
import { openTempDatabase } from '../unit/embedded/tempDatabase.js';

// Each test gets a migrated SQLite file of its own in a fresh temporary folder.
// The queue, sensor, model and prediction suites run on PostgreSQL too: embedded.postgres.test.ts.

describeEmbeddedProviderContracts('SQLite', openTempDatabase);
