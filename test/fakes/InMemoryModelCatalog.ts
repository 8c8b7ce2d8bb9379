import type { CallOptions } from '../../src/contracts/CallOptions.js';
import type { DescribeModelOptions, ModelInformationProvider } from '../../src/contracts/ModelInformationProvider.js';
import { modelKey, type ModelDescription, type ModelSummary } from '../../src/domain/ModelDescription.js';
import { NotFoundError } from '../../src/runtime/errors.js';

/**
 * A ModelInformationProvider whose catalogue tests change while it is in use: add models, publish new
 * revisions, remove models, make listing fail. Every revision put stays describable; the last one put is
 * current. A model given only as a summary is described with no tags, 10 s resolution and an empty-history
 * training range: enough for scheduling tests, which never describe models.
 */
export class InMemoryModelCatalog implements ModelInformationProvider {
  private readonly projects = new Map<string, Map<string, ModelDescription[]>>();
  private listingError: Error | undefined;

  constructor(models: Iterable<ModelSummary | ModelDescription> = []) {
    for (const model of models) this.put(model);
  }

  /** Adds the model, or publishes a new current revision of it. */
  put(model: ModelSummary | ModelDescription): void {
    const described =
      'inputTags' in model
        ? model
        : {
            ...model,
            inputTags: [],
            targetTags: [],
            resolutionMs: 10_000,
            trainingRange: { fromMs: 0, toMs: 1 },
          };
    let models = this.projects.get(model.project);
    if (models === undefined) this.projects.set(model.project, (models = new Map<string, ModelDescription[]>()));
    models.set(model.name, [...(models.get(model.name) ?? []).filter((m) => m.revision !== model.revision), described]);
  }

  remove(project: string, name: string): void {
    const models = this.projects.get(project);
    models?.delete(name);
    if (models?.size === 0) this.projects.delete(project);
  }

  /** While set, listProjects and listModels reject with `error`; `undefined` heals the catalogue. */
  failListing(error: Error | undefined): void {
    this.listingError = error;
  }

  async listProjects(options?: CallOptions): Promise<string[]> {
    options?.signal?.throwIfAborted();
    if (this.listingError) throw this.listingError;
    return [...this.projects.keys()].sort();
  }

  async listModels(project: string, options?: CallOptions): Promise<ModelSummary[]> {
    options?.signal?.throwIfAborted();
    if (this.listingError) throw this.listingError;
    const models = this.projects.get(project);
    if (models === undefined) return [];
    return [...models.keys()].sort().map((name) => {
      const { revision } = models.get(name)!.at(-1)!;
      return { project, name, revision };
    });
  }

  async modelExists(project: string, name: string, options?: CallOptions): Promise<boolean> {
    options?.signal?.throwIfAborted();
    return this.projects.get(project)?.has(name) ?? false;
  }

  async describeModel(project: string, name: string, options?: DescribeModelOptions): Promise<ModelDescription> {
    options?.signal?.throwIfAborted();
    const revisions = this.projects.get(project)?.get(name) ?? [];
    const found = options?.revision === undefined ? revisions.at(-1) : revisions.find((m) => m.revision === options.revision);
    if (found === undefined) {
      const what = options?.revision === undefined ? '' : ` at revision ${options.revision}`;
      throw new NotFoundError(`model ${modelKey({ project, name })}${what} does not exist`);
    }
    return found;
  }
}
