import type { ProviderMigration } from '../../src/provider/ProviderMigration.js';
import { createTablesMigration } from '../../src/provider/createTablesMigration.js';

/** The fitted revisions of the PCA model. Until this release CreateEmbeddedProviderTables1764000000001 created the table, so on a database of an earlier release this finds it and keeps it. */
export const createPcaTables: ProviderMigration = createTablesMigration({
  name: 'CreatePcaTables1764000000003',
  tables: ['model_revision'],
  sqlite: [
    'CREATE TABLE IF NOT EXISTS "model_revision" ("project" varchar(200) NOT NULL, "name" varchar(200) NOT NULL, "revision" varchar(200) NOT NULL, "parameters" text NOT NULL, "trained_at" bigint NOT NULL, "training_ms" integer NOT NULL, PRIMARY KEY ("project", "name", "revision"))',
  ],
  postgres: [
    'CREATE TABLE IF NOT EXISTS "model_revision" ("project" varchar(200) NOT NULL, "name" varchar(200) NOT NULL, "revision" varchar(200) NOT NULL, "parameters" text NOT NULL, "trained_at" bigint NOT NULL, "training_ms" integer NOT NULL, CONSTRAINT "PK_f982b2280d8898a03516c9c0173" PRIMARY KEY ("project", "name", "revision"))',
  ],
});
