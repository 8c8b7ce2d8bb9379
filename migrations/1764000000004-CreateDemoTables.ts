import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The demo plant's fault table (src/demo). Until this release CreateEmbeddedProviderTables1764000000001 created
 * it, so on a database of an earlier release this finds it and keeps it.
 */
export class CreateDemoTables1764000000004 implements MigrationInterface {
  name = 'CreateDemoTables1764000000004';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      q.connection.options.type === 'postgres'
        ? 'CREATE TABLE IF NOT EXISTS "demo_fault" ("id" SERIAL NOT NULL, "asset" varchar(400) NOT NULL, "sensor" varchar(1000) NOT NULL, "kind" varchar(20) NOT NULL, "from_ms" bigint NOT NULL, "to_ms" bigint NOT NULL, "magnitude" double precision NOT NULL, CONSTRAINT "PK_e5fe3f1f871b1f230b34d49742b" PRIMARY KEY ("id"))'
        : 'CREATE TABLE IF NOT EXISTS "demo_fault" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "asset" varchar(400) NOT NULL, "sensor" varchar(1000) NOT NULL, "kind" varchar(20) NOT NULL, "from_ms" bigint NOT NULL, "to_ms" bigint NOT NULL, "magnitude" double precision NOT NULL)',
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE IF EXISTS "demo_fault"');
  }
}
