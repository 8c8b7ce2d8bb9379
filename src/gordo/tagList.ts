import type { SensorTag } from '../domain/SensorTag.js';
import { InvalidDataError } from '../runtime/errors.js';

/**
 * A Gordo `tag_list` / `target_tag_list`: entries are names, or objects with at least `name` (and
 * optionally `asset` and `unit`). Names are never trimmed: they may hold spaces. Throws InvalidDataError
 * naming `field` (and the entry) for anything else.
 */
export function readGordoTagList(value: unknown, field: string): SensorTag[] {
  if (!Array.isArray(value)) throw new InvalidDataError(`${field} must be a list of tags`);
  return value.map((entry: unknown, i) => {
    if (typeof entry === 'string') return { name: entry, asset: '' };
    const e = typeof entry === 'object' && entry !== null ? (entry as Record<string, unknown>) : undefined;
    if (e !== undefined && typeof e['name'] === 'string') {
      return {
        name: e['name'],
        asset: typeof e['asset'] === 'string' ? e['asset'] : '',
        ...(typeof e['unit'] === 'string' ? { unit: e['unit'] } : {}),
      };
    }
    throw new InvalidDataError(`${field}[${i}] is neither a tag name nor an object with a name`);
  });
}

/** The resolution Gordo uses when a dataset names none. */
export const GORDO_DEFAULT_RESOLUTION = '10T';
