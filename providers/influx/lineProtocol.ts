/**
 * Line protocol, as both API modes write it. Names passed here are already storable (names.ts): what is
 * left to do is escaping the separators. Values are always floats (no `i` or `u` suffix), so a field
 * never changes type; a non-finite value has no line-protocol form and must be left out by the caller.
 */
const MEASUREMENT_SPECIALS = /[, ]/g;
const KEY_SPECIALS = /[,= ]/g;

export function escapeMeasurement(name: string): string {
  return name.replace(MEASUREMENT_SPECIALS, '\\$&');
}

/** Tag keys, tag values and field keys. */
export function escapeKey(name: string): string {
  return name.replace(KEY_SPECIALS, '\\$&');
}

/** `measurement,k=v,...` with tags in the order given; tags with an empty value are left out (line protocol refuses them). */
export function seriesKey(measurement: string, tags: readonly (readonly [string, string])[]): string {
  let key = escapeMeasurement(measurement);
  for (const [k, v] of tags) if (v !== '') key += `,${escapeKey(k)}=${escapeKey(v)}`;
  return key;
}

/** One point: `<series key> <field>=<value> <timeMs>`, for writes with precision=ms. */
export function pointLine(escapedSeriesKey: string, escapedField: string, value: number, timeMs: number): string {
  return `${escapedSeriesKey} ${escapedField}=${floatLiteral(value)} ${timeMs}`;
}

/** A finite number as a line-protocol float; whole numbers stay floats because the field's type is float. */
export function floatLiteral(value: number): string {
  if (!Number.isFinite(value)) throw new RangeError(`line protocol cannot carry ${value}`);
  return String(value);
}
