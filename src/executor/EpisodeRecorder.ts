import type { PredictionSet } from '../domain/Prediction.js';

/**
 * What the executor tells after a window's predictions are stored, so anomaly episodes (src/episodes)
 * follow the stored points. Kept narrow so the executor does not depend on the episode store. Its
 * failures are the task's: the window is retried, and storing again is idempotent.
 */
export interface EpisodeRecorder {
  record(predictions: PredictionSet, resolutionMs: number): Promise<unknown>;
}
