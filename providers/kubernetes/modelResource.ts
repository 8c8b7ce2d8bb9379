import yaml from 'js-yaml';
import type { ModelDescription } from '../../src/domain/ModelDescription.js';
import type { SensorTag } from '../../src/domain/SensorTag.js';
import { InvalidDataError } from '../../src/runtime/errors.js';
import { GORDO_DEFAULT_RESOLUTION, parsePandasResolution, readGordoTagList, readGordoTime } from '../../src/gordo/index.js';
import type { CustomResource } from './client.js';

/** Labels the Argo workflow puts on every Model resource (reference 3.3). */
export const LABEL_PROJECT = 'applications.gordo.equinor.com/project-name';
export const LABEL_REVISION = 'applications.gordo.equinor.com/project-revision';
export const LABEL_MODEL = 'applications.gordo.equinor.com/model-name';

/** Model phases gordo-controller writes; lower-camel spellings are read as these. */
export type ModelPhase = 'Unknown' | 'InProgress' | 'Failed' | 'Succeeded';

export interface ModelEntry {
  readonly name: string;
  readonly revision: string;
  readonly phase: ModelPhase;
  /** Why a Failed build failed (its `status.message`), when it says. */
  readonly reason?: string;
  readonly resource: CustomResource;
}

/** A Model resource's identity and build state; undefined when it lacks the labels that say what it is. */
export function modelEntry(resource: CustomResource): ModelEntry | undefined {
  const labels = resource.metadata?.labels ?? {};
  const config = configOf(resource);
  const name = labels[LABEL_MODEL] ?? (typeof config['name'] === 'string' ? config['name'] : undefined);
  const status = resource.status ?? {};
  const revision = typeof status['revision'] === 'string' ? status['revision'] : labels[LABEL_REVISION];
  if (name === undefined || revision === undefined) return undefined;
  const message = status['message'];
  return { name, revision, phase: phaseOf(status['phase']), resource, ...(typeof message === 'string' ? { reason: message } : {}) };
}

function phaseOf(value: unknown): ModelPhase {
  if (typeof value !== 'string' || value === '') return 'Unknown';
  const capitalised = `${value[0]!.toUpperCase()}${value.slice(1)}`;
  return (['InProgress', 'Failed', 'Succeeded'] as const).find((p) => p === capitalised) ?? 'Unknown';
}

/**
 * Our description from the model definition in `spec.config` (what the builder was given): tags, targets
 * (the inputs when none), resolution (pandas alias; Gordo's default 10T), training range. The definition
 * has no build results, so `offsetRows` is derived from a Keras sequence model's `lookback_window`
 * (autoencoders consume lookback - 1 rows, forecasts lookback); 0 for row-wise models.
 */
export function describeModelResource(project: string, entry: ModelEntry): ModelDescription {
  const where = `Model resource of ${project}/${entry.name} at revision ${entry.revision}`;
  const config = configOf(entry.resource);
  const dataset = asRecord(parseMaybeYaml(config['dataset']), `${where}: spec.config.dataset`);
  const inputTags = tags(dataset['tag_list'], `${where}: spec.config.dataset.tag_list`);
  if (inputTags.length === 0) throw new InvalidDataError(`${where}: spec.config.dataset.tag_list is empty`);
  const targets =
    dataset['target_tag_list'] == null ? [] : tags(dataset['target_tag_list'], `${where}: spec.config.dataset.target_tag_list`);
  const resolution = dataset['resolution'] ?? GORDO_DEFAULT_RESOLUTION;
  if (typeof resolution !== 'string')
    throw new InvalidDataError(`${where}: spec.config.dataset.resolution must be a pandas frequency such as 10T`);
  return {
    project,
    name: entry.name,
    revision: entry.revision,
    inputTags,
    targetTags: targets.length > 0 ? targets : inputTags,
    resolutionMs: pandasResolutionMs(resolution, where),
    trainingRange: {
      fromMs: readGordoTime(dataset['train_start_date'], `${where}: spec.config.dataset.train_start_date`),
      toMs: readGordoTime(dataset['train_end_date'], `${where}: spec.config.dataset.train_end_date`),
    },
    offsetRows: sequenceOffset(parseMaybeYaml(config['model'])),
    parameters: { kubernetes: { phase: entry.phase, resource: entry.resource.metadata?.name ?? '' } },
  };
}

function configOf(resource: CustomResource): Record<string, unknown> {
  const config = parseMaybeYaml(resource.spec?.['config']);
  return typeof config === 'object' && config !== null ? (config as Record<string, unknown>) : {};
}

/** Example manifests often hold per-model values as YAML block strings; the controller passes them on as-is. */
function parseMaybeYaml(value: unknown): unknown {
  return typeof value === 'string' ? yaml.load(value) : value;
}

function tags(value: unknown, where: string): SensorTag[] {
  return readGordoTagList(value, where);
}

/** The shared reading of the alias, its error prefixed with the model resource. */
function pandasResolutionMs(alias: string, where: string): number {
  try {
    return parsePandasResolution(alias);
  } catch (err) {
    throw new InvalidDataError(`${where}: spec.config.dataset.resolution: ${(err as Error).message}`, { cause: err });
  }
}

function sequenceOffset(model: unknown): number {
  let offset = 0;
  const visit = (node: unknown, className: string): void => {
    if (typeof node !== 'object' || node === null) return;
    for (const [key, value] of Object.entries(node)) {
      if (key === 'lookback_window' && typeof value === 'number' && Number.isInteger(value) && value > 0) {
        offset = Math.max(offset, /Forecast/.test(className) ? value : value - 1);
      }
      visit(value, key.includes('.') ? key : className);
    }
  };
  visit(model, '');
  return offset;
}

function asRecord(value: unknown, where: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InvalidDataError(`${where} is missing`);
  return value as Record<string, unknown>;
}
