import { Command } from 'commander';
import { backfillCommand } from './backfillCommand.js';
import { demoCommand } from './demoCommand.js';
import { executorCommand } from './executorCommand.js';
import { migrateCommand } from './migrateCommand.js';
import { modelsCommand } from './modelsCommand.js';
import { schedulerCommand } from './schedulerCommand.js';
import { setEnvCommand } from './setEnvCommand.js';
import { startCommand } from './startCommand.js';
import { statusCommand } from './statusCommand.js';

/** The `latigo` command: one module per subcommand, `--config` for all of them. */
export function buildProgram(): Command {
  return new Command('latigo')
    .description('continuous machine-learning predictions on industrial sensor data')
    .option('-c, --config <file>', 'configuration YAML (default: $LATIGO_CONFIG, then ./local_config.yaml, then built-in defaults)')
    .showHelpAfterError()
    .addCommand(startCommand())
    .addCommand(schedulerCommand())
    .addCommand(executorCommand())
    .addCommand(migrateCommand())
    .addCommand(demoCommand())
    .addCommand(backfillCommand())
    .addCommand(modelsCommand())
    .addCommand(statusCommand())
    .addCommand(setEnvCommand());
}
