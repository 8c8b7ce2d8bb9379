import type { ModelDescription } from '../domain/ModelDescription.js';
import type { PredictionSet } from '../domain/Prediction.js';

/**
 * What the executor records after a window's predictions are stored: the window's share of its model's
 * summary (src/summary) and the anomaly episodes that follow the stored points (src/episodes). Kept narrow
 * so the executor depends on neither. Its failures are the task's: the window is retried, and storing
 * again is idempotent.
 */
export interface StoredWindowRecorder {
  record(predictions: PredictionSet, model: ModelDescription): Promise<unknown>;
}
