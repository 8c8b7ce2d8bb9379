/** Milliseconds per pandas offset alias unit (Gordo's `dataset.resolution`, e.g. `10T`, `10min`, `30S`, `1H`). */
const UNITS: Record<string, number> = {
  L: 1, ms: 1, S: 1_000, s: 1_000, T: 60_000, min: 60_000, H: 3_600_000, h: 3_600_000, D: 86_400_000,
};

/** `10T` -> 600000. Case matters, as in pandas (`MS` is month start, not milliseconds). Throws RangeError for what is not a fixed-length alias (months, business days, sub-ms). */
export function parsePandasResolution(alias: string): number {
  const match = /^\s*(\d+)?\s*([A-Za-z]+)\s*$/.exec(alias);
  const unit = match ? UNITS[match[2]!] : undefined;
  const count = match?.[1] === undefined ? 1 : Number(match[1]);
  if (!match || unit === undefined || !(count > 0)) {
    throw new RangeError(`resolution "${alias}" is not a pandas offset alias of fixed length (such as 10T, 10min, 30S, 1H, 1D, 500L)`);
  }
  return count * unit;
}
