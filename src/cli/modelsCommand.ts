import { Command } from 'commander';
import { ModelExecutionProvider } from '../contracts/ModelExecutionProvider.js';
import { ModelInformationProvider } from '../contracts/ModelInformationProvider.js';
import { listAllModels, listModelPhases, selectModels, trainModels } from './modelCatalog.js';
import { createProgress } from './progress.js';
import { ExitCode, runCommand, type GlobalOptions } from './runCommand.js';

/** `latigo models list|train`. */
export function modelsCommand(): Command {
  const models = new Command('models').description('list or train the configured models');

  models.command('list')
    .description('every model: project, name, revision, and whether it is trained')
    .option('--json', 'print one JSON array')
    .action(async (options: { json?: boolean }, command: Command) => {
      await runCommand(command.optsWithGlobals<GlobalOptions>(), { processName: 'models', logTo: 'stderr' }, async ({ container }) => {
        const root = container('admin');
        const info = await root.getAsync(ModelInformationProvider);
        const predictor = await root.getAsync(ModelExecutionProvider);
        const rows = [];
        for (const m of await listModelPhases(info)) {
          // A model the catalogue has not built is not asked about: no predictor could run it.
          const status = m.phase === undefined || m.ready ? await predictor.status(m) : { state: 'not_built' };
          rows.push({
            project: m.project, name: m.name, revision: m.revision, trained: status.state === 'ready', state: status.state,
            ...(m.phase === undefined ? {} : { phase: m.phase }), ...(m.reason === undefined ? {} : { reason: m.reason }),
          });
        }
        if (options.json) {
          process.stdout.write(`${JSON.stringify(rows)}\n`);
          return;
        }
        const withPhase = rows.some((r) => r.phase !== undefined);
        process.stdout.write(formatTable(['PROJECT', 'NAME', 'REVISION', ...(withPhase ? ['PHASE'] : []), 'TRAINED'],
          rows.map((r) => [r.project, r.name, r.revision, ...(withPhase ? [r.phase ?? ''] : []), r.trained ? 'yes' : `no (${r.state})`])));
        process.stdout.write(`${rows.length} model(s), ${rows.filter((r) => r.trained).length} trained\n`);
      });
    });

  models.command('train')
    .description('train the models that are not trained yet')
    .option('--model <name...>', 'only these models ("project/model" or a model name); repeatable')
    .action(async (options: { model?: string[] }, command: Command) => {
      await runCommand(command.optsWithGlobals<GlobalOptions>(), { processName: 'models', logTo: 'stderr', stoppable: true }, async ({ container, stopSignal: signal }) => {
        const root = container('admin');
        const info = await root.getAsync(ModelInformationProvider);
        const predictor = await root.getAsync(ModelExecutionProvider);
        const selected = selectModels(await listAllModels(info, signal), options.model);
        const progress = createProgress('training');
        const result = await trainModels(info, predictor, selected, { signal, onProgress: (d, t) => progress.update(d, t) })
          .finally(() => progress.stop());
        process.stdout.write(`trained ${result.trained}, already trained ${result.alreadyTrained}, failed ${result.failed.length}\n`);
        for (const f of result.failed) process.stdout.write(`  ${f.model}: ${f.reason}\n`);
        return result.failed.length > 0 ? ExitCode.failed : ExitCode.ok;
      });
    });

  return models;
}

/** Left-aligned columns separated by two spaces. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  return [line(header), ...rows.map(line)].map((l) => `${l}\n`).join('');
}
