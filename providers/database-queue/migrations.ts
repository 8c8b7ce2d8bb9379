import type { ProviderMigration } from '../../src/provider/ProviderMigration.js';
import { createTablesMigration } from '../../src/provider/createTablesMigration.js';

/** The queue's table. Until this release CreateCoreTables1764000000000 created it, so on a database of an earlier release this finds it and keeps it. */
export const createQueueTables: ProviderMigration = createTablesMigration({
  name: 'CreateQueueTables1764000000002',
  tables: ['queue_message'],
  sqlite: [
    'CREATE TABLE IF NOT EXISTS "queue_message" ("id" varchar(64) PRIMARY KEY NOT NULL, "partition_key" varchar(400), "body" text NOT NULL, "created_at" bigint NOT NULL, "visible_at" bigint NOT NULL, "attempts" integer NOT NULL DEFAULT (0), "lease_token" varchar(64), "lease_owner" varchar(100), "last_error" text, "dead_at" bigint, "dead_reason" text)',
    'CREATE INDEX IF NOT EXISTS "ix_queue_message_ready" ON "queue_message" ("dead_at", "visible_at")',
  ],
  postgres: [
    'CREATE TABLE IF NOT EXISTS "queue_message" ("id" varchar(64) NOT NULL, "partition_key" varchar(400), "body" text NOT NULL, "created_at" bigint NOT NULL, "visible_at" bigint NOT NULL, "attempts" integer NOT NULL DEFAULT 0, "lease_token" varchar(64), "lease_owner" varchar(100), "last_error" text, "dead_at" bigint, "dead_reason" text, CONSTRAINT "PK_732a8284f206f65fa2b68e62f12" PRIMARY KEY ("id"))',
    'CREATE INDEX IF NOT EXISTS "ix_queue_message_ready" ON "queue_message" ("dead_at", "visible_at")',
  ],
});

/**
 * Executor pools (issue 20): each message carries the lane it is routed by (the model kind of its task), and
 * executors lease only the lanes their pool serves; the index keeps a lease filtered by lane reading only
 * that lane's ready rows. Messages queued before keep the default lane, the PCA model's.
 */
export const addQueueLane: ProviderMigration = {
  name: 'AddQueueLane1764000000061',
  async up(sql) {
    await sql.run(`ALTER TABLE "queue_message" ADD COLUMN "lane" varchar(64) NOT NULL DEFAULT 'pca_anomaly'`);
    await sql.run('CREATE INDEX "ix_queue_message_lane_ready" ON "queue_message" ("lane", "dead_at", "visible_at")');
  },
  async down(sql) {
    await sql.run('DROP INDEX "ix_queue_message_lane_ready"');
    await sql.run('ALTER TABLE "queue_message" DROP COLUMN "lane"');
  },
};
