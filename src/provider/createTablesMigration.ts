import type { Dialect } from '../persistence/Database.js';
import type { ProviderMigration } from './ProviderMigration.js';

export interface CreateTablesSpec {
  /** Ends in the 13-digit timestamp that orders it among every migration of the service. */
  readonly name: string;
  /** The tables the statements create; `down` drops them, last first. */
  readonly tables: readonly string[];
  /** The statements per dialect. Write them with IF NOT EXISTS when an earlier release may have created the tables. */
  readonly sqlite: readonly string[];
  readonly postgres: readonly string[];
}

/** A migration that creates a provider's tables (and their indexes) with one statement list per dialect. */
export function createTablesMigration(spec: CreateTablesSpec): ProviderMigration {
  const statements: Record<Dialect, readonly string[]> = { sqlite: spec.sqlite, postgres: spec.postgres };
  return {
    name: spec.name,
    async up(sql) {
      for (const statement of statements[sql.dialect]) await sql.run(statement);
    },
    async down(sql) {
      for (const table of [...spec.tables].reverse()) await sql.run(`DROP TABLE IF EXISTS "${table}"`);
    },
  };
}
