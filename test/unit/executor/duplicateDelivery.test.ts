import { openLedgerDatabase } from '../ledger/ledgerDatabase.js';
import { describeDuplicateDeliveries } from './duplicateDeliverySuite.js';

// A migrated SQLite file per test. The same suite runs on PostgreSQL in test/integration/duplicateDelivery.postgres.test.ts.
describeDuplicateDeliveries('SQLite', openLedgerDatabase);
