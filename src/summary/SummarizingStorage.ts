import type { CallOptions } from '../contracts/CallOptions.js';
import type { ModelInformationProvider } from '../contracts/ModelInformationProvider.js';
import type { PredictionStorageProvider, StoreResult } from '../contracts/PredictionStorageProvider.js';
import type { PredictionSet } from '../domain/Prediction.js';
import type { Clock } from '../runtime/clock.js';
import type { SummaryStore } from './SummaryStore.js';
import { windowStats } from './windowStats.js';

/**
 * The configured prediction storage, plus each stored window's share of its model's summary, so
 * `GET .../summary` combines one small row per window instead of reading predictions. Recorded after the
 * store committed; a failure fails the task like a failed store (retried; both writes are idempotent).
 */
export class SummarizingStorage implements PredictionStorageProvider {
  constructor(
    private readonly inner: PredictionStorageProvider,
    private readonly summaries: SummaryStore,
    private readonly models: ModelInformationProvider,
    private readonly clock: Clock,
  ) {}

  async store(predictions: PredictionSet, options?: CallOptions): Promise<StoreResult> {
    const result = await this.inner.store(predictions, options);
    // describeModel is served from the registry's cache on the executor's path (it described the model for this task).
    const model = await this.models.describeModel(predictions.project, predictions.model, { revision: predictions.revision, ...options });
    await this.summaries.record(
      { project: predictions.project, name: predictions.model, revision: predictions.revision },
      windowStats(predictions, model.resolutionMs),
      this.clock(),
    );
    return result;
  }
}
