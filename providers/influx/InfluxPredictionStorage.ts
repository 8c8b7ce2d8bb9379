import type { CallOptions } from '../../src/contracts/CallOptions.js';
import type { PredictionStorageProvider, StoreResult } from '../../src/contracts/PredictionStorageProvider.js';
import type { PredictionSet } from '../../src/domain/Prediction.js';
import { throwIfAborted } from '../../src/runtime/errors.js';
import type { Logger } from '../../src/runtime/logger.js';
import type { InfluxClientLike } from './client.js';
import type { PredictionLayout } from './config.js';
import { PartialWriteError } from './errors.js';
import { forecastLines, predictionLines, tagOrderLines } from './predictionLines.js';

/**
 * Writes predictions as InfluxDB points (predictionLines.ts), `batch_size` lines per request. Writes are
 * idempotent (same series and time overwrite), so a retried batch or a redelivered task rewrites the same
 * points. A value that is NaN or infinite is not written and is counted; a point rewritten as NaN keeps
 * its earlier value, as InfluxDB cannot delete one field of a point. A forecast goes out as named series
 * beside the rows (predictionLines.ts, forecastLines).
 */
export class InfluxPredictionStorage implements PredictionStorageProvider {
  constructor(
    private readonly client: InfluxClientLike,
    private readonly layout: PredictionLayout,
    private readonly log: Logger,
  ) {}

  async store(predictions: PredictionSet, options?: CallOptions): Promise<StoreResult> {
    throwIfAborted(options?.signal);
    const rows = predictionLines(predictions, this.layout);
    const forecast = forecastLines(predictions, this.layout);
    const lines = [...rows.lines, ...forecast.lines];
    // The order of the tag names, beside the rows and beside the forecast, for the reader (InfluxPredictionReader).
    const first = predictions.rows[0]?.timeMs;
    if (first !== undefined) lines.push(...tagOrderLines(predictions, this.layout, first));
    if (predictions.forecast !== undefined && predictions.forecast.issuedAtMs !== first)
      lines.push(...tagOrderLines(predictions, this.layout, predictions.forecast.issuedAtMs));
    const droppedNonFinite = rows.droppedNonFinite + forecast.droppedNonFinite;
    const { batchSize } = this.layout;
    let dropped = 0;
    let firstPartial: PartialWriteError | undefined;
    for (let start = 0; start < lines.length; start += batchSize) {
      try {
        await this.client.writeLines(
          start === 0 && lines.length <= batchSize ? lines : lines.slice(start, start + batchSize),
          options?.signal,
        );
      } catch (err) {
        // The server stored the rest of that batch; write the other batches too, then report every drop.
        if (!(err instanceof PartialWriteError)) throw err;
        dropped += err.droppedPoints;
        firstPartial ??= err;
      }
    }
    if (firstPartial !== undefined) {
      throw new PartialWriteError(
        `influx.write: ${dropped} of ${lines.length} point(s) of ${predictions.project}/${predictions.model} ` +
          `were dropped by the server: ${firstPartial.message}`,
        dropped,
        { cause: firstPartial },
      );
    }
    if (droppedNonFinite > 0) {
      this.log.debug('non-finite prediction values not written', {
        project: predictions.project,
        model: predictions.model,
        count: droppedNonFinite,
      });
    }
    return { written: predictions.rows.length + (predictions.forecast?.points.length ?? 0), droppedNonFinite };
  }
}
