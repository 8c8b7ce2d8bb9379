import { describeWindowLedger } from './windowLedgerSuite.js';
import { openLedgerDatabase } from './ledgerDatabase.js';

// Each test gets a migrated SQLite file of its own. The same suite runs on PostgreSQL in
// test/integration/ledger.postgres.test.ts.
describeWindowLedger('SQLite', openLedgerDatabase);
