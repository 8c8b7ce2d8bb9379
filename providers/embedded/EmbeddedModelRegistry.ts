import { createHash } from 'node:crypto';
import type { CallOptions } from '../../src/contracts/CallOptions.js';
import type { DescribeModelOptions, ModelInformationProvider } from '../../src/contracts/ModelInformationProvider.js';
import type { ModelDescription, ModelSummary } from '../../src/domain/ModelDescription.js';
import type { SensorTag } from '../../src/domain/SensorTag.js';
import type { TimeRange } from '../../src/domain/TimeRange.js';
import type { Database } from '../../src/persistence/dataSource.js';
import { ConfigError, InvalidDataError, NotFoundError, throwIfAborted } from '../../src/runtime/errors.js';
import type { Logger } from '../../src/runtime/logger.js';
import type { EmbeddedModelInfoConfig } from './config.js';
import { toProviderError } from '../../src/persistence/sql/errors.js';
import { inList, SqlClient, type Statement } from '../../src/persistence/sql/SqlClient.js';

/** A model as declared in `model_definition` (what `saveModel` takes). Tags are sensor names. */
export interface ModelDefinition {
  project: string;
  name: string;
  inputTags: string[];
  /** Defaults to `inputTags`. */
  targetTags?: string[];
  resolutionMs: number;
  trainingRange: TimeRange;
  /** Settings for the model execution provider, e.g. `{ explained_variance: 0.9 }`. */
  parameters?: Record<string, unknown>;
}

/** A definition with its revision, as the registry serves it. */
interface ServedModel {
  readonly definition: ModelDefinition;
  readonly revision: string;
}

const sql = {
  listModels: 'SELECT name, definition FROM model_definition WHERE project = ?',
  getModel: 'SELECT definition FROM model_definition WHERE project = ? AND name = ?',
  listProjects: 'SELECT DISTINCT project FROM model_definition',
  saveModel: 'INSERT INTO model_definition (project, name, definition, created_at, updated_at) VALUES (?, ?, ?, ?, ?) ' +
    'ON CONFLICT (project, name) DO UPDATE SET definition = excluded.definition, updated_at = excluded.updated_at',
  sensorsByName: (names: number) => `SELECT name, asset, unit FROM sensor WHERE name IN (${inList(names)})`,
};

/**
 * Models declared in configuration (`model_info.models`) and in the `model_definition` table; on a
 * name clash the configuration wins. A model's revision is a hash of its definition, so it changes
 * exactly when the definition does, and a description cached under a revision never goes stale.
 */
export class EmbeddedModelRegistry implements ModelInformationProvider {
  private readonly sql: SqlClient;
  private readonly declared = new Map<string, ServedModel>();
  /** Parsed stored definitions by model, re-parsed only when their text changes. */
  private readonly parsed = new Map<string, { text: string; served: ServedModel | InvalidDataError }>();
  /** The description of each model's latest described revision. */
  private readonly descriptions = new Map<string, ModelDescription>();

  constructor(db: Database, config: EmbeddedModelInfoConfig, private readonly log: Logger) {
    this.sql = new SqlClient(db);
    config.models.forEach((m, i) => {
      const definition: ModelDefinition = {
        project: m.project, name: m.name, inputTags: m.tags, targetTags: m.targetTags, resolutionMs: m.resolutionMs,
        trainingRange: { fromMs: m.trainingFromMs, toMs: m.trainingToMs },
      };
      const problem = definitionProblem(definition);
      if (problem) throw new ConfigError(`model_info.models.${i}`, problem);
      this.declared.set(key(m.project, m.name), { definition, revision: modelRevision(definition) });
    });
  }

  async listProjects(options?: CallOptions): Promise<string[]> {
    throwIfAborted(options?.signal);
    try {
      const rows = await this.sql.query<{ project: string }>(sql.listProjects, []);
      const projects = new Set([...rows.map((r) => r.project), ...[...this.declared.values()].map((m) => m.definition.project)]);
      return [...projects].sort(byCodeUnits);
    } catch (err) {
      throw toProviderError(err, 'embedded-models.listProjects');
    }
  }

  async listModels(project: string, options?: CallOptions): Promise<ModelSummary[]> {
    throwIfAborted(options?.signal);
    try {
      const models = new Map<string, ModelSummary>();
      for (const row of await this.sql.query<{ name: string; definition: string }>(sql.listModels, [project])) {
        const served = this.parse(project, row.name, row.definition);
        if (served instanceof InvalidDataError) continue; // warned once by parse; not ready to serve
        models.set(row.name, { project, name: row.name, revision: served.revision });
      }
      for (const { definition, revision } of this.declared.values()) {
        if (definition.project === project) models.set(definition.name, { project, name: definition.name, revision });
      }
      return [...models.values()].sort((a, b) => byCodeUnits(a.name, b.name));
    } catch (err) {
      throw toProviderError(err, 'embedded-models.listModels');
    }
  }

  async modelExists(project: string, name: string, options?: CallOptions): Promise<boolean> {
    throwIfAborted(options?.signal);
    try {
      return (await this.find(project, name)) !== undefined;
    } catch (err) {
      throw toProviderError(err, 'embedded-models.modelExists');
    }
  }

  async describeModel(project: string, name: string, options?: DescribeModelOptions): Promise<ModelDescription> {
    throwIfAborted(options?.signal);
    try {
      const served = await this.find(project, name);
      if (served === undefined) throw new NotFoundError(`model ${project}/${name} does not exist`);
      if (served instanceof InvalidDataError) throw served;
      const { definition, revision } = served;
      if (options?.revision !== undefined && options.revision !== revision) {
        throw new NotFoundError(`model ${project}/${name} revision ${options.revision} is gone: its definition changed (current revision ${revision})`);
      }
      const cached = this.descriptions.get(key(project, name));
      if (cached?.revision === revision) return cached;
      const tags = await this.resolveTags([...definition.inputTags, ...(definition.targetTags ?? [])]);
      const description: ModelDescription = {
        project, name, revision,
        inputTags: definition.inputTags.map((n) => tags.get(n) ?? { name: n, asset: '' }),
        targetTags: (definition.targetTags ?? definition.inputTags).map((n) => tags.get(n) ?? { name: n, asset: '' }),
        resolutionMs: definition.resolutionMs,
        trainingRange: definition.trainingRange,
        ...(definition.parameters === undefined ? {} : { parameters: definition.parameters }),
      };
      const unknown = [...new Set([...definition.inputTags, ...(definition.targetTags ?? [])])].filter((n) => !tags.has(n));
      // Cache only complete descriptions: a sensor seeded later must still get its asset and unit.
      if (unknown.length === 0) this.descriptions.set(key(project, name), description);
      else this.log.debug('model tags not in the sensor store', { project, model: name, unknown });
      return description;
    } catch (err) {
      throw toProviderError(err, 'embedded-models.describeModel');
    }
  }

  /** Creates or replaces a model's definition; resolves with its (new) revision. */
  async saveModel(definition: ModelDefinition): Promise<ModelSummary> {
    return (await this.saveModels([definition]))[0]!;
  }

  /** `saveModel` for many models in one transaction. Throws InvalidDataError naming a bad definition. */
  async saveModels(definitions: readonly ModelDefinition[]): Promise<ModelSummary[]> {
    try {
      const now = Date.now();
      const statements: Statement[] = definitions.map((d) => {
        const problem = definitionProblem(d);
        if (problem) throw new InvalidDataError(`model ${d.project}/${d.name}: ${problem}`);
        if (this.declared.has(key(d.project, d.name))) this.log.warn('saved model is shadowed by one declared in the configuration', { project: d.project, model: d.name });
        return { sql: sql.saveModel, params: [d.project, d.name, storedText(d), now, now] };
      });
      await this.sql.transaction(statements);
      return definitions.map((d) => ({ project: d.project, name: d.name, revision: modelRevision(d) }));
    } catch (err) {
      throw toProviderError(err, 'embedded-models.saveModels');
    }
  }

  private async find(project: string, name: string): Promise<ServedModel | InvalidDataError | undefined> {
    const declared = this.declared.get(key(project, name));
    if (declared) return declared;
    const [row] = await this.sql.query<{ definition: string }>(sql.getModel, [project, name]);
    return row === undefined ? undefined : this.parse(project, name, row.definition);
  }

  private parse(project: string, name: string, text: string): ServedModel | InvalidDataError {
    const k = key(project, name);
    const known = this.parsed.get(k);
    if (known?.text === text) return known.served;
    let served: ServedModel | InvalidDataError;
    try {
      const definition = { ...(JSON.parse(text) as Omit<ModelDefinition, 'project' | 'name'>), project, name };
      const problem = definitionProblem(definition);
      served = problem ? new InvalidDataError(`model ${project}/${name}: ${problem}`) : { definition, revision: modelRevision(definition) };
    } catch (err) {
      served = new InvalidDataError(`model ${project}/${name}: definition is not JSON`, { cause: err });
    }
    if (served instanceof InvalidDataError) this.log.warn('invalid model definition skipped', { project, model: name, reason: served.message });
    this.parsed.set(k, { text, served });
    return served;
  }

  private async resolveTags(names: readonly string[]): Promise<Map<string, SensorTag>> {
    const unique = [...new Set(names)];
    const rows = unique.length === 0 ? [] : await this.sql.query<{ name: string; asset: string; unit: string | null }>(sql.sensorsByName(unique.length), unique);
    return new Map(rows.map((r) => [r.name, r.unit === null ? { name: r.name, asset: r.asset } : { name: r.name, asset: r.asset, unit: r.unit }]));
  }
}

/** The revision of a definition: 12 hex characters of a SHA-256 over its canonical JSON. Project and
 *  name are not part of it; an omitted `targetTags` hashes like one equal to `inputTags`. */
export function modelRevision(definition: ModelDefinition): string {
  const canonical = canonicalJson({
    inputTags: definition.inputTags,
    targetTags: definition.targetTags ?? definition.inputTags,
    resolutionMs: definition.resolutionMs,
    trainingRange: [definition.trainingRange.fromMs, definition.trainingRange.toMs],
    parameters: definition.parameters ?? {},
  });
  return createHash('sha256').update(canonical).digest('hex').slice(0, 12);
}

/** What is stored in `model_definition.definition`: the definition without its key columns. */
function storedText(d: ModelDefinition): string {
  const { project: _project, name: _name, ...rest } = d;
  return JSON.stringify(rest);
}

function definitionProblem(d: ModelDefinition): string | undefined {
  const isNames = (v: unknown) => Array.isArray(v) && v.length > 0 && v.every((n) => typeof n === 'string' && n.length > 0);
  if (typeof d.project !== 'string' || d.project === '' || typeof d.name !== 'string' || d.name === '') return 'project and name must be non-empty';
  if (!isNames(d.inputTags)) return 'inputTags must be a non-empty list of sensor names';
  if (d.targetTags !== undefined && !isNames(d.targetTags)) return 'targetTags must be a non-empty list of sensor names';
  if (!Number.isInteger(d.resolutionMs) || d.resolutionMs <= 0) return `resolutionMs must be a positive whole number, got ${String(d.resolutionMs)}`;
  const range = d.trainingRange as Partial<TimeRange> | undefined;
  if (!range || !Number.isInteger(range.fromMs) || !Number.isInteger(range.toMs) || range.toMs! <= range.fromMs!) {
    return 'trainingRange must be { fromMs, toMs } with whole milliseconds and toMs after fromMs';
  }
  if (d.parameters !== undefined && (typeof d.parameters !== 'object' || d.parameters === null || Array.isArray(d.parameters))) return 'parameters must be an object';
  return undefined;
}

/** JSON with object keys sorted at every level, so equal definitions hash equally. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => byCodeUnits(a, b));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

function key(project: string, name: string): string {
  return JSON.stringify([project, name]);
}

function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
