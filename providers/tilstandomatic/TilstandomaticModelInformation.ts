import type { CallOptions } from '../../src/contracts/CallOptions.js';
import type { DescribeModelOptions, ModelInformationProvider } from '../../src/contracts/ModelInformationProvider.js';
import type { ModelDescription, ModelPhaseSummary, ModelSummary } from '../../src/domain/index.js';
import { NotFoundError } from '../../src/runtime/errors.js';
import type { TilstandomaticCatalogue } from './TilstandomaticCatalogue.js';

/**
 * Every machine of the catalogue's Gordo projects is a model; only its current revision is served. Machines
 * that could not be read are listed by `listModelPhases` (phase `Invalid`, with the reason), so
 * `latigo models list` shows them beside the valid ones.
 */
export class TilstandomaticModelInformation implements ModelInformationProvider {
  constructor(private readonly catalogue: TilstandomaticCatalogue) {}

  async listProjects(options: CallOptions = {}): Promise<string[]> {
    return [...(await this.catalogue.get(options.signal)).models.keys()].sort(byCodeUnits);
  }

  async listModels(project: string, options: CallOptions = {}): Promise<ModelSummary[]> {
    const models = (await this.catalogue.get(options.signal)).models.get(project);
    return [...(models?.values() ?? [])]
      .map((m) => ({ project: m.project, name: m.name, revision: m.revision }))
      .sort((a, b) => byCodeUnits(a.name, b.name));
  }

  async modelExists(project: string, name: string, options: CallOptions = {}): Promise<boolean> {
    return (await this.catalogue.get(options.signal)).models.get(project)?.has(name) ?? false;
  }

  async listModelPhases(project: string, options: CallOptions = {}): Promise<ModelPhaseSummary[]> {
    const catalogue = await this.catalogue.get(options.signal);
    const valid = [...(catalogue.models.get(project)?.values() ?? [])].map((m) => ({
      project,
      name: m.name,
      revision: m.revision,
      phase: 'Valid',
    }));
    const invalid = catalogue.problems
      .filter((p) => p.project === project)
      .map((p) => ({ project, name: p.machine, revision: '-', phase: 'Invalid', reason: p.reason }));
    return [...valid, ...invalid].sort((a, b) => byCodeUnits(a.name, b.name));
  }

  async describeModel(project: string, name: string, options: DescribeModelOptions = {}): Promise<ModelDescription> {
    const model = (await this.catalogue.get(options.signal)).models.get(project)?.get(name);
    if (!model) throw new NotFoundError(`model ${project}/${name} is not in the Tilstandomatic catalogue`);
    if (options.revision !== undefined && options.revision !== model.revision) {
      throw new NotFoundError(
        `model ${project}/${name} is at revision ${model.revision}; revision ${options.revision} is no longer defined`,
      );
    }
    return model;
  }
}

export function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
