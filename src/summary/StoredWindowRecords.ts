import type { ModelDescription } from '../domain/ModelDescription.js';
import type { PredictionSet } from '../domain/Prediction.js';
import type { EpisodeStore } from '../episodes/EpisodeStore.js';
import type { Clock } from '../runtime/clock.js';
import { recordStatement } from './SummaryStore.js';
import { windowStats } from './windowStats.js';

/**
 * What an executor records after it stored a window: the window's share of its model's summary, so
 * `GET .../summary` combines one small row per window instead of reading predictions, and the anomaly
 * episodes around it. Both go in the episode store's record transaction: one commit a window, not two
 * (each commit of an executor also empties the other processes' SQLite page caches).
 */
export class StoredWindowRecords {
  constructor(
    private readonly episodes: EpisodeStore,
    private readonly clock: Clock,
  ) {}

  record(predictions: PredictionSet, model: ModelDescription): Promise<unknown> {
    const ref = { project: predictions.project, name: predictions.model, revision: predictions.revision };
    const summary = recordStatement(ref, windowStats(predictions, model.resolutionMs), this.clock());
    return this.episodes.record(predictions, model.resolutionMs, [summary]);
  }
}
