import type { CallOptions } from '../../src/contracts/CallOptions.js';
import type { DescribeModelOptions, ModelInformationProvider } from '../../src/contracts/ModelInformationProvider.js';
import type { ModelDescription, ModelSummary } from '../../src/domain/ModelDescription.js';
import { NotFoundError, throwIfAborted } from '../../src/runtime/errors.js';
import type { Logger } from '../../src/runtime/logger.js';
import type { CustomResource, GordoResourceClientLike } from './client.js';
import { describeModelResource, LABEL_MODEL, LABEL_PROJECT, LABEL_REVISION, modelEntry, type ModelEntry } from './modelResource.js';

/** Descriptions kept per process: one per model and revision of a large plant. */
const DESCRIPTION_CACHE_SIZE = 20_000;

/** A model of a project's current revision, with its build phase ('Pending': in the project config, no Model resource yet). */
export interface ModelPhaseEntry extends ModelSummary {
  readonly phase: ModelEntry['phase'] | 'Pending';
  readonly reason?: string;
}

/**
 * The models gordo-controller knows, from the `gordos.equinor.com` and `models.equinor.com` resources of
 * one namespace. A project's current revision is its Gordo's `status.project-revision`; of that revision's
 * Model resources, only those whose phase is Succeeded are listed (scheduled). Failed, in-progress and
 * not-yet-created models are reported: a warning when that set changes, and `listModelPhases`.
 */
export class KubernetesModelInformationProvider implements ModelInformationProvider {
  private readonly reported = new Map<string, string>();
  /** Descriptions of Succeeded models by (project, name, revision): a built revision's definition never changes. */
  private readonly described = new Map<string, ModelDescription>();

  constructor(
    private readonly client: GordoResourceClientLike,
    private readonly options: { projects?: readonly string[] },
    private readonly log: Logger,
  ) {}

  async listProjects(options?: CallOptions): Promise<string[]> {
    const names = (await this.client.listGordos(options)).map((g) => g.metadata?.name).filter((n): n is string => typeof n === 'string');
    const wanted = this.options.projects;
    return [...new Set(names)].filter((n) => wanted === undefined || wanted.includes(n)).sort();
  }

  async listModels(project: string, options?: CallOptions): Promise<ModelSummary[]> {
    return (await this.listModelPhases(project, options))
      .filter((m) => m.phase === 'Succeeded')
      .map(({ project: p, name, revision }) => ({ project: p, name, revision }));
  }

  /** Every model of the project's current revision with its phase, ordered by name; [] for an unknown project. */
  async listModelPhases(project: string, options?: CallOptions): Promise<ModelPhaseEntry[]> {
    throwIfAborted(options?.signal);
    const gordo = await this.gordo(project, options);
    const revision = gordo?.status?.['project-revision'];
    if (gordo === undefined || typeof revision !== 'string') return [];
    const entries = await this.entries(project, revision, undefined, options);
    const byName = new Map<string, ModelPhaseEntry>();
    for (const e of entries)
      byName.set(e.name, { project, name: e.name, revision: e.revision, phase: e.phase, ...(e.reason ? { reason: e.reason } : {}) });
    // Models of the project config whose Model resource the workflow has not created yet.
    for (const name of configuredModels(gordo)) if (!byName.has(name)) byName.set(name, { project, name, revision, phase: 'Pending' });
    const all = [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    this.report(project, revision, all);
    return all;
  }

  async modelExists(project: string, name: string, options?: CallOptions): Promise<boolean> {
    return (await this.listModels(project, options)).some((m) => m.name === name);
  }

  async describeModel(project: string, name: string, options: DescribeModelOptions = {}): Promise<ModelDescription> {
    throwIfAborted(options.signal);
    let revision = options.revision;
    if (revision === undefined) {
      const current = (await this.gordo(project, options))?.status?.['project-revision'];
      if (typeof current !== 'string') throw new NotFoundError(`no Gordo project "${project}" with a revision in the namespace`);
      revision = current;
    }
    const key = JSON.stringify([project, name, revision]);
    const cached = this.described.get(key);
    if (cached !== undefined) return cached;
    const [entry] = await this.entries(project, revision, name, options);
    if (entry === undefined) throw new NotFoundError(`no Model resource for ${project}/${name} at revision ${revision}`);
    if (entry.phase !== 'Succeeded')
      throw new NotFoundError(
        `model ${project}/${name} at revision ${revision} is ${entry.phase}${entry.reason ? `: ${entry.reason}` : ''}`,
      );
    const description = describeModelResource(project, entry);
    if (this.described.size >= DESCRIPTION_CACHE_SIZE) this.described.delete(this.described.keys().next().value!);
    this.described.set(key, description);
    return description;
  }

  private async gordo(project: string, options?: CallOptions): Promise<CustomResource | undefined> {
    if (this.options.projects !== undefined && !this.options.projects.includes(project)) return undefined;
    return this.client.getGordo(project, options);
  }

  /** Model resources of a project revision (and one model name), by the workflow's labels. */
  private async entries(project: string, revision: string, name: string | undefined, options?: CallOptions): Promise<ModelEntry[]> {
    const selector = [
      `${LABEL_PROJECT}=${project}`,
      `${LABEL_REVISION}=${revision}`,
      ...(name === undefined ? [] : [`${LABEL_MODEL}=${name}`]),
    ].join(',');
    return (await this.client.listModels(selector, options))
      .map(modelEntry)
      .filter((e): e is ModelEntry => e !== undefined && e.revision === revision);
  }

  private report(project: string, revision: string, all: readonly ModelPhaseEntry[]): void {
    const waiting = all.filter((m) => m.phase !== 'Succeeded');
    const fingerprint = `${revision}:${waiting.map((m) => `${m.name}=${m.phase}`).join(',')}`;
    if (this.reported.get(project) === fingerprint) return;
    this.reported.set(project, fingerprint);
    if (waiting.length === 0) return;
    const failed = waiting.filter((m) => m.phase === 'Failed');
    this.log.warn('models not built at the current revision; not scheduled', {
      project,
      revision,
      notReady: waiting.length,
      failed: failed.length,
      models: waiting.slice(0, 20).map((m) => `${m.name} (${m.phase}${m.reason ? `: ${m.reason.slice(0, 100)}` : ''})`),
    });
  }
}

/** Model names in a Gordo's `spec.config` (`machines`, or `models` as the controller also accepts). */
function configuredModels(gordo: CustomResource): string[] {
  const config = gordo.spec?.['config'] as Record<string, unknown> | undefined;
  const list = config?.['machines'] ?? config?.['models'];
  if (!Array.isArray(list)) return [];
  return list
    .map((m) => (typeof m === 'object' && m !== null ? (m as Record<string, unknown>)['name'] : undefined))
    .filter((n): n is string => typeof n === 'string');
}
