import { InvalidDataError } from '../runtime/errors.js';
import type { Rejection } from './ParsedChunk.js';
import { describeLocation } from './ParsedChunk.js';

/**
 * An input that cannot be read at all (a CSV header without a time column, a JSON body that is not an
 * array of objects, a body over the size limit): no row is stored. `location` names where, `field` the
 * request input to blame (`body`, `query.time_column`).
 */
export class IngestInputError extends InvalidDataError {
  constructor(
    readonly reason: string,
    readonly location: Omit<Rejection, 'reason'> | undefined,
    readonly field = 'body',
    readonly status = 400,
  ) {
    super(location === undefined ? reason : `${describeLocation(location)}: ${reason}`);
  }
}
