import { runCommand, type GlobalOptions } from './runCommand.js';
import { seedDemoWithProgress } from './demoSetup.js';

/** `latigo demo seed [--force]`: writes the demo plant, its injected faults and one model per asset. */
export async function runDemoSeed(options: { force?: boolean }, globals: GlobalOptions): Promise<never> {
  return runCommand(globals, { processName: 'demo', logTo: 'stderr' }, async ({ container, config, log }) => {
    const result = await seedDemoWithProgress(container('admin'), config.demo, log, { force: options.force ?? false });
    if (!result.seeded) {
      process.stdout.write(`demo project "${config.demo.project}" is already seeded; use --force to replace it\n`);
      return;
    }
    const { plant } = result;
    process.stdout.write(
      `seeded demo project "${plant.project}": ${plant.assets.length} assets, ${result.points} points, ${plant.faults.length} injected faults, ${result.models} models\n` +
        `  history  ${new Date(plant.history.fromMs).toISOString()} .. ${new Date(plant.history.toMs).toISOString()}\n` +
        `  training ${new Date(plant.training.fromMs).toISOString()} .. ${new Date(plant.training.toMs).toISOString()}\n`,
    );
  });
}
