import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { setImmediate } from 'node:timers/promises';
import type { CallOptions } from '../../src/contracts/CallOptions.js';
import type { DescribeModelOptions, ModelInformationProvider } from '../../src/contracts/ModelInformationProvider.js';
import type { ModelDefinition, ModelWriter } from '../../src/contracts/ModelWriter.js';
import type { ModelDescription, ModelRef, ModelSummary } from '../../src/domain/ModelDescription.js';
import type { SensorTag } from '../../src/domain/SensorTag.js';
import type { TimeRange } from '../../src/domain/TimeRange.js';
import { describeParameterIssues, validateModelParameters } from '../../src/domain/modelKinds/index.js';
import type { Database } from '../../src/persistence/Database.js';
import { ConfigError, InvalidDataError, NotFoundError, throwIfAborted, isInvalidDataError } from '../../src/runtime/errors.js';
import type { Logger } from '../../src/runtime/logger.js';
import type { EmbeddedModelInfoConfig } from './config.js';
import { toProviderError } from '../../src/persistence/sql/errors.js';
import { inList, SqlClient, type Statement } from '../../src/persistence/sql/SqlClient.js';

/** A model as declared in `model_definition` (what `saveModel` takes): the ModelWriter contract's definition. */
export type { ModelDefinition } from '../../src/contracts/ModelWriter.js';

/** A definition with its revision, as the registry serves it. */
interface ServedModel {
  readonly definition: ModelDefinition;
  readonly revision: string;
}

/** A stored definition's text and what parsing it gave, by model key: a Map or a bounded LRUCache. */
interface ParsedCache {
  get(key: string): { text: string; served: ServedModel | InvalidDataError } | undefined;
  set(key: string, value: { text: string; served: ServedModel | InvalidDataError }): unknown;
}

const sql = {
  listModels: 'SELECT name, definition, updated_at FROM model_definition WHERE project = ?',
  // Listing thousands of models often: the stamps say which definitions changed since they were parsed.
  // In pages by name, yielding between them: one read of 9,000 rows held the event loop for tens of milliseconds.
  listStamps: 'SELECT name, updated_at FROM model_definition WHERE project = ? AND name > ? ORDER BY name LIMIT ?',
  definitionsByName: (names: number) =>
    `SELECT name, definition, updated_at FROM model_definition WHERE project = ? AND name IN (${inList(names)})`,
  getModel: 'SELECT definition FROM model_definition WHERE project = ? AND name = ?',
  listProjects: 'SELECT DISTINCT project FROM model_definition',
  saveModel:
    'INSERT INTO model_definition (project, name, definition, created_at, updated_at) VALUES (?, ?, ?, ?, ?) ' +
    // updated_at grows on every save, even two in the same millisecond: listModels re-reads a definition when it moved.
    'ON CONFLICT (project, name) DO UPDATE SET definition = excluded.definition, updated_at = CASE WHEN excluded.updated_at > ' +
    'model_definition.updated_at THEN excluded.updated_at ELSE model_definition.updated_at + 1 END',
  deleteModel: 'DELETE FROM model_definition WHERE project = ? AND name = ?',
  sensorsByName: (names: number) => `SELECT name, asset, unit FROM sensor WHERE name IN (${inList(names)})`,
};

/** Stamps read at once when listing a project's models (see listStamps). */
const STAMPS_PER_READ = 1_000;

/**
 * Models whose description, and whose definition parsed for describeModel, are kept in memory. An executor
 * describes each model once a task, and a cycle over thousands of models reuses none of them before the next
 * cycle: keeping every one cost an executor ~15 MB at 4,500 models (cycle-embedded) for nothing.
 */
export const MAX_DESCRIBED_MODELS = 1_000;

/**
 * Models declared in configuration (`model_info.models`) and in the `model_definition` table; on a
 * name clash the configuration wins. A model's revision is a hash of its definition, so it changes
 * exactly when the definition does, and a description cached under a revision never goes stale.
 */
export class EmbeddedModelRegistry implements ModelInformationProvider, ModelWriter {
  private readonly sql: SqlClient;
  private readonly declared = new Map<string, ServedModel>();
  /** Parsed stored definitions by model, re-parsed only when their text changes. */
  private readonly parsed = new Map<string, { text: string; served: ServedModel | InvalidDataError }>();
  /** updated_at of each stored definition when `parsed` last read it (listModels). */
  private readonly stamps = new Map<string, number>();
  /** Each project's valid stored models as listed (by name), with the stamps they were read at. */
  private readonly listings = new Map<string, { stamps: Map<string, number>; summaries: readonly ModelSummary[] }>();
  /** The description of each recently described model's latest revision. */
  private readonly descriptions: LRUCache<string, ModelDescription>;
  /** Definitions parsed for describeModel that no listing holds in `parsed`, the recently described first. */
  private readonly found: LRUCache<string, { text: string; served: ServedModel | InvalidDataError }>;

  constructor(
    db: Database,
    config: EmbeddedModelInfoConfig,
    private readonly log: Logger,
    options: { maxDescribedModels?: number } = {},
  ) {
    this.sql = new SqlClient(db);
    const max = options.maxDescribedModels ?? MAX_DESCRIBED_MODELS;
    this.descriptions = new LRUCache({ max });
    this.found = new LRUCache({ max });
    config.models.forEach((definition, i) => {
      const problem = definitionProblem(definition);
      if (problem) throw new ConfigError(`model_info.models.${i}`, problem);
      this.declared.set(key(definition.project, definition.name), { definition, revision: modelRevision(definition) });
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
      const stored = await this.storedSummaries(project);
      const declared = [...this.declared.values()].filter((served) => served.definition.project === project);
      if (declared.length === 0) return [...stored];
      const models = new Map(stored.map((m) => [m.name, m]));
      for (const served of declared) models.set(served.definition.name, summaryOf(served));
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
      if (isInvalidDataError(served)) throw served;
      const { definition, revision } = served;
      if (options?.revision !== undefined && options.revision !== revision) {
        throw new NotFoundError(
          `model ${project}/${name} revision ${options.revision} is gone: its definition changed (current revision ${revision})`,
        );
      }
      const cached = this.descriptions.get(key(project, name));
      if (cached?.revision === revision) return cached;
      const tags = await this.resolveTags([...definition.inputTags, ...(definition.targetTags ?? [])]);
      const description: ModelDescription = {
        project,
        name,
        revision,
        inputTags: definition.inputTags.map((n) => tags.get(n) ?? { name: n, asset: '' }),
        targetTags: (definition.targetTags ?? definition.inputTags).map((n) => tags.get(n) ?? { name: n, asset: '' }),
        resolutionMs: definition.resolutionMs,
        trainingRange: definition.trainingRange,
        ...(definition.kind === undefined ? {} : { kind: definition.kind }),
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
  async saveModels(definitions: readonly ModelDefinition[], options?: CallOptions): Promise<ModelSummary[]> {
    throwIfAborted(options?.signal);
    try {
      const now = Date.now();
      const statements: Statement[] = definitions.map((d) => {
        const problem = definitionProblem(d);
        if (problem) throw new InvalidDataError(`model ${d.project}/${d.name}: ${problem}`);
        if (this.declared.has(key(d.project, d.name)))
          this.log.warn('saved model is shadowed by one declared in the configuration', { project: d.project, model: d.name });
        return { sql: sql.saveModel, params: [d.project, d.name, storedText(d), now, now] };
      });
      await this.sql.transaction(statements);
      return definitions.map((d) => ({ project: d.project, name: d.name, revision: modelRevision(d) }));
    } catch (err) {
      throw toProviderError(err, 'embedded-models.saveModels');
    }
  }

  /**
   * Removes a stored definition; resolves false when there was none. A model declared in the configuration
   * cannot be deleted here (it would be served again at once): InvalidDataError says so.
   */
  async deleteModel(model: ModelRef, options?: CallOptions): Promise<boolean> {
    throwIfAborted(options?.signal);
    if (this.declared.has(key(model.project, model.name))) {
      throw new InvalidDataError(
        `model ${model.project}/${model.name} is declared in the configuration (model_info.models); remove it there`,
      );
    }
    try {
      const deleted = await this.sql.run(sql.deleteModel, [model.project, model.name]);
      this.parsed.delete(key(model.project, model.name));
      this.found.delete(key(model.project, model.name));
      this.stamps.delete(key(model.project, model.name));
      this.descriptions.delete(key(model.project, model.name));
      return deleted > 0;
    } catch (err) {
      throw toProviderError(err, 'embedded-models.deleteModel');
    }
  }

  /**
   * The valid stored models of `project` as listed, ordered by name. While no definition of the project was
   * saved or deleted since the last listing (same names, same stamps), that listing is reused: the API and the
   * scheduler list thousands of models every few seconds, and rebuilding and sorting them each time held the
   * event loop for a tenth of a second at 9,000 models.
   */
  private async storedSummaries(project: string): Promise<readonly ModelSummary[]> {
    const stamps: { name: string; updated_at: number | string }[] = [];
    for (let after = ''; ; await setImmediate()) {
      const page = await this.sql.query<{ name: string; updated_at: number | string }>(sql.listStamps, [project, after, STAMPS_PER_READ]);
      stamps.push(...page);
      if (page.length < STAMPS_PER_READ) break;
      after = page.at(-1)!.name;
    }
    const last = this.listings.get(project);
    if (last !== undefined && last.stamps.size === stamps.length && stamps.every((r) => last.stamps.get(r.name) === Number(r.updated_at)))
      return last.summaries;
    const summaries: ModelSummary[] = [];
    for (const { served } of await this.storedModels(project, stamps)) {
      if (isInvalidDataError(served)) continue; // warned once by parse; not ready to serve
      summaries.push(summaryOf(served));
    }
    summaries.sort((a, b) => byCodeUnits(a.name, b.name));
    this.listings.set(project, { stamps: new Map(stamps.map((r) => [r.name, Number(r.updated_at)])), summaries });
    return summaries;
  }

  /**
   * Every stored model of `project` (as `stamps` lists them), parsed. Reads only the stamps (updated_at) of all and the definitions
   * of those saved since they were last parsed, so listing thousands of unchanged models stays cheap.
   */
  private async storedModels(
    project: string,
    stamps: readonly { name: string; updated_at: number | string }[],
  ): Promise<{ name: string; served: ServedModel | InvalidDataError }[]> {
    type Row = { name: string; definition: string; updated_at: number | string };
    const stale = stamps.filter((r) => this.stamps.get(key(project, r.name)) !== Number(r.updated_at)).map((r) => r.name);
    const rows: Row[] = [];
    if (stale.length > stamps.length / 2) rows.push(...(await this.sql.query<Row>(sql.listModels, [project])));
    else {
      for (let i = 0; i < stale.length; i += 500) {
        const chunk = stale.slice(i, i + 500);
        rows.push(...(await this.sql.query<Row>(sql.definitionsByName(chunk.length), [project, ...chunk])));
      }
    }
    for (const row of rows) {
      this.parse(project, row.name, row.definition);
      this.stamps.set(key(project, row.name), Number(row.updated_at));
    }
    const listed: { name: string; served: ServedModel | InvalidDataError }[] = [];
    for (const { name } of stamps) {
      const served = this.parsed.get(key(project, name))?.served;
      if (served !== undefined) listed.push({ name, served });
    }
    return listed;
  }

  private async find(project: string, name: string): Promise<ServedModel | InvalidDataError | undefined> {
    const declared = this.declared.get(key(project, name));
    if (declared) return declared;
    const [row] = await this.sql.query<{ definition: string }>(sql.getModel, [project, name]);
    if (row === undefined) return undefined;
    const k = key(project, name);
    // A model the listing parsed is read from there; any other goes to the bounded `found`, not to `parsed`,
    // which would grow by every model an executor ever described.
    return this.parse(project, name, row.definition, this.parsed.has(k) ? this.parsed : this.found);
  }

  /** The served model of a stored definition's text, parsed once per text and kept in `cache`. */
  private parse(project: string, name: string, text: string, cache: ParsedCache = this.parsed): ServedModel | InvalidDataError {
    const k = key(project, name);
    const known = cache.get(k);
    if (known?.text === text) return known.served;
    let served: ServedModel | InvalidDataError;
    try {
      const definition = { ...(JSON.parse(text) as Omit<ModelDefinition, 'project' | 'name'>), project, name };
      const problem = definitionProblem(definition);
      served = problem ? new InvalidDataError(`model ${project}/${name}: ${problem}`) : { definition, revision: modelRevision(definition) };
    } catch (err) {
      served = new InvalidDataError(`model ${project}/${name}: definition is not JSON`, { cause: err });
    }
    if (isInvalidDataError(served)) this.log.warn('invalid model definition skipped', { project, model: name, reason: served.message });
    cache.set(k, { text, served });
    return served;
  }

  private async resolveTags(names: readonly string[]): Promise<Map<string, SensorTag>> {
    const unique = [...new Set(names)];
    const rows =
      unique.length === 0
        ? []
        : await this.sql.query<{ name: string; asset: string; unit: string | null }>(sql.sensorsByName(unique.length), unique);
    return new Map(
      rows.map((r) => [r.name, r.unit === null ? { name: r.name, asset: r.asset } : { name: r.name, asset: r.asset, unit: r.unit }]),
    );
  }
}

/** A served model as listed: with its trigger when it has one of its own. */
function summaryOf({ definition, revision }: ServedModel): ModelSummary {
  const { project, name, trigger } = definition;
  return { project, name, revision, ...kindOf(definition), ...(trigger === undefined ? {} : { trigger }) };
}

/** The revision of a definition: 12 hex characters of a SHA-256 over its canonical JSON. Project and
 *  name are not part of it; an omitted `targetTags` hashes like one equal to `inputTags`. The trigger is not
 *  either: when windows run does not change what the model is, so changing it keeps the trained revision. */
export function modelRevision(definition: ModelDefinition): string {
  const canonical = canonicalJson({
    inputTags: definition.inputTags,
    targetTags: definition.targetTags ?? definition.inputTags,
    resolutionMs: definition.resolutionMs,
    trainingRange: [definition.trainingRange.fromMs, definition.trainingRange.toMs],
    parameters: definition.parameters ?? {},
    // Only when declared, so the revisions of models defined before kinds existed do not change.
    ...(definition.kind === undefined ? {} : { kind: definition.kind }),
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
  if (typeof d.project !== 'string' || d.project === '' || typeof d.name !== 'string' || d.name === '')
    return 'project and name must be non-empty';
  if (!isNames(d.inputTags)) return 'inputTags must be a non-empty list of sensor names';
  if (d.targetTags !== undefined && !isNames(d.targetTags)) return 'targetTags must be a non-empty list of sensor names';
  if (!Number.isInteger(d.resolutionMs) || d.resolutionMs <= 0)
    return `resolutionMs must be a positive whole number, got ${String(d.resolutionMs)}`;
  const range = d.trainingRange as Partial<TimeRange> | undefined;
  if (!range || !Number.isInteger(range.fromMs) || !Number.isInteger(range.toMs) || range.toMs! <= range.fromMs!) {
    return 'trainingRange must be { fromMs, toMs } with whole milliseconds and toMs after fromMs';
  }
  if (d.kind !== undefined) {
    const check = validateModelParameters(d.kind, d.parameters);
    if (!check.ok) return describeParameterIssues(check.issues);
  }
  if (d.parameters !== undefined && (typeof d.parameters !== 'object' || d.parameters === null || Array.isArray(d.parameters)))
    return 'parameters must be an object';
  return undefined;
}

/** JSON with object keys sorted at every level, so equal definitions hash equally. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => byCodeUnits(a, b));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** The listing carries the kind, so the scheduler routes tasks to executor pools without describing each model. */
function kindOf(definition: ModelDefinition): { kind?: string } {
  return definition.kind === undefined ? {} : { kind: definition.kind };
}

function key(project: string, name: string): string {
  return JSON.stringify([project, name]);
}

function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
