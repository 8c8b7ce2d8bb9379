import { InvalidDataError } from '../../src/runtime/errors.js';

/** Milliseconds per pandas offset alias unit; both the old (`T`, `S`, `L`, `H`) and new (`min`, `s`, `ms`, `h`) spellings. */
const UNIT_MS: Readonly<Record<string, number>> = {
  d: 86_400_000, h: 3_600_000, t: 60_000, min: 60_000, s: 1_000, l: 1, ms: 1,
};

/**
 * A pandas frequency alias as Gordo writes `dataset.resolution` (`10T`, `10min`, `30S`, `1H`, `1D`, `500L`)
 * in milliseconds. Fixed-length units only: a calendar frequency (`M`, `W-MON`, `B`) cannot be a model's
 * sampling period, so it is refused with InvalidDataError naming the value.
 */
export function parsePandasResolution(alias: string): number {
  const match = /^\s*(\d*)\s*([a-zA-Z]+)\s*$/.exec(alias);
  const unit = match ? UNIT_MS[match[2]!.toLowerCase()] : undefined;
  const count = match && match[1] !== '' ? Number(match[1]) : 1;
  if (unit === undefined || !(count > 0)) {
    throw new InvalidDataError(`resolution "${alias}" is not a fixed pandas frequency such as 10T, 10min, 30S or 1H`);
  }
  return count * unit;
}
