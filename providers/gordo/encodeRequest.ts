import type { SensorTag } from '../../src/domain/SensorTag.js';

/**
 * The row key pandas writes for a UTC timestamp: `2020-04-10 07:00:00+00:00`, fractional seconds only
 * when non-zero (as microseconds). The server parses either form; we send what it sends back.
 */
export function pandasTimestampKey(timeMs: number): string {
  const iso = new Date(timeMs).toISOString(); // 2020-04-10T07:00:00.000Z
  const millis = iso.slice(20, 23);
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${millis === '000' ? '' : `.${millis}000`}+00:00`;
}

/**
 * The JSON body of a prediction request for rows [start, end): `{"X": {tag: {time: value}}, "y": ...}`,
 * column-first as pandas `to_dict()` writes it (reference 1.4 A). Built as text: one pass, keys encoded once.
 */
export function encodePredictionBody(
  keys: readonly string[],
  xTags: readonly SensorTag[],
  x: readonly Float64Array[],
  yTags: readonly SensorTag[],
  y: readonly Float64Array[],
  start: number,
  end: number,
): string {
  const quotedKeys: string[] = [];
  for (let i = start; i < end; i++) quotedKeys.push(JSON.stringify(keys[i]));
  const frame = (tags: readonly SensorTag[], columns: readonly Float64Array[]): string => {
    const parts: string[] = [];
    tags.forEach((tag, c) => {
      const column = columns[c]!;
      const cells: string[] = [];
      for (let i = start; i < end; i++) cells.push(`${quotedKeys[i - start]}:${column[i]}`);
      parts.push(`${JSON.stringify(tag.name)}:{${cells.join(',')}}`);
    });
    return `{${parts.join(',')}}`;
  };
  return `{"X":${frame(xTags, x)},"y":${frame(yTags, y)}}`;
}
