import { ModelExecutionProvider } from '../contracts/ModelExecutionProvider.js';
import { ModelInformationProvider } from '../contracts/ModelInformationProvider.js';
import { listAllModels, selectModels } from '../scheduler/listModels.js';
import { listModelPhases, trainModels } from './modelCatalog.js';
import { ModelTrainingStore } from '../ledger/ModelTrainingStore.js';
import { Database } from '../persistence/Database.js';
import { systemClock } from '../runtime/clock.js';
import { createProgress } from './progress.js';
import { ExitCode, runCommand, type GlobalOptions } from './runCommand.js';

interface ModelRow {
  project: string;
  name: string;
  revision: string;
  trained: boolean;
  state: string;
  phase?: string;
  reason?: string;
  details?: Readonly<Record<string, number | string>>;
}

/** The false-alarm rate a model's calibration measured on held-out training data, beside its promise. */
function falseAlarms(row: ModelRow): string {
  const rate = row.details?.['false_alarm_rate'];
  const confidence = row.details?.['confidence'];
  if (typeof rate !== 'number') return '';
  return `${(100 * rate).toFixed(2)} %${typeof confidence === 'number' ? ` (nominal ${(100 * (1 - confidence)).toFixed(2)} %)` : ''}`;
}

/** `latigo models list [--json]`: read-only, so a database that does not exist is an error, never created. */
export async function runModelsList(options: { json?: boolean }, globals: GlobalOptions): Promise<never> {
  return runCommand(globals, { processName: 'models', logTo: 'stderr' }, async ({ container }) => {
    const root = container('admin', { mustExist: true });
    const info = await root.getAsync(ModelInformationProvider);
    const predictor = await root.getAsync(ModelExecutionProvider);
    const rows: ModelRow[] = [];
    for (const m of await listModelPhases(info)) {
      // A model the catalogue has not built is not asked about: no predictor could run it.
      const status = m.phase === undefined || m.ready ? await predictor.status(m) : { state: 'not_built' };
      rows.push({
        project: m.project,
        name: m.name,
        revision: m.revision,
        trained: status.state === 'ready',
        state: status.state,
        ...(m.phase === undefined ? {} : { phase: m.phase }),
        ...(m.reason === undefined ? {} : { reason: m.reason }),
        ...('details' in status && status.details !== undefined ? { details: status.details } : {}),
      });
    }
    if (options.json) {
      process.stdout.write(`${JSON.stringify(rows)}\n`);
      return;
    }
    const withPhase = rows.some((r) => r.phase !== undefined);
    const withFalseAlarms = rows.some((r) => falseAlarms(r) !== '');
    process.stdout.write(
      formatTable(
        ['PROJECT', 'NAME', 'REVISION', ...(withPhase ? ['PHASE'] : []), 'TRAINED', ...(withFalseAlarms ? ['FALSE ALARMS'] : [])],
        rows.map((r) => [
          r.project,
          r.name,
          r.revision,
          ...(withPhase ? [r.phase ?? ''] : []),
          r.trained ? 'yes' : `no (${r.state})`,
          ...(withFalseAlarms ? [falseAlarms(r)] : []),
        ]),
      ),
    );
    process.stdout.write(`${rows.length} model(s), ${rows.filter((r) => r.trained).length} trained\n`);
  });
}

/** `latigo models train [--model ...] [--force]`: trains the selected models that are not trained (all of them with --force). */
export async function runModelsTrain(options: { model?: string[]; force?: boolean }, globals: GlobalOptions): Promise<never> {
  return runCommand(
    globals,
    { processName: 'models', logTo: 'stderr', stoppable: true },
    async ({ container, stopSignal: signal, log }) => {
      const root = container('admin');
      const info = await root.getAsync(ModelInformationProvider);
      const predictor = await root.getAsync(ModelExecutionProvider);
      const selected = selectModels((await listAllModels(info, log, { signal, strict: true })).models, options.model);
      const progress = createProgress('training');
      const result = await trainModels(info, predictor, selected, {
        signal,
        journal: new ModelTrainingStore(await root.getAsync(Database), systemClock),
        force: options.force === true,
        onProgress: (d, t) => progress.update(d, t),
      }).finally(() => progress.stop());
      process.stdout.write(`trained ${result.trained}, already trained ${result.alreadyTrained}, failed ${result.failed.length}\n`);
      for (const f of result.failed) process.stdout.write(`  ${f.model}: ${f.reason}\n`);
      return result.failed.length > 0 ? ExitCode.failed : ExitCode.ok;
    },
  );
}

/** Left-aligned columns separated by two spaces. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  return [line(header), ...rows.map(line)].map((l) => `${l}\n`).join('');
}
