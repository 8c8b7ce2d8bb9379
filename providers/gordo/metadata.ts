import type { ModelDescription } from '../../src/domain/ModelDescription.js';
import type { SensorTag } from '../../src/domain/SensorTag.js';
import { InvalidDataError } from '../../src/runtime/errors.js';
import { normalizeRowFilter, parsePandasResolution, readGordoTagList, readGordoTime } from '../../src/gordo/index.js';

/** What latigo reads from a model's metadata document (reference section 1.7); the rest is ignored. */
export interface GordoModel {
  readonly project: string;
  readonly name: string;
  readonly revision: string;
  /** X columns, in the order the server expects them. */
  readonly inputTags: readonly SensorTag[];
  /** y columns; the input tags when the model names none. */
  readonly targetTags: readonly SensorTag[];
  readonly resolutionMs: number;
  readonly trainingFromMs: number;
  readonly trainingToMs: number;
  /** Leading input rows a sequence model consumes without producing output. */
  readonly offsetRows: number;
  /** pandas `DataFrame.eval` expressions that must all hold for a row to be sent; [] for none. */
  readonly rowFilter: readonly string[];
  readonly rowFilterBufferSize: number;
  /** A batch of this many rows or fewer is insufficient data. */
  readonly nSamplesThreshold: number;
  readonly aggregationMethods: readonly string[];
  /** `model_meta["aggregate-threshold"]`, when the model was built with thresholds. */
  readonly aggregateThreshold?: number;
}

/**
 * Reads a metadata answer (`{"metadata": {<machine>}, ...}`) of `model` at `revision`. Throws
 * InvalidDataError naming the field when the document lacks what a prediction needs.
 */
export function parseGordoMetadata(document: Record<string, unknown>, project: string, model: string, revision: string): GordoModel {
  const machine = record(document['metadata'], 'metadata');
  const dataset = record(machine['dataset'], 'metadata.dataset');
  const where = `model ${project}/${model} at revision ${revision}`;
  const inputTags = tagList(dataset['tag_list'], 'metadata.dataset.tag_list', where);
  if (inputTags.length === 0) throw new InvalidDataError(`${where}: metadata.dataset.tag_list is empty`);
  const targets =
    dataset['target_tag_list'] === undefined || dataset['target_tag_list'] === null
      ? []
      : tagList(dataset['target_tag_list'], 'metadata.dataset.target_tag_list', where);
  const resolution = dataset['resolution'];
  if (typeof resolution !== 'string')
    throw new InvalidDataError(
      `${where}: metadata.dataset.resolution must be a pandas frequency such as 10T, got ${JSON.stringify(resolution)}`,
    );
  const buildModel = optionalRecord(optionalRecord(optionalRecord(machine['metadata'])['build_metadata'])['model']);
  const modelMeta = optionalRecord(buildModel['model_meta']);
  const threshold = modelMeta['aggregate-threshold'];
  return {
    project,
    name: model,
    revision,
    inputTags,
    targetTags: targets.length > 0 ? targets : inputTags,
    resolutionMs: inContext(`${where}: metadata.dataset.resolution`, () => parsePandasResolution(resolution)),
    trainingFromMs: date(dataset['train_start_date'], 'metadata.dataset.train_start_date', where),
    trainingToMs: date(dataset['train_end_date'], 'metadata.dataset.train_end_date', where),
    offsetRows: nonNegativeInt(buildModel['model_offset'], 0),
    rowFilter: normalizeRowFilter(dataset['row_filter'], `${where}: metadata.dataset.row_filter`),
    rowFilterBufferSize: nonNegativeInt(dataset['row_filter_buffer_size'], 0),
    nSamplesThreshold: nonNegativeInt(dataset['n_samples_threshold'], 0),
    aggregationMethods: aggregationOf(dataset['aggregation_methods']),
    ...(typeof threshold === 'number' && Number.isFinite(threshold) ? { aggregateThreshold: threshold } : {}),
  };
}

/** Our model description; Gordo's own settings ride along in `parameters.gordo` for logs and `models list`. */
export function toModelDescription(model: GordoModel): ModelDescription {
  return {
    project: model.project,
    name: model.name,
    revision: model.revision,
    inputTags: model.inputTags,
    targetTags: model.targetTags,
    resolutionMs: model.resolutionMs,
    trainingRange: { fromMs: model.trainingFromMs, toMs: model.trainingToMs },
    offsetRows: model.offsetRows,
    parameters: {
      gordo: {
        rowFilter: model.rowFilter,
        rowFilterBufferSize: model.rowFilterBufferSize,
        nSamplesThreshold: model.nSamplesThreshold,
        aggregationMethods: model.aggregationMethods,
      },
    },
  };
}

function tagList(value: unknown, field: string, where: string): SensorTag[] {
  return readGordoTagList(value, `${where}: ${field}`);
}

/** Runs `read`, prefixing the message of an InvalidDataError it throws with `where`. */
function inContext<T>(where: string, read: () => T): T {
  try {
    return read();
  } catch (err) {
    if (err instanceof InvalidDataError) throw new InvalidDataError(`${where}: ${err.message}`, { cause: err });
    throw err;
  }
}

function aggregationOf(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value;
  return ['mean'];
}

function date(value: unknown, field: string, where: string): number {
  return readGordoTime(value, `${where}: ${field}`);
}

function nonNegativeInt(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : fallback;
}

function record(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new InvalidDataError(`the metadata document has no object at ${field}`);
  return value as Record<string, unknown>;
}

function optionalRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}
