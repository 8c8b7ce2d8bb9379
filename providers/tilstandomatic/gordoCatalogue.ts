import { createHash } from 'node:crypto';
import yaml from 'js-yaml';
import { z } from 'zod';
import { facilityFromRules, type ModelDescription, type SensorTag } from '../../src/domain/index.js';
import type { TilstandomaticConfig } from './config.js';
import {
  compileRowFilter,
  GORDO_DEFAULT_RESOLUTION,
  normalizeRowFilter,
  parsePandasResolution,
  GORDO_TIME_EXPECTED,
  parseGordoTime,
} from '../../src/gordo/index.js';

/** A machine that could not become a model, and why; the other machines are unaffected. */
export interface CatalogueProblem {
  readonly project: string;
  readonly machine: string;
  readonly reason: string;
}

/** Every model of the configured projects, by project then name, with the sensors they name. */
export interface Catalogue {
  readonly models: ReadonlyMap<string, ReadonlyMap<string, ModelDescription>>;
  readonly sensors: ReadonlyMap<string, SensorTag>;
  readonly problems: readonly CatalogueProblem[];
}

/** A document from the endpoint or a file, and the project name to use when it is a bare `spec.config`. */
export interface CatalogueDocument {
  readonly body: unknown;
  readonly fallbackProject?: string;
}

const tagEntry = z.union([
  z.string().min(1),
  z.looseObject({ name: z.string().min(1), asset: z.string().min(1).nullish(), unit: z.string().nullish() }),
]);
const offsetTime = z.unknown().transform((t, ctx) => {
  const ms = parseGordoTime(t);
  if (Number.isNaN(ms)) ctx.addIssue({ code: 'custom', message: GORDO_TIME_EXPECTED });
  return ms;
});
const machineSchema = z.looseObject({
  name: z.string().min(1),
  dataset: z.looseObject({
    tag_list: z.array(tagEntry).min(1, { message: 'expected at least one tag' }),
    target_tag_list: z.array(tagEntry).nullish(),
    resolution: z
      .string({ error: 'expected a pandas offset alias such as 10T (null, no resampling, is not supported)' })
      .default(GORDO_DEFAULT_RESOLUTION),
    train_start_date: offsetTime,
    train_end_date: offsetTime,
    row_filter: z.union([z.string(), z.array(z.unknown())]).nullish(),
    asset: z.string().nullish(),
  }),
  metadata: z.record(z.string(), z.unknown()).nullish(),
});

/**
 * Turns Gordo project configurations (the `Gordo` resource's `spec.config`: `machines` with `dataset`,
 * `metadata`, ..., and `globals` merged under each machine) into model descriptions. Values given as YAML
 * text (block scalars, as in many manifests) are parsed. A machine that cannot be read is reported in
 * `problems` with its name and skipped. A model's revision is a hash of its definition, so it changes
 * exactly when the definition does.
 */
export function buildCatalogue(documents: readonly CatalogueDocument[], config: TilstandomaticConfig): Catalogue {
  const models = new Map<string, Map<string, ModelDescription>>();
  const sensors = new Map<string, SensorTag>();
  const problems: CatalogueProblem[] = [];
  for (const document of documents) {
    for (const resource of resourcesOf(document.body)) {
      const project = projectName(resource) ?? document.fallbackProject;
      if (project === undefined) {
        problems.push({ project: '?', machine: '*', reason: 'a Gordo resource without metadata.name' });
        continue;
      }
      if (config.projects && !config.projects.includes(project)) continue;
      const spec = configOf(resource);
      const machines = spec ? asYaml(spec.machines ?? spec.models) : undefined;
      if (!Array.isArray(machines)) {
        problems.push({ project, machine: '*', reason: 'spec.config has no machines list' });
        continue;
      }
      const globals = asRecord(asYaml(spec!.globals)) ?? {};
      const byName = models.get(project) ?? new Map<string, ModelDescription>();
      models.set(project, byName);
      machines.forEach((raw, index) => {
        const machine = merge(globals, asRecord(asYaml(raw)) ?? {});
        const name = typeof machine.name === 'string' && machine.name !== '' ? machine.name : `#${index}`;
        const result = describeMachine(project, machine, config);
        if (typeof result === 'string') return problems.push({ project, machine: name, reason: result });
        if (byName.has(result.name))
          return problems.push({ project, machine: name, reason: 'another machine of the project has this name' });
        byName.set(result.name, result);
        for (const tag of [...result.inputTags, ...result.targetTags]) if (!sensors.has(tag.name)) sensors.set(tag.name, tag);
      });
    }
  }
  return { models, sensors, problems };
}

function describeMachine(project: string, machine: Record<string, unknown>, config: TilstandomaticConfig): ModelDescription | string {
  const parsed = machineSchema.safeParse({ ...machine, dataset: asYaml(machine.dataset), metadata: asYaml(machine.metadata) });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return `${issue.path.join('.') || '(machine)'}: ${issue.message}`;
  }
  const { name, dataset, metadata } = parsed.data;
  let resolutionMs: number;
  try {
    resolutionMs = parsePandasResolution(dataset.resolution);
  } catch (err) {
    return `dataset.resolution: ${(err as Error).message}`;
  }
  if (dataset.train_end_date <= dataset.train_start_date) return 'dataset.train_end_date: expected a time after train_start_date';
  // A tag given as an object in one list and as a plain name in the other keeps the object's asset and unit.
  const explicit = new Map<string, { asset?: string | null; unit?: string | null }>();
  for (const entry of [...dataset.tag_list, ...(dataset.target_tag_list ?? [])])
    if (typeof entry === 'object') explicit.set(entry.name, entry);
  const toTag = (entry: z.output<typeof tagEntry>): SensorTag => {
    const tagName = typeof entry === 'string' ? entry : entry.name;
    const given = explicit.get(tagName);
    const asset = given?.asset ?? facilityFromRules(tagName, config.assetRules) ?? dataset.asset ?? config.defaultAsset;
    const unit = given?.unit;
    return { name: tagName, asset, ...(unit ? { unit } : {}) };
  };
  const inputTags = dataset.tag_list.map(toTag);
  const targetTags = dataset.target_tag_list && dataset.target_tag_list.length > 0 ? dataset.target_tag_list.map(toTag) : inputTags;
  const rowFilter = dataset.row_filter === '' || dataset.row_filter === null ? undefined : dataset.row_filter;
  // Read and compiled as the gordo provider will at prediction time, so a filter it would refuse is reported now.
  try {
    const columns = [...inputTags, ...targetTags].map((t) => t.name);
    for (const expression of normalizeRowFilter(rowFilter, 'dataset.row_filter')) compileRowFilter(expression, columns);
  } catch (err) {
    return (err as Error).message;
  }
  const definition = {
    project,
    name,
    inputTags,
    targetTags,
    resolutionMs,
    trainingRange: { fromMs: dataset.train_start_date, toMs: dataset.train_end_date },
    parameters: { ...(rowFilter === undefined ? {} : { rowFilter }), ...(metadata ? { metadata } : {}) },
  };
  const revision = createHash('sha256').update(JSON.stringify(definition)).digest('hex').slice(0, 16);
  return { ...definition, revision };
}

/** The Gordo resources in a document: one resource, an array, or a list with `items`; a bare config too. */
function resourcesOf(body: unknown): Record<string, unknown>[] {
  if (Array.isArray(body)) return body.flatMap(resourcesOf);
  const record = asRecord(body);
  if (!record) return [];
  if (Array.isArray(record.items)) return record.items.flatMap(resourcesOf);
  return [record];
}

function projectName(resource: Record<string, unknown>): string | undefined {
  const name = asRecord(resource.metadata)?.name ?? resource.project_name;
  return typeof name === 'string' && name !== '' ? name : undefined;
}

/** `spec.config` of a Gordo resource, or the document itself when it is a bare config. */
function configOf(resource: Record<string, unknown>): Record<string, unknown> | undefined {
  const spec = asRecord(resource.spec);
  if (spec) return asRecord(asYaml(spec.config));
  return 'machines' in resource || 'models' in resource ? resource : undefined;
}

/** Globals under the machine's own values: objects merge key by key, anything else the machine's value wins. */
function merge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const result: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const below = asRecord(asYaml(result[key]));
    const above = asRecord(asYaml(value));
    result[key] = below && above ? merge(below, above) : value;
  }
  return result;
}

function asYaml(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    const parsed = yaml.load(value);
    return typeof parsed === 'object' && parsed !== null ? parsed : value;
  } catch {
    return value;
  }
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}
