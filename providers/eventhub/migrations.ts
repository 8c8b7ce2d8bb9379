import type { ProviderMigration } from '../../src/provider/ProviderMigration.js';
import { createTablesMigration } from '../../src/provider/createTablesMigration.js';

/** Checkpoints, partition ownership and dead letters of the Event Hubs queue, under the name (and timestamp) the core applied them by before providers owned their migrations. */
export const createEventHubTables: ProviderMigration = createTablesMigration({
  name: 'CreateEventHubTables1764000000005',
  tables: ['eventhub_ownership', 'eventhub_checkpoint', 'eventhub_dead_letter'],
  sqlite: [
    'CREATE TABLE IF NOT EXISTS "eventhub_ownership" ("fully_qualified_namespace" varchar(255) NOT NULL, "event_hub_name" varchar(260) NOT NULL, "consumer_group" varchar(260) NOT NULL, "partition_id" varchar(64) NOT NULL, "owner_id" varchar(255) NOT NULL, "etag" varchar(64) NOT NULL, "last_modified_ms" bigint NOT NULL, PRIMARY KEY ("fully_qualified_namespace", "event_hub_name", "consumer_group", "partition_id"))',
    'CREATE TABLE IF NOT EXISTS "eventhub_checkpoint" ("fully_qualified_namespace" varchar(255) NOT NULL, "event_hub_name" varchar(260) NOT NULL, "consumer_group" varchar(260) NOT NULL, "partition_id" varchar(64) NOT NULL, "sequence_number" bigint NOT NULL, "event_offset" varchar(128) NOT NULL, "updated_ms" bigint NOT NULL, PRIMARY KEY ("fully_qualified_namespace", "event_hub_name", "consumer_group", "partition_id"))',
    'CREATE TABLE IF NOT EXISTS "eventhub_dead_letter" ("fully_qualified_namespace" varchar(255) NOT NULL, "event_hub_name" varchar(260) NOT NULL, "consumer_group" varchar(260) NOT NULL, "partition_id" varchar(64) NOT NULL, "sequence_number" bigint NOT NULL, "event_offset" varchar(128) NOT NULL, "message_id" varchar(128), "body" text NOT NULL, "reason" text NOT NULL, "attempts" integer NOT NULL, "dead_at" bigint NOT NULL, PRIMARY KEY ("fully_qualified_namespace", "event_hub_name", "consumer_group", "partition_id", "sequence_number"))',
  ],
  postgres: [
    'CREATE TABLE IF NOT EXISTS "eventhub_ownership" ("fully_qualified_namespace" varchar(255) NOT NULL, "event_hub_name" varchar(260) NOT NULL, "consumer_group" varchar(260) NOT NULL, "partition_id" varchar(64) NOT NULL, "owner_id" varchar(255) NOT NULL, "etag" varchar(64) NOT NULL, "last_modified_ms" bigint NOT NULL, CONSTRAINT "PK_af885d023bbccb677d646de1640" PRIMARY KEY ("fully_qualified_namespace", "event_hub_name", "consumer_group", "partition_id"))',
    'CREATE TABLE IF NOT EXISTS "eventhub_checkpoint" ("fully_qualified_namespace" varchar(255) NOT NULL, "event_hub_name" varchar(260) NOT NULL, "consumer_group" varchar(260) NOT NULL, "partition_id" varchar(64) NOT NULL, "sequence_number" bigint NOT NULL, "event_offset" varchar(128) NOT NULL, "updated_ms" bigint NOT NULL, CONSTRAINT "PK_e4d53e8862bbcf994076abde715" PRIMARY KEY ("fully_qualified_namespace", "event_hub_name", "consumer_group", "partition_id"))',
    'CREATE TABLE IF NOT EXISTS "eventhub_dead_letter" ("fully_qualified_namespace" varchar(255) NOT NULL, "event_hub_name" varchar(260) NOT NULL, "consumer_group" varchar(260) NOT NULL, "partition_id" varchar(64) NOT NULL, "sequence_number" bigint NOT NULL, "event_offset" varchar(128) NOT NULL, "message_id" varchar(128), "body" text NOT NULL, "reason" text NOT NULL, "attempts" integer NOT NULL, "dead_at" bigint NOT NULL, CONSTRAINT "PK_983ea00dabf9b6dffd9334cf99f" PRIMARY KEY ("fully_qualified_namespace", "event_hub_name", "consumer_group", "partition_id", "sequence_number"))',
  ],
});
