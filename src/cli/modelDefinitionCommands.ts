import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import yaml from 'js-yaml';
import { ModelExecutionProvider } from '../contracts/ModelExecutionProvider.js';
import { ModelInformationProvider } from '../contracts/ModelInformationProvider.js';
import { ModelWriter, type ModelDefinition } from '../contracts/ModelWriter.js';
import { PredictionReader } from '../contracts/PredictionReader.js';
import { SensorDataProvider } from '../contracts/SensorDataProvider.js';
import { DataWatermarks } from '../contracts/DataWatermarks.js';
import { Database } from '../persistence/Database.js';
import { WindowLedgerToken } from '../composition/container.js';
import type { WindowLedger } from '../ledger/WindowLedger.js';
import { formatRange } from '../domain/TimeRange.js';
import { evaluateForecasts } from '../evaluation/evaluateForecasts.js';
import { evaluateModel } from '../evaluation/evaluateModel.js';
import { modelKindOf } from '../domain/modelKinds/index.js';
import { LabelStore } from '../evaluation/LabelStore.js';
import { labelsFromSeries } from '../evaluation/labelsFromSeries.js';
import type { LabelledInterval } from '../evaluation/scoreFlags.js';
import { ConfigError } from '../runtime/errors.js';
import { DefinitionError, parseModelDefinition } from '../models/parseModelDefinition.js';
import { resolveDefinition } from '../models/resolveDefinition.js';
import { combineSummary } from '../summary/combineSummary.js';
import { SummaryStore } from '../summary/SummaryStore.js';
import { trainModels } from './modelCatalog.js';
import { ModelTrainingStore } from '../ledger/ModelTrainingStore.js';
import { systemClock } from '../runtime/clock.js';
import { createProgress } from './progress.js';
import { ExitCode, runCommand, type GlobalOptions } from './runCommand.js';
import { formatEvaluation, formatForecastEvaluation, formatSummary } from './formatEvaluation.js';

export interface DefineOptions {
  project?: string;
  name?: string;
  tags?: string;
  kind?: string;
  resolution?: string;
  firstRows?: number;
  firstHours?: number;
  trainFrom?: string;
  trainTo?: string;
  trigger?: 'schedule' | 'data';
  interval?: string;
  delay?: string;
  minNewPoints?: number;
  maxWait?: string;
  parameters?: string;
  train?: boolean;
}

/**
 * `latigo models define [FILE...] [--project --name --tags ...]`: saves definitions (a YAML/JSON file of one
 * definition, a list, or `models: [...]`; or one from the flags), prints each revision and training range,
 * then trains the saved revisions (unless --no-train), so a model is trained before the scheduler plans it.
 */
export async function runModelsDefine(files: string[], options: DefineOptions, globals: GlobalOptions): Promise<never> {
  return runCommand(globals, { processName: 'models', logTo: 'stderr', stoppable: true }, async ({ container, stopSignal: signal }) => {
    const raws: { raw: unknown; path: string }[] = [];
    for (const file of files) {
      const doc = yaml.load(await readFile(file, 'utf8'));
      const list = Array.isArray(doc)
        ? doc
        : typeof doc === 'object' && doc !== null && 'models' in doc
          ? (doc as { models: unknown[] }).models
          : [doc];
      list.forEach((raw, i) => raws.push({ raw, path: list.length === 1 ? file : `${file}: models.${i}` }));
    }
    if (options.name !== undefined || options.tags !== undefined) raws.push({ raw: fromFlags(options), path: '' });
    if (raws.length === 0) {
      process.stderr.write('latigo models define: give a definition file or --project, --name and --tags\n');
      return ExitCode.failed;
    }
    const root = container('admin');
    if (!root.isBound(ModelWriter)) {
      process.stderr.write('latigo models define: model_info type does not accept definitions; use type embedded\n');
      return ExitCode.failed;
    }
    const writer = await root.getAsync(ModelWriter);
    const watermarks = root.isBound(DataWatermarks) ? await root.getAsync(DataWatermarks) : undefined;
    const definitions: ModelDefinition[] = [];
    for (const { raw, path } of raws) {
      try {
        definitions.push(await resolveDefinition(parseModelDefinition(raw, path), watermarks, path, { signal }));
      } catch (err) {
        if (!(err instanceof DefinitionError)) throw err;
        process.stderr.write(`latigo models define: ${flagName(err.field)}: ${err.reason}\n`);
        return ExitCode.failed;
      }
    }
    const saved = await writer.saveModels(definitions, { signal });
    // Each saved revision waits in the training journal: the scheduler plans its windows once it is trained.
    const journal = new ModelTrainingStore(await root.getAsync(Database), systemClock);
    for (const m of saved) await journal.pending(m);
    saved.forEach((m, i) => {
      const d = definitions[i]!;
      process.stdout.write(`defined ${m.project}/${m.name} revision ${m.revision}, training on ${formatRange(d.trainingRange)}\n`);
    });
    if (options.train === false) return ExitCode.ok;
    const info = await root.getAsync(ModelInformationProvider);
    const predictor = await root.getAsync(ModelExecutionProvider);
    const progress = createProgress('training');
    const result = await trainModels(info, predictor, saved, { signal, journal, onProgress: (d, t) => progress.update(d, t) }).finally(() =>
      progress.stop(),
    );
    process.stdout.write(`trained ${result.trained}, already trained ${result.alreadyTrained}, failed ${result.failed.length}\n`);
    for (const f of result.failed) process.stdout.write(`  ${f.model}: ${f.reason}\n`);
    return result.failed.length > 0 ? ExitCode.failed : ExitCode.ok;
  });
}

/** A definition in the file schema from the command's flags. */
function fromFlags(o: DefineOptions): Record<string, unknown> {
  const training =
    o.firstRows !== undefined
      ? { first_rows: o.firstRows }
      : o.firstHours !== undefined
        ? { first_hours: o.firstHours }
        : o.trainFrom !== undefined || o.trainTo !== undefined
          ? { from: o.trainFrom, to: o.trainTo }
          : undefined;
  const trigger =
    o.trigger === 'data'
      ? {
          type: 'data',
          ...(o.minNewPoints === undefined ? {} : { min_new_points: o.minNewPoints }),
          ...(o.maxWait === undefined ? {} : { max_wait: o.maxWait }),
        }
      : o.trigger;
  const raw: Record<string, unknown> = {
    project: o.project ?? 'default',
    name: o.name,
    tags: o.tags
      ?.split(',')
      .map((t) => t.trim())
      .filter((t) => t !== ''),
    kind: o.kind,
    resolution: o.resolution,
    training,
    trigger,
    interval: o.interval,
    delay: o.delay,
    parameters: o.parameters === undefined ? undefined : (JSON.parse(o.parameters) as unknown),
  };
  return Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined));
}

/** The flag that sets a definition key, for the flags form's messages. */
function flagName(field: string): string {
  const flags: Record<string, string> = {
    training: '--first-rows/--first-hours/--train-from',
    'training.first_rows': '--first-rows',
    tags: '--tags',
    resolution: '--resolution',
    interval: '--interval',
    name: '--name',
    project: '--project',
  };
  return field.includes(':') || field.includes('.yaml') || field.includes('.json') ? field : (flags[field] ?? field);
}

/** `latigo models summary --model project/name [--json]`: the precomputed summary (GET .../summary). */
export async function runModelsSummary(options: { model: string; json?: boolean }, globals: GlobalOptions): Promise<never> {
  return runCommand(globals, { processName: 'models', logTo: 'stderr' }, async ({ container }) => {
    const root = container('admin', { mustExist: true });
    const ref = modelRef(options.model);
    const info = await root.getAsync(ModelInformationProvider);
    const description = await info.describeModel(ref.project, ref.name);
    const db = await root.getAsync(Database);
    const ledger = await root.getAsync<WindowLedger>(WindowLedgerToken);
    const revision = { ...ref, revision: description.revision };
    const summary = {
      project: ref.project,
      model: ref.name,
      revision: description.revision,
      windowsByOutcome: await ledger.countByState({ project: ref.project, model: ref.name, revision: description.revision }),
      ...combineSummary(await new SummaryStore(db).windows(revision), description.resolutionMs),
    };
    process.stdout.write(options.json ? `${JSON.stringify(summary)}\n` : formatSummary(summary));
  });
}

export interface EvaluateOptions {
  model: string;
  labelTag?: string;
  /** A JSON file of labelled intervals per label column, as `latigo import --labels-out` writes it. */
  labels?: string;
  from?: number;
  to?: number;
  grace?: number;
  minRun?: number;
  json?: boolean;
}

/**
 * `latigo evaluate --model project/name [--label-tag anomaly]`: the stored predictions scored against the
 * model's labels (and a 0/1 label tag, e.g. an imported `anomaly` column), with the threshold backtest.
 */
export async function runEvaluate(options: EvaluateOptions, globals: GlobalOptions): Promise<never> {
  return runCommand(globals, { processName: 'evaluate', logTo: 'stderr' }, async ({ container }) => {
    const root = container('admin', { mustExist: true });
    const ref = modelRef(options.model);
    const info = await root.getAsync(ModelInformationProvider);
    const description = await info.describeModel(ref.project, ref.name);
    if (!root.isBound(PredictionReader)) {
      process.stderr.write('latigo evaluate: the prediction_storage type cannot read predictions back\n');
      return ExitCode.failed;
    }
    const reader = await root.getAsync(PredictionReader);
    const range = { fromMs: options.from ?? 0, toMs: options.to ?? 8_640_000_000_000_000 };
    if (modelKindOf(description) === 'forecast') {
      const readForecast = reader.readForecast?.bind(reader);
      if (readForecast === undefined) {
        process.stderr.write('latigo evaluate: the prediction_storage type cannot read forecasts back\n');
        return ExitCode.failed;
      }
      const sensorData = await root.getAsync(SensorDataProvider);
      // The seasonal naive baseline repeats the model's season (a day when it is detected per fit).
      const seasonLength = description.parameters?.['season_length'];
      const seasonMs = typeof seasonLength === 'number' ? seasonLength * description.resolutionMs : 86_400_000;
      const evaluation = await evaluateForecasts({ readForecast, getData: (tags, r, res) => sensorData.getData(tags, r, res) }, ref, {
        range: { fromMs: range.fromMs, toMs: Math.min(range.toMs, Date.now()) },
        resolutionMs: description.resolutionMs,
        seasonMs,
      });
      process.stdout.write(options.json ? `${JSON.stringify(evaluation)}\n` : formatForecastEvaluation(evaluation));
      return evaluation.points === 0 ? ExitCode.failed : ExitCode.ok;
    }
    const labels = new LabelStore(await root.getAsync(Database));
    let extraLabels: ReturnType<typeof labelsFromSeries> = [];
    if (options.labelTag !== undefined) {
      // The label tag over the predictions' own span, at the model's resolution.
      const span = await reader.readPredictions(ref, range, { limit: 1 });
      const first = span.rows[0]?.timeMs;
      if (first !== undefined) {
        const sensorData = await root.getAsync(SensorDataProvider);
        const frame = await sensorData.getData(
          [{ name: options.labelTag, asset: '' }],
          { fromMs: first, toMs: Math.min(range.toMs, Date.now() + 366 * 86_400_000) },
          description.resolutionMs,
        );
        extraLabels = labelsFromSeries(frame.timestamps, frame.columns[0]!, description.resolutionMs, options.labelTag);
      }
    }
    if (options.labels !== undefined) extraLabels = [...extraLabels, ...readLabelsFile(options.labels)];
    const evaluation = await evaluateModel(reader, labels, ref, {
      resolutionMs: description.resolutionMs,
      range,
      extraLabels,
      ...(options.grace === undefined ? {} : { graceMs: options.grace * 1000 }),
      ...(options.minRun === undefined ? {} : { minRun: options.minRun }),
    });
    process.stdout.write(options.json ? `${JSON.stringify(evaluation)}\n` : formatEvaluation(evaluation));
    return evaluation.rows === 0 ? ExitCode.failed : ExitCode.ok;
  });
}

/**
 * The intervals of a `latigo import --labels-out` file (`{"<column>": [{"from", "to", "label"}]}`); a file
 * that is not of that shape is refused naming the entry, not half used.
 */
export function readLabelsFile(file: string): LabelledInterval[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError('--labels', `${file}: ${(err as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError('--labels', `${file}: expected an object of label columns, each a list of {from, to, label}`);
  }
  const intervals: LabelledInterval[] = [];
  for (const [column, list] of Object.entries(parsed)) {
    if (!Array.isArray(list)) throw new ConfigError('--labels', `${file}: ${column} is not a list`);
    list.forEach((entry: { from?: unknown; to?: unknown; label?: unknown }, i) => {
      const fromMs = typeof entry?.from === 'string' ? Date.parse(entry.from) : NaN;
      const toMs = typeof entry?.to === 'string' ? Date.parse(entry.to) : NaN;
      if (!(fromMs < toMs)) throw new ConfigError('--labels', `${file}: ${column}[${i}] needs ISO times with from before to`);
      intervals.push({ fromMs, toMs, label: typeof entry.label === 'string' ? entry.label : column });
    });
  }
  return intervals;
}

function modelRef(text: string): { project: string; name: string } {
  const slash = text.indexOf('/');
  return slash < 0 ? { project: 'default', name: text } : { project: text.slice(0, slash), name: text.slice(slash + 1) };
}
