import { runCycle } from './cycleEmbedded.js';
import { withThrowawayDatabase } from './postgresServer.js';
import type { Suite } from './suite.js';

/**
 * The cycle of cycle-embedded (same sizes, processes, timing and baseline) with `database.url` pointing
 * to a throwaway database on the bench server (LATIGO_BENCH_PG_URL), created and dropped here.
 */
export const cyclePostgres: Suite = (dir, scale, options) =>
  withThrowawayDatabase('cycle', options.keep, (database) => runCycle('cycle-postgres', dir, scale, database.url));
