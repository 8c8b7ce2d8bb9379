import type { CallOptions } from '../../src/contracts/CallOptions.js';
import type { DescribeModelOptions, ModelInformationProvider } from '../../src/contracts/ModelInformationProvider.js';
import type { ModelDescription, ModelSummary } from '../../src/domain/ModelDescription.js';
import { NotFoundError, throwIfAborted, isNotFoundError } from '../../src/runtime/errors.js';
import type { Logger } from '../../src/runtime/logger.js';
import type { GordoClientLike } from './client.js';
import { GordoModelCache } from './GordoModelCache.js';
import { toModelDescription } from './metadata.js';
import { cacheKey, PromiseCache } from './PromiseCache.js';

export interface GordoModelInformationOptions {
  readonly projects: readonly string[];
  /** Shared with the process's GordoModelExecutionProvider; a cache of its own when omitted. */
  readonly models?: GordoModelCache;
}

/**
 * The models the Gordo servers serve. Projects come from configuration; a project's models are those
 * `/models` lists for the server's latest revision. A model that `/expected-models` names but that is not
 * built yet is reported (a warning when the set changes, and `listModelPhases`) instead of scheduled.
 * Metadata and expected models are cached per (project, revision): a revision's files never change.
 */
export class GordoModelInformationProvider implements ModelInformationProvider {
  private readonly projects: readonly string[];
  private readonly metadata: GordoModelCache;
  private readonly expected: PromiseCache<string[]>;
  private readonly reportedBuilding = new Map<string, string>();

  constructor(
    private readonly client: GordoClientLike,
    options: GordoModelInformationOptions,
    private readonly log: Logger,
  ) {
    this.projects = [...new Set(options.projects)].sort();
    this.metadata = options.models ?? new GordoModelCache(client);
    this.expected = new PromiseCache(1_000);
  }

  // eslint-disable-next-line @typescript-eslint/require-await -- async turns throwIfAborted into the rejection the contract promises
  async listProjects(options?: CallOptions): Promise<string[]> {
    throwIfAborted(options?.signal);
    return [...this.projects];
  }

  async listModels(project: string, options?: CallOptions): Promise<ModelSummary[]> {
    const phases = await this.listModelPhases(project, options);
    return phases.filter((m) => m.phase === 'built').map(({ project: p, name, revision }) => ({ project: p, name, revision }));
  }

  /**
   * Every model of the project's latest revision: `built` (listed by `/models`) or `building` (expected,
   * not built yet), ordered by name. Reports a change in the building set once, as a warning.
   */
  async listModelPhases(project: string, options?: CallOptions): Promise<(ModelSummary & { phase: 'built' | 'building' })[]> {
    throwIfAborted(options?.signal);
    if (!this.projects.includes(project)) return [];
    let revision: string;
    try {
      revision = (await this.client.revisions(project, options)).latest;
    } catch (err) {
      if (isNotFoundError(err)) return []; // the gateway does not serve the project (yet)
      throw err;
    }
    const [built, expected] = await Promise.all([
      this.client.models(project, revision, options),
      this.expected.get(cacheKey(project, revision), () => this.client.expectedModels(project, revision), options?.signal),
    ]);
    const builtSet = new Set(built);
    const building = expected.filter((name) => !builtSet.has(name)).sort();
    this.reportBuilding(project, revision, building, expected.length);
    return [
      ...[...builtSet].map((name) => ({ project, name, revision, phase: 'built' as const })),
      ...building.map((name) => ({ project, name, revision, phase: 'building' as const })),
    ].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async modelExists(project: string, name: string, options?: CallOptions): Promise<boolean> {
    return (await this.listModels(project, options)).some((m) => m.name === name);
  }

  async describeModel(project: string, name: string, options: DescribeModelOptions = {}): Promise<ModelDescription> {
    throwIfAborted(options.signal);
    if (!this.projects.includes(project)) throw new NotFoundError(`gordo project "${project}" is not configured (model_info.projects)`);
    const revision = options.revision ?? (await this.client.revisions(project, options)).latest;
    return toModelDescription(await this.metadata.get(project, name, revision, options.signal));
  }

  private reportBuilding(project: string, revision: string, building: readonly string[], expected: number): void {
    const fingerprint = `${revision}:${building.join('\u0000')}`;
    if (this.reportedBuilding.get(project) === fingerprint) return;
    this.reportedBuilding.set(project, fingerprint);
    if (building.length === 0) return;
    this.log.warn('expected models not built yet; not scheduled until they are', {
      project,
      revision,
      building: building.length,
      expected,
      models: building.slice(0, 20),
    });
  }
}
