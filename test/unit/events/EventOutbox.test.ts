import { openLedgerDatabase } from '../ledger/ledgerDatabase.js';
import { describeEventOutbox } from './eventOutboxSuite.js';

// Each test gets a migrated SQLite file of its own; the same suite runs on PostgreSQL in
// test/integration/eventOutbox.postgres.test.ts.
describeEventOutbox('SQLite', openLedgerDatabase);
