import { z } from 'zod';
import { positiveDuration } from './schema.js';

/** `scheduler.backfill`: how the scheduler runs backfill jobs (POST /api/v1/backfills, `latigo backfill`). */
export const backfillJobsSchema = z
  .strictObject({
    /** Share (0, 1] of the live executors' concurrency a job's windows may hold (queued or running) at once;
     *  the rest stays free for live windows. A job may set its own (`executorShare`). */
    executor_share: z.number().gt(0).max(1).default(0.5),
    /** Most windows a job sends per minute; 0 for no limit beyond the share. A job may set its own. */
    windows_per_minute: z.number().int().nonnegative().default(0),
    /** How often an idle scheduler looks for a new job, and a running job re-checks its pace. */
    poll_interval: positiveDuration.default(250),
    /** A job's claim lapses this long after its scheduler stopped renewing it (killed): another one resumes it. */
    lease: positiveDuration.default(30_000),
  })
  .transform((c) => ({
    executorShare: c.executor_share,
    windowsPerMinute: c.windows_per_minute,
    pollIntervalMs: c.poll_interval,
    leaseMs: c.lease,
  }));
