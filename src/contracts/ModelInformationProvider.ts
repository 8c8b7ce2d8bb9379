import type { ServiceIdentifier } from 'inversify';
import type { ModelDescription, ModelPhaseSummary, ModelSummary } from '../domain/ModelDescription.js';
import type { CallOptions } from './CallOptions.js';

/** The catalogue of models to keep predicting. */
export interface ModelInformationProvider {
  /** Project names, ordered. */
  listProjects(options?: CallOptions): Promise<string[]>;
  /** The models of a project that are ready to serve, each with its current revision, ordered by name.
   *  An unknown project yields []. */
  listModels(project: string, options?: CallOptions): Promise<ModelSummary[]>;
  modelExists(project: string, name: string, options?: CallOptions): Promise<boolean>;
  /**
   * The model at `revision` (the current one when omitted). Throws NotFoundError when the model or
   * that revision does not exist; ProviderError when the catalogue cannot be reached.
   */
  describeModel(project: string, name: string, options?: DescribeModelOptions): Promise<ModelDescription>;
  /**
   * Optional, for catalogues that build models (Gordo): every model of the project's current revision with
   * its build phase, those not ready included, ordered by name. `listModels` returns the ready ones.
   */
  listModelPhases?(project: string, options?: CallOptions): Promise<ModelPhaseSummary[]>;
}
export interface DescribeModelOptions extends CallOptions {
  revision?: string;
}
export const ModelInformationProvider: ServiceIdentifier<ModelInformationProvider> = Symbol.for('latigo.ModelInformationProvider');
