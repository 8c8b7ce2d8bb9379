import type { ServiceIdentifier } from 'inversify';
import type { PredictionSet } from '../domain/Prediction.js';
import type { CallOptions } from './CallOptions.js';

export interface StoreResult {
  /** Rows (or points, for backends that fan rows out) written. */
  readonly written: number;
  /** Values that were NaN or ±Infinity and could not be stored as numbers. */
  readonly droppedNonFinite: number;
}

/** Where predictions go. */
export interface PredictionStorageProvider {
  /**
   * Stores the set, idempotently: storing the same (model, revision, timestamp) again overwrites the
   * earlier value, so a redelivered task never duplicates rows. Resolves only once the rows are
   * durable. Throws ProviderError (retryable for outages).
   */
  store(predictions: PredictionSet, options?: CallOptions): Promise<StoreResult>;
}
export const PredictionStorageProvider: ServiceIdentifier<PredictionStorageProvider> = Symbol.for('latigo.PredictionStorageProvider');
