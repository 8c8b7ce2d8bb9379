import { providerMigrations } from '../composition/providerMigrations.js';
import { isNewSqliteFile, maskUrl, openDatabase } from '../persistence/dataSource.js';
import { migrationStatus, runMigrations } from '../persistence/migrate.js';
import { runCommand, type GlobalOptions } from './runCommand.js';

/**
 * `latigo migrate [--status]`: applies pending migrations (creating a SQLite database that does not exist,
 * and saying so), or lists which are applied; `--status` is read-only and never creates a database.
 */
export async function runMigrate(options: { status?: boolean }, globals: GlobalOptions): Promise<never> {
  return runCommand(globals, { processName: 'migrate', logTo: 'stderr' }, async ({ config }) => {
    // A migration may rewrite a large table: no statement timeout here (the services keep theirs).
    const created = options.status !== true && isNewSqliteFile(config.database.url);
    const db = await openDatabase(
      { ...config.database, statementTimeoutMs: 0 },
      { mustExist: options.status === true, providerMigrations: providerMigrations(config.providers) },
    );
    try {
      if (options.status) {
        for (const m of await migrationStatus(db)) process.stdout.write(`${m.applied ? 'applied' : 'pending'}  ${m.name}\n`);
        return;
      }
      if (created) process.stdout.write(`created database ${maskUrl(config.database.url)}\n`);
      const applied = await runMigrations(db);
      process.stdout.write(
        applied.length === 0
          ? `database ${maskUrl(config.database.url)} is up to date\n`
          : `applied ${applied.length} migration(s) to ${maskUrl(config.database.url)}:\n${applied.map((n) => `  ${n}\n`).join('')}`,
      );
    } finally {
      await db.close();
    }
  });
}
