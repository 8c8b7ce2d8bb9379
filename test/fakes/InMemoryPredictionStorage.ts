import type { CallOptions } from '../../src/contracts/CallOptions.js';
import type { PredictionStorageProvider, StoreResult } from '../../src/contracts/PredictionStorageProvider.js';
import type { PredictionRow, PredictionSet } from '../../src/domain/Prediction.js';

/**
 * A PredictionStorageProvider in a map keyed like the real sinks: (project, model, revision, timestamp),
 * so storing a set again overwrites instead of duplicating. Non-finite values are dropped and counted.
 */
export class InMemoryPredictionStorage implements PredictionStorageProvider {
  /** Calls of `store`, including repeats of the same set. */
  storeCalls = 0;
  private readonly rows = new Map<string, PredictionRow>();

  async store(predictions: PredictionSet, options?: CallOptions): Promise<StoreResult> {
    options?.signal?.throwIfAborted();
    this.storeCalls++;
    let droppedNonFinite = 0;
    for (const row of predictions.rows) {
      const finite = (v: number) => {
        if (Number.isFinite(v)) return true;
        droppedNonFinite++;
        return false;
      };
      // Stored as the sinks do: a non-finite number becomes a missing value (NaN here), never a stored Infinity.
      const clean = (values: readonly number[]) => values.map((v) => (finite(v) ? v : Number.NaN));
      this.rows.set(rowKey(predictions, row.timeMs), {
        ...row,
        outputs: clean(row.outputs),
        contributions: clean(row.contributions),
        totalAnomaly: finite(row.totalAnomaly) ? row.totalAnomaly : Number.NaN,
      });
    }
    return { written: predictions.rows.length, droppedNonFinite };
  }

  /** Rows stored for one model revision, ordered by time. */
  rowsOf(project: string, model: string, revision: string): PredictionRow[] {
    const prefix = JSON.stringify([project, model, revision]).slice(0, -1);
    return [...this.rows.entries()]
      .filter(([k]) => k.startsWith(prefix + ','))
      .map(([, row]) => row)
      .sort((a, b) => a.timeMs - b.timeMs);
  }

  get size(): number {
    return this.rows.size;
  }
}

function rowKey(set: PredictionSet, timeMs: number): string {
  return JSON.stringify([set.project, set.model, set.revision, timeMs]);
}
