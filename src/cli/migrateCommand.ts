import { Command } from 'commander';
import { maskUrl, openDatabase } from '../persistence/dataSource.js';
import { migrationStatus, runMigrations } from '../persistence/migrate.js';
import { runCommand, type GlobalOptions } from './runCommand.js';

/** `latigo migrate [--status]`: applies pending migrations, or lists which are applied. */
export function migrateCommand(): Command {
  return new Command('migrate')
    .description('apply pending database migrations')
    .option('--status', 'list the migrations and whether each is applied; change nothing')
    .action(async (options: { status?: boolean }, command: Command) => {
      await runCommand(command.optsWithGlobals<GlobalOptions>(), { processName: 'migrate', logTo: 'stderr' }, async ({ config }) => {
        // A migration may rewrite a large table: no statement timeout here (the services keep theirs).
        const db = await openDatabase({ ...config.database, statementTimeoutMs: 0 });
        try {
          if (options.status) {
            for (const m of await migrationStatus(db)) process.stdout.write(`${m.applied ? 'applied' : 'pending'}  ${m.name}\n`);
            return;
          }
          const applied = await runMigrations(db);
          process.stdout.write(applied.length === 0
            ? `database ${maskUrl(config.database.url)} is up to date\n`
            : `applied ${applied.length} migration(s) to ${maskUrl(config.database.url)}:\n${applied.map((n) => `  ${n}\n`).join('')}`);
        } finally {
          await db.close();
        }
      });
    });
}
